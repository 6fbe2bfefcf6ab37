"""The core's promises: whole files only, progress, cancel, projection, hashing, compression."""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import (
    CancelToken,
    DestinationError,
    ExportCancelled,
    OptionError,
    Progress,
    UnknownColumn,
    export,
)


def batches(n: int, size: int = 10) -> pa.RecordBatchReader:
    schema = pa.schema([("id", pa.int64()), ("name", pa.string())])

    def gen() -> Iterator[pa.RecordBatch]:
        for start in range(0, n, size):
            ids = list(range(start, min(n, start + size)))
            yield pa.record_batch([pa.array(ids), pa.array([f"n{i}" for i in ids])], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, gen())


def failing_reader(after: int) -> pa.RecordBatchReader:
    schema = pa.schema([("id", pa.int64())])

    def gen() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch([pa.array(range(after))], schema=schema)
        raise RuntimeError("the database went away")

    return pa.RecordBatchReader.from_batches(schema, gen())


def test_result_counts_hashes_and_points_at_the_file(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    result = export(batches(25), out, "csv")
    data = out.read_bytes()
    assert (result.rows, result.bytes, result.sha256) == (
        25,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert result.path == out.resolve()
    assert result.summary()["format"] == "csv"


def test_failure_halfway_leaves_no_file_and_no_temporary(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="went away"):
        export(failing_reader(5), tmp_path / "a.csv", "csv")
    assert list(tmp_path.iterdir()) == []


def test_failure_does_not_touch_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    out.write_text("previous export")
    with pytest.raises(RuntimeError):
        export(failing_reader(5), out, "csv")
    assert out.read_text() == "previous export"
    assert list(tmp_path.iterdir()) == [out]


def test_cancel_between_batches_removes_the_partial_file(tmp_path: Path) -> None:
    token = CancelToken()
    seen: list[Progress] = []

    def on_progress(p: Progress) -> None:
        seen.append(p)
        if p.rows_done >= 30:
            token.cancel()

    with pytest.raises(ExportCancelled):
        export(batches(100), tmp_path / "a.csv", "csv", progress=on_progress, cancel=token)
    assert list(tmp_path.iterdir()) == []
    assert seen[-1].rows_done == 30


def test_progress_reports_rows_total_and_bytes(tmp_path: Path) -> None:
    seen: list[Progress] = []
    export(batches(25), tmp_path / "a.csv", "csv", rows_total=25, progress=seen.append)
    assert [p.rows_done for p in seen] == [10, 20, 25]
    assert all(p.rows_total == 25 for p in seen)
    assert seen[-1].bytes_written > seen[0].bytes_written > 0


def test_columns_exclude_rename_and_limit(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    export(batches(25), out, "csv", {"columns": "name,id", "rename": "name:who", "limit": "12"})
    lines = out.read_text().splitlines()
    assert lines[0] == "who,id" and lines[1] == "n0,0" and len(lines) == 13
    export(batches(3), out, "csv", {"exclude": ["name"], "line_terminator": "lf"})
    assert out.read_text() == "id\n0\n1\n2\n"


def joined() -> pa.Table:
    """``SELECT * FROM a JOIN b ON b.a_id = a.id``: two ``id`` and two ``name`` columns."""
    return pa.Table.from_arrays(
        [pa.array([1]), pa.array(["alice"]), pa.array([99]), pa.array([1]), pa.array(["o-99"])],
        names=["id", "name", "id", "a_id", "name"],
    )


def test_repeated_names_keep_their_own_values_in_order(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    result = export(joined(), out, "csv", {"line_terminator": "lf"})
    assert out.read_text() == "id,name,id,a_id,name\n1,alice,99,1,o-99\n"
    assert result.notes == ()


def test_formats_that_need_unique_names_rename_and_say_so(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    result = export(joined(), out, "jsonl")
    assert out.read_text() == '{"id":1,"name":"alice","id_2":99,"a_id":1,"name_2":"o-99"}\n'
    assert result.notes == (
        "repeated column names were made unique: column 3 (id) is named id_2, "
        "column 5 (name) is named name_2",
    )
    assert result.summary()["notes"] == list(result.notes)
    table = pq.read_table(export(joined(), tmp_path / "a.parquet", "parquet").path)
    assert table.column_names == ["id", "name", "id_2", "a_id", "name_2"]
    assert table.column("id_2").to_pylist() == [99]


def test_options_name_a_repeated_column_by_its_unique_name(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    export(joined(), out, "csv", {"columns": "name_2,id_2", "rename": "id_2:order_id"})
    assert out.read_bytes() == b"name,order_id\r\no-99,99\r\n"
    export(joined(), out, "csv", {"exclude": "id,name"})
    assert out.read_bytes() == b"id,a_id,name\r\n99,1,o-99\r\n"


def test_unknown_column_names_the_ones_available(tmp_path: Path) -> None:
    with pytest.raises(UnknownColumn, match="there is no column 'email'; the result has: id, name"):
        export(batches(3), tmp_path / "a.csv", "csv", {"columns": "id,email"})
    assert list(tmp_path.iterdir()) == []


def test_bad_options_name_the_key_and_the_accepted_values(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match=r"unknown option 'colour'; accepted options: .*bom"):
        export(batches(3), tmp_path / "a.csv", "csv", {"colour": "red"})
    with pytest.raises(OptionError, match=r"option 'quoting': Input should be 'minimal', 'all'"):
        export(batches(3), tmp_path / "a.csv", "csv", {"quoting": "some"})
    with pytest.raises(OptionError, match="option 'limit'"):
        export(batches(3), tmp_path / "a.csv", "csv", {"limit": "-1"})
    with pytest.raises(OptionError, match="unknown time zone"):
        export(batches(3), tmp_path / "a.csv", "csv", {"timezone": "Mars/Olympus"})
    with pytest.raises(OptionError, match="unknown format 'docx'"):
        export(batches(3), tmp_path / "a.docx", "docx")


def test_missing_folder_is_a_destination_error(tmp_path: Path) -> None:
    with pytest.raises(DestinationError, match="does not exist"):
        export(batches(3), tmp_path / "no" / "a.csv", "csv")
    with pytest.raises(DestinationError, match="is a directory"):
        export(batches(3), tmp_path, "csv")


def test_gzip_and_zip_wrap_the_same_bytes_reproducibly(tmp_path: Path) -> None:
    plain = tmp_path / "a.csv"
    export(batches(25), plain, "csv")
    pinned = {"generated_at": "2026-11-18T15:30:00Z"}
    gz = tmp_path / "a.csv.gz"
    first = export(batches(25), gz, "csv", {"compression": "gzip", **pinned})
    assert gzip.decompress(gz.read_bytes()) == plain.read_bytes()
    zipped = tmp_path / "a.csv.zip"
    export(batches(25), zipped, "csv", {"compression": "zip", **pinned})
    with zipfile.ZipFile(zipped) as archive:
        assert archive.namelist() == ["a.csv"]
        assert archive.read("a.csv") == plain.read_bytes()
        assert archive.getinfo("a.csv").date_time == (2026, 11, 18, 15, 30, 0)
    again = export(batches(25), gz, "csv", {"compression": "gzip", **pinned})
    assert again.sha256 == first.sha256


def test_parquet_keeps_every_type_and_reads_back_in_duckdb(nasty: pa.Table, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "n.parquet"
    export(nasty, out, "parquet")
    assert pq.read_table(out).equals(nasty)
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "ZSTD"
    rows = duckdb.sql(f"SELECT id, amount, name FROM '{out}' ORDER BY id").fetchall()
    assert rows[-1][0] == 9_007_199_254_740_993
    assert [r[1] for r in rows] == nasty.column("amount").to_pylist()
    assert rows[3][2] == "Дмитрий Ж"


def test_parquet_row_groups_and_codec(nasty: pa.Table, tmp_path: Path) -> None:
    out = tmp_path / "n.parquet"
    export(nasty, out, "parquet", {"row_group_size": "3", "compression": "snappy"})
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [3, 3, 1]
    assert meta.row_group(0).column(0).compression == "SNAPPY"


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none() | st.floats(allow_nan=False),
            st.none() | st.text(max_size=12),
            st.none() | st.decimals(min_value=-(10**9), max_value=10**9, places=3),
            st.none() | st.booleans(),
            st.none() | st.datetimes(),
        ),
        max_size=20,
    )
)
def test_parquet_round_trips_any_table(
    rows: list[tuple[object, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    types = [
        pa.int64(),
        pa.float64(),
        pa.string(),
        pa.decimal128(13, 3),
        pa.bool_(),
        pa.timestamp("us"),
    ]
    table = pa.table(
        {
            f"c{i}": pa.array(list(values), kind)
            for i, (values, kind) in enumerate(zip(columns, types, strict=True))
        }
    )
    out = tmp_path_factory.mktemp("pq") / "t.parquet"
    export(table, out, "parquet")
    assert pq.read_table(out).equals(table)
