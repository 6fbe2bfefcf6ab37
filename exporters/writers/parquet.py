"""Parquet: Arrow types kept exactly (decimals, zoned timestamps), zstd by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from exporters.formats import Format, FormatSpec, WriteContext
from exporters.options import ParquetOptions


def write_parquet(
    schema: pa.Schema,
    batches: Iterator[pa.RecordBatch],
    sink: BinaryIO,
    options: ParquetOptions,
    context: WriteContext,
) -> None:
    import pyarrow.parquet as pq  # loaded on use: other formats need not pay for it

    metadata = dict(schema.metadata or {})
    if options.metadata:
        metadata.update(
            {
                b"generated_at": context.generated_at.isoformat().encode(),
                b"query": (context.query or "").encode(),
                b"title": context.title.encode(),
            }
        )
    schema = schema.with_metadata(metadata) if metadata else schema
    codec = None if options.compression == "none" else options.compression
    with pq.ParquetWriter(sink, schema, compression=codec) as writer:
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        # Gather batches into row groups of the asked size, so readers see few, full groups.
        for batch in batches:
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= options.row_group_size:
                table = pa.Table.from_batches(pending, schema)
                writer.write_table(table, row_group_size=options.row_group_size)
                pending, pending_rows = [], 0
        if pending:
            writer.write_table(pa.Table.from_batches(pending, schema))


SPECS = (
    FormatSpec(
        Format.PARQUET,
        "application/vnd.apache.parquet",
        "parquet",
        ParquetOptions,
        write_parquet,
        "Apache Parquet, columnar and typed",
        unique_names=True,
    ),
)
