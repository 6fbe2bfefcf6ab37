"""PDF: registered here; the report itself (reportlab, fonts) loads on first use.

Keeping reportlab out of the registry saves every other export ~15 MiB and 70 ms.
The drawing lives in :mod:`exporters.writers.pdf_report`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from exporters.formats import Format, FormatSpec, WriteContext, WriteSummary
from exporters.options import PdfOptions


def write_pdf(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: PdfOptions,
    context: WriteContext,
) -> WriteSummary | None:
    from exporters.writers.pdf_report import write_pdf as draw_report

    return draw_report(schema, batches, sink, options, context)


def rows_shown(rows: int, options: PdfOptions) -> str | None:
    """What the report does with more rows than ``max_rows``: draws the first, notes it."""
    if rows <= options.max_rows:
        return None
    return (
        f"the PDF shows the first {options.max_rows:,} rows (max_rows); CSV or Parquet "
        "keeps them all"
    )


SPECS = (
    FormatSpec(
        Format.PDF,
        "application/pdf",
        "pdf",
        PdfOptions,
        write_pdf,
        "a paginated PDF report (title, repeated header, page numbers)",
        sizing=rows_shown,
    ),
)
