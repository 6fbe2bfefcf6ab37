"""The offline rules parser: one chat message → one :class:`ExportRequest`, no network.

Reading (:func:`intents.scan.scan_message`) comes first and decides nothing: addresses
and links are read and blanked before anything else (words inside them are never
formats, verbs or data); then formats, compression, the schedule, the time window,
limits, exclusions, columns, the delivery (email, or a place we cannot deliver to);
then the *asides* (:mod:`intents.asides`: politeness, reasons, the people a file is
for, indifference between formats) are blanked; then the export verb and what "this"
refers to. What no finder took is the *leftover*.

How a fresh message is decided (``_fresh``), first match wins:

1. nothing but greetings or thanks, or "never mind" → ``unknown``;
2. a question about the assistant ("what formats can you export?", "how do I
   schedule...?", "can you make PDFs?" without naming what to export), or about its own
   things ("show my export history", "what templates do I have?", "cancel my weekly
   email", "do you keep my history?") → ``help``;
3. an export that is refused or put off ("don't export yet, just sort by revenue",
   "I'll export it later, first show me revenue", "hold off on the csv") → a ``query``
   for the rest of the message when the rest asks for data, else ``unknown``;
4. a data question ("how many exports shipped...?", "which customers...?") with no
   export command and no "as <format>" → ``query``;
5. an export cue: an export verb in command position ("export", "download", "email me",
   "shoot it over", "zip it"), a format in a slot ("as csv", "a spreadsheet", "gimme
   xlsx", "on paper"), or nothing but format words ("csv or excel, whatever") →
   ``export``, or ``schedule`` when a recurrence ("every Monday at 9", "hourly at
   :30") or "schedule" goes with it. What it exports: the conversation, past results
   (with a time window), a new data question when the leftover *names data*
   (:func:`intents.asides.names_data`: a table or column word, a data noun, a filter),
   and otherwise the result on screen (the default target of a format or delivery
   ask). A destination we cannot deliver to is named in the question it asks;
6. nothing but export settings ("same but only 10 rows", "without the email column")
   with no earlier request to apply them to → an export of the result on screen, unsure;
7. small talk → ``unknown``; a remark whose words name no data ("the excel opened
   fine") → ``unknown``; anything else → ``query``.

Before that, a pending clarification is answered and follow-ups are applied to the last
request (see :mod:`intents.followup`).

Confidence (``RulesResult.confident``) is False when part of the message could not be
placed, so an LLM should have a look: words left over next to "this" ("export this
table of orders"), leftover words that name no data, a time window with nothing to
attach to, bare "everything", a column list that might be a filter ("only paid
orders"), a leftover negation, a message over 30 words, a "can you export to excel?"
that may be a request or a question, a schedule cron cannot say exactly ("every other
Monday"), "the last 10 rows" (the exporter keeps the first rows), and steps 6-7's
fallbacks. Everything else is a clear case and confident.
"""

from __future__ import annotations

import regex

from intents.asides import names_data
from intents.build import RulesResult, ask, choose_format, default_target
from intents.context import Context
from intents.followup import answer_pending, follow_up, recent_runs
from intents.models import Destination, ExportRequest, Intent, Target
from intents.scan import Scan, blank_window, scan_message
from intents.traps import (
    HelpKind,
    find_deferral,
    find_help,
    find_negated_export,
    is_cancel,
    is_off_topic,
    is_small_talk,
    pleasantry_end,
    question_lead,
    strip_query_lead,
)
from intents.vocabulary import Slot

__all__ = ["RulesResult", "parse_rules"]

_LONG_MESSAGE_WORDS = 30
# A statement typed as SQL, not English that starts with a SQL word ("select all orders
# from Berlin", "drop the id column" stay English): SQL shape after the keyword.
_SQL_STATEMENT = regex.compile(
    r"\s*(?:select\s+(?:[*\d'(]|(?:distinct|case|null|not)\b|[\w.\"]+\s*(?:[,(]|\b(?:from|as|union)\b|;?\s*$))"
    r"|with\s+(?:recursive\s+)?\w+\s+as\s*\(|values\s*\(|insert\s+into\b"
    r"|update\s+[\w.\"]+\s+set\b|delete\s+from\b|replace\s+into\b"
    r"|(?:drop|create|alter)\s+(?:temp\w*\s+)?(?:table|view|index|database|schema|trigger)\b"
    r"|truncate\s+(?:table\s+)?[\w.\"]+\s*;?\s*$|pragma\s+\w|attach\s+(?:database\s+)?'"
    r"|detach\s+\w|vacuum\b\s*;?\s*$|grant\s+\w+\s+on\b|revoke\s+\w+\s+on\b"
    r"|merge\s+into\b|explain\s+\w)",
    regex.IGNORECASE,
)
_NEGATION_LEFT = regex.compile(r"\b(?:not|don'?t|never|no|without|except)\b")
_QUERY_VERB = regex.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+|let\s+me\s+see\s+"
    r"|i\s+(?:want|need|'d\s+like)\s+to\s+(?:see|know)\s+)?"
    r"(?:show|list|display|find|get|give|fetch|pull|count|sum|total|average|compare|sort"
    r"|filter|group|rank|break\s+down|calculate|compute|look\s+up|search|tell\s+me|top|bottom)\b"
)
_REAL_WORD = regex.compile(r"\b(?!(?:yet|now|please|thanks|just|for|it|this|that|them)\b)[a-z]{2,}")
_ARTICLES = regex.compile(r"\s*(?:(?:all|the|of|some|my|our|every|each)\s+)*")
_BEFORE_DEFERRAL = regex.compile(
    r"(?:[\s,.;:!-]*\b(?:first|and|but|then|so|for\s+now))*[\s,.;:!-]*$"
)
_DEFERRED_REST = regex.compile(
    r"[\s,.;:!-]*(?:(?:but|just|instead|first|for\s+now|and|so|only)\b[\s,]*)*"
)


def parse_rules(message: str, context: Context) -> RulesResult:
    """How the rules read ``message`` in ``context``.

    >>> parse_rules("export this as a spreadsheet", Context.at("2026-11-18T15:30")).request.format
    <Format.XLSX: 'xlsx'>
    """
    if _SQL_STATEMENT.match(message):
        # Typed SQL is a query in its own words: the guard, not the grammar, judges it.
        return RulesResult(ExportRequest(intent=Intent.QUERY, query=message.strip()), True)
    scan = scan_message(message, context)
    # Hook (issue 16, follow-ups): "the last 3 results" are past query runs, not rows.
    return recent_runs(scan, context, _read(scan, context))


def _read(scan: Scan, context: Context) -> RulesResult:
    if context.pending is not None:
        answered = answer_pending(scan, context)
        if answered is not None:
            return answered
    if context.last_request is not None:
        followed = follow_up(scan, context)
        if followed is not None:
            return followed
    return _fresh(scan, context)


def _fresh(scan: Scan, context: Context) -> RulesResult:
    start = pleasantry_end(scan.low)
    body = scan.low[start:].strip()
    if not body.strip(" .!?,;:-") or is_cancel(body) or is_off_topic(body):
        return _plain(Intent.UNKNOWN, confident=True)
    help_kind = find_help(body)
    if help_kind is HelpKind.STRONG:
        return _plain(Intent.HELP, confident=True)
    if help_kind is HelpKind.CAPABILITY and not _names_what(scan):
        if not _asks_for_one_format(scan):
            return _plain(Intent.HELP, confident=True)
        return _export(scan, context, sure=False)  # "can you export to excel?": do it, or say?
    deferred = find_negated_export(scan.low) or find_deferral(scan.low)
    if deferred is not None and not _command_outside(scan, deferred):
        return _deferred(scan, deferred)
    firm_format = any(hit.slot >= Slot.PREP for hit in scan.formats)
    if scan.masks is not None and not scan.leftover:
        return _export(scan, context, sure=False)  # "show the emails unmasked": this result
    if question_lead(body) and not (scan.verb_imperative or firm_format):
        return _query(scan.text[start:], confident=True)
    if _export_cue(scan):
        return _export(scan, context)
    if _only_changes(scan):
        return _export(scan, context, sure=False)  # "same but only 10 rows" with nothing before
    lead = bool(_QUERY_VERB.match(body)) or question_lead(body)
    if is_small_talk(scan.low) and not lead:
        return _plain(Intent.UNKNOWN, confident=True)  # "thanks, that spreadsheet was perfect"
    if not lead and not names_data(scan.leftover):
        return _plain(Intent.UNKNOWN, confident=False)  # "the excel opened fine": a remark
    return _query(scan.text[start:], confident=lead and len(body.split()) <= _LONG_MESSAGE_WORDS)


def _plain(intent: Intent, *, confident: bool) -> RulesResult:
    return RulesResult(ExportRequest(intent=intent), confident)


def _query(text: str, *, confident: bool) -> RulesResult:
    question = strip_query_lead(text) or None
    return RulesResult(ExportRequest(intent=Intent.QUERY, query=question), confident)


def _asks_for_one_format(scan: Scan) -> bool:
    """ "can you export to excel?" names one format we make; "can you make PDFs?" does not."""
    wanted = {
        hit.format
        for hit in scan.formats
        if hit.format and hit.slot >= Slot.ARTICLE and not scan.low[: hit.span[1]].endswith("s")
    }
    return len(wanted) == 1


def _names_what(scan: Scan) -> bool:
    """Whether a "can you ..." message names what to export ("can you export this?")."""
    return bool(scan.reference or scan.leftover or scan.history or scan.conversation)


def _deferred(scan: Scan, span: tuple[int, int]) -> RulesResult:
    """The rest of "don't export yet, just sort by revenue" is the request; may be nothing.

    The rest is what stands after the deferral, or else before it ("show me revenue by
    region first, I'll export it later"); it is a query only when it asks for data.
    """
    start, end = span
    lead = _DEFERRED_REST.match(scan.text, end)
    rest = scan.text[lead.end() if lead else end :]
    real = _REAL_WORD.search(scan.low[end:])
    if not (real and strip_query_lead(rest)):
        rest, real = (
            _BEFORE_DEFERRAL.sub("", scan.text[:start]),
            _REAL_WORD.search(scan.low[:start]),
        )
    question = strip_query_lead(rest)
    if not (real and question) or not (names_data(question) or _QUERY_VERB.match(rest.lower())):
        return _plain(Intent.UNKNOWN, confident=True)  # "don't export it as csv yet"
    return _query(rest, confident=True)


def _command_outside(scan: Scan, span: tuple[int, int]) -> bool:
    """ "export this as csv, don't email it": the refusal is not about the export itself."""
    return scan.verb is not None and not span[0] <= scan.verb[0] < span[1]


def _only_changes(scan: Scan) -> bool:
    """Nothing but export settings: rows, columns, compression ("without the email column")."""
    changes = scan.limit or scan.columns or scan.exclude or scan.compression or scan.followup
    changes = changes or scan.options.writes_file or scan.only_new  # (#16), (#21)
    masks = scan.masks is not None  # "mask the emails" with nothing before: the screen's
    return (
        bool(changes or masks) and not scan.leftover and not (scan.limit and scan.limit.before_noun)
    )


def _export_cue(scan: Scan) -> bool:
    if scan.verb is not None or scan.compression_verb or scan.only_formats:
        return True
    return any(hit.slot >= Slot.ARTICLE for hit in scan.formats)


def _target(scan: Scan, context: Context) -> tuple[Target | None, bool]:
    """What to export, and whether every word found its place."""
    if scan.conversation:
        return Target.CONVERSATION, scan.window is None and not scan.leftover
    if (
        scan.history
        or scan.history_if_window
        or (scan.window is not None and scan.reference is None and _only_window_left(scan))
    ):
        blank_window(scan)
        return Target.HISTORY, not scan.leftover
    if scan.leftover:
        if scan.reference is not None and scan.reference[0] < scan.content_start:
            return default_target(context), False  # "export this table of orders"
        if names_data(scan.leftover, object_of_verb=_object_of_verb(scan)):
            return Target.QUERY, True
        return default_target(context), False  # words that name no data: what is on screen
    sure = scan.window is None and not (scan.everything and scan.exclude is None)
    return default_target(context), sure


def _object_of_verb(scan: Scan) -> bool:
    """ "export inventory as csv": the unplaced words stand right after the export verb."""
    if scan.verb is None or scan.content_start < scan.verb[1]:
        return False
    between = scan.work[scan.verb[1] : scan.content_start]
    return not between.strip(" ,") or bool(_ARTICLES.fullmatch(between))


def _only_window_left(scan: Scan) -> bool:
    """ "export yesterday as csv": once the time words go, nothing is left."""
    if not scan.leftover or scan.window is None:
        return False
    start, end = scan.window.span
    return not scan.work[:start].strip(" ,.'s") and not scan.work[end:].strip(" ,.'s")


def _export(scan: Scan, context: Context, *, sure: bool = True) -> RulesResult:
    choice = choose_format(scan)
    target, placed = _target(scan, context)
    schedule = scan.recurrence is not None or scan.verb_is_schedule
    window = scan.window if target is Target.HISTORY else None
    limit = scan.limit.value if scan.limit and not scan.limit.before_noun else None
    request = ExportRequest(
        intent=Intent.SCHEDULE if schedule else Intent.EXPORT,
        format=choice.format,
        options=choice.options,  # the format's and those said in words (build.choose_format)
        target=target,
        query=scan.leftover if target is Target.QUERY else None,
        since=window.since if window else None,
        until=window.until if window else None,
        columns=scan.columns.names if scan.columns else None,
        exclude_columns=scan.exclude.names if scan.exclude else None,
        limit=limit,
        compression=None if scan.compression_off else scan.compression,
        destination=Destination.EMAIL if scan.emailed or scan.email else Destination.DOWNLOAD,
        email=scan.email,
        cron=scan.recurrence.cron if scan.recurrence else None,
        mask=scan.masks.kinds if scan.masks else None,
        only_new=scan.only_new and target not in (Target.HISTORY, Target.CONVERSATION),
    )
    sure = (
        sure
        and placed
        and not (
            (scan.columns is not None and not scan.columns.sure)
            or (scan.limit is not None and scan.limit.from_end)
            or (scan.recurrence is not None and not scan.recurrence.exact)
            or len(scan.low.split()) > _LONG_MESSAGE_WORDS
            or _NEGATION_LEFT.search(scan.work)
        )
    )
    return RulesResult(ask(request, context, choice, elsewhere=scan.unsupported_destination), sure)
