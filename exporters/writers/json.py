"""JSON: one array of objects, streamed batch by batch in constant memory.

Layouts:

- ``records`` (default): ``[{...}, {...}]``.
- ``object``: ``{"metadata": {"title", "query", "generated_at"}, "records": [...],
  "row_count": N}``. The row count is only known once every batch is written, so it
  comes after the records; that keeps the writer streaming. ``metadata=true`` implies
  this layout (an array has no place for metadata); asking for ``layout=records`` and
  ``metadata=true`` together is refused.

``pretty=true`` indents by two spaces as ``json.dumps(indent=2)`` does (nested list and
struct values stay on one line). ``nest_by=a,b`` groups rows, in order of first
appearance, as ``[{"a": .., "records": [{"b": .., "records": [{rest}, ...]}]}]``;
grouping needs every row, so that option alone holds the encoded output in memory
(a few times the size of the file). Value encoding: :mod:`.json_encode`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exporters.errors import OptionError
from exporters.formats import Format, FormatSpec, WriteContext
from exporters.known_text import KnownText
from exporters.options import JsonOptions
from exporters.render import text_buffer
from exporters.writers.json_encode import (
    Encoded,
    Style,
    concat,
    encode_column,
    group_runs,
    join_groups,
    objects,
)
from exporters.writers.pipeline import pipelined


def write_json(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: JsonOptions,
    context: WriteContext,
) -> None:
    style = Style(options.pretty)
    wrapped = _layout(options) == "object"
    level = 2 if wrapped else 1
    rows = _RowCounter(batches)
    if wrapped:
        sink.write(_head(context, style).encode())
    if options.nest_by:
        items = _grouped_items(schema, iter(rows), options, style, level, context.known_text)
    else:
        items = _record_items(schema, iter(rows), options, style, level, context.known_text)
    _write_array(sink, items, style, level)
    if wrapped:
        newline, pad = style.newline, style.pad(1)
        sink.write(f',{newline}{pad}"row_count"{style.colon}{rows.count}{newline}}}'.encode())
    sink.write(b"\n")


def _layout(options: JsonOptions) -> str:
    if options.metadata and options.layout == "records":
        if "layout" in options.model_fields_set:
            raise OptionError(
                "metadata=true needs layout=object (a JSON array has no place for "
                "metadata); drop layout=records or metadata=true"
            )
        return "object"
    return options.layout


def _head(context: WriteContext, style: Style) -> str:
    meta = {
        "title": context.title,
        "query": context.query,
        "generated_at": context.generated_at.isoformat(),
    }
    if style.pretty:
        text = json.dumps(meta, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        return f'{{\n  "metadata": {text},\n  "records": '
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return f'{{"metadata":{text},"records":'


class _RowCounter:
    """Passes batches through, counting rows: the count is known once they are all read."""

    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self._batches = batches
        self.count = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self._batches:
            self.count += batch.num_rows
            yield batch


def _write_array(sink: BinaryIO, items: Iterator[pa.Array], style: Style, level: int) -> None:
    """``[`` + items + ``]``; every item starts with the separator, dropped on the first."""
    skip = len(style.item_separator())
    first = True
    for text in items:
        if not len(text):
            continue
        data = text_buffer(text)
        if first:
            sink.write(f"[{style.newline}".encode())
            data = data.slice(skip)
            first = False
        sink.write(data)
    sink.write(b"[]" if first else f"{style.newline}{style.pad(level - 1)}]".encode())


def _record_items(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    options: JsonOptions,
    style: Style,
    level: int,
    known: KnownText | None,
) -> Iterator[pa.Array]:
    omit = options.nulls == "omit"

    def items(batch: pa.RecordBatch) -> pa.Array:
        values = [encode_column(column, options, known) for column in batch.columns]
        return objects(
            schema.names,
            values,
            omit=omit,
            length=batch.num_rows,
            style=style,
            level=level,
            start=style.item_separator(),
        )

    return pipelined(items, batches)


def _grouped_items(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    options: JsonOptions,
    style: Style,
    level: int,
    known: KnownText | None,
) -> Iterator[pa.Array]:
    nest = list(options.nest_by)
    names = schema.names
    unknown = [name for name in nest if name not in names]
    if unknown or "records" in nest or len(set(nest)) < len(nest):
        raise OptionError(
            f"option 'nest_by': expected distinct result columns other than 'records' "
            f"(got {','.join(nest)}); the result has: {', '.join(names)}"
        )
    rest = [i for i, name in enumerate(names) if name not in nest]
    depth, omit, text = len(nest), options.nulls == "omit", pa.large_string()
    leaves: list[pa.Array] = []
    keys: list[list[pa.Array]] = [[] for _ in nest]
    for batch in batches:
        values = [encode_column(column, options, known) for column in batch.columns]
        leaf = objects(
            [names[i] for i in rest],
            [values[i] for i in rest],
            omit=omit,
            length=batch.num_rows,
            style=style,
            level=level + 2 * depth,
        )
        leaves.append(leaf.cast(text))
        for k, name in enumerate(nest):
            keys[k].append(values[names.index(name)].json().fill_null("null").cast(text))
    if not leaves:
        return
    key_texts = [pa.concat_arrays(parts) for parts in keys]
    order, starts = group_runs(key_texts)
    items = pa.concat_arrays(leaves).take(order)
    below: pa.Array | None = None  # where the groups one level down start (None: rows)
    for k in reversed(range(depth)):
        group_level = level + 2 * k
        first = starts[k] if below is None else pc.index_in(starts[k], value_set=below)
        body = join_groups(items, first.cast(pa.int32()), style.item_separator())
        records = concat(
            [f"[{style.newline}", body, f"{style.newline}{style.pad(group_level + 1)}]"], text
        )
        key = key_texts[k].take(order).take(starts[k])
        items = objects(
            [nest[k], "records"],
            [Encoded(key), Encoded(records)],
            omit=False,
            length=len(key),
            style=style,
            level=group_level,
            start=style.item_separator() if k == 0 else "",
        )
        below = starts[k]
    yield items


SPECS = (
    FormatSpec(
        Format.JSON,
        "application/json",
        "json",
        JsonOptions,
        write_json,
        "a JSON array of objects (or an object with metadata)",
        unique_names=True,
        reuses_source_text=True,
    ),
)
