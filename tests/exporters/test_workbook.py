"""A workbook with a sheet per result, read back with openpyxl (and LibreOffice)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest

from exporters import (
    BadInput,
    CancelToken,
    ExportCancelled,
    Progress,
    Sheet,
    SheetSummary,
    WorkbookResult,
    export_workbook,
)
from exporters.writers import xlsx

from .test_xlsx import NASTY_ROWS, comparable, libreoffice_sheets

PINNED = "2026-11-18T15:30:00Z"


def write(sheets: Any, path: Path, **options: Any) -> WorkbookResult:
    return export_workbook(sheets, path, {"generated_at": PINNED, **options})


def values(path: Path, sheet: int = 0) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path)
    try:
        return [tuple(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def names(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def numbered(count: int, start: int = 0) -> pa.Table:
    return pa.table({"n": pa.array(range(start, start + count), pa.int64())})


def other_table() -> pa.Table:
    """Types and number formats the nasty table lacks, so the style table must grow."""
    return pa.table(
        {
            "price": pa.array([Decimal("1.250"), None], pa.decimal128(9, 3)),
            "at": pa.array([dt.time(6, 0), dt.time(18, 30, 15)], pa.time32("s")),
            "word": ["héllo 🎉", "=HYPERLINK(1)"],
        }
    )


# ----------------------------------------------------------------- values and types


def test_each_result_gets_its_own_typed_sheet(nasty: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    result = write([Sheet("Orders", nasty), Sheet("Prices", other_table())], path)
    # The nasty id 9007199254740993 is text (Excel keeps 15 digits): noted, on a last sheet.
    assert names(path) == ["Orders", "Prices", "Notes"]
    assert result.notes == (
        "Orders: column id: 1 number with more than 15 significant digits (Excel's precision) "
        "was written as text to keep every digit",
    )
    assert values(path, 2) == [("note",), *((note,) for note in result.notes)]
    assert values(path, 0) == [comparable(row) for row in NASTY_ROWS]
    assert values(path, 1) == [
        ("price", "at", "word"),
        (1.25, dt.time(6, 0), "héllo 🎉"),
        (None, dt.time(18, 30, 15), "=HYPERLINK(1)"),
    ]
    assert result.rows == 9
    assert result.sheets == [SheetSummary("Orders", 7), SheetSummary("Prices", 2)]


def test_cells_keep_their_types_and_formats_on_every_sheet(nasty: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write([Sheet("Orders", nasty), Sheet("Prices", other_table())], path)
    orders, prices, _ = openpyxl.load_workbook(path).worksheets
    row = {cell.column_letter: cell for cell in orders[2]}
    assert [row[c].data_type for c in "ABCDEFGHI"] == ["n", "s", "s", "n", "n", "b", "d", "d", "d"]
    assert row["C"].value == "=1+2"  # text, never a formula
    assert [row[c].number_format for c in "ADGH"] == [
        "0",
        "0.00",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm:ss",
    ]
    # Formats first seen on the second sheet are in the shared style table too.
    price, at, word = prices[2]
    assert (price.number_format, at.number_format) == ("0.000", "hh:mm:ss")
    assert Decimal(str(price.value)) == Decimal("1.25")
    assert prices["C3"].data_type == "s" and prices["C3"].value == "=HYPERLINK(1)"
    assert word.data_type == "s"


def test_each_sheet_has_its_own_header_layout(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    long_text = pa.table({"id": [1], "description": ["a rather long description"]})
    write([Sheet("Short", numbered(2)), Sheet("Long", long_text)], path)
    short, wide = openpyxl.load_workbook(path).worksheets
    assert (short.freeze_panes, wide.freeze_panes) == ("A2", "A2")
    assert (short.auto_filter.ref, wide.auto_filter.ref) == ("A1:A3", "A1:B2")
    assert wide.column_dimensions["B"].width == len("a rather long description") + 2
    assert short["A1"].font.b and wide["B1"].font.b


def test_title_row_shows_each_sheets_name(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write(
        [Sheet("Revenue: by month", numbered(1)), Sheet("Users", numbered(1))],
        path,
        title_row=True,
        freeze_header=False,
    )
    assert names(path) == ["Revenue_ by month", "Users"]
    assert values(path, 0) == [("Revenue: by month",), ("n",), (0,)]
    assert values(path, 1) == [("Users",), ("n",), (0,)]


def test_common_options_apply_to_every_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    first = pa.table({"id": [1, 2, 3], "secret": ["a", "b", "c"]})
    second = pa.table({"secret": ["x"], "id": [9]})
    result = write([Sheet("A", first), Sheet("B", second)], path, exclude="secret", limit=2)
    assert [values(path, i) for i in range(2)] == [[("id",), (1,), (2,)], [("id",), (9,)]]
    assert result.sheets == [SheetSummary("A", 2), SheetSummary("B", 1)]


def test_a_result_without_rows_keeps_its_header(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    empty = pa.table({"a": pa.array([], pa.int64())})
    write([Sheet("Empty", empty), Sheet("Full", numbered(1))], path)
    assert [values(path, i) for i in range(2)] == [[("a",)], [("n",), (0,)]]


def test_metadata_counts_every_sheets_rows(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    export_workbook(
        [Sheet("A", numbered(2)), Sheet("B", numbered(3))],
        path,
        {"generated_at": PINNED, "metadata": True},
        title="History",
    )
    book = openpyxl.load_workbook(path)
    assert book.properties.title == "History"
    assert {p.name: p.value for p in book.custom_doc_props} == {"rows": 5}


# ----------------------------------------------------------------- sheet names


def test_sheet_names_follow_excels_rules(tmp_path: Path) -> None:
    path = tmp_path / "names.xlsx"
    wanted = [
        "Q1/Q2: [draft]?*\\",
        "'quoted'",
        "",
        "   ",
        "orders",
        "ORDERS",
        "x" * 40,
        "x" * 40,
        "History",
        "🎉" * 20,
        "tab\there",
    ]
    result = write([Sheet(name, numbered(1)) for name in wanted], path)
    expected = [
        "Q1_Q2_ _draft____",
        "quoted",
        "Data",  # blank: the `sheet_name` option
        "Data (2)",
        "orders",
        "ORDERS (2)",  # unique ignoring case
        "x" * 31,
        "x" * 27 + " (2)",
        "History (2)",  # Excel reserves "History"
        "🎉" * 15,  # 31 UTF-16 units at most: an emoji counts two
        "tabhere",
    ]
    assert names(path) == expected
    assert [sheet.name for sheet in result.sheets] == expected
    assert all(len(name.encode("utf-16-le")) <= 62 for name in names(path))


def test_a_long_result_continues_on_numbered_sheets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)  # header + 3 rows per sheet
    path = tmp_path / "long.xlsx"
    result = write(
        [Sheet("A (2)", numbered(1)), Sheet("A", numbered(7)), Sheet("B", numbered(2))], path
    )
    # "A (2)" was taken before "A" overflowed: its next sheet is the next free number.
    assert names(path) == ["A (2)", "A", "A (3)", "A (4)", "B"]
    assert [values(path, i) for i in range(5)] == [
        [("n",), (0,)],
        [("n",), (0,), (1,), (2,)],
        [("n",), (3,), (4,), (5,)],
        [("n",), (6,)],
        [("n",), (0,), (1,)],
    ]
    assert result.sheets == [SheetSummary("A (2)", 1), SheetSummary("A", 7), SheetSummary("B", 2)]


# ----------------------------------------------------------------- streaming


def test_sheets_are_taken_one_at_a_time(tmp_path: Path) -> None:
    """Like a caller opening a database stream per sheet inside a ``with``."""
    log: list[str] = []

    def stream(name: str, rows: int) -> Iterator[pa.RecordBatch]:
        for start in range(0, rows, 2):
            log.append(f"read {name}")
            yield numbered(min(2, rows - start), start).to_batches()[0]
        log.append(f"end {name}")

    def sheets() -> Iterator[Sheet]:
        for name, rows in [("a", 3), ("b", 4), ("c", 1)]:
            log.append(f"open {name}")
            reader = pa.RecordBatchReader.from_batches(numbered(0).schema, stream(name, rows))
            yield Sheet(name, reader)
            assert log[-1] == f"end {name}", "the next sheet was asked for too early"
            log.append(f"close {name}")

    path = tmp_path / "lazy.xlsx"
    result = write(sheets(), path)
    assert log == [
        *["open a", "read a", "read a", "end a", "close a"],
        *["open b", "read b", "read b", "end b", "close b"],
        *["open c", "read c", "end c", "close c"],
    ]
    assert [s.rows for s in result.sheets] == [3, 4, 1]
    assert values(path, 1) == [("n",), (0,), (1,), (2,), (3,)]


def test_progress_counts_rows_across_sheets(tmp_path: Path) -> None:
    seen: list[Progress] = []
    sheets = [Sheet("a", numbered(3)), Sheet("b", numbered(2))]
    export_workbook(sheets, tmp_path / "p.xlsx", {"generated_at": PINNED}, progress=seen.append)
    assert [p.rows_done for p in seen] == [3, 5]
    assert all(p.rows_total is None for p in seen)


def test_no_sheets_is_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="nothing to put in the workbook"):
        write(iter([]), tmp_path / "none.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_cancelling_midway_leaves_no_file(tmp_path: Path) -> None:
    token = CancelToken()
    closed: list[str] = []
    two_batches = pa.Table.from_batches(numbered(4).to_batches(max_chunksize=2))

    def cancel_inside_second_sheet(progress: Progress) -> None:
        if progress.rows_done > 3:
            token.cancel()

    def sheets() -> Iterator[Sheet]:
        for name, table in [("a", numbered(3)), ("b", two_batches), ("c", numbered(3))]:
            try:
                yield Sheet(name, table)
            finally:
                closed.append(name)

    out = tmp_path / "cancelled.xlsx"
    with pytest.raises(ExportCancelled):
        export_workbook(
            sheets(),
            out,
            {"generated_at": PINNED},
            progress=cancel_inside_second_sheet,
            cancel=token,
        )
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file
    assert closed == ["a", "b"]  # the caller's generator was closed, not left suspended


def test_a_failing_second_reader_leaves_an_existing_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    out.write_bytes(b"the previous export")

    def broken() -> Iterator[pa.RecordBatch]:
        yield numbered(2).to_batches()[0]
        raise RuntimeError("connection lost")

    reader = pa.RecordBatchReader.from_batches(numbered(0).schema, broken())
    with pytest.raises(RuntimeError, match="connection lost"):
        write([Sheet("ok", numbered(3)), Sheet("broken", reader)], out)
    assert out.read_bytes() == b"the previous export"
    assert list(tmp_path.iterdir()) == [out]


def test_a_failing_sheet_generator_leaves_no_file(tmp_path: Path) -> None:
    def sheets() -> Iterator[Sheet]:
        yield Sheet("ok", numbered(3))
        raise RuntimeError("the second query failed")

    with pytest.raises(RuntimeError, match="second query failed"):
        write(sheets(), tmp_path / "book.xlsx")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- the package


def test_same_input_same_bytes(nasty: pa.Table, tmp_path: Path) -> None:
    def run(name: str) -> WorkbookResult:
        return write([Sheet("Orders", nasty), Sheet("Prices", other_table())], tmp_path / name)

    first, second = run("a.xlsx"), run("b.xlsx")
    assert first.sha256 == second.sha256
    data = (tmp_path / "a.xlsx").read_bytes()
    assert (first.sha256, first.bytes) == (hashlib.sha256(data).hexdigest(), len(data))
    assert first.path == (tmp_path / "a.xlsx").resolve()


def test_source_date_epoch_pins_the_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    sheets = [Sheet("a", numbered(2)), Sheet("b", numbered(1))]
    first = export_workbook(sheets, tmp_path / "a.xlsx", {"metadata": True})
    assert export_workbook(sheets, tmp_path / "b.xlsx", {"metadata": True}).sha256 == first.sha256


def test_compression_wraps_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx.gz"
    write([Sheet("a", numbered(2))], path, compression="gzip")
    (tmp_path / "book.xlsx").write_bytes(gzip.decompress(path.read_bytes()))
    assert values(tmp_path / "book.xlsx") == [("n",), (0,), (1,)]


# ----------------------------------------------------------------- LibreOffice


def test_libreoffice_reads_every_sheet(nasty: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write([Sheet("Orders", nasty), Sheet("Prices", other_table())], path)
    sheets = libreoffice_sheets(path, tmp_path)
    assert list(sheets) == ["Notes", "Orders", "Prices"]  # (sorted by file name)
    orders = sheets["Orders"]
    assert orders[0] == list(NASTY_ROWS[0])
    assert orders[1][:7] == ["1", "Ada Lovelace", "=1+2", "12.30", "0.5", "TRUE", "2026-11-18"]
    assert len(orders) == len(NASTY_ROWS)
    assert sheets["Prices"] == [
        ["price", "at", "word"],
        ["1.250", "06:00:00", "héllo 🎉"],
        ["", "18:30:15", "=HYPERLINK(1)"],
    ]
    assert [row[0].split(":")[0] for row in sheets["Notes"]] == ["note", "Orders"]
