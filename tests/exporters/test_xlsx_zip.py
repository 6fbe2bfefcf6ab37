"""The XLSX package's ZIP container, read back with the standard library's zipfile."""

from __future__ import annotations

import datetime as dt
import io
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exporters.errors import ExporterError
from exporters.writers import xlsx, xlsx_zip
from exporters.writers.xlsx_zip import Package, crc32_combine

from .test_xlsx import write

WHEN = dt.datetime(2026, 11, 18, 15, 30, 10)


@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_crc32_combine_is_zlibs(first: bytes, second: bytes) -> None:
    combined = crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second))
    assert combined == zlib.crc32(first + second)


def test_crc32_combine_for_long_parts() -> None:
    second = bytes(range(256)) * 40_000  # 10 MB: many squarings of the length
    assert crc32_combine(zlib.crc32(b"<head>"), zlib.crc32(second), len(second)) == zlib.crc32(
        b"<head>" + second
    )


def local_headers(data: bytes) -> Iterator[tuple[str, int, int, int, int]]:
    """(name, flags, crc, compressed, size) of each local header, walking the file."""
    at = 0
    while data[at : at + 4] == b"PK\x03\x04":
        _, _, flags, _, _, _, crc, compressed, size, name_length, extra = struct.unpack(
            "<IHHHHHIIIHH", data[at : at + 30]
        )
        name = data[at + 30 : at + 30 + name_length].decode()
        yield name, flags, crc, compressed, size
        at += 30 + name_length + extra + compressed


def test_parts_state_their_crc_and_sizes_up_front(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 40)  # several head-last sheets
    table = pa.table({"n": list(range(100)), "s": [f"row {i}" for i in range(100)]})
    data = write(table, tmp_path / "p.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC matches
        listed = {i.filename: (i.CRC, i.compress_size, i.file_size) for i in archive.infolist()}
        dates = {i.date_time for i in archive.infolist()}
    headers = list(local_headers(data))
    assert [name for name, *_ in headers] == list(listed)  # walked to the central directory
    for name, flags, crc, compressed, size in headers:
        assert flags & 0x08 == 0, f"{name} has a data descriptor"
        assert (crc, compressed, size) == listed[name]
    assert [name for name in listed if "worksheets" in name] == [
        f"xl/worksheets/sheet{i}.xml" for i in (1, 2, 3)
    ]
    assert dates == {(2026, 11, 18, 15, 30, 0)}  # the pinned generation time (2 s steps)


def test_a_head_joins_its_body_as_one_deflate_stream() -> None:
    out = io.BytesIO()
    package = Package(out, WHEN)
    part = package.head_last("sheet.xml", level=1)
    body = [f"<row>{i}</row>".encode() * 50 for i in range(2_000)]
    for chunk in body:
        part.write(chunk)
    part.write(pa.py_buffer(b"</sheet>"))  # Arrow buffers as written by the sheet writer
    part.close(b"<sheet dimension='A1:A2000'>")
    package.add("small.xml", b"<small/>")
    package.close()
    with zipfile.ZipFile(out) as archive:
        assert archive.read("sheet.xml") == b"<sheet dimension='A1:A2000'>" + b"".join(body) + (
            b"</sheet>"
        )
        assert archive.read("small.xml") == b"<small/>"
        info = archive.getinfo("sheet.xml")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size < info.file_size // 10


def test_offsets_past_4_gib_use_zip64_records(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Packages over 4 GiB are too slow for a test: pretend the limit is at 1,000 bytes.
    monkeypatch.setattr(xlsx_zip, "ZIP64_FROM", 1_000)
    table = pa.table({"n": list(range(500)), "s": [f"row {i}" for i in range(500)]})
    path = write(table, tmp_path / "z64.xlsx")
    data = path.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.getinfo("[Content_Types].xml").header_offset > 1_000
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[-1] == (499, "row 499")


def test_a_failing_source_midway_through_a_spooled_sheet_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx_zip, "_SPOOL_IN_MEMORY", 100)  # spool on disk at once
    out = tmp_path / "out"
    out.mkdir()

    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"s": [f"row {i}" for i in range(1_000)]})
        raise RuntimeError("connection lost")

    reader = pa.RecordBatchReader.from_batches(pa.schema([("s", pa.string())]), batches())
    with pytest.raises(RuntimeError, match="connection lost"):
        write(reader, out / "broken.xlsx")
    assert list(out.iterdir()) == []


def test_a_spool_that_cannot_be_written_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx_zip, "_SPOOL_IN_MEMORY", 100)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    out = tmp_path / "out"
    out.mkdir()
    table = pa.table({"s": [f"row {i}" for i in range(1_000)]})
    with pytest.raises(ExporterError, match=r"cannot spool an XLSX sheet in .*gone.*TMPDIR"):
        write(table, out / "t.xlsx")
    assert list(out.iterdir()) == []
