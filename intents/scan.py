"""Everything the rules can find in one message, before deciding what it means.

:func:`scan_message` runs each finder over the lower-cased message and blanks out (with
spaces, so positions never move) what it understood: addresses, formats, compression,
the schedule, limits, column lists, delivery words, the export verb, and what "this"
refers to. What stays unblanked is the *leftover*: when it holds real words after an
export verb, they are the data question the user asked for ("export all orders from
Berlin as csv" leaves "all orders from Berlin"). The time window is found but blanked
only later, when it turns out to pick past results (``target: history``) rather than
to be part of a data question ("today's orders").
"""

from __future__ import annotations

import regex

from intents.asides import find_asides
from intents.columns import find_columns, find_exclusions, find_limit
from intents.context import Context
from intents.cues import Scan, at_verb_place, normalise, note_verb
from intents.delivery import find_addresses, find_compression, find_destination
from intents.masking import find_masks
from intents.newrows import find_only_new
from intents.option_words import find_option_words
from intents.schedule import Recurrence, find_schedule
from intents.timewords import Window, find_window
from intents.traps import pleasantry_end, strip_query_lead
from intents.typos import fuzzy_verb
from intents.vocabulary import Slot, find_formats, words

__all__ = ["Scan", "blank_window", "normalise", "scan_message"]


_SLOT_WRAPPER_BEFORE = regex.compile(
    r"(?:\b(?:as|in|into|to|like|via)\s+)?(?:\b(?:an?|the|one|single)\s+)?"
    r"(?:(?:single|nice|new|separate|proper|clean|simple|plain|good|quick|little|standard"
    r"|regular|normal|big)\s+)?\.?$"
)
_SLOT_WRAPPER_AFTER = regex.compile(
    r"^(?:\s+(?:files?|format(?:ted)?|versions?|exports?|copy|copies|docs?|documents?"
    r"|attachments?|output|dump|sheets?|tables?|reports?)\b)?(?:\s+(?:of|for|containing)\b)?"
)


_NEGATED_BEFORE = regex.compile(
    r"(?:,\s*)?\b(?:not|no|never|instead\s+of|rather\s+than|except|but\s+not)\s+"
    r"(?:(?:an?|as|in|to)\s+)?$"
)


def _find_formats(scan: Scan) -> None:
    # Only addresses and links are blanked yet: "excel.team@..." names no format.
    scan.formats = find_formats(scan.work)
    for hit in scan.formats:
        start, end = hit.span
        if hit.negated:
            negation = _NEGATED_BEFORE.search(scan.work[max(0, start - 20) : start])
            scan.blank((start - (len(negation.group()) if negation else 0), end))
            continue
        if hit.slot < Slot.ARTICLE:
            continue  # "how many csv files": a word of the question, kept in its text
        before = _SLOT_WRAPPER_BEFORE.search(scan.work[max(0, start - 40) : start])
        after = _SLOT_WRAPPER_AFTER.match(scan.work[end : end + 40])
        scan.blank((start - (len(before.group()) if before else 0), end))
        if after and after.group():
            scan.blank((end, end + after.end()))


_VERB_RE = regex.compile(
    r"\b(?P<strong>export(?:ing)?|download(?:ing)?|sav(?:e|ing)|dump|extract|output"
    r"|spit\s+out)\b"
    r"|\b(?P<schedule>schedule|automate|set\s+up)\b"
    r"|\b(?P<weak>give(?:\s+(?:me|us))?|gimme|get(?:\s+(?:me|us))?|make(?:\s+(?:me|us))?|create"
    r"|generate"
    r"|produce|prepare|build|put|turn|convert|change|transform|write|render|package|bundle"
    r"|pull|fetch|grab|have|need|want|like|pack|stick|print|store|share|attach)\b"
)
_FILE_AFTER_VERB = regex.compile(
    r"\s+(?:me\s+|us\s+)?(?:an?\s+)?(?:file|copy|export|download|attachment|backup|link)\b"
)
_VERB_PREFIX = regex.compile(
    r"(?:\b(?:please|pls|kindly|just|now|then|and|so|ok(?:ay)?|also)\s+)*"
    r"(?:\b(?:can|could|would|will)\s+(?:you|u|i|we)\s+(?:please\s+)?(?:also\s+|just\s+)?"
    r"(?:mind\s+)?|\b(?:any\s+chance\s+)?(?:i|we|you)\s+(?:could|can|might)\s+(?:please\s+)?"
    r"|\bhow\s+about\s+|\bany\s+chance\s+(?:of\s+)?"
    r"|\bis\s+(?:it|there\s+(?:a|any)\s+way)\s+(?:possible\s+)?(?:for\s+(?:me|us)\s+)?to\s+"
    r"|\b(?:are|were)\s+you\s+able\s+to\s+"
    r"|\b(?:(?:i|we)(?:'d|'ll|\s+would|\s+will|\s+really|\s+just|\s+also)?|id)\s+"
    r"(?:(?:like|want|need|have)\s+to\s+)?|\blet(?:'s|\s+us|\s+me)\s+|\bhelp\s+me\s+"
    r"|\bgo\s+ahead\s+and\s+)?(?:please\s+)?$"
)
_NOUN_AFTER_EXPORT = regex.compile(
    r"\s+(?:jobs?|logs?|history|status|queue|counts?|stats|statistics|settings|errors?"
    r"|failures?|sizes?|limits?|button|feature|options|volumes?|tab|page|menu|process)\b"
)
_VERB_PARTICLE = regex.compile(r"\s+(?:me|us|out|up|over|it\s+out)\b")


def _find_verb(scan: Scan) -> None:
    has_format = any(hit.slot >= Slot.ARTICLE for hit in scan.formats)
    for found in _VERB_RE.finditer(scan.work):
        if not at_verb_place(scan, found.start()):
            continue
        kind = found.lastgroup
        if kind == "strong" and not has_format and _NOUN_AFTER_EXPORT.match(scan.work, found.end()):
            continue  # "export jobs that failed": a noun
        if kind == "weak" and not (has_format or _FILE_AFTER_VERB.match(scan.work, found.end())):
            continue
        end = found.end()
        particle = _VERB_PARTICLE.match(scan.work, end)
        if particle and kind != "weak":
            end = particle.end()
        prefix = _VERB_PREFIX.search(scan.work[max(0, found.start() - 40) : found.start()])
        start = found.start() - (len(prefix.group()) if prefix else 0)
        if kind != "weak":
            scan.verb = None  # "export" names the command over "give me" or "email"
        if scan.verb is None:
            scan.verb_needs_format = kind == "weak"
        note_verb(scan, (start, end), start)
        scan.verb_is_schedule |= kind == "schedule"
        scan.blank((start, end))
    if scan.verb is None:
        _find_misspelt_verb(scan)


_LONG_TOKEN = regex.compile(r"\b[a-z]{5,9}\b")


def _find_misspelt_verb(scan: Scan) -> None:
    """ "exprot this", "dowload it": an export verb one edit away, in command position."""
    for found in _LONG_TOKEN.finditer(scan.work):
        if fuzzy_verb(found.group()) in ("export", "download") and at_verb_place(
            scan, found.start()
        ):
            note_verb(scan, found.span(), found.start())
            scan.blank(found.span())
            return


_CONVERSATION_RE = regex.compile(
    r"\b(?:this|our|the|my|whole|entire|current)\s+(?:whole\s+|entire\s+|current\s+)?"
    r"(?:conversation|chat|transcript|thread|discussion|dialog(?:ue)?|session)"
    r"(?:\s+(?:history|log|transcript|so\s+far))?\b"
    r"|\bchat\s+(?:history|log|transcript)\b|\bwhat\s+we\s+(?:talked|discussed|chatted)\s+about\b"
    r"|\b(?:everything|all)\s+(?:that\s+)?we\s+(?:said|discussed|talked\s+about)\b"
    r"|\b(?:the|our|all\s+(?:the|our))\s+messages\b"
)
_HISTORY_RE = regex.compile(
    r"\b(?:all\s+(?:of\s+)?)?(?:my|our)\s+(?:past\s+|previous\s+|recent\s+|earlier\s+|old\s+"
    r"|other\s+)?(?:queries|query\s+(?:history|results)|history|searches|questions)\b"
    r"|\ball\s+(?:of\s+)?(?:my|our)\s+(?:past\s+|previous\s+|recent\s+|earlier\s+|old\s+"
    r"|other\s+)?(?:results|outputs|work)\b"
    r"|\b(?:every|each)\s+(?:query|search)\b"
    r"|\b(?:all\s+(?:of\s+)?(?:the\s+)?|the\s+)?(?:queries|searches)(?:\s+(?:that\s+)?(?:i|we)"
    r"\s+(?:ran|run|did|made|asked|have\s+run|'ve\s+run))?\b"
    r"|\b(?:everything|all|anything|stuff|whatever)\s+(?:that\s+)?(?:i|we)\s+(?:ran|run|did"
    r"|queried|asked(?:\s+for)?|looked\s+at|searched(?:\s+for)?|pulled|have\s+run|'ve\s+run"
    r"|'ve\s+done|exported)\b"
    r"|\bwhat\s+(?:i|we)\s+(?:ran|did|queried|asked(?:\s+for)?|looked\s+at|searched(?:\s+for)?"
    r"|pulled|have\s+run|'ve\s+run)\b"
    r"|\b(?:past|previous|earlier|older|prior)\s+(?:results|queries|outputs)\b"
)
_WINDOWED_HISTORY_RE = regex.compile(
    r"\b(?:everything|all\s+(?:of\s+)?(?:the\s+)?(?:results|outputs|stuff|tables)"
    r"|(?:the\s+)?(?:results|outputs?|stuff)|all(?=\s+(?:from|since|of|in|during|for)\b|\s*$))\b"
)
_TIME_NOUN = (
    r"(?:week|weeks|month|months|year|years|quarter|morning|afternoon|evening|time|weekend"
    r"|day|days|hour|hours|minute|moment|season|semester|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday)"
)
_REFERENCE_ADJECTIVE = (
    r"(?:(?:current|latest|last|above|previous|same|whole|entire|full|complete|final"
    r"|resulting)\s+)*"
)
_REFERENCE_RE = regex.compile(
    rf"\b(?:(?:the|these|those|my|our|all(?:\s+of)?(?:\s+the)?)\s+{_REFERENCE_ADJECTIVE}"
    r"(?:result\s+set|results?|rows?|tables?|data|output|list|records?|answer|numbers|figures"
    r"|view|query|entries|values|stuff|lot|file)|(?<![\w'-]\s)(?:results|rows|output))\b"
    r"(?!\s+(?:of|from|for|where|with|about|on|that|which|who|whose|in|by|since)\b)"
    r"|\b(?:what(?:'s|\s+is)|everything|all|whatever(?:'s|\s+is)?)\s+(?:on|in)\s+(?:the\s+|my\s+)?"
    r"screen\b|\bwhat\s+you\s+(?:just\s+)?(?:showed|gave|found|pulled|got)(?:\s+(?:me|us))?\b"
    r"|\b(?:the\s+)?above\b"
    rf"|\b(?:this|these|those|that)(?:\s+(?!{_TIME_NOUN}\b)[a-z]+(?=\s*(?:$|[,.;!?]|(?:as|to|in"
    r"|into|for|and|but|with|without|only|please|every|each|now|too|again|zipped|here)\b)))?"
    rf"\b(?!\s+{_TIME_NOUN}\b)"
    r"|(?<!\bis\s)(?<!\bwas\s)\b(?:it|them)\b"
)
_THAT_REFERENCE = regex.compile(r"\bthat\b")
_FOLLOWUP_RE = regex.compile(
    r"\b(?:(?:the\s+)?same(?:\s+(?:thing|again|one|as\s+before|query|export|request|data|rows"
    r"|results?|table|stuff|list|numbers))?|again"
    r"|too|as\s+well|instead|this\s+time|another\s+(?:one|copy)|one\s+more|also)\b"
)
_FILLER = words(
    """a an the all of for me us please pls plz kindly file files version versions copy
    copies format formatted now just as in into to and then also too again with from since
    this it or whatever either both fine ok okay thanks thank you can could would will i
    we want need like 'd i'd get have give make do does one ones up out over so yes yeah
    sure hey hi quick quickly real asap right away straight be is are it's that's great
    nice good works let's lets go ahead via by only instead same thing but time here there
    below above nicely properly my our your some yep ready done something attachment
    document doc export exports download save send email mail way form using use thx ty
    cheers open view import load
    usual default normal standard preferred regular whichever link maybe
    perhaps possibly ideally preferably"""
)
_WORD = regex.compile(r"[\w$€£%][\w'$€£%.-]*")


def _find_targets(scan: Scan) -> None:
    for found in _CONVERSATION_RE.finditer(scan.work):
        scan.conversation = True
        scan.blank(found.span())
    for found in _HISTORY_RE.finditer(scan.work):
        scan.history = True
        scan.blank(found.span())
    for found in _FOLLOWUP_RE.finditer(scan.work):
        scan.followup = True
        scan.blank(found.span())
    for found in _REFERENCE_RE.finditer(scan.work):
        if scan.window is not None and regex.search(r"result|output", found.group()):
            continue  # "all results ... yesterday": past results, read with the window
        if found.group() == "that" and not (
            scan.verb and scan.work[scan.verb[1] : found.start()].strip() == ""
        ):
            after = scan.work[found.end() : found.end() + 12]
            if not regex.match(r"\s*(?:$|[,.;!?]|as\b|to\b|in\b|please\b)", after):
                continue  # "customers that signed up": a relative pronoun
        scan.reference = scan.reference or found.span()
        scan.blank(found.span())


def _find_windowed_history(scan: Scan) -> None:
    """ "everything", "the results": past results when a time window goes with them."""
    for found in _WINDOWED_HISTORY_RE.finditer(scan.work):
        word = found.group()
        if word == "all" and scan.window is None:
            continue
        scan.everything |= "everything" in word
        if scan.window is not None:
            scan.history_if_window = True
            scan.blank(found.span())
        elif "everything" in word:
            scan.blank(found.span())


def _word_start(text: str, word: str) -> int:
    """Where ``word`` first appears at a word boundary in ``text`` (0 when it does not).

    A plain search, not a regex: a regex built from a 100,000-letter "word" took 20 s."""

    def wordy(at: int) -> bool:
        return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")

    at = text.find(word)
    while at >= 0 and wordy(at - 1) == wordy(at):
        at = text.find(word, at + 1)
    return max(at, 0)


def _leftover(scan: Scan) -> None:
    chars = [
        original if kept == low else " "
        for original, kept, low in zip(scan.text, scan.work, scan.low, strict=True)
    ]
    text = " ".join("".join(chars).split())
    text = strip_query_lead(text)
    words = [w for w in _WORD.findall(text.lower()) if w.strip(".'-") not in _FILLER]
    scan.leftover = text if words else ""
    if words:
        scan.content_start = _word_start(scan.work, words[0])
    mentions = [hit.span for hit in scan.formats if hit.slot < Slot.ARTICLE]
    outside = [
        word
        for word in _WORD.finditer(scan.work)
        if word.group().strip(".'-") not in _FILLER
        and not any(start <= word.start() < end for start, end in mentions)
    ]
    scan.only_formats = bool(scan.formats) and not outside
    if scan.only_formats:
        scan.leftover, scan.content_start = "", -1


def scan_message(message: str, context: Context) -> Scan:
    """Find every cue in ``message``; nothing is decided here.

    >>> scan = scan_message("export all orders from Berlin as csv", Context.at("2026-11-18"))
    >>> scan.formats[0].format, scan.leftover
    (<Format.CSV: 'csv'>, 'orders from Berlin')
    """
    text = normalise(message)
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: keep positions
        text = low
    scan = Scan(text=text, low=low, work=low)
    find_addresses(scan)
    for span in find_only_new(scan.work):  # "since my last export" is no time window
        scan.only_new = True
        scan.blank(span)
    plain = scan.work  # the message less its addresses and links: no format, time or day there
    # Export options in words (intents/option_words) before formats, limits, columns and
    # asides: their words are no format, column or question ("sorted by date"), and
    # "Excel" in "csv for German Excel" names a program, not a format.
    scan.options = find_option_words(scan.text, scan.work, zone=context.timezone)
    for span in scan.options.formatless:
        scan.blank(span)
    _find_formats(scan)  # "tab separated" is both a delimiter and the TSV format
    scan.formats = [hit for hit in scan.formats if not scan.options.covers(hit.span)]
    for span in scan.options.spans:
        scan.blank(span)
    scan.blank((0, pleasantry_end(low)))
    find_compression(scan)
    scan.recurrence = find_schedule(plain)
    if scan.recurrence is not None:
        for piece in (_span(scan.recurrence), *scan.recurrence.pieces):
            scan.blank(piece)
    scan.window = find_window(plain, context.local_now)
    if scan.window is not None and scan.recurrence is not None:
        start, end = _span(scan.window)
        pieces = (_span(scan.recurrence), *scan.recurrence.pieces)
        if any(start < piece_end and piece_start < end for piece_start, piece_end in pieces):
            scan.window = None  # "every month on the 15th": a day of the schedule
    scan.limit = find_limit(scan.work)
    if scan.limit and not scan.limit.before_noun:
        scan.blank(scan.limit.span)
    scan.masks = find_masks(scan.work)  # before exclusions: "hide the emails" masks them
    for span in scan.masks.spans if scan.masks else ():
        scan.blank(span)
    scan.exclude = find_exclusions(scan.work)
    if scan.exclude:
        scan.blank(scan.exclude.span)
    scan.columns = find_columns(scan.work)
    if scan.columns:
        scan.blank(scan.columns.span)
    find_destination(scan)
    find_asides(scan)  # politeness, reasons, the people it is for: never data
    _find_verb(scan)
    _find_targets(scan)
    _find_windowed_history(scan)
    _leftover(scan)
    return scan


def blank_window(scan: Scan) -> None:
    """The window picks past results: take its words out of the leftover."""
    if scan.window is not None:
        scan.blank(_span(scan.window))
    _leftover(scan)


def _span(found: Window | Recurrence) -> tuple[int, int]:
    start, end = found.span
    return start, end
