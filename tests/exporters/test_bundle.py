"""Bundles (several exports in one ZIP with a manifest) and atomic text files.

ZIPs are read back with :mod:`zipfile` and their members with readers that share no code
with the writers: the csv module, pyarrow's Parquet reader, openpyxl, json.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exporters import (
    BadInput,
    BundlePart,
    BundleResult,
    CancelToken,
    DestinationError,
    EncodingFailed,
    ExportCancelled,
    Format,
    Progress,
    QueryStream,
    SourceError,
    UnknownColumn,
    export,
    export_bundle,
    export_text,
    get_format,
    open_query,
    registered_formats,
)

from .test_sqlite_types import big_db

STAMP = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
HISTORY_KEYS = ["file_name", "question", "sql", "rows", "bytes", "sha256", "query_run_id",
                "ran_at", "notes"]  # fmt: skip


def given(source: Any) -> Callable[[], contextlib.AbstractContextManager[Any]]:
    return lambda: contextlib.nullcontext(source)


def numbered(count: int, start: int = 0) -> pa.Table:
    return pa.table({"n": pa.array(range(start, start + count), pa.int64())})


def history_part(name: str, table: pa.Table, fmt: str, run: int, **options: Any) -> BundlePart[Any]:
    """A part as the assistant's history export describes one query run."""
    fields = {"question": f"Frage {run} — größte Kunden?", "sql": f"SELECT * FROM t{run}",
              "rows": None, "bytes": None, "sha256": None, "query_run_id": f"run-{run}",
              "ran_at": f"2026-11-18T0{run}:00:00+00:00"}  # fmt: skip
    return BundlePart(name, given(table), fmt, options, query=fields["sql"], manifest=fields)


def bundle(parts: list[BundlePart[Any]], out: Path, **kwargs: Any) -> BundleResult:
    top = {"generated_at": STAMP.isoformat(), "since": None, "until": None, "format": "csv"}
    return export_bundle(parts, out, manifest=top, generated_at=STAMP, **kwargs)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------- contents


def test_each_part_is_a_member_read_back_by_its_own_reader(nasty: pa.Table, tmp_path: Path) -> None:
    out = tmp_path / "history.zip"
    result = bundle([
        history_part("01-orders.csv", nasty, "csv", 1),
        history_part("02-orders.parquet", nasty, "parquet", 2),
        history_part("03-numbers.xlsx", numbered(5), "xlsx", 3),
        history_part("04-numbers.jsonl", numbered(3, 10), "jsonl", 4),
    ], out)  # fmt: skip
    files = members(out)
    assert list(files) == ["01-orders.csv", "02-orders.parquet", "03-numbers.xlsx",
                           "04-numbers.jsonl", "manifest.json"]  # fmt: skip

    rows = list(csv.reader(io.StringIO(files["01-orders.csv"].decode(), newline="")))
    assert rows[0] == nasty.column_names and len(rows) == 1 + nasty.num_rows
    assert rows[4][1] == "Дмитрий Ж"
    assert pq.read_table(io.BytesIO(files["02-orders.parquet"])).equals(nasty)
    book = openpyxl.load_workbook(io.BytesIO(files["03-numbers.xlsx"]))
    assert [r[0] for r in book.worksheets[0].iter_rows(values_only=True)] == ["n", 0, 1, 2, 3, 4]
    book.close()
    lines = files["04-numbers.jsonl"].decode().splitlines()
    assert [json.loads(line) for line in lines] == [{"n": 10}, {"n": 11}, {"n": 12}]

    assert result.rows == 2 * nasty.num_rows + 5 + 3
    assert result.bytes == out.stat().st_size
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result.path == out.resolve()
    assert leftovers(tmp_path) == ["history.zip"]  # the parts' folder is gone


def test_the_manifest_names_and_hashes_each_file_in_the_history_layout(
    nasty: pa.Table, tmp_path: Path
) -> None:
    out = tmp_path / "history.zip"
    result = bundle([history_part("01-a.csv", nasty, "csv", 1),
                     history_part("02-b.json", numbered(2), "json", 2)], out)  # fmt: skip
    files = members(out)
    text = files["manifest.json"].decode()
    manifest = json.loads(text)
    assert text == json.dumps(manifest, indent=2, ensure_ascii=False)
    assert "größte" in text  # written as UTF-8, not \\u escapes
    assert list(manifest) == ["generated_at", "since", "until", "format", "files"]
    assert manifest["files"] == result.entries
    for run, entry in enumerate(manifest["files"], start=1):
        assert list(entry) == HISTORY_KEYS
        body = files[entry["file_name"]]
        assert entry["bytes"] == len(body)
        assert entry["sha256"] == hashlib.sha256(body).hexdigest()
        assert entry["query_run_id"] == f"run-{run}" and entry["sql"] == f"SELECT * FROM t{run}"
        assert entry["notes"] == []
    assert [e["rows"] for e in manifest["files"]] == [nasty.num_rows, 2]


def test_computed_fields_follow_the_parts_own_unless_placed(tmp_path: Path) -> None:
    part = BundlePart("a.csv", given(numbered(1)), "csv", manifest={"question": "q", "x": 1})
    result = export_bundle([part], tmp_path / "b.zip", generated_at=STAMP)
    assert list(result.entries[0]) == ["file_name", "question", "x", "rows", "bytes", "sha256",
                                       "notes"]  # fmt: skip
    faked = {"sha256": "0" * 64, "file_name": "other.csv"}  # computed values win
    part = BundlePart("a.csv", given(numbered(1)), "csv", manifest=faked)
    entry = export_bundle([part], tmp_path / "c.zip", generated_at=STAMP).entries[0]
    assert entry["file_name"] == "a.csv" and entry["sha256"] != "0" * 64
    assert json.loads(members(tmp_path / "c.zip")["manifest.json"]) == {"files": [entry]}


@pytest.mark.parametrize(
    ("when", "stamped"),
    [
        (STAMP, (2026, 11, 18, 15, 30, 0)),
        # Times a ZIP cannot hold take the nearest it can (SOURCE_DATE_EPOCH=0, far dates).
        (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), (1980, 1, 1, 0, 0, 0)),
        (dt.datetime(2200, 6, 1, tzinfo=dt.UTC), (2107, 12, 31, 23, 59, 58)),
    ],
)
def test_entries_are_deflated_and_stamped_with_the_bundles_time(
    tmp_path: Path, when: dt.datetime, stamped: tuple[int, ...]
) -> None:
    out = tmp_path / "b.zip"
    export_bundle([BundlePart("a.csv", given(numbered(100)), "csv")], out, generated_at=when)
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            assert info.date_time == stamped and info.compress_type == zipfile.ZIP_DEFLATED
            assert info.external_attr >> 16 == 0o644


def test_parts_take_the_bundles_time_unless_they_pin_their_own(tmp_path: Path) -> None:
    pinned = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    parts = [
        BundlePart("a.csv", given(numbered(1)), "csv", {"metadata": True}),
        BundlePart("b.csv", given(numbered(1)), "csv", {"metadata": True, "generated_at": pinned}),
    ]
    files = members(export_bundle(parts, tmp_path / "b.zip", generated_at=STAMP).path)
    assert f"# generated_at: {STAMP.isoformat()}" in files["a.csv"].decode()
    assert f"# generated_at: {pinned.isoformat()}" in files["b.csv"].decode()


def test_notes_say_which_file_they_are_about(tmp_path: Path) -> None:
    twice = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["id", "id"])
    result = export_bundle([BundlePart("a.json", given(twice), "json")], tmp_path / "b.zip")
    note = "repeated column names were made unique: column 2 (id) is named id_2"
    assert result.entries[0]["notes"] == [note]
    assert result.notes == (f"a.json: {note}",)


# ----------------------------------------------------------------- sources, one at a time


def test_sources_are_opened_lazily_one_at_a_time(tmp_path: Path) -> None:
    events: list[str] = []

    def opener(name: str) -> Callable[[], contextlib.AbstractContextManager[pa.Table]]:
        @contextlib.contextmanager
        def source() -> Iterator[pa.Table]:
            events.append(f"open {name}")
            yield numbered(3)
            events.append(f"close {name}")

        return source

    def parts() -> Iterator[BundlePart[pa.Table]]:
        for name in ["a.csv", "b.csv", "c.csv"]:
            events.append(f"part {name}")
            yield BundlePart(name, opener(name), "csv")

    export_bundle(parts(), tmp_path / "b.zip")
    assert events == [f"{what} {name}" for name in ["a.csv", "b.csv", "c.csv"]
                      for what in ("part", "open", "close")]  # fmt: skip


def test_a_query_stream_names_its_file_and_restarts_when_types_change(tmp_path: Path) -> None:
    url = big_db(tmp_path, "'text'", "v")  # 40,000 integers (and NULLs), then a text

    def name(stream: QueryStream) -> str:
        return f"01-{stream.query.tables[0]}.csv"

    part: BundlePart[QueryStream] = BundlePart(
        name, lambda: open_query(url, "SELECT v FROM big", batch_size=4096), "csv"
    )
    result = export_bundle([part], tmp_path / "b.zip", generated_at=STAMP)
    body = members(result.path)["01-big.csv"].decode()
    values = [row[0] if row else None for row in csv.reader(io.StringIO(body, newline=""))]
    assert values[:4] == ["v", None, "2", None] and values[-1] == "text"
    assert len(values) == 1 + 40_001
    assert result.rows == 40_001 and result.entries[0]["file_name"] == "01-big.csv"
    # The note of the restarted read (a column of integers and text), not of the first one.
    assert result.notes == (
        "01-big.csv: column 1 (v) holds integer and text values; all are written as text",
    )
    assert leftovers(tmp_path) == ["b.zip", "big.db"]


def test_progress_counts_rows_across_the_parts(tmp_path: Path) -> None:
    seen: list[Progress] = []
    parts = [BundlePart(f"{i}.csv", given(numbered(10)), "csv") for i in range(3)]
    result = export_bundle(parts, tmp_path / "b.zip", progress=seen.append)
    done = [p.rows_done for p in seen]
    assert done == sorted(done) and done[-1] == result.rows == 30
    assert [p.bytes_written for p in seen] == sorted(p.bytes_written for p in seen)


# ----------------------------------------------------------------- the same bytes


def test_the_same_input_gives_the_same_bytes(nasty: pa.Table, tmp_path: Path) -> None:
    def parts() -> list[BundlePart[Any]]:
        return [history_part("a.csv", nasty, "csv", 1), history_part("b.xlsx", nasty, "xlsx", 2),
                history_part("c.parquet", nasty, "parquet", 3)]  # fmt: skip

    first = bundle(parts(), tmp_path / "one.zip")
    second = bundle(parts(), tmp_path / "two.zip")
    assert first.sha256 == second.sha256
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    later = export_bundle(parts(), tmp_path / "three.zip", generated_at=STAMP.replace(hour=16))
    assert later.sha256 != first.sha256


# ----------------------------------------------------------------- whole or nothing


def failing_reader() -> pa.RecordBatchReader:
    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"n": pa.array([1, 2], pa.int64())})
        raise SourceError("the database went away")

    return pa.RecordBatchReader.from_batches(pa.schema({"n": pa.int64()}), batches())


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (BundlePart("b.csv", failing_reader, "csv"), SourceError),
        (BundlePart("b.csv", given(numbered(2)), "csv", {"columns": ["nope"]}), UnknownColumn),
    ],
)
def test_a_failing_part_leaves_no_zip_and_no_folder(
    tmp_path: Path, bad: BundlePart[Any], error: type[Exception]
) -> None:
    out = tmp_path / "b.zip"
    with pytest.raises(error):
        export_bundle([BundlePart("a.csv", given(numbered(3)), "csv"), bad], out)
    assert leftovers(tmp_path) == []


def test_a_bundle_cancelled_while_a_part_is_written_leaves_nothing(tmp_path: Path) -> None:
    cancel = CancelToken()

    def progress(done: Progress) -> None:
        if done.rows_done > 15:
            cancel.cancel()

    reader = pa.Table.from_batches([numbered(10).to_batches()[0]] * 4).to_reader()
    parts = [BundlePart("a.csv", given(numbered(10)), "csv"),
             BundlePart("b.csv", given(reader), "csv")]  # fmt: skip
    with pytest.raises(ExportCancelled):
        export_bundle(parts, tmp_path / "b.zip", progress=progress, cancel=cancel)
    assert leftovers(tmp_path) == []


def test_a_bundle_cancelled_while_the_zip_is_written_keeps_the_earlier_one(tmp_path: Path) -> None:
    cancel = CancelToken()

    @contextlib.contextmanager
    def last() -> Iterator[pa.Table]:
        yield numbered(5)
        cancel.cancel()  # the part is written; the ZIP has yet to be

    out = tmp_path / "b.zip"
    out.write_bytes(b"the earlier bundle")
    parts = [BundlePart("a.csv", given(numbered(5)), "csv"), BundlePart("b.csv", last, "csv")]
    with pytest.raises(ExportCancelled):
        export_bundle(parts, out, cancel=cancel)
    assert out.read_bytes() == b"the earlier bundle" and leftovers(tmp_path) == ["b.zip"]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a.csv", "A.CSV"], "two files of the bundle would be named 'A.CSV'"),
        (["manifest.json"], "two files of the bundle would be named 'manifest.json'"),
        *[([name], "plain file name") for name in ["../a.csv", "sub/a.csv", "a\\b", "..", ""]],
    ],
)
def test_file_names_must_be_plain_and_distinct(
    tmp_path: Path, names: list[str], message: str
) -> None:
    parts = [BundlePart(name, given(numbered(1)), "csv") for name in names]
    with pytest.raises(BadInput, match=message.replace(".", r"\.")):
        export_bundle(parts, tmp_path / "b.zip")
    assert leftovers(tmp_path) == []


def test_nothing_to_bundle_and_a_claimed_files_field_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no parts"):
        export_bundle([], tmp_path / "b.zip")
    with pytest.raises(BadInput, match="files"):
        part = BundlePart("a.csv", given(numbered(1)), "csv")
        export_bundle([part], tmp_path / "b.zip", manifest={"files": []})
    assert leftovers(tmp_path) == []


def test_an_unwritable_destination_is_a_destination_error(tmp_path: Path) -> None:
    part = BundlePart("a.csv", given(numbered(1)), "csv")
    with pytest.raises(DestinationError, match="does not exist"):
        export_bundle([part], tmp_path / "missing" / "b.zip")
    with pytest.raises(DestinationError, match="is a directory"):
        export_bundle([part], tmp_path)


# ----------------------------------------------------------------- text files


def test_text_is_written_as_utf8_with_its_size_and_hash(tmp_path: Path) -> None:
    out = tmp_path / "conversation.jsonl"
    line = json.dumps({"messages": [{"role": "user", "content": "Grüße 🎉"}]}, ensure_ascii=False)
    result = export_text(line + "\n", out)
    data = out.read_bytes()
    assert data == (line + "\n").encode("utf-8")
    assert (result.bytes, result.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert result.path == out.resolve()
    long = "ä" * 3_000_001  # more than one chunk, two bytes a character
    assert export_text(long, out).bytes == 6_000_002 and out.read_text() == long
    assert leftovers(tmp_path) == ["conversation.jsonl"]


def test_text_that_fails_midway_leaves_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "conversation.md"
    out.write_text("the earlier transcript")
    text = "x" * 2_000_000 + "\ud800"  # a lone surrogate after the first chunks
    with pytest.raises(EncodingFailed, match="character 2000001"):
        export_text(text, out)
    assert out.read_text() == "the earlier transcript"
    assert leftovers(tmp_path) == ["conversation.md"]
    with pytest.raises(DestinationError):
        export_text("x", tmp_path / "missing" / "c.md")


# ----------------------------------------------------------------- compressible formats


def test_only_parquet_compresses_inside() -> None:
    assert {spec.format for spec in registered_formats() if not spec.compressible} == {
        Format.PARQUET
    }
    assert get_format("parquet").compressible is False and get_format("csv").compressible


def test_compression_wraps_compressible_formats_only(tmp_path: Path) -> None:
    gz = export(numbered(3), tmp_path / "a.csv.gz", "csv", {"compression": "gzip"})
    assert gz.path.read_bytes()[:2] == b"\x1f\x8b"
    parquet = export(numbered(3), tmp_path / "a.parquet", "parquet", {"compression": "gzip"})
    data = parquet.path.read_bytes()
    assert data[:4] == data[-4:] == b"PAR1"  # a bare Parquet file, its columns gzip-coded
    assert pq.ParquetFile(parquet.path).metadata.row_group(0).column(0).compression == "GZIP"
