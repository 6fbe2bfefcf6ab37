"""Markdown: a GitHub-flavoured pipe table, streamed batch by batch.

Cells follow the shared display rules (:mod:`exporters.render`). So that every row stays
one table row, ``|`` is escaped as ``\\|`` and line breaks (CRLF, LF, CR) become ``<br>``;
backslashes and other characters are kept as they are. Numeric columns are
right-aligned. A ``# Title`` heading comes first when a title is given or
``metadata=true``; metadata adds the generation time and the query (in a code span), and,
since the row count is only known at the end, a trailing ``_N rows_`` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import MarkdownOptions
from exporters.render import text_buffer, text_column
from exporters.writers.pipeline import pipelined

_NOT_SPECIAL = bytes(b for b in range(256) if b not in b"|\r\n")
_LINE_BREAK = r"\r\n|\r|\n"
_OPEN, _BAR, _CLOSE, _EMPTY = (pa.scalar(text) for text in ("| ", " | ", " |\n", ""))


def write_markdown(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: MarkdownOptions,
    context: WriteContext,
) -> None:
    if options.title or options.metadata:
        sink.write(f"# {' '.join(context.title.split())}\n\n".encode())
    if options.metadata:
        lines = [f"- Generated at: {context.generated_at.isoformat()}"]
        if context.query and context.query.strip():
            lines.append(f"- Query: {code_span(' '.join(context.query.split()))}")
        sink.write(("\n".join(lines) + "\n\n").encode())
    header = " | ".join(escape_cell(name) for name in schema.names)
    rule = " | ".join("---:" if _is_numeric(field.type) else "---" for field in schema)
    sink.write(f"| {header} |\n| {rule} |\n".encode())
    null = escape_cell(options.null)
    rows = 0

    def table_rows(batch: pa.RecordBatch) -> tuple[int, pa.Buffer]:
        cells = [_cells(column, options, null) for column in batch.columns]
        inner = pc.binary_join_element_wise(*cells, _BAR)
        framed = pc.binary_join_element_wise(_OPEN, inner, _CLOSE, _EMPTY)
        return batch.num_rows, text_buffer(framed)

    for count, data in pipelined(table_rows, batches):
        sink.write(data)
        rows += count
    if options.metadata:
        sink.write(f"\n_{rows:,} {'row' if rows == 1 else 'rows'}_\n".encode())


def escape_cell(text: str) -> str:
    """One cell's text made safe for a pipe table (the rule :func:`_cells` vectorises)."""
    return re.sub(_LINE_BREAK, "<br>", text.replace("|", "\\|"))


def code_span(text: str) -> str:
    """``text`` as an inline code span, fenced by more backticks than it contains in a row."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""  # a space keeps a leading/trailing backtick off the fence
    return f"{fence}{pad}{text}{pad}{fence}"


def _cells(column: pa.Array, options: MarkdownOptions, null: str) -> pa.Array:
    text = text_column(column, options)
    if text.type != pa.string():
        text = text.cast(pa.string())
    if not _is_plain(column.type, options):
        # One pass over the raw bytes finds which of "|", CR, LF occur at all.
        present = set(text_buffer(text).to_pybytes().translate(None, _NOT_SPECIAL))
        if ord("|") in present:
            text = pc.replace_substring(text, "|", "\\|")
        if ord("\r") in present:
            text = pc.replace_substring_regex(text, _LINE_BREAK, "<br>")
        elif ord("\n") in present:
            text = pc.replace_substring(text, "\n", "<br>")
    return text.fill_null(null) if text.null_count else text


def _is_plain(kind: pa.DataType, options: MarkdownOptions) -> bool:
    """Numbers, booleans and ISO dates never hold "|" or line breaks."""
    iso = options.datetime_format == "iso"
    return bool(
        _is_numeric(kind) or pa.types.is_boolean(kind) or (pa.types.is_temporal(kind) and iso)
    )


def _is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


SPECS = (
    FormatSpec(
        Format.MARKDOWN,
        "text/markdown",
        "md",
        MarkdownOptions,
        write_markdown,
        "a GitHub-flavoured Markdown table",
    ),
)
