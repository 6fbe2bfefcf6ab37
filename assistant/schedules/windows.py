"""Relative windows in schedules: "orders from today", scheduled, means each run's today.

A question's SQL holds its window as literal times (``"created_at" >= '2026-12-06
00:00:00'``), so a schedule that stored only that SQL would mail every order since the
day it was made. A schedule made from a question with a relative window therefore also
stores the question (a :class:`Reading`: its words and the SQL dialect they were read
into), and each run reads it again with the question reader, as of the occurrence's due
time in the schedule's zone (:func:`read_at`). The stored SQL stays beside it: what ran
when the schedule was made.

Why re-read the question rather than keep the window phrase and rewrite the SQL's
literals: the reader is the one place that knows which column a window filters and how
each phrase maps to times ("since Monday", "the last 3 days" at 18:40, a DST gap);
reading again runs exactly that code, where rewriting literals would be a second, weaker
reader that drifts from the first.

What makes re-reading safe is the check when the schedule is made (:func:`reading_of`):
a question becomes a reading only when the rules, read as of the moment it ran, give
back exactly the SQL that ran, and give other SQL as of a later moment. So typed SQL,
SQL an LLM wrote, and a question whose reading needed the conversation keep the SQL that
ran (re-reading could give something else); and a question without time words keeps it
too (its SQL never changes). Runs re-read with the rules only, never an LLM: a standing
order runs the query its owner saw, not a new guess each Monday.

Why the due time and not the clock: a retry minutes later, or the one catch-up run after
downtime, sends the window of the occurrence it stands for, as the on-time run would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assistant.errors import Unanswerable
from assistant.questions import Translation, translate
from assistant.questions.runs import Mode, Ran, run_question, run_translation
from assistant.scope import UserScope
from intents.timewords import Window, find_window
from intents.toolcall import LLM

__all__ = ["Reading", "question_reading", "read_at", "reading_of", "run_occurrence", "window_words"]

#: How far after the question ran :func:`reading_of` reads it again: past any window's
#: edge (a year, a quarter, a week, a day, an hour), so a relative window always moves.
_LATER = dt.timedelta(days=400, hours=7, minutes=13)
_TYPED = "Your query"  # the reader's title for SQL it passes as typed


@dataclass(frozen=True)
class Reading:
    """A schedule's question, read afresh at each run; ``dialect`` None (a schedule
    migrated from before readings were stored) means the source's own."""

    question: str
    dialect: str | None = None

    @classmethod
    def stored(cls, question: str | None, dialect: str | None) -> Reading | None:
        """The reading a schedule row stores, if any."""
        return None if question is None else cls(question, dialect)


def reading_of(
    scope: UserScope, question: str | None, sql: str, asked_at: dt.datetime
) -> Reading | None:
    """The question to store with a schedule of ``sql``, which ran for ``question`` at
    ``asked_at``; None when the SQL is to be kept as it ran (see the module docstring)."""
    if not question:
        return None
    reading = Reading(question, scope.dialect)
    zone = scope.zone
    then = _read(scope, reading, asked_at.astimezone(zone))
    if then is None or then.title == _TYPED or then.sql != sql:
        return None
    later = _read(scope, reading, (asked_at + _LATER).astimezone(zone))
    if later is None or later.sql == sql:
        return None
    return reading


def question_reading(scope: UserScope, query: str, zone: ZoneInfo) -> Reading | None:
    """The reading of a schedule stored through the API with plain words for its query
    ("orders from today"): read with the rules now, in the schedule's ``zone``; its runs
    then read it afresh as of each due time, like a chat schedule's. None for SQL.

    Raises :class:`Unanswerable` with the reader's words when the rules cannot read it and
    no LLM is set up (every run would fail); with an LLM, each run asks it as before."""
    reading = Reading(query, scope.dialect)
    source = scope.source
    answer = translate(query, source.schema, scope.clock().astimezone(zone),
                       dialect=scope.dialect, values=source.values)  # fmt: skip
    if isinstance(answer, Translation):
        return None if answer.title == _TYPED else reading
    if scope.asks_llm:
        return None
    raise Unanswerable(
        f"The schedule's query “{query}” does not read as rows to export: {answer.reply}"
    )


def read_at(scope: UserScope, reading: Reading, due_at: dt.datetime, zone: ZoneInfo) -> Translation:
    """``reading``'s SQL for the occurrence due at ``due_at`` in the schedule's ``zone``.

    Raises :class:`Unanswerable` when the question no longer reads (a table renamed):
    the run fails in words, never falls back to the window frozen at creation."""
    answer = _read(scope, reading, due_at.astimezone(zone))
    if answer is None:
        raise Unanswerable(
            f"The scheduled question “{reading.question}” no longer reads over the data; "
            "make the schedule again from a question that does."
        )
    return answer


def run_occurrence(
    scope: UserScope,
    query: str,
    reading: Reading | None,
    due_at: dt.datetime,
    zone: ZoneInfo,
    *,
    mode: Mode,
    llm: LLM,
) -> Ran:
    """Run the occurrence due at ``due_at``: ``reading`` read as of then in ``zone``, else
    the stored ``query`` as any query runs (SQL as it is; a question the API stored is
    read as of now, with the LLM when ``mode`` lets it)."""
    if reading is None:
        return run_question(scope, query, mode=mode, llm=llm)
    answer = read_at(scope, reading, due_at, zone)
    return run_translation(scope, reading.question, answer, scope.clock())


def window_words(
    reading: Reading, moment: dt.datetime, zone: ZoneInfo, when: str = "next run"
) -> str | None:
    """The window in words, and what it is for the run at ``moment`` (``when`` says which):
    “orders from today” — “today” as of each run (next run: from Mon 14 Dec 2026 00:00)."""
    window = find_window(reading.question.lower(), moment.astimezone(zone))
    if window is None:
        return None
    phrase = reading.question[window.span[0] : window.span[1]].strip()
    return f"“{reading.question}” — “{phrase}” as of each run ({when}: {_span(window)})"


def _span(window: Window) -> str:
    def at(moment: dt.datetime) -> str:
        return moment.strftime("%a %d %b %Y %H:%M")

    if window.since is not None and window.until is not None:
        return f"{at(window.since)} to {at(window.until)}"
    if window.since is not None:
        return f"from {at(window.since)}"
    assert window.until is not None  # a window is open at one end at most
    return f"before {at(window.until)}"


def _read(scope: UserScope, reading: Reading, local: dt.datetime) -> Translation | None:
    source = scope.source
    dialect = reading.dialect or scope.dialect
    answer = translate(reading.question, source.schema, local, dialect=dialect,
                       values=source.values)  # fmt: skip
    return answer if isinstance(answer, Translation) else None
