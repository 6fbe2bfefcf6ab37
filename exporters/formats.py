"""The format registry: every output format is looked up here, never branched on.

A format is a :class:`FormatSpec` (media type, file extension, options model, writer)
registered under a :class:`Format` name. Built-in writers register themselves through
the same public :func:`register` a plug-in would use; a duplicate name is an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO

import pyarrow as pa

from exporters.errors import OptionError
from exporters.known_text import KnownText
from exporters.options import CommonOptions


class Format(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    JSONL = "jsonl"
    PARQUET = "parquet"
    XLSX = "xlsx"
    PDF = "pdf"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class WriteContext:
    """What a writer may show besides the rows: it never sees a database or a request."""

    title: str
    query: str | None
    generated_at: dt.datetime  # timezone-aware; pins timestamps inside the file
    rows_total: int | None  # when known up front (progress, metadata)
    notes: list[str] = field(default_factory=list)  # see note()
    known_text: KnownText | None = None  # the source's own text of some columns, to reuse

    def note(self, text: str) -> None:
        """Say what the file could not hold exactly (a cut text, a value written as text).

        Notes end up in the export's result; saying the same thing twice keeps one.
        """
        if text not in self.notes:
            self.notes.append(text)


@dataclass(frozen=True)
class WriteSummary:
    """Returned by a writer that wrote fewer rows than it was given (e.g. a PDF cap)."""

    rows: int
    note: str | None = None


Writer = Callable[
    [pa.Schema, Iterator[pa.RecordBatch], BinaryIO, Any, WriteContext], WriteSummary | None
]


@dataclass(frozen=True)
class FormatSpec:
    format: Format
    media_type: str
    extension: str  # without the dot
    options: type[CommonOptions]
    writer: Writer
    description: str = ""
    # Keys and field names must differ (JSON, Parquet, XLSX): repeated column names are
    # then renamed `id`, `id_2`, ... (see exporters.core.unique_names); others keep them.
    unique_names: bool = False
    # Whether the `compression` option wraps the file in gzip or zip. False for a format
    # that compresses inside (Parquet's `compression` is its column codec): wrapping it
    # again would only cost time, and its readers expect the bare file.
    compressible: bool = True
    # Whether the writer takes the source's own text of a column where it has it
    # (exporters.known_text); a source keeps that text only for such a writer.
    reuses_source_text: bool = False
    # What the format does with more rows than it naturally holds, said before the export
    # starts (a new sheet every 1,048,576 rows, a PDF's first ``max_rows``): called with the
    # row count and the format's options; None when every row fits as in any format.
    sizing: Callable[[int, Any], str | None] | None = None

    def size_note(self, rows: int, options: CommonOptions) -> str | None:
        """What a result of ``rows`` rows becomes in this format when it does not fit whole
        ("Excel holds 1,048,576 rows per sheet, so the file will have 3 sheets"), or None."""
        return self.sizing(rows, options) if self.sizing is not None else None


_REGISTRY: dict[Format, FormatSpec] = {}


def register(spec: FormatSpec) -> FormatSpec:
    """Make ``spec`` available by its format name; registering a name twice is an error."""
    if spec.format in _REGISTRY:
        raise ValueError(f"format {spec.format.value!r} is already registered")
    _REGISTRY[spec.format] = spec
    return spec


def get_format(name: str | Format) -> FormatSpec:
    """The spec for ``name`` (case-insensitive), or OptionError listing the known formats."""
    try:
        wanted = Format(str(name).lower())
    except ValueError:
        known = ", ".join(spec.format.value for spec in registered_formats())
        raise OptionError(f"unknown format {name!r}; choose one of: {known}") from None
    _load_builtins([wanted])  # every Format has a built-in writer
    return _REGISTRY[wanted]


def registered_formats() -> list[FormatSpec]:
    """Every registered format, in :class:`Format`'s order."""
    _load_builtins(Format)
    return [_REGISTRY[f] for f in Format]


def _load_builtins(formats: Iterable[Format]) -> None:
    # Imported here: the writers import this module. Each writer module registers its
    # formats when one of them is first asked for (see exporters.writers).
    from exporters.writers import load

    load(formats)
