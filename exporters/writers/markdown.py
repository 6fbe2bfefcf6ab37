r"""Markdown: a GitHub-flavoured pipe table, streamed batch by batch.

Cells follow the shared display rules (:mod:`exporters.render`), then are escaped so that
GitHub (cmark-gfm), CommonMark renderers (markdown-it) and python-markdown all show the
value as text, one table row per record:

- ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;`` and ``&gt;``: no HTML element, comment
  or entity from the data ever reaches the page;
- the Markdown punctuation that means something inside a table cell gets a backslash,
  each one python-markdown knows too: ``\\`` ``\``` ``\*`` ``\_`` ``\[`` ``\]`` and
  ``\|`` (so no code span, emphasis, link, image or extra cell); ``~`` (GFM
  strikethrough) and ``$`` (GitHub math) become ``&#126;`` and ``&#36;``, because
  python-markdown would show a backslash before them, and a tab ``&#9;`` (python-markdown
  turns tabs into spaces);
- ``://`` becomes ``&#58;//`` and ``www.`` ``www\.``, so GitHub does not turn URLs into
  links; line breaks (CRLF, LF, CR) become ``<br>``, the only markup written in a cell.

Headers, the ``null`` text and the title are escaped the same way. What no escape can
stop: GitHub links e-mail addresses and shows ``:shortcodes:`` as emoji (it finds them in
the text after parsing), and NUL characters become U+FFFD, as CommonMark requires.
Numbers, booleans and ISO dates, times and intervals need no escaping and skip it.
Numeric columns are right-aligned. A ``# Title`` heading comes first when a title is
given or ``metadata=true``; metadata adds the generation time and the query (in a code
span), and, since the row count is only known at the end, a trailing ``_N rows_`` line.
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

# In this order: "&" before the entities bring theirs, "\\" before the escapes bring theirs.
_REPLACEMENTS = (
    ("&", "&amp;"),
    ("\\", "\\\\"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("~", "&#126;"),
    ("$", "&#36;"),
    ("\t", "&#9;"),
    *((char, "\\" + char) for char in "`*_[]|"),
)
_LINKS = (("://", "&#58;//"), ("www.", "www\\."))  # GitHub's autolink triggers
_SPECIAL = b"&\\<>~$\t`*_[]|\r\n"
_NOT_SPECIAL = bytes(b for b in range(256) if b not in _SPECIAL)
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
        title = escape_cell(" ".join(context.title.split())).replace("#", "\\#")
        sink.write(f"# {title}\n\n".encode())
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
    r"""One cell's text made safe for a pipe table (the rule :func:`_cells` vectorises).

    >>> print(escape_cell("<b>*x*</b> | ![i](http://e/x.png)\r\n~~s~~"))
    &lt;b&gt;\*x\*&lt;/b&gt; \| !\[i\](http&#58;//e/x.png)<br>&#126;&#126;s&#126;&#126;
    """
    for char, escaped in _REPLACEMENTS:
        text = text.replace(char, escaped)
    for link, escaped in _LINKS:
        text = text.replace(link, escaped)
    return re.sub(_LINE_BREAK, "<br>", text)


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
        # One pass over the raw bytes finds which special characters occur at all.
        data = text_buffer(text).to_pybytes()
        present = set(data.translate(None, _NOT_SPECIAL))
        for char, escaped in _REPLACEMENTS:
            if ord(char) in present:
                text = pc.replace_substring(text, char, escaped)
        for link, escaped in _LINKS:
            if link.encode() in data:
                text = pc.replace_substring(text, link, escaped)
        if ord("\r") in present:
            text = pc.replace_substring_regex(text, _LINE_BREAK, "<br>")
        elif ord("\n") in present:
            text = pc.replace_substring(text, "\n", "<br>")
    return text.fill_null(null) if text.null_count else text


def _is_plain(kind: pa.DataType, options: MarkdownOptions) -> bool:
    """Numbers, booleans, ISO dates, times and intervals: nothing in them to escape."""
    iso = options.datetime_format == "iso" or not (
        pa.types.is_date(kind) or pa.types.is_timestamp(kind)
    )
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
