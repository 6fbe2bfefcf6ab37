"""Exports of the past: "export everything from today" and "export this conversation".

History: each query run in the window (the user's own, in order) is re-run through the
guard and exported as its own file; the files go into one ZIP with a ``manifest.json``
naming each file with its SQL, row count and SHA-256, so the bundle can be checked and
re-run later. Asked for as Excel, history is one workbook instead: a sheet per query
run, and a last "Queries" sheet with each one's question, SQL and row count.

"The last 3 results" picks runs by count instead of by time: a history request whose
``options`` hold ``{"last_runs": 3}`` (:data:`LAST_RUNS`, as the intent parser writes it)
bundles the user's three latest runs, in the order they ran. The key is taken out of the
request before anything is written, so it never reaches a writer, and the chosen runs are
kept with the export, so "export it again" bundles the same three.

Conversation: the chat turns as OpenAI chat fine-tuning JSONL (``{"messages": [...]}``),
a Markdown dialogue, or a table (one turn per row) in any other registered format.
Like every export, a file appears under its final name only when whole.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy import select

from assistant.errors import InvalidInput, NothingToExport
from assistant.exports.records import NewExport, check_size, failing, finish_export, start_export
from assistant.exports.wording import said_back
from assistant.exports.writing import options_for, with_masks
from assistant.files.names import export_path, file_name, stem_for
from assistant.replies import ExportInfo, Reply
from assistant.scope import UserScope
from assistant.store import AuditAction, AuditEntry, QueryRun, messages_of
from exporters import (
    BundlePart,
    QueryStream,
    Sheet,
    TypesChanged,
    export,
    export_bundle,
    export_text,
    export_workbook,
)
from intents.models import LAST_RUNS, ExportRequest, Format, Target

__all__ = [
    "LAST_RUNS",
    "export_conversation",
    "export_history",
    "export_past",
    "last_runs",
    "runs_asked",
]

#: The ``options`` key of a history request for the user's last N query runs.


def last_runs(request: ExportRequest) -> tuple[int | None, ExportRequest]:
    """How many latest runs ``request`` asks for (None: its window), and the request
    without that key (what is stored and written).

    >>> last_runs(ExportRequest(intent="export", target="history", options={"last_runs": 3}))
    (3, ExportRequest(intent=<Intent.EXPORT: 'export'>, ...))
    """
    if LAST_RUNS not in request.options:
        return None, request
    options = dict(request.options)
    count = options.pop(LAST_RUNS)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInput(f"{LAST_RUNS} counts runs: a whole number of at least 1.")
    return count, request.model_copy(update={"options": options})


def runs_asked(scope: UserScope, request: ExportRequest) -> list[QueryRun]:
    """The query runs a history ``request`` bundles (its window, or its last N runs), in
    the order they ran: what the export plan counts before the bundle is made."""
    count, request = last_runs(request)
    if count is not None:
        return _runs(scope, None, None)[-count:]
    zone = scope.zone
    return _runs(scope, _instant(request.since, zone), _instant(request.until, zone))


def export_history(
    scope: UserScope,
    request: ExportRequest,
    now: dt.datetime,
    *,
    retry: str | None = None,
    runs: list[QueryRun] | None = None,
    workbook: bool | None = None,
) -> ExportInfo:
    """One ZIP of every query run in ``request``'s window (or of ``runs``), each re-run,
    with a manifest; as Excel one workbook instead, unless ``workbook`` is False."""
    count, request = last_runs(request)
    assert request.format is not None
    zone = scope.zone
    chosen = None if runs is None else [run.id for run in runs]
    if runs is None:
        runs = _runs(scope, _instant(request.since, zone), _instant(request.until, zone))
        if count is not None:
            runs = runs[-count:]
            chosen = [run.id for run in runs]
    if not runs:
        where = "yet" if count is not None else "in that time window"
        raise NothingToExport(
            f"You ran no queries {where}, so there is nothing "
            "to export. Ask a question first, like “show orders”."
        )
    check_size(scope, sum(run.row_count or 0 for run in runs))
    day = now.astimezone(zone).date()
    if workbook is None:
        workbook = request.format is Format.XLSX
    if workbook:
        if request.format is not Format.XLSX:
            raise InvalidInput("A workbook bundle is an Excel file: ask for the xlsx format.")
        return _history_workbook(scope, request, runs, now, day, retry, chosen)
    export_id = start_export(scope, NewExport(request, "zip", run_ids=chosen, retry=retry), now)
    name = f"history-{day.isoformat()}.zip"
    final = export_path(scope.settings.storage_dir, export_id, name)
    manifest: dict[str, object] = {
        "generated_at": now.isoformat(),
        "since": None if request.since is None else request.since.isoformat(),
        "until": None if request.until is None else request.until.isoformat(),
        "format": request.format.value,
    }
    if count is not None:
        manifest["last_runs"] = count
    with failing(scope, export_id):
        result = export_bundle(
            _parts(scope, request, runs, day),
            final,
            manifest=manifest,
            generated_at=now,
            mask_key=scope.source.policy.key,
        )
    return finish_export(
        scope, export_id, name, result.rows, result.bytes, result.sha256, result.notes
    )


def _history_workbook(
    scope: UserScope,
    request: ExportRequest,
    runs: list[QueryRun],
    now: dt.datetime,
    day: dt.date,
    retry: str | None,
    chosen: list[str] | None,
) -> ExportInfo:
    """Excel history: one workbook, a sheet per query run, then a "Queries" sheet
    naming each sheet's question, SQL and row count (the workbook's manifest)."""
    export_id = start_export(scope, NewExport(request, "xlsx", run_ids=chosen, retry=retry), now)
    name = f"history-{day.isoformat()}.xlsx"
    final = export_path(scope.settings.storage_dir, export_id, name)
    counted: list[int] = []
    learned: dict[int, dict[int, pa.DataType]] = {}  # sheet -> types its later rows needed

    def sheets() -> Iterator[Sheet]:
        counted.clear()
        for index, run in enumerate(runs, start=1):
            with scope.source.open(run.sql, column_types=learned.get(index)) as stream:
                table = stream.query.tables[0] if stream.query.tables else "result"
                counted.append(0)
                yield Sheet(f"{index:02d} {table}", _counting(stream.reader, counted))
        yield Sheet(
            "Queries",
            pa.table(
                {
                    "sheet": [f"{i:02d}" for i in range(1, len(runs) + 1)],
                    "question": [run.question for run in runs],
                    "sql": [run.sql for run in runs],
                    "rows": counted,
                    "ran_at": [run.created_at.isoformat() for run in runs],
                }
            ),
        )

    options = options_for(scope, request.model_copy(update={"compression": None}))
    options = with_masks(scope, request, options, None)  # said masks as patterns: many results
    options["generated_at"] = now  # the bundle's time, as in the ZIP's entries
    with failing(scope, export_id):
        while True:
            try:
                title = f"History, {day.isoformat()}"
                result = export_workbook(
                    sheets(), final, options, title=title, mask_key=scope.source.policy.key
                )
                break
            except TypesChanged as change:  # a sheet's later rows need wider types: again
                sheet = len(counted)
                before = learned.get(sheet)
                learned[sheet] = {**(before or {}), **change.widened}
                if before is not None and learned[sheet] == before:
                    raise
    return finish_export(
        scope, export_id, name, sum(counted), result.bytes, result.sha256, result.notes
    )


def _counting(reader: pa.RecordBatchReader, counted: list[int]) -> pa.RecordBatchReader:
    """``reader`` unchanged, adding its rows to ``counted[-1]`` as they pass."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            counted[-1] += batch.num_rows
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _instant(local: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """A naive wall-clock bound of the window (contracts/intents.md) as an aware instant."""
    if local is None:
        return None
    return (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(dt.UTC)


def _runs(scope: UserScope, since: dt.datetime | None, until: dt.datetime | None) -> list[QueryRun]:
    """The user's successful query runs in [since, until), in the order they ran.

    Ordered by their audit entries, whose integer ids never tie (timestamps may)."""
    query = (
        select(QueryRun)
        .join(AuditEntry, AuditEntry.query_run_id == QueryRun.id)
        .where(
            QueryRun.owner_id == scope.user_id,
            QueryRun.error.is_(None),
            AuditEntry.action == AuditAction.QUERY_RUN.value,
        )
        .order_by(AuditEntry.id)
    )
    if since is not None:
        query = query.where(QueryRun.created_at >= since)
    if until is not None:
        query = query.where(QueryRun.created_at < until)
    with scope.sessions() as session:
        return list(session.scalars(query).unique())


def _parts(
    scope: UserScope, request: ExportRequest, runs: list[QueryRun], day: dt.date
) -> Iterator[BundlePart[QueryStream]]:
    """One bundle part per query run, re-run through the guard when its turn comes."""
    format = request.format
    assert format is not None
    options = options_for(scope, request.model_copy(update={"compression": None}))
    options = with_masks(scope, request, options, None)  # said masks as patterns: many results
    for index, run in enumerate(runs, start=1):

        def named(stream: QueryStream, index: int = index) -> str:
            return file_name(f"{index:02d}-{stem_for(stream.query.tables, day)}", format)

        def opened(sql: str = run.sql) -> AbstractContextManager[QueryStream]:
            return scope.source.open(sql)

        yield BundlePart(
            named,
            opened,
            format,
            options,
            query=run.question or run.sql,
            manifest={
                "question": run.question,
                "sql": run.sql,
                "rows": None,  # filled in by the exporter, in this order
                "bytes": None,
                "sha256": None,
                "query_run_id": run.id,
                "ran_at": run.created_at.isoformat(),
            },
        )


def export_conversation(
    scope: UserScope,
    request: ExportRequest,
    now: dt.datetime,
    *,
    retry: str | None = None,
) -> ExportInfo:
    """This conversation's turns as a file: fine-tuning JSONL, Markdown, or a table."""
    format = request.format or Format.JSONL
    turns = _turns(scope)
    if not turns:
        raise NothingToExport("This conversation has no answered turns to export yet.")
    export_id = start_export(scope, NewExport(request, format.value, retry=retry), now)
    day = now.astimezone(scope.zone).date()
    name = file_name(f"conversation-{day.isoformat()}", format)
    final = export_path(scope.settings.storage_dir, export_id, name)
    with failing(scope, export_id):
        if format is Format.JSONL:
            line = json.dumps(
                {"messages": [{"role": r, "content": c} for r, c, _ in turns]}, ensure_ascii=False
            )
            written = export_text(line + "\n", final)
            size, sha256 = written.bytes, written.sha256
        elif format is Format.MARKDOWN:
            written = export_text(_dialogue(turns), final)
            size, sha256 = written.bytes, written.sha256
        else:
            table = pa.table(
                {
                    "turn": list(range(1, len(turns) + 1)),
                    "role": [t[0] for t in turns],
                    "content": [t[1] for t in turns],
                    "at": [t[2] for t in turns],
                }
            )
            result = export(table, final, format, {"title": "Conversation"})
            size, sha256 = result.bytes, result.sha256
    return finish_export(scope, export_id, name, len(turns), size, sha256)


def _turns(scope: UserScope) -> list[tuple[str, str, dt.datetime]]:
    """(role, text, time) of every turn, ending with an answer (a training example must)."""
    with scope.sessions() as session:
        messages = messages_of(session, scope.conversation_id)
        turns = [(m.role.value, m.content, m.created_at) for m in messages]
    while turns and turns[-1][0] != "assistant":
        turns.pop()
    return turns


def _dialogue(turns: list[tuple[str, str, dt.datetime]]) -> str:
    lines = ["# Conversation", ""]
    for role, content, _ in turns:
        lines += [f"**{role.capitalize()}:** {content}", ""]
    return "\n".join(lines)


def export_past(
    scope: UserScope,
    request: ExportRequest,
    now: dt.datetime,
    *,
    retry: str | None = None,
    runs: list[QueryRun] | None = None,
    workbook: bool | None = None,
) -> Reply:
    """History (one ZIP, a file per query run) or this conversation's transcript, in words.

    ``retry`` names a requeued export to run again under its own id; ``runs`` and
    ``workbook`` are as :func:`export_history` takes them."""
    try:
        if request.target is Target.HISTORY:
            count, _ = last_runs(request)
            if count is not None and runs is None:
                runs = _runs(scope, None, None)[-count:]
            info = export_history(scope, request, now, retry=retry, runs=runs, workbook=workbook)
            which = "in the window" if count is None else _latest(count, len(runs or ()))
            what = (
                f"a sheet per query {which}"
                if info.format == "xlsx"
                else f"one file per query {which}, with a manifest.json"
            )
        else:
            info = export_conversation(scope, request, now, retry=retry)
            what = "this conversation"
    except NothingToExport as exc:
        return Reply(text=exc.message)
    said = said_back(request, sorted_rows=False) if request.target is Target.HISTORY else ""
    return Reply(text=f"Here is {info.file_name}: {what}.{said}", export=info)


def _latest(asked: int, found: int) -> str:
    """ "of your last 3 queries", saying so when fewer runs exist than were asked for."""
    if found < asked:
        return f"you ran (you asked for the last {asked}; there are only {found})"
    return f"of your last {found}" if found > 1 else "of your last one"
