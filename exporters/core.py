"""Run one export: batches in, one whole file out (or nothing at all).

The core applies the options every format shares (columns, exclude, rename, limit,
compression), hands the batches to the format's writer, counts and hashes what is
written, reports progress, honours cancellation between batches, and only renames the
temporary file into place once the writer has finished. :mod:`exporters.workbook` builds
on the same pieces (``Tracker``, ``project``, ``generation_time`` here and
:func:`exporters.output.atomic_output`); :mod:`exporters.bundle` calls :func:`export` for
each of its files and gathers them in one ZIP through the same atomic output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import pyarrow as pa

from exporters.errors import ExportCancelled, TypesChanged, UnknownColumn
from exporters.formats import Format, FormatSpec, WriteContext, get_format
from exporters.known_text import KnownText
from exporters.masking import masker, plan_masks
from exporters.options import CommonOptions, parse_options
from exporters.output import CANCELLED, HashingSink, atomic_output
from exporters.prefetch import prefetched
from exporters.sources.base import QueryStream


@dataclass(frozen=True)
class Progress:
    rows_done: int
    rows_total: int | None
    bytes_written: int
    seconds: float


@dataclass(frozen=True)
class ExportResult:
    format: Format
    rows: int
    bytes: int
    sha256: str
    seconds: float
    path: Path
    # What the file could not hold exactly, in words: "PDF shows the first 100,000 of
    # 250,000 rows", "column 3 (id) is named id_2", "2 texts were cut to 32,767 characters".
    notes: tuple[str, ...] = ()

    @property
    def note(self) -> str | None:
        """The notes as one sentence, or None when the file holds everything exactly."""
        return "; ".join(self.notes) or None

    def summary(self) -> dict[str, Any]:
        """The contract's one-line JSON summary (with ``notes`` when there are any)."""
        return {
            "format": self.format.value,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "seconds": round(self.seconds, 3),
            "path": str(self.path),
            **({"notes": list(self.notes)} if self.notes else {}),
        }


class CancelToken:
    """Set from any thread; the export stops at the next batch boundary."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


ProgressCallback = Callable[[Progress], None]


class Restartable(Protocol):
    """A source that can run its query again with wider column types (a QueryStream)."""

    reader: pa.RecordBatchReader
    notes: list[str]

    def restart(self, change: TypesChanged) -> None: ...


Source: TypeAlias = pa.RecordBatchReader | pa.Table | Restartable


def export(
    reader: Source,
    out: str | os.PathLike[str],
    format: Format | str,
    options: CommonOptions | Mapping[str, Any] | None = None,
    *,
    query: str | None = None,
    rows_total: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    mask_key: bytes | None = None,
) -> ExportResult:
    """Write ``reader``'s rows to ``out`` in ``format``; the file appears only when whole.

    ``reader`` may be a :class:`~exporters.QueryStream`: when its later rows need wider
    column types than its first ones (see :class:`~exporters.TypesChanged`), the query
    runs again with them and the file is written anew; the stream's notes join the
    result's. ``mask_key`` is the key of the ``hash`` mask (:mod:`exporters.masking`): the
    caller's secret, never an option a user could set or read back.

    >>> import pyarrow as pa, tempfile, pathlib
    >>> table = pa.table({"id": [1, 2], "name": ["Ada", "Linus"]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
    >>> export(table, path, "csv").rows
    2
    >>> path.read_bytes()
    b'id,name\\r\\n1,Ada\\r\\n2,Linus\\r\\n'
    """
    started = time.perf_counter()
    spec = get_format(format)
    options = format_options(spec, options)
    while True:
        try:
            return _write(spec, reader, Path(out), options, query, rows_total, started,
                          progress, cancel, mask_key)  # fmt: skip
        except TypesChanged as change:
            if isinstance(reader, pa.RecordBatchReader | pa.Table):
                raise
            reader.restart(change)  # the partial file is gone; write it again


def _known_text(spec: FormatSpec, source: Source) -> KnownText | None:
    """The source's own text of its columns, for a writer that reuses it; a source whose
    writer does not stops keeping it."""
    known = source.known_text if isinstance(source, QueryStream) else None
    if known is not None and not spec.reuses_source_text:
        known.stop()
        return None
    return known


def format_options(
    spec: FormatSpec, options: CommonOptions | Mapping[str, Any] | None
) -> CommonOptions:
    """``options`` as ``spec``'s own model: raw values parsed, another format's model re-read
    (keeping only what was set, so the format's own defaults apply)."""
    if not isinstance(options, CommonOptions):
        return parse_options(spec.options, options or {})
    if not isinstance(options, spec.options):
        return parse_options(spec.options, options.model_dump(exclude_unset=True))
    return options


def _write(
    spec: FormatSpec,
    source: Source,
    out: Path,
    options: CommonOptions,
    query: str | None,
    rows_total: int | None,
    started: float,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
    mask_key: bytes | None,
) -> ExportResult:
    """One attempt at the file: the batches of ``source`` through the format's writer."""
    if isinstance(source, pa.Table):
        reader = source.to_reader()
    elif isinstance(source, pa.RecordBatchReader):
        reader = source
    else:
        reader = source.reader
    schema, batches, notes = project(reader, options, unique=spec.unique_names, mask_key=mask_key)
    generated_at = generation_time(options)
    context = WriteContext(
        title=options.title or _title_from(query),
        query=query,
        generated_at=generated_at,
        rows_total=rows_total if options.limit is None else _min(rows_total, options.limit),
        notes=notes,
        known_text=_known_text(spec, source),
    )
    compression = options.compression if spec.compressible else "none"
    output = atomic_output(out, compression=compression, generated_at=generated_at, cancel=cancel)
    with output as (sink, target):
        # A stream's time limit is checked here too, by the writer's side: the read-ahead
        # thread may have read the last batch long before the writer is done with it.
        in_time = source.in_time if isinstance(source, QueryStream) else None
        tracker = Tracker(sink, context.rows_total, started, progress, cancel, in_time)
        # Closed explicitly (not left to the garbage collector), so the read-ahead thread has
        # stopped reading before the caller closes the database under it.
        with contextlib.closing(prefetched(batches)) as ahead:
            summary = spec.writer(schema, tracker.watch(ahead), target, options, context)
        tracker.check()  # the writer's last work (a PDF's pages, a ZIP's directory) counts
    source_notes = [] if isinstance(source, pa.Table | pa.RecordBatchReader) else source.notes
    return ExportResult(
        format=spec.format,
        rows=summary.rows if summary else tracker.rows,
        bytes=sink.bytes,
        sha256=sink.hexdigest(),
        seconds=time.perf_counter() - started,
        path=out.resolve(),
        notes=(
            *source_notes,
            *context.notes,
            *((summary.note,) if summary and summary.note else ()),
        ),
    )


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


class Tracker:
    """Counts the rows going into one file, reports progress, and stops when cancelled."""

    def __init__(
        self,
        sink: HashingSink,
        rows_total: int | None,
        started: float,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        in_time: Callable[[], None] | None = None,
    ) -> None:
        self.rows = 0
        self._in_time = in_time
        self._sink = sink
        self._rows_total = rows_total
        self._started = started
        self._progress = progress
        self._cancel = cancel

    def watch(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches``, checking for cancellation (and the stream's time limit) between
        them and reporting after each."""
        for batch in batches:
            self.check()
            self.rows += batch.num_rows
            yield batch
            if self._progress is not None:
                elapsed = time.perf_counter() - self._started
                self._progress(Progress(self.rows, self._rows_total, self._sink.bytes, elapsed))
        self.check()

    def check(self) -> None:
        """Raise when the export was cancelled, or its stream's time limit has passed."""
        if self._cancel is not None and self._cancel.cancelled:
            raise ExportCancelled(CANCELLED)
        if self._in_time is not None:
            self._in_time()


def project(
    reader: pa.RecordBatchReader,
    options: CommonOptions,
    *,
    unique: bool = False,
    mask_key: bytes | None = None,
) -> tuple[pa.Schema, Iterator[pa.RecordBatch], list[str]]:
    """Apply columns / exclude / mask / rename / limit lazily, batch by batch.

    Columns are taken by position, so repeated names (``SELECT * FROM a JOIN b``) keep
    their own values. Options name a column by its unique name (:func:`unique_names`:
    the first ``id`` is ``id``, the second ``id_2``). With ``unique`` the output names
    are made unique the same way, and the notes returned say which were renamed.
    ``mask`` patterns match the unique names too (:mod:`exporters.masking`); a note says
    what was masked and how.
    """
    original = reader.schema.names
    keys = unique_names(original)
    wanted = list(options.columns) if options.columns else list(keys)
    for name in [*wanted, *options.exclude, *options.rename]:
        if name not in keys:
            raise UnknownColumn(f"there is no column {name!r}; the result has: {', '.join(keys)}")
    plan = plan_masks(keys, options.mask)
    dropped = {keys[i] for i in plan.dropped}
    keep = [key for key in wanted if key not in set(options.exclude)]
    left_out = [key for key in keep if key in dropped]  # masked by dropping
    if keep and len(left_out) == len(keep):
        raise UnknownColumn("masking leaves no column to export: every column is dropped")
    keep = [key for key in keep if key not in dropped]
    if not keep:
        raise UnknownColumn("no columns are left to export after `columns`/`exclude`")
    indices = [keys.index(key) for key in keep]
    names = [options.rename.get(key, original[i]) for key, i in zip(keep, indices, strict=True)]
    notes = []
    if unique:
        distinct = unique_names(names)
        renamed = [
            f"column {position} ({name}) is named {new}"
            for position, (name, new) in enumerate(zip(names, distinct, strict=True), 1)
            if name != new
        ]
        if renamed:
            notes.append("repeated column names were made unique: " + ", ".join(renamed))
        names = distinct
    fields = [
        reader.schema.field(i).with_name(name) for i, name in zip(indices, names, strict=True)
    ]
    schema = fields_schema = pa.schema(fields)
    identity = indices == list(range(len(original))) and names == original
    kept_plan = plan_masks([keys[i] for i in indices], options.mask)
    mask: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None
    if not kept_plan.empty:
        schema, mask = masker(schema, kept_plan, key=mask_key, timezone=options.timezone)
    said = [kept_plan.note(), left_out and "left out: " + ", ".join(left_out)]
    if any(said):
        notes.append("; ".join(part for part in said if part))

    def batches() -> Iterator[pa.RecordBatch]:
        remaining = options.limit
        for batch in reader:
            if remaining is not None:
                if remaining <= 0:
                    break
                if batch.num_rows > remaining:
                    batch = batch.slice(0, remaining)
                remaining -= batch.num_rows
            if batch.num_rows == 0:
                continue
            if not identity:
                batch = pa.RecordBatch.from_arrays(
                    [batch.column(i) for i in indices], schema=fields_schema
                )
            yield batch if mask is None else mask(batch)

    return schema, batches(), notes


def unique_names(names: Sequence[str]) -> list[str]:
    """``names`` made distinct: the first of a name keeps it, later ones get ``_2``, ``_3``…

    A suffix already used by another column is skipped, so the result does not depend on
    anything but the names and their order.

    >>> unique_names(["id", "name", "id", "id_2", "id"])
    ['id', 'name', 'id_3', 'id_2', 'id_4']
    """
    taken = set(names)
    seen: set[str] = set()
    out = []
    for name in names:
        if name in seen:
            number = 2
            while f"{name}_{number}" in taken:
                number += 1
            name = f"{name}_{number}"
            taken.add(name)
        seen.add(name)
        out.append(name)
    return out


def generation_time(options: CommonOptions) -> dt.datetime:
    if options.generated_at is not None:
        value = options.generated_at
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # the reproducible-builds convention
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _title_from(query: str | None) -> str:
    if not query:
        return "Export"
    from exporters.guard import tables_in  # local: the guard pulls in sqlglot

    tables = tables_in(query)
    return ", ".join(tables).replace("_", " ").title() if tables else "Query result"
