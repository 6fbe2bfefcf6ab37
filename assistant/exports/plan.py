"""The export plan: what an export will do, said before it runs.

A 3-million-row export takes minutes; a person should know what is coming before it
starts, not after: how many rows each part holds, about how large the file will be, what
the format does beyond its size (:mod:`assistant.exports.sizes`), the per-user row limit,
and what is masked. Over ``ASSISTANT_CONFIRM_EXPORT_ROWS`` rows or
``ASSISTANT_CONFIRM_EXPORT_BYTES`` estimated bytes the chat asks to confirm; below, the
export runs and its reply carries :meth:`ExportPlan.line`. ``POST /api/exports`` with
``"dry_run": true`` answers the same plan.

::

    plan_export(scope, request, parts)
      ├─ rows per part: the query run's count (exact), or the planner's estimate ("about")
      ├─ bytes per row: the part's first 500 rows written in the asked format, and their
      │  first half: the difference per row, and what the file has besides its rows
      │  (headers, a PDF's fonts, a workbook's parts) once
      ├─ caps: what the format does beyond its size (Excel sheets, the PDF's row cap),
      │  and ASSISTANT_MAX_EXPORT_ROWS when the rows are over it
      └─ masked: said as given (the masking policy's descriptions; none until it is set)

A size is an estimate from a sample of the first rows; the words say "about". When the
sample cannot be written (options the export itself will refuse), the size is unknown
and the plan says so rather than guess.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from assistant.exports.sizes import size_note
from assistant.exports.writing import options_for, with_masks
from assistant.scope import UserScope
from assistant.settings import Settings
from exporters import ExporterError, export, get_format, parse_options
from exporters.masking import MaskKind, plan_masks
from intents.models import ExportRequest, Format
from intents.vocabulary import FORMAT_LABELS

__all__ = [
    "CONFIRM",
    "DECLINE",
    "SAMPLE_ROWS",
    "ExportPlan",
    "PartPlan",
    "PlanPart",
    "human_bytes",
    "plan_export",
]

#: Rows written to measure a format's bytes per row. Fewer mislead: the first rows carry
#: what a file has once (a PDF's fonts, a Parquet dictionary, a workbook's shared strings),
#: so 50 rows put a 50,000-row PDF at 12x its size; from 250 to 500 rows every format came
#: within 5% on the demo shop's orders (issue 21's measurements, in the README).
SAMPLE_ROWS = 500

#: The answers the confirmation question offers, as buttons.
CONFIRM = "Export"
DECLINE = "Cancel"


@dataclass(frozen=True)
class PlanPart:
    """One part to plan: a result's SQL and its row count (``estimated``: the planner's)."""

    name: str
    sql: str
    rows: int | None
    estimated: bool = False


@dataclass(frozen=True)
class PartPlan:
    """One part as the plan says it: rows, the file's estimated size, its caps."""

    name: str
    rows: int
    estimated: bool
    bytes: int | None  # None: the sample could not be written, the size is unknown
    bytes_per_row: float | None
    caps: tuple[str, ...]
    masked: tuple[str, ...] = ()  # "email (partially)": the masks its columns get


@dataclass(frozen=True)
class ExportPlan:
    """What an export of ``parts`` in ``format`` will do."""

    format: Format
    parts: tuple[PartPlan, ...]
    caps: tuple[str, ...]  # caps of the export as a whole (the per-user row limit)
    masked: tuple[str, ...]  # "email (partially)": what is masked and how
    zipped: bool = False  # the parts go into a ZIP, which compresses them: sizes are before

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.parts)

    @property
    def estimated(self) -> bool:
        """Whether any part's rows are the planner's estimate, not a count."""
        return any(part.estimated for part in self.parts)

    @property
    def bytes(self) -> int | None:
        """The estimated size of every part; None when one part's is unknown."""
        sizes = [part.bytes for part in self.parts]
        return None if any(size is None for size in sizes) else sum(s or 0 for s in sizes)

    def asks(self, settings: Settings) -> bool:
        """Whether the chat asks before it runs: over a confirm threshold, and not over
        the row limit (that export is refused as it starts, saying why)."""
        size = self.bytes
        over = self.rows > settings.confirm_export_rows or (
            size is not None and size > settings.confirm_export_bytes
        )
        return over and self.rows <= settings.max_export_rows

    def size_words(self) -> str:
        """ "about 410 MB as CSV" (or "size unknown as CSV")."""
        size = self.bytes
        label = FORMAT_LABELS[self.format]
        if size is None:
            return f"size unknown as {label}"
        zipped = " before the ZIP compresses them" if self.zipped else ""
        return f"about {human_bytes(size)} as {label}{zipped}"

    def _rows(self) -> str:
        return _rows(self.rows, self.estimated)

    def line(self) -> str:
        """ "3 parts, 1,204 rows, about 96 KB as CSV." — the plan in one line."""
        count = len(self.parts)
        parts = f"{count} parts, " if count > 1 else ""
        return f"{parts}{self._rows()}, {self.size_words()}."

    def question(self) -> str:
        """ "Export 3,060,840 rows (about 410 MB as CSV)?" and what the plan adds."""
        count = len(self.parts)
        parts = f"{count} parts, " if count > 1 else ""
        text = f"Export {parts}{self._rows()} ({self.size_words()})?"
        details = self.details()
        return f"{text} {details}" if details else text

    def details(self) -> str:
        """Each part of several in a sentence, the caps, what is masked."""
        said: list[str] = []
        if len(self.parts) > 1:
            said.append(
                "Parts: "
                + "; ".join(
                    f"{part.name}: {_rows(part.rows, part.estimated)}"
                    + (f", about {human_bytes(part.bytes)}" if part.bytes is not None else "")
                    for part in self.parts
                )
                + "."
            )
        caps = [cap for part in self.parts for cap in part.caps] + list(self.caps)
        said.extend(dict.fromkeys(caps))  # one of each, in order
        if self.masked:
            said.append("Masked: " + ", ".join(self.masked) + ".")
        if self.estimated:
            said.append("Rows marked “about” are the database planner's estimate.")
        return " ".join(said)


def plan_export(
    scope: UserScope,
    request: ExportRequest,
    parts: Sequence[PlanPart],
    *,
    masked: Sequence[str] = (),
    zipped: bool = False,
) -> ExportPlan:
    """The plan of exporting ``parts`` as ``request`` asks (its format and options).

    Each part's first :data:`SAMPLE_ROWS` rows are read and written in the format to
    measure its bytes per row; ``masked`` says what the masking policy hides;
    ``zipped``: the parts go into one ZIP (its compression is not estimated)."""
    assert request.format is not None  # a ready export request names its format
    options = options_for(scope, request)
    planned = tuple(_part(scope, request, options, part) for part in parts)
    limit = scope.settings.max_export_rows
    total = sum(part.rows for part in planned)
    caps: tuple[str, ...] = ()
    if total > limit:
        caps = (
            f"One export holds at most {limit:,} rows (ASSISTANT_MAX_EXPORT_ROWS), "
            "so this one would be refused: narrow the query first.",
        )
    said = dict.fromkeys([*masked, *(words for part in planned for words in part.masked)])
    return ExportPlan(request.format, planned, caps, tuple(said), zipped)


def _part(
    scope: UserScope, request: ExportRequest, options: dict[str, object], part: PlanPart
) -> PartPlan:
    rows = part.rows or 0
    if request.limit is not None:
        rows = min(rows, request.limit)
    assert request.format is not None
    overhead, per_row, masked = _measure(scope, request, part.sql, options)
    size = None
    if overhead is not None and per_row is not None:
        size = round(overhead + per_row * _drawn(request.format, options, rows))
    warning = size_note(scope, request, rows)
    return PartPlan(
        name=part.name,
        rows=rows,
        estimated=part.estimated,
        bytes=size,
        bytes_per_row=per_row,
        caps=(warning,) if warning else (),
        masked=masked,
    )


def _drawn(format: Format, options: dict[str, object], rows: int) -> int:
    """The rows the file holds: a format with a row cap (the PDF's ``max_rows``) stops there."""
    try:
        parsed = parse_options(get_format(format).options, options)
    except ExporterError:
        return rows
    cap = getattr(parsed, "max_rows", None)
    return min(rows, cap) if isinstance(cap, int) else rows


def _measure(
    scope: UserScope, request: ExportRequest, sql: str, options: dict[str, object]
) -> tuple[float | None, float | None, tuple[str, ...]]:
    """(bytes the file has besides its rows, bytes per row, what is masked) from ``sql``'s
    first :data:`SAMPLE_ROWS` rows written as ``request`` asks (masks included), twice,
    whole and half; no sizes when the sample cannot be written. A result that fits the
    sample is measured whole: its estimate is its file's size."""
    assert request.format is not None
    format = request.format
    masked: tuple[str, ...] = ()
    try:
        with scope.source.open(sql, batch_size=SAMPLE_ROWS) as stream:
            first = next(iter(stream.reader), None)
            schema = stream.schema
        sample = pa.Table.from_batches([] if first is None else [first], schema)
        options = with_masks(scope, request, dict(options), schema.names)
        masked = _masks(schema.names, options)
        half = sample.num_rows // 2
        with tempfile.TemporaryDirectory(prefix="plan-") as folder:
            extension = get_format(format).extension
            small = _written(
                scope, sample.slice(0, half), Path(folder) / f"half.{extension}", format, options
            )
            if sample.num_rows == 0:
                return float(small), 0.0, masked
            whole = _written(scope, sample, Path(folder) / f"whole.{extension}", format, options)
    except ExporterError:  # what the export itself will refuse, saying why
        return None, None, masked
    # Rows the files hold: a capped format (the PDF's max_rows) draws fewer than it is given.
    low, high = _drawn(format, options, half), _drawn(format, options, sample.num_rows)
    if high == low:
        return float(whole), 0.0, masked
    per_row = max(0.0, (whole - small) / (high - low))
    return whole - per_row * high, per_row, masked


def _masks(names: Sequence[str], options: dict[str, object]) -> tuple[str, ...]:
    """ "email (partially)", "name (hashed)": what the masks in ``options`` do to ``names``."""
    mask = options.get("mask")
    if not isinstance(mask, dict) or not mask:
        return ()
    plan = plan_masks(names, mask)
    return tuple(
        f"{name} ({kind.words})"
        for name, kind in zip(plan.names, plan.kinds, strict=True)
        if kind not in (None, MaskKind.NONE)
    )


def _written(
    scope: UserScope, table: pa.Table, path: Path, format: Format, options: dict[str, object]
) -> int:
    return export(table, path, format, dict(options), mask_key=scope.source.policy.key).bytes


def _rows(rows: int, estimated: bool) -> str:
    said = "1 row" if rows == 1 else f"{rows:,} rows"
    return f"about {said}" if estimated else said


def human_bytes(size: float) -> str:
    """ "96 KB", "410 MB", "1.2 GB": decimal units, two significant figures at most.

    >>> human_bytes(96_400), human_bytes(409_600_000), human_bytes(1_234_000_000), human_bytes(512)
    ('96 KB', '410 MB', '1.2 GB', '512 bytes')
    """
    if size < 1000:
        return f"{round(size)} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return (
                f"{size:.1f} {unit}"
                if size < 10
                else f"{round(size, -1 if size >= 100 else 0):,.0f} {unit}"
            )
    raise AssertionError("unreachable")
