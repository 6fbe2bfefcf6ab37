"""Parquet: which columns get a dictionary, and the values read back either way."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from exporters import export


def _encodings(path: Path) -> dict[str, set[str]]:
    meta = pq.ParquetFile(path).metadata
    group = meta.row_group(0)
    return {
        group.column(i).path_in_schema: set(group.column(i).encodings)
        for i in range(meta.num_columns)
    }


def test_repeating_columns_get_a_dictionary_and_distinct_ones_do_not(tmp_path: Path) -> None:
    rows = 5_000
    table = pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "email": [f"user{i}@example.com" for i in range(rows)],
            "status": [("new", "paid", "shipped")[i % 3] for i in range(rows)],
            "tags": [[f"t{i % 2}"] for i in range(rows)],
        }
    )
    out = tmp_path / "t.parquet"
    export(table, out, "parquet")
    encodings = _encodings(out)
    assert "RLE_DICTIONARY" in encodings["status"]
    assert "RLE_DICTIONARY" not in encodings["id"]
    assert "RLE_DICTIONARY" not in encodings["email"]
    assert pq.read_table(out).equals(table)


def test_a_small_result_keeps_the_default_dictionaries(tmp_path: Path) -> None:
    table = pa.table({"id": pa.array(range(10), pa.int64()), "word": ["a"] * 10})
    out = tmp_path / "small.parquet"
    export(table, out, "parquet")
    assert all("RLE_DICTIONARY" in found for found in _encodings(out).values())
    assert pq.read_table(out).equals(table)


def test_no_rows_is_a_valid_file(tmp_path: Path) -> None:
    table = pa.table({"id": pa.array([], pa.int64())})
    out = tmp_path / "empty.parquet"
    export(table, out, "parquet")
    assert pq.read_table(out).num_rows == 0
