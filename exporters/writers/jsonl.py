"""JSON Lines: one object per row, ``\\n``-terminated, streamed in constant memory.

Values are encoded by :mod:`.json_encode` (exact integers and decimals, NaN/Infinity as
null, datetimes in the asked zone). ``preset=openai_chat`` writes chat fine-tuning lines,
``{"messages": [{"role": ..., "content": ...}, ...]}``, from columns ``role`` and
``content`` (other columns are left out): one line per conversation when a
``conversation_id``, ``conversation`` or ``session_id`` column exists (conversations in
order of first appearance, which needs every row in memory), otherwise one line for the
whole input, streamed. No rows means an empty file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from exporters.errors import OptionError
from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import JsonlOptions
from exporters.render import text_buffer
from exporters.writers.json_encode import (
    concat,
    encode_column,
    group_runs,
    join_groups,
    objects,
)
from exporters.writers.pipeline import pipelined

CONVERSATION_COLUMNS = ("conversation_id", "conversation", "session_id")
_MESSAGE = ("role", "content")


def write_jsonl(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: JsonlOptions,
    context: WriteContext,
) -> None:
    if options.preset == "openai_chat":
        _write_chat(schema, batches, sink, options)
        return
    omit = options.nulls == "omit"

    def lines(batch: pa.RecordBatch) -> pa.Buffer:
        values = [encode_column(column, options, context.known_text) for column in batch.columns]
        return text_buffer(
            objects(schema.names, values, omit=omit, length=batch.num_rows, end="\n")
        )

    for data in pipelined(lines, batches):
        sink.write(data)


def _write_chat(
    schema: pa.Schema, batches: Iterator[pa.RecordBatch], sink: BinaryIO, options: JsonlOptions
) -> None:
    names = schema.names
    missing = [name for name in _MESSAGE if name not in names]
    if missing:
        raise OptionError(
            f"preset=openai_chat needs columns 'role' and 'content' (missing: "
            f"{', '.join(missing)}); the result has: {', '.join(names)}. "
            "Rename with e.g. rename=speaker:role,text:content"
        )
    group = next((name for name in CONVERSATION_COLUMNS if name in names), None)

    def messages(batch: pa.RecordBatch, start: str = "") -> pa.Array:
        values = [encode_column(batch.column(name), options) for name in _MESSAGE]
        return objects(
            _MESSAGE, values, omit=options.nulls == "omit", length=batch.num_rows, start=start
        )

    if group is None:
        first = True
        for batch in batches:
            data = text_buffer(messages(batch, start=","))
            if first:
                sink.write(b'{"messages":[')
                data, first = data.slice(1), False
            sink.write(data)
        if not first:
            sink.write(b"]}\n")
        return

    text = pa.large_string()
    items: list[pa.Array] = []
    keys: list[pa.Array] = []
    for batch in batches:
        items.append(messages(batch).cast(text))
        keys.append(encode_column(batch.column(group), options).json().fill_null("null").cast(text))
    if not items:
        return
    order, starts = group_runs([pa.concat_arrays(keys)])
    body = join_groups(pa.concat_arrays(items).take(order), starts[0], ",")
    sink.write(text_buffer(concat(['{"messages":[', body, "]}\n"], text)))


SPECS = (
    FormatSpec(
        Format.JSONL,
        "application/x-ndjson",
        "jsonl",
        JsonlOptions,
        write_jsonl,
        "JSON Lines: one object per line",
        unique_names=True,
        reuses_source_text=True,
    ),
)
