"""The record of one message being read: what was found so far, and what is left.

:class:`Scan` holds the message three ways: ``text`` as typed (normalised), ``low``
lower-cased, and ``work``, where every finder blanks (with spaces, so positions never
move) the words it understood. Finders in :mod:`intents.scan` and
:mod:`intents.delivery` fill it in; :mod:`intents.rules` decides from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from intents.columns import ColumnList, Limit
from intents.masking import Masks
from intents.models import Compression
from intents.option_words import OptionWords
from intents.schedule import Recurrence
from intents.timewords import Window
from intents.vocabulary import FormatHit

__all__ = ["Scan", "at_verb_place", "normalise", "note_verb"]

_PUNCTUATION = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}
)


def normalise(message: str) -> str:
    """One line, plain quotes and dashes, single spaces."""
    return " ".join(message.translate(_PUNCTUATION).split())


@dataclass
class Scan:
    """What one message says, piece by piece; spans index ``low`` (and ``text``)."""

    text: str  # the normalised message, as typed
    low: str
    work: str  # ``low`` with every understood part blanked
    formats: list[FormatHit] = field(default_factory=list)
    email: str | None = None
    emailed: bool = False  # "email me", "send it to", "to my inbox"
    unsupported_destination: str | None = None  # "send it to Slack": "Slack", named back
    compression: Compression | None = None
    compression_off: bool = False  # "not zipped", "uncompressed"
    compression_verb: bool = False  # "zip it", "gzip everything": a command by itself
    recurrence: Recurrence | None = None
    window: Window | None = None
    limit: Limit | None = None
    columns: ColumnList | None = None
    exclude: ColumnList | None = None
    masks: Masks | None = None  # "mask the emails" (intents.masking)
    verb: tuple[int, int] | None = None  # the export command ("export", "download")
    verb_imperative: bool = False  # the command opens a clause ("..., export it"), not "we export"
    verb_is_schedule: bool = False  # "schedule this", "set up a recurring export"
    verb_needs_format: bool = False  # "give me", "make", "turn": an export only with a format
    conversation: bool = False
    history: bool = False  # "all my queries", "what I ran": past results, window or not
    history_if_window: bool = False  # "everything", "the results": past results with a window
    everything: bool = False
    reference: tuple[int, int] | None = None  # "this", "it", "the results"
    followup: bool = False  # "same", "again", "too", "instead", "this time"
    leftover: str = ""  # the unplaced words, in the user's spelling
    content_start: int = -1  # where the first unplaced real word is (-1: none)
    only_formats: bool = False  # nothing but format words: "csv or excel, whatever"
    options: OptionWords = field(default_factory=OptionWords)  # "with semicolons" (#16)
    only_new: bool = False  # "only new rows", "since my last export" (issue 21)

    def blank(self, span: tuple[int, int]) -> None:
        start, end = span
        self.work = self.work[:start] + " " * (end - start) + self.work[end:]


_VERB_PLACE = regex.compile(
    r"(?:^|[,.;:!?(\-]|\b(?:and|then|please|pls|plz|kindly|just|now|also|so|ok|okay|to|you|u"
    r"|i|we|let's|lets|me|yes|yeah|sure|actually|hey|hi|thanks|first|quickly|simply|can|could"
    r"|would|will|should|must|ahead|but|instead|rather|again|finally|next|lastly|then|'d|'ll"
    r"|id|ill|pls|mind|about|of|try))"
    r"\s*$"
)


_IMPERATIVE_PLACE = regex.compile(
    r"(?:^|[,.;:!?(\-]|\b(?:and|then|please|pls|plz|kindly|just|now|also|so|ok|okay|but))\s*$"
)


def at_verb_place(scan: Scan, start: int) -> bool:
    """Whether a verb at ``start`` stands where a command does ("please export", "and send")."""
    return bool(_VERB_PLACE.search(scan.work[max(0, start - 30) : start]))


def note_verb(scan: Scan, span: tuple[int, int], command_start: int) -> None:
    """Record the export command found at ``span`` (the first one wins)."""
    if scan.verb is None:
        scan.verb = span
    before = scan.work[max(0, command_start - 30) : command_start]
    scan.verb_imperative |= bool(_IMPERATIVE_PLACE.search(before))
