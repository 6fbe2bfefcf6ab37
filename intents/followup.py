"""Messages that build on an earlier request: answers to a question, and follow-ups.

*Answers.* When the assistant asked something (``context.pending``), a short reply
completes that request: a format ("Excel", "csv please"), a pick from the offered
choices ("the second one", "2", "the last"), or any change ("excel, zipped"). A
message that is a new request of its own ("export orders from Paris as csv", "how
many orders...?") is not an answer: it is parsed afresh.

*Follow-ups.* After an export (``context.last_request``), a message that only changes
something ("now as PDF", "same but only 10 rows", "and as JSON too", "zip it",
"without the email column this time", "email it to me") is that request with the
change: the intent stays what it was (an export stays an export, a schedule a
schedule), and "same for orders from Paris" swaps the data question. A message with
its own export verb and no "same"/"again"/"too"/"instead" is a fresh request.

*Everything is kept.* An answer or a follow-up keeps every field of the request it
completes that the message does not change: columns, exclusions, limit, options (the
format's own options only while the format stays), destination, address and schedule.
One thing is never carried over: an address. "email me", "send it to me", "to my inbox"
mean the user's own saved address (``email: null``), never the one typed for the last
request, so "email this to bob@example.com" then "email me this every day" is not Bob's.

*Past results by count.* "export the last 3 results" (also "my 2 latest queries", "the
previous five runs") means the user's three latest query runs, bundled as a history
export is, not three rows: ``target: history`` and ``options: {"last_runs": 3}``
(:func:`recent_runs`, applied to whatever the rules read).
"""

from __future__ import annotations

from typing import Any

import regex

from intents.build import RulesResult, ask, choose_format
from intents.context import Context
from intents.models import LAST_RUNS, Destination, ExportRequest, Format, Intent, Target
from intents.numbers import NUMBER, parse_number, parse_ordinal
from intents.option_words import carry_options
from intents.scan import Scan, blank_window
from intents.traps import find_help, is_cancel, pleasantry_end, question_lead
from intents.vocabulary import Slot, format_from_label

__all__ = ["LAST_RUNS", "answer_pending", "follow_up", "recent_runs"]

#: The ``options`` key for "the last N results": N of the user's latest query runs.
#: Options that say what to export, not how a format writes: kept whatever the format.
_REQUEST_OPTIONS = frozenset({LAST_RUNS})

_CHOICE_RE = regex.compile(
    r"^(?:(?:i'?ll\s+(?:take|have|go\s+with)|let'?s\s+(?:do|go\s+with|have)|go\s+with|i\s+(?:choose"
    r"|pick|want|prefer|'d\s+like)|i'd\s+(?:like|prefer|take)|give\s+me|make\s+it|pick|choose"
    r"|option|number|no\.?|#|(?:the\s+)?answer\s+is)\s*)*(?:the\s+)?"
    r"(?P<pick>\d{1,2}|first|second|third|fourth|fifth|sixth|seventh|eighth|1st|2nd|3rd|[4-8]th"
    r"|one|two|three|four|five|six|seven|eight|last|latter|former|top|bottom)"
    r"(?:\s+(?:one|option|choice|format))?(?:\s+(?:please|pls|thanks|thank\s+you))?[\s.!]*$"
)
_ANY_RE = regex.compile(
    r"^(?:any(?:\s+(?:one|of\s+them|is\s+fine))?|whatever(?:\s+you\s+(?:think|like|want))?"
    r"|you\s+(?:choose|pick|decide)|(?:it\s+)?doesn'?t\s+matter|surprise\s+me|dealer'?s\s+choice"
    r"|up\s+to\s+you|your\s+call|either(?:\s+(?:one|is\s+fine))?)\b"
)
_YES_RE = regex.compile(r"^(?:yes|yeah|yep|sure|ok(?:ay)?|please|go\s+ahead|do\s+it)\b[\s.!]*$")
_LEAD_PREPOSITION = regex.compile(r"^(?:for|with|about|on|but\s+for|but\s+with)\s+", regex.I)
# "email me", "send it over to me", "to my inbox": the user's own address.
_TO_SELF = regex.compile(
    r"\b(?:e-?mail|mail|send|forward|deliver|shoot|drop)(?:ed|ing|s)?\s+"
    r"(?:(?:it|this|that|them|these|those|one|a\s+copy)\s+)?(?:(?:over|out|along|back)\s+)?"
    r"(?:to\s+)?(?:me|myself|us|ourselves)\b"
    r"|\bto\s+(?:me|myself|us|ourselves)\b"
    r"|\b(?:my|our)\s+(?:own\s+)?(?:inbox|mailbox|e-?mail(?:\s+address)?|address)\b"
)
_RUN_NOUN = (
    r"(?:query\s+|search\s+)?(?:results|queries|searches|runs|outputs|answers|questions|tables)"
)
_RECENT_RE = regex.compile(
    rf"\b(?:last|latest|previous|past|most\s+recent|recent|prior)\s+(?P<count>{NUMBER})"
    rf"\s+{_RUN_NOUN}\b|\b(?P<before>{NUMBER})\s+(?:last|latest|most\s+recent|previous)"
    rf"\s+{_RUN_NOUN}\b"
)


def _picked(low: str, choices: list[str]) -> str | None:
    """The choice a reply points at: "the second one", "2", "last", "whatever"."""
    text = low.strip()
    found = _CHOICE_RE.match(text)
    if found:
        pick = found["pick"]
        if pick in ("last", "latter", "bottom"):
            return choices[-1]
        if pick in ("former", "top"):
            return choices[0]
        index = parse_ordinal(pick) or parse_number(pick)
        return choices[index - 1] if index and 0 < index <= len(choices) else None
    if _ANY_RE.match(text) or (_YES_RE.match(text) and len(choices) == 1):
        return choices[0]
    return None


def _changes(scan: Scan, base: ExportRequest) -> dict[str, object]:
    """The fields a short message changes in ``base`` (empty: it changes nothing)."""
    update: dict[str, object] = {}
    if scan.options.options:  # "same but sorted by name", "now with semicolons" (#16)
        update["options"] = {**base.options, **scan.options.options}
    if scan.compression_off:
        update["compression"] = None
    elif scan.compression is not None:
        update["compression"] = scan.compression
    if scan.limit is not None and not scan.limit.before_noun:
        update["limit"] = scan.limit.value
    if scan.columns is not None:
        update.update(columns=scan.columns.names, exclude_columns=None)
    if scan.exclude is not None:
        dropped = scan.exclude.names
        if base.columns:
            kept = [name for name in base.columns if name not in dropped]
            update["columns"] = kept or None
        else:
            merged = list(base.exclude_columns or [])
            update["exclude_columns"] = merged + [name for name in dropped if name not in merged]
    if scan.masks is not None:  # "now mask the emails too": added to the masks before
        update["mask"] = {**(base.mask or {}), **scan.masks.kinds}
    if scan.emailed or scan.email:
        address = None if _TO_SELF.search(scan.low) else base.email  # "me": their own
        update.update(destination=Destination.EMAIL, email=scan.email or address)
    if scan.recurrence is not None:
        update.update(intent=Intent.SCHEDULE, cron=scan.recurrence.cron)
    elif scan.verb_is_schedule:
        update["intent"] = Intent.SCHEDULE
    if scan.only_new:  # "only the new rows" (a follow-up that does not say it drops it)
        update["only_new"] = True
    if scan.conversation:
        update.update(target=Target.CONVERSATION, query=None)
    if scan.window is not None and (scan.history or base.target is Target.HISTORY):
        blank_window(scan)
        update.update(target=Target.HISTORY, since=scan.window.since, until=scan.window.until)
    return update


def _apply(
    scan: Scan, base: ExportRequest, context: Context, update: dict[str, object]
) -> ExportRequest:
    choice = choose_format(scan)
    if choice.format is not None:
        update.update(format=choice.format, options=_options(base, choice.format, choice.options))
    request = base.model_copy(update=update)
    if request.target is None and context.has_result:
        request = request.model_copy(update={"target": Target.LAST_RESULT})
    return ask(request, context, choice)


def _options(base: ExportRequest, format: Format, named: dict[str, Any]) -> dict[str, Any]:
    """The options of ``base`` in ``format``: all of them while the format stays (or was
    not chosen yet), else only those that say what to export; then the ones just named."""
    if base.format in (None, format):
        return {**base.options, **named}
    kept = {key: value for key, value in base.options.items() if key in _REQUEST_OPTIONS}
    return {**kept, **carry_options(base.options, named)}


def _is_new_request(scan: Scan, body: str) -> bool:
    """A message that stands on its own: help, a question, or an export without "same"."""
    strong_verb = scan.verb is not None and not scan.emailed and not scan.verb_needs_format
    return (
        bool(find_help(body))
        or (question_lead(body) and not scan.formats)
        or (strong_verb and not scan.followup)
    )


def _new_question(scan: Scan) -> str | None:
    """The data question a reply swaps in ("same for orders from Paris"), if any."""
    if not scan.leftover or (scan.reference and scan.reference[0] < scan.content_start):
        return None
    return _LEAD_PREPOSITION.sub("", scan.leftover) or None


def answer_pending(scan: Scan, context: Context) -> RulesResult | None:
    """The pending request completed by this reply, or None when the reply is new."""
    pending = context.pending
    if pending is None:
        return None
    body = scan.low[pleasantry_end(scan.low) :].strip(" .!")
    if is_cancel(body):
        return RulesResult(ExportRequest(intent=Intent.UNKNOWN), confident=True)
    if _is_new_request(scan, body):
        return None
    update = _changes(scan, pending)
    picked = _picked(body or scan.low, pending.choices or [])
    if picked is not None and (chosen := format_from_label(picked)) is not None:
        update.update(format=chosen, options=_options(pending, chosen, {}))
    if pending.target is None and "target" not in update and (scan.history or scan.window):
        blank_window(scan)  # "everything from today": past results
        window = scan.window
        update.update(
            target=Target.HISTORY,
            since=window.since if window else None,
            until=window.until if window else None,
        )
    question = None if picked is not None else _new_question(scan)
    if question is not None and pending.target is not None and choose_format(scan).named:
        # "i'll take json lines": words around the format, not a new data question
        # ("csv, but for orders from Paris" still is one)
        question = question if _LEAD_PREPOSITION.match(scan.leftover) else None
    if "target" not in update and question is not None:
        update.update(target=Target.QUERY, query=question)
    if not update and not choose_format(scan).named:
        return None
    return RulesResult(
        _apply(scan, pending.model_copy(update={"clarify": None}), context, update), True
    )


def follow_up(scan: Scan, context: Context) -> RulesResult | None:
    """The last request with this message's changes, or None when it is not a follow-up."""
    last = context.last_request
    if last is None or last.intent not in (Intent.EXPORT, Intent.SCHEDULE):
        return None
    body = scan.low[pleasantry_end(scan.low) :].strip(" .!")
    if not body or is_cancel(body) or _is_new_request(scan, body) or scan.history:
        return None
    if scan.leftover and not scan.followup:
        return None  # a new question, not a change
    update = _changes(scan, last)
    sure = True
    if (question := _new_question(scan)) is not None:
        update.update(target=Target.QUERY, query=question)
        sure = False
    if not update and not choose_format(scan).named and not scan.followup:
        return None
    if scan.window is not None and "since" not in update:
        sure = False  # a time window for a request that has no place for one
    has_format = any(hit.slot >= Slot.ARTICLE or scan.only_formats for hit in scan.formats)
    if not (update or has_format):
        sure = False  # "same again": nothing changes; repeat it, but let an LLM look
    # Only new rows are asked for each time: "now as json" after them means the same rows.
    base = last.model_copy(update={"clarify": None, "only_new": False, "cursor_column": None})
    return RulesResult(_apply(scan, base, context, update), sure)


def recent_runs(scan: Scan, context: Context, read: RulesResult) -> RulesResult:
    """``read`` as an export of the user's last N query runs when the message asks for
    "the last N results" ("my 3 latest queries"), else unchanged.

    An export of "the last 3 results" is not "the last 3 rows": the runs are bundled as a
    history export is (``target: history``, ``options: {"last_runs": 3}``).
    """
    request = read.request
    found = _RECENT_RE.search(scan.low)
    if found is None or request.intent is not Intent.EXPORT:
        return read
    count = parse_number(found["count"] or found["before"] or "")
    if not count:
        return read
    limit = request.limit if request.limit != count else None
    recent = request.model_copy(
        update={
            "target": Target.HISTORY,
            "query": None,
            "since": None,
            "until": None,
            "limit": limit,
            "options": {**request.options, LAST_RUNS: count},
            "clarify": None,
            "choices": None,
        }
    )
    return RulesResult(ask(recent, context, choose_format(scan)), confident=True)
