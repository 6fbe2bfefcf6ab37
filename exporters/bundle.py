"""Several exports in one ZIP, with a ``manifest.json`` naming and hashing each file.

For an export that gathers results as files of their own rather than as sheets (a
conversation's history as CSV or Parquet): the bundle can be checked file by file
against its manifest, and each file re-run from the query the manifest records.

Parts are taken from the iterable one at a time, and a part's source is opened only when
its turn comes and closed before the next one is opened, so at most one query is open at
a time. Each part is written by :func:`exporters.export` (so a QueryStream whose later
rows need wider types is run again, as for any export) into a hidden folder beside the
target; the ZIP is then streamed from those files. The ZIP has the guarantees of every
export: it appears whole or not at all, is hashed while written, and the same input
gives the same bytes (every entry, and every part that does not pin its own, carries the
bundle's ``generated_at``). The folder is removed whatever happens.

>>> import contextlib, json, zipfile, pyarrow as pa, tempfile, pathlib, datetime as dt
>>> out = pathlib.Path(tempfile.mkdtemp()) / "history.zip"
>>> table = pa.table({"n": [1, 2]})
>>> part = BundlePart("n.csv", lambda: contextlib.nullcontext(table), "csv",
...                   manifest={"sql": "SELECT n FROM t"})
>>> result = export_bundle([part], out, manifest={"format": "csv"},
...                        generated_at=dt.datetime(2026, 11, 18, tzinfo=dt.UTC))
>>> with zipfile.ZipFile(out) as bundle:
...     bundle.namelist(), json.loads(bundle.read("manifest.json"))["files"][0]["sql"]
(['n.csv', 'manifest.json'], 'SELECT n FROM t')
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from exporters.core import (
    CancelToken,
    Progress,
    ProgressCallback,
    Source,
    export,
    format_options,
    generation_time,
)
from exporters.errors import BadInput, ExportCancelled
from exporters.formats import Format, get_format
from exporters.options import CommonOptions
from exporters.output import CANCELLED, HashingSink, atomic_output, temporary_folder

MANIFEST = "manifest.json"
_CHUNK = 1 << 20  # bytes copied at a time: parts may be larger than memory

S = TypeVar("S", bound=Source)


@dataclass(frozen=True)
class BundlePart(Generic[S]):
    """One file of a bundle: where its rows come from, how to write it, what to record.

    ``source`` is called when the part's turn comes; the context manager it returns yields
    what :func:`exporters.export` reads (a QueryStream, an Arrow reader or table) and is
    closed once the file is written. ``file_name`` may be a function of that opened source,
    for names that depend on the query (its first table).

    ``manifest`` holds the part's own fields for its manifest entry (question, SQL, run id,
    ...). The entry is ``file_name``, then these fields in their order, then ``rows``,
    ``bytes``, ``sha256`` and ``notes``; a computed field already named in ``manifest``
    (with any value, e.g. None) is filled in at that place instead, so a caller keeps its
    manifest's field order.
    """

    file_name: str | Callable[[S], str]
    source: Callable[[], AbstractContextManager[S]]
    format: Format | str
    options: CommonOptions | Mapping[str, Any] | None = None
    query: str | None = None  # the query or question, as export() takes it (a title)
    manifest: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BundleResult:
    rows: int  # across every part
    bytes: int  # of the ZIP
    sha256: str  # of the ZIP
    seconds: float
    path: Path
    entries: list[dict[str, Any]]  # the manifest's "files", one per part, in order
    # What the parts could not hold exactly, each prefixed with its file's name.
    notes: tuple[str, ...] = ()


def export_bundle(
    parts: Iterable[BundlePart[Any]],
    out: str | os.PathLike[str],
    *,
    manifest: Mapping[str, Any] | None = None,
    generated_at: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    mask_key: bytes | None = None,
) -> BundleResult:
    """Write each of ``parts`` as its own file, then all of them in one ZIP at ``out``.

    The ZIP's ``manifest.json`` is ``manifest``'s fields in their order, then ``"files"``:
    the parts' entries (see :class:`BundlePart`). ``generated_at`` (default: now, or
    ``SOURCE_DATE_EPOCH``; a naive time is UTC) stamps the entries and pins the parts'
    generation time unless a part's options pin their own. Progress counts rows and bytes
    across the parts as they are written; a cancel token is honoured between batches and
    while the ZIP is copied, and leaves nothing behind. ``mask_key`` keys the parts'
    ``hash`` masks, as in :func:`exporters.export`.
    """
    started = time.perf_counter()
    fields = dict(manifest or {})
    if "files" in fields:
        raise BadInput("the manifest's \"files\" is the bundle's own list of its files")
    stamp = generation_time(CommonOptions(generated_at=generated_at))
    path = Path(out)
    counter = _Counter(started, progress)
    entries: list[dict[str, Any]] = []
    notes: list[str] = []
    with temporary_folder(path) as folder:
        for part in parts:
            _check(cancel)
            entry, part_notes = _write_part(part, folder, stamp, entries, counter, cancel, mask_key)
            entries.append(entry)
            notes += part_notes
        if not entries:
            raise BadInput("nothing to put in the bundle: no parts were given")
        with atomic_output(path, cancel=cancel) as (sink, _):
            _write_zip(sink, folder, entries, {**fields, "files": entries}, stamp, cancel)
        return BundleResult(
            rows=counter.rows,
            bytes=sink.bytes,
            sha256=sink.hexdigest(),
            seconds=time.perf_counter() - started,
            path=path.resolve(),
            entries=entries,
            notes=tuple(notes),
        )


def _write_part(
    part: BundlePart[Any],
    folder: Path,
    stamp: dt.datetime,
    written: list[dict[str, Any]],
    counter: _Counter,
    cancel: CancelToken | None,
    mask_key: bytes | None,
) -> tuple[dict[str, Any], list[str]]:
    """Write one part into ``folder``; its manifest entry and its notes."""
    spec = get_format(part.format)
    options = format_options(spec, part.options)
    if options.generated_at is None:
        options = options.model_copy(update={"generated_at": stamp})
    with part.source() as source:
        name = part.file_name if isinstance(part.file_name, str) else part.file_name(source)
        _check_name(name, written)
        target = folder / name
        progress = counter.callback()
        result = export(source, target, spec.format, options, query=part.query,
                        progress=progress, cancel=cancel, mask_key=mask_key)  # fmt: skip
    counter.add(result.rows, result.bytes)
    entry: dict[str, Any] = {"file_name": name, **part.manifest}
    computed = {"rows": result.rows, "bytes": result.bytes, "sha256": result.sha256}
    entry.update(file_name=name, **computed, notes=list(result.notes))
    return entry, [f"{name}: {note}" for note in result.notes]


def _check_name(name: str, written: list[dict[str, Any]]) -> None:
    """A part's name must be a plain file name, distinct from the others and the manifest
    (ignoring case: the ZIP may be unpacked where ``A.csv`` and ``a.csv`` are one file)."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
        raise BadInput(f"a bundle's file needs a plain file name, not {name!r}")
    taken = {MANIFEST, *(entry["file_name"].casefold() for entry in written)}
    if name.casefold() in taken:
        raise BadInput(f"two files of the bundle would be named {name!r}")


def _write_zip(
    sink: HashingSink,
    folder: Path,
    entries: list[dict[str, Any]],
    manifest: dict[str, Any],
    stamp: dt.datetime,
    cancel: CancelToken | None,
) -> None:
    """The parts, then the manifest, deflated into one ZIP streamed to ``sink``."""
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            name = entry["file_name"]
            with (
                (folder / name).open("rb") as part,
                archive.open(_info(name, stamp), "w", force_zip64=True) as member,
            ):
                while chunk := part.read(_CHUNK):
                    _check(cancel)
                    member.write(chunk)
        text = json.dumps(manifest, indent=2, ensure_ascii=False)
        archive.writestr(_info(MANIFEST, stamp), text.encode("utf-8"))


def _info(name: str, stamp: dt.datetime) -> zipfile.ZipInfo:
    """An entry stamped with the bundle's time and fixed permissions (same input, same bytes).

    ZIP dates run from 1980 to 2107; a time outside (``SOURCE_DATE_EPOCH=0``) takes the
    nearest one, as reproducible builds do, rather than failing the export.
    """
    moment = min(max(stamp.timetuple()[:6], (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
    info = zipfile.ZipInfo(name, date_time=moment)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise ExportCancelled(CANCELLED)


class _Counter:
    """Rows and bytes of the parts written so far, so progress runs across the bundle."""

    def __init__(self, started: float, progress: ProgressCallback | None) -> None:
        self.rows = 0
        self.bytes = 0
        self._started = started
        self._progress = progress

    def add(self, rows: int, size: int) -> None:
        self.rows += rows
        self.bytes += size

    def callback(self) -> ProgressCallback | None:
        """For one part: its progress, added to that of the parts before it."""
        report = self._progress
        if report is None:
            return None
        rows, size = self.rows, self.bytes

        def part_progress(done: Progress) -> None:
            seconds = time.perf_counter() - self._started
            report(Progress(rows + done.rows_done, None, size + done.bytes_written, seconds))

        return part_progress
