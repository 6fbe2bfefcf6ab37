"""A question (or SQL) run into a stored query run: the preview table, recorded with its SQL.

Every face's query goes through :func:`run_question`: the rules translate the question
(or the LLM seam it is given writes the SQL, when it has a key), the data source
previews it through the exporter's guard, and the run is recorded in the store and the
audit log, with its error when the database refuses it. A later "export this" re-runs
the recorded SQL.

An empty result can say why: :func:`first_empty` runs the translation's probes (cheap
counts, one filter more each) through the same guard and finds the filter that left
nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Literal

from assistant.errors import Unanswerable
from assistant.questions import CannotAnswer, DidYouMean, SchemaAnswer, Translation, translate
from assistant.questions.llm import with_llm
from assistant.questions.replies import Probe
from assistant.replies import TablePreview, json_safe
from assistant.scope import UserScope
from assistant.store import AuditAction, QueryRun, audit
from exporters import ExporterError
from intents.toolcall import LLM

__all__ = [
    "MAX_PROBES",
    "Emptied",
    "Mode",
    "Ran",
    "count_sql",
    "first_empty",
    "run_question",
    "run_translation",
]

#: Who writes the SQL: the rules only, an LLM only, or the LLM when one is configured.
Mode = Literal["rules", "llm", "auto"]
#: At most this many probes run to explain one empty result.
MAX_PROBES = 5

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ran:
    """A query that ran: its recorded run, the preview table and a title for it.

    ``row`` is the first row as the source typed it (a Decimal stays a Decimal, where the
    table holds its text) when the result is exactly one row, for saying it in words;
    ``said``, ``notes`` and ``probes`` are the translation's (see :class:`Translation`).
    """

    run: QueryRun
    table: TablePreview
    title: str
    row: tuple[Any, ...] | None = None
    said: str | None = None
    notes: tuple[str, ...] = ()
    probes: tuple[Probe, ...] = ()


@dataclass(frozen=True)
class Emptied:
    """The filter that left no rows, and how many rows passed the filters before it
    (None when it is the first filter: the count without any is not known)."""

    probe: Probe
    before: int | None


def run_question(
    scope: UserScope,
    question: str,
    *,
    also: str | None = None,
    sql: bool = False,
    mode: Mode = "auto",
    llm: LLM | None = None,
) -> Ran:
    """Run ``question`` (English or SQL) and record the run; the API's and chat's query.

    ``also`` is the parser's wording, tried when only that reads; ``sql`` runs
    ``question`` as SQL without translating it; ``llm`` (the process's seam) writes the
    SQL unless ``mode`` is ``"rules"`` (without one, the rules always do). Raises
    :class:`Unanswerable` when it is not a question over the data, and the exporter's
    errors (``QueryRejected`` for a query that would write...) when the database refuses
    it; a refused run is recorded with its error all the same.
    """
    now = scope.clock()
    if sql:  # SQL as typed: the guard and the database judge it, no translating
        return run_translation(scope, question, Translation(question, "Your query"), now)
    schema, values = scope.source.schema, scope.source.values
    local = now.astimezone(scope.zone)  # "today" is the user's day, not UTC's
    answer = translate(question, schema, local, dialect=scope.dialect, values=values)
    if mode != "rules" and llm is not None:  # the LLM, when it has a key; else the rules'
        answer = with_llm(answer, question, schema, scope.dialect, local, llm)
    if isinstance(answer, CannotAnswer) and also and also != question:
        second = translate(also, schema, local, dialect=scope.dialect, values=values)
        if not isinstance(second, CannotAnswer):
            answer, question = second, also
    if isinstance(answer, DidYouMean):
        raise Unanswerable(answer.reply, choices=answer.choices)
    if isinstance(answer, CannotAnswer | SchemaAnswer):
        raise Unanswerable(answer.reply)
    return run_translation(scope, question, answer, now)


def run_translation(scope: UserScope, question: str, answer: Translation, now: dt.datetime) -> Ran:
    """Preview ``answer``'s SQL and record the run (with its error if it fails)."""
    run = QueryRun(
        owner_id=scope.user_id,
        conversation_id=scope.conversation_id,
        question=question,
        sql=answer.sql,
        created_at=now,
    )
    try:
        preview = scope.source.preview(answer.sql)
    except ExporterError as exc:
        run.error = str(exc)
        _save(scope, run)
        raise
    run.sql = preview.query.sql
    run.columns = preview.columns
    run.row_count = preview.row_count
    run.duration_ms = round(preview.duration_ms)
    _save(scope, run)
    table = TablePreview(
        columns=preview.columns,
        rows=[[json_safe(cell) for cell in row] for row in preview.rows],
        row_count=preview.row_count,
    )
    one = preview.row_count == 1 and len(preview.rows) == 1
    return Ran(
        run=run,
        table=table,
        title=answer.title,
        row=tuple(preview.rows[0]) if one else None,
        said=answer.said,
        notes=answer.notes,
        probes=answer.probes,
    )


def count_sql(scope: UserScope, sql: str, *, at_most: int) -> QueryRun:
    """Record ``sql`` as a query run without previewing it: the guard checks it and the
    database counts its rows up to ``at_most`` (``row_count`` None: more than that, left
    for the export to count). All an export of new SQL needs: no first rows are read and
    no column typed, twice cheaper than :func:`run_question` for a small result and
    bounded for a large one. A refused query is recorded with its error all the same."""
    run = QueryRun(
        owner_id=scope.user_id,
        conversation_id=scope.conversation_id,
        question=sql,
        sql=sql,
        created_at=scope.clock(),
    )
    try:
        counted = scope.source.count(sql, at_most=at_most)
    except ExporterError as exc:
        run.error = str(exc)
        _save(scope, run)
        raise
    run.sql = counted.query.sql
    run.row_count = counted.rows
    run.duration_ms = round(counted.duration_ms)
    _save(scope, run)
    return run


def first_empty(scope: UserScope, probes: tuple[Probe, ...]) -> Emptied | None:
    """The first of ``probes`` (at most :data:`MAX_PROBES`) that counts no rows, run in
    order through the source's guard; None when none does or one cannot be run.

    A probe that fails (refused, timed out, not one count) is logged and ends the
    search: the empty result is then said without a reason, never with a wrong one.
    """
    before: int | None = None
    for probe in probes[:MAX_PROBES]:
        try:
            count = int(scope.source.preview(probe.sql).rows[0][0])
        except Exception:  # a reason is a nicety: the reply never fails for want of one
            _log.warning("probe %r could not be counted: %s", probe.said, probe.sql, exc_info=True)
            return None
        if count == 0:
            return Emptied(probe, before)
        before = count
    return None


def _save(scope: UserScope, run: QueryRun) -> None:
    with scope.sessions.begin() as session:
        session.add(run)
        session.flush()
        audit(
            session,
            AuditAction.QUERY_RUN,
            user_id=scope.user_id,
            query_run_id=run.id,
            rows=run.row_count,
            at=run.created_at,
            details={"error": run.error} if run.error else None,
        )
