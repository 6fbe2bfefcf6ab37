"""Exporting only the rows that are new since the last delivered export.

::

    plan_delta(scope, sql, key, named=...)
      ├─ no obvious cursor column ─► Choices (the chat asks which column)
      └─ Delta: the saved cursor (or none: the first export is the baseline), the
         position of the last row now, and the SQL of the rows in between
    export_new_rows(scope, request, run, now)
      ├─ nothing new ─► no file; said "No new orders since your last export (…)"
      └─ the file of the delta; the cursor moves in the transaction that marks the
         export done, so a failure halfway moves nothing and the next export sends
         those rows again

A schedule keeps its own cursor (``schedule:<id>``): its run records the range it made
a file for as *pending* (:func:`hold`) and moves the cursor in the transaction that
records the delivery (:func:`settle`); a retry after a failed delivery sends the same
file. A user's chat or API export keeps one cursor per query (``query:<hash of SQL>``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.exports.delta import (
    INT,
    Choices,
    Cursor,
    Position,
    choose_cursor,
    delta_sql,
    last_position,
    last_position_sql,
    query_key,
    unique_names,
)
from assistant.exports.records import (
    NewExport,
    check_size,
    export_info,
    failing,
    start_export,
)
from assistant.exports.writing import write_file
from assistant.files import export_folder
from assistant.replies import ExportInfo
from assistant.scope import UserScope
from assistant.store import Export, ExportCursor, QueryRun, record_done
from intents.models import ExportRequest

__all__ = [
    "Delta",
    "NewRows",
    "advance",
    "count_new",
    "cursor_for",
    "export_new_rows",
    "hold",
    "plan_delta",
    "settle",
]


@dataclass(frozen=True)
class Delta:
    """The rows of a query after its cursor: ``after`` None is the first export (the
    baseline, every row), ``upto`` None means nothing is new."""

    key: str
    cursor: Cursor
    after: Position | None
    upto: Position | None
    sql: str
    noun: str = "rows"
    untied: bool = field(default=False)  # no key to break ties on the cursor column

    @property
    def baseline(self) -> bool:
        return self.after is None

    @property
    def empty(self) -> bool:
        return self.upto is None

    def at(self, place: Position) -> str:
        """A position in words: "2026-12-07 09:14:00 (id 11077)"."""
        if self.cursor.single:
            return f"{self.cursor.column} {place.value}"
        one = self.noun.removesuffix("s") if self.noun != "rows" else ""
        label = one if one and self.cursor.key.lower() == "id" else self.cursor.key
        return f"{place.value} ({label} {place.key})"

    def range_note(self) -> str:
        """The range the file holds, for its notes (and a bundle's manifest)."""
        start = "the first row" if self.after is None else f"after {self.at(self.after)}"
        end = "" if self.upto is None else f" up to {self.at(self.upto)}"
        return f"only new rows by {self.cursor.column}: from {start}{end}"

    def said(self, rows: int) -> str:
        """What the reply says about the range."""
        count = "1 row" if rows == 1 else f"{rows:,} {self.noun}"
        if self.upto is None and self.after is None:
            return f"There are no {self.noun} to export yet: the first ones will be new."
        if self.upto is None:
            assert self.after is not None
            return (
                f"No new {self.noun} since your last export, which ended at {self.at(self.after)}."
            )
        if self.after is None:
            text = (
                f"First export of these rows: {count}; next time only rows after "
                f"{self.at(self.upto)}."
            )
        else:
            text = (
                f"Only new {self.noun}: {count} after {self.at(self.after)}, up to "
                f"{self.at(self.upto)}."
            )
        if self.untied:
            text += (
                f" There is no key to tell apart rows with the same {self.cursor.column}: "
                "one added later with exactly the last value would be missed."
            )
        return text


@dataclass(frozen=True)
class NewRows:
    """An only-new export: its file (None when nothing was new) and its range."""

    delta: Delta
    export: ExportInfo | None
    overlapped: bool = False  # another export of these rows ended first (see advance)

    def said(self) -> str:
        """The reply's words about the rows (after "Here is your file ...")."""
        text = self.delta.said(0 if self.export is None else self.export.rows or 0)
        if self.overlapped:
            text += (
                " Another export of these rows finished while this one ran: the two files "
                "may share rows, and the next export starts where that one ended."
            )
        return text


def _noun(tables: tuple[str, ...]) -> str:
    return tables[0].rsplit(".", 1)[-1].strip('"').lower() if len(tables) == 1 else "rows"


def _saved(session: Session, owner: int, key: str, *, lock: bool = False) -> ExportCursor | None:
    """The cursor kept under ``key``; ``lock``: held until the transaction ends
    (PostgreSQL; SQLite runs one writer at a time anyway)."""
    query = select(ExportCursor).where(
        ExportCursor.owner_id == owner, ExportCursor.scope_key == key
    )
    return session.scalar(query.with_for_update() if lock else query)


def _read(scope: UserScope, sql: str) -> pa.Table:
    with scope.source.open(sql) as stream:
        return pa.Table.from_batches(list(stream.reader), stream.schema)


def _shape(scope: UserScope, sql: str) -> tuple[pa.Schema, tuple[str, ...]]:
    """``sql``'s columns with their types, and the tables it reads."""
    with scope.source.open(sql, batch_size=1) as stream:
        return stream.schema, tuple(stream.query.tables)


def cursor_for(scope: UserScope, sql: str, named: str | None = None) -> Cursor | Choices:
    """The cursor a first only-new export of ``sql`` takes (``named``: the user's)."""
    result, tables = _shape(scope, sql)
    return choose_cursor(result, tables, scope.source.schema, named)


def plan_delta(
    scope: UserScope, sql: str, key: str | None = None, *, named: str | None = None
) -> Delta | Choices:
    """The rows of ``sql`` new since the cursor kept under ``key`` (by default the user's
    cursor on this SQL), up to its last row now. ``named``: the column the user chose."""
    key = key or query_key(sql)
    result, tables = _shape(scope, sql)
    with scope.sessions() as session:
        saved = _saved(session, scope.user_id, key)
    unique = unique_names(result)
    kept = saved is not None and {saved.cursor_column, saved.key_column} <= set(unique)
    if saved is not None and kept and (named is None or named == saved.cursor_column):
        cursor = Cursor(saved.cursor_column, saved.key_column, saved.value_kind, saved.key_kind)
        after = (
            None
            if saved.last_value is None or saved.last_key is None
            else Position(saved.last_value, saved.last_key)
        )
    else:  # no cursor yet, or another column now: this export is a new baseline
        chosen = choose_cursor(result, tables, scope.source.schema, named)
        if isinstance(chosen, Choices):
            return chosen
        cursor, after = chosen, None
    table = _read(scope, last_position_sql(sql, cursor, after))
    upto = last_position([list(row.values()) for row in table.to_pylist()])
    # Only an integer key is its own tie-breaker; a time alone cannot tell ties apart.
    untied = cursor.single and cursor.value_kind != INT
    return Delta(key, cursor, after, upto, delta_sql(sql, cursor, after, upto or after),
                 _noun(tables), untied)  # fmt: skip


def count_new(scope: UserScope, delta: Delta) -> int:
    """How many rows ``delta`` holds (counted in the database)."""
    counted = _read(scope, f"SELECT COUNT(*) AS new_rows FROM ({delta.sql}) AS d")
    return int(counted.column(0)[0].as_py())


def _store(session: Session, owner: int, delta: Delta, schedule_id: str | None) -> ExportCursor:
    row = _saved(session, owner, delta.key, lock=True)
    if row is None:
        row = ExportCursor(owner_id=owner, scope_key=delta.key, schedule_id=schedule_id)
        session.add(row)
    if (row.cursor_column, row.key_column) != (delta.cursor.column, delta.cursor.key):
        row.last_value = row.last_key = None
    row.cursor_column, row.key_column = delta.cursor.column, delta.cursor.key
    row.value_kind, row.key_kind = delta.cursor.value_kind, delta.cursor.key_kind
    return row


def advance(
    session: Session, owner: int, delta: Delta, now: dt.datetime, schedule_id: str | None = None
) -> bool:
    """Move the cursor to the end of ``delta`` (in the caller's transaction).

    False when another export of the same rows moved it since ``delta`` was planned
    (two at once): the cursor then stays where that one put it, so the next export may
    repeat rows of this one but never skips any."""
    row = _store(session, owner, delta, schedule_id)
    was = None if row.last_value is None else Position(row.last_value, row.last_key or "")
    if was != delta.after:
        return False
    if delta.upto is not None:
        row.last_value, row.last_key = delta.upto.value, delta.upto.key
    row.pending_value = row.pending_key = row.pending_export_id = None
    row.updated_at = now
    return True


def hold(
    session: Session, owner: int, delta: Delta, export_id: str, schedule_id: str | None = None
) -> None:
    """Remember that ``export_id`` holds ``delta``, to be settled when it is delivered."""
    row = _store(session, owner, delta, schedule_id)
    upto = delta.upto or delta.after
    row.pending_value = None if upto is None else upto.value
    row.pending_key = None if upto is None else upto.key
    row.pending_export_id = export_id


def settle(session: Session, owner: int, key: str, export_id: str, now: dt.datetime) -> None:
    """The export held for ``key`` was delivered: the cursor moves to its end (in the
    caller's transaction, the one recording the delivery)."""
    row = _saved(session, owner, key)
    if row is None or row.pending_export_id != export_id:
        return
    if row.pending_value is not None:
        row.last_value, row.last_key = row.pending_value, row.pending_key
    row.pending_value = row.pending_key = row.pending_export_id = None
    row.updated_at = now


def export_new_rows(
    scope: UserScope, request: ExportRequest, run: QueryRun, delta: Delta, now: dt.datetime
) -> NewRows:
    """The file of ``run``'s rows in ``delta`` (:func:`plan_delta`: those new since the
    user's last export of it), written inline; none when nothing is new. The cursor moves
    when the export is recorded done (ExportFailed: nothing moved)."""
    assert request.format is not None
    if delta.empty:
        return NewRows(delta, None)
    rows = count_new(scope, delta)
    check_size(scope, rows)  # the per-export row limit holds for the new rows too
    only = QueryRun(id=run.id, owner_id=run.owner_id, question=run.question, sql=delta.sql,
                    columns=list(run.columns), row_count=rows)  # fmt: skip
    export_id = start_export(scope, NewExport(request, request.format.value, only), now)
    with failing(scope, export_id):
        folder = export_folder(scope.settings.storage_dir, export_id)
        result = write_file(scope, request, only, now, folder)
    ttl = dt.timedelta(hours=scope.settings.file_ttl_hours)
    finished = scope.clock()
    for last_try in (False, True):
        try:
            with scope.sessions.begin() as session:  # the file and the cursor: both or neither
                done = session.get(Export, export_id)
                assert done is not None
                notes = (*result.notes, delta.range_note())
                record_done(session, done, result.path.name, result.rows, result.bytes,
                            result.sha256, finished, ttl, notes)  # fmt: skip
                moved = advance(session, scope.user_id, delta, finished)
            return NewRows(delta, export_info(done, scope), overlapped=not moved)
        except IntegrityError:  # a first export of the same rows made the cursor first
            if last_try:
                raise
    raise AssertionError("unreachable")
