"""XLSX: files written through `export()` and read back with openpyxl (and LibreOffice)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporters import export
from exporters.errors import BadInput
from exporters.writers import xlsx

PINNED = "2026-11-18T15:30:00Z"
# fmt: off
NASTY_ROWS = [
    ("id", "name", "formula", "amount", "ratio", "active", "day", "created_at", "paid_at"),
    (1, "Ada Lovelace", "=1+2", Decimal("12.30"), 0.5, True, dt.date(2026, 11, 18),
     dt.datetime(2026, 11, 18, 15, 30), dt.datetime(2026, 11, 18, 14, 30)),
    (2, 'Quote "q" and, comma', "+49 30 1234", Decimal("-0.05"), 1 / 3, False,
     dt.date(1999, 12, 31), dt.datetime(2026, 3, 29, 1, 30, 5), None),
    (3, "Line\nbreak\r\nCRLF", "-12.5", Decimal("0.00"), -2.0, None, None,
     dt.datetime(2026, 10, 25, 2, 15, 0, 250000), dt.datetime(2026, 7, 1, 8, 0)),
    (4, "Дмитрий Ж", "@SUM(A1)", None, None, True, dt.date(2024, 2, 29), None,
     dt.datetime(2026, 1, 1)),
    (5, "王小明", "'=already", Decimal("9999999999.99"), 1e20, False, dt.date(1970, 1, 1),
     dt.datetime(1999, 12, 31, 23, 59, 59), dt.datetime(2026, 3, 29, 0, 59, 59)),
    (6, "", " =spaced", Decimal("1.10"), 0.1, True, dt.date(2026, 3, 29),
     dt.datetime(2026, 1, 1), None),
    ("9007199254740993", None, None, Decimal("-123.45"), 123456.789, False,
     dt.date(2000, 1, 1), dt.datetime(2026, 6, 30, 12, 0), dt.datetime(2026, 12, 24, 18, 0)),
]
# fmt: on


def write(table: pa.Table | pa.RecordBatchReader, path: Path, **options: Any) -> Path:
    export(table, path, "xlsx", {"generated_at": PINNED, **options})
    return path


def values(path: Path, sheet: int = 0, read_only: bool = False) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=read_only)
    try:
        return [tuple(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def comparable(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Excel numbers are doubles and its dates datetimes: compare on those terms."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        out.append(value)
    return tuple(out)


def sheet_xml(path: Path, number: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


# ----------------------------------------------------------------- values and types


@pytest.mark.parametrize("read_only", [False, True])
def test_nasty_values_read_back_exactly(nasty: pa.Table, tmp_path: Path, read_only: bool) -> None:
    path = write(nasty, tmp_path / "nasty.xlsx")
    assert values(path, read_only=read_only) == [comparable(row) for row in NASTY_ROWS]


def test_cells_are_typed(nasty: pa.Table, tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write(nasty, tmp_path / "nasty.xlsx")).active
    assert sheet is not None
    row = {cell.column_letter: cell for cell in sheet[2]}
    assert [row[c].data_type for c in "ABCDEFGHI"] == ["n", "s", "s", "n", "n", "b", "d", "d", "d"]
    assert row["C"].value == "=1+2"  # text, never a formula
    assert Decimal(str(row["D"].value)) == Decimal("12.30")
    assert row["D"].number_format == "0.00"
    assert row["G"].number_format == "yyyy-mm-dd"
    assert row["H"].number_format == "yyyy-mm-dd hh:mm:ss"
    big = sheet["A8"]
    assert (big.value, big.data_type) == ("9007199254740993", "s")  # not rounded to ...992


def test_numbers_past_fifteen_digits_are_text(tmp_path: Path) -> None:
    table = pa.table(
        {
            "i": pa.array(
                [999_999_999_999_999, -999_999_999_999_999, 1_000_000_000_000_000, -(2**63), None],
                pa.int64(),
            ),
            "d": pa.array(
                [
                    Decimal("1234567890123.45"),
                    Decimal("12345678901234567.89"),
                    Decimal("-0.0001"),
                    Decimal("100000000000000000000.00"),
                    None,
                ],
                pa.decimal128(38, 4),
            ),
        }
    )
    rows = values(write(table, tmp_path / "big.xlsx"))
    assert rows[1:] == [
        (999_999_999_999_999, 1234567890123.45),
        (-999_999_999_999_999, "12345678901234567.8900"),  # 19 digits: kept exact
        ("1000000000000000", -0.0001),
        (str(-(2**63)), 1e20),
        (None, None),
    ]


def test_floats_excel_cannot_hold_are_text(tmp_path: Path) -> None:
    table = pa.table({"f": [float("nan"), float("inf"), -float("inf"), 5e-324, 1.7e308, 1.5]})
    assert values(write(table, tmp_path / "f.xlsx"))[1:] == [
        ("nan",),
        ("inf",),
        ("-inf",),
        ("5e-324",),
        ("1.7e+308",),
        (1.5,),
    ]


def test_more_columns_than_excel_holds_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_COLUMNS", 3)
    table = pa.table({f"c{i}": [i] for i in range(4)})
    with pytest.raises(BadInput, match="at most 3 columns and the result has 4"):
        write(table, tmp_path / "wide.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_datetimes_show_wall_time_in_the_asked_zone(tmp_path: Path) -> None:
    # As in CSV: a naive value is UTC, converted like a zoned one when the zone is not UTC.
    table = pa.table(
        {
            "at": pa.array(
                [dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)], pa.timestamp("s", tz="UTC")
            ),
            "naive": pa.array([dt.datetime(2026, 7, 1, 12, 0)], pa.timestamp("ms")),
        }
    )
    path = write(table, tmp_path / "zones.xlsx", timezone="Europe/Berlin")
    assert values(path)[1] == (dt.datetime(2026, 7, 1, 14, 0), dt.datetime(2026, 7, 1, 14, 0))
    path = write(table, tmp_path / "utc.xlsx")
    assert values(path)[1] == (dt.datetime(2026, 7, 1, 12, 0), dt.datetime(2026, 7, 1, 12, 0))


def test_dates_excel_cannot_hold_are_iso_text(tmp_path: Path) -> None:
    table = pa.table(
        {
            "day": pa.array(
                [
                    dt.date(1899, 12, 31),
                    dt.date(1900, 1, 1),
                    dt.date(1900, 2, 28),
                    dt.date(1900, 3, 1),
                ],
                pa.date32(),
            )
        }
    )
    # Excel's phantom 1900-02-29 makes serials before March 1900 mean another day in
    # LibreOffice: those dates are text too, the same in every reader.
    assert values(write(table, tmp_path / "old.xlsx"))[1:] == [
        ("1899-12-31",),
        ("1900-01-01",),
        ("1900-02-28",),
        (dt.datetime(1900, 3, 1),),
    ]
    assert "<v>61</v>" in sheet_xml(tmp_path / "old.xlsx")  # 1900-03-01


def test_times_are_fractions_of_a_day(tmp_path: Path) -> None:
    table = pa.table({"t": pa.array([dt.time(6, 0), dt.time(18, 30, 15)], pa.time32("s"))})
    assert values(write(table, tmp_path / "t.xlsx"))[1:] == [
        (dt.time(6, 0),),
        (dt.time(18, 30, 15),),
    ]


def unchecked_text(raw: bytes) -> pa.Array:
    """A one-value string array over ``raw``, never checked for UTF-8 (as some drivers do)."""
    offsets = pa.array([0, len(raw)], pa.int32()).buffers()[1]
    return pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(raw)])


def test_text_is_made_xml_safe(tmp_path: Path) -> None:
    texts = ["nul\x00 bell\x07 vt\x0b ok\ttab", "non\ufffechar\uffff", "<b>&amp;</b>", "x" * 40_000]
    lone_surrogate = unchecked_text(b"a\xed\xa0\x80b")
    table = pa.table({"text": pa.concat_arrays([pa.array(texts), lone_surrogate])})
    assert values(write(table, tmp_path / "safe.xlsx"))[1:] == [
        ("nul bell vt ok\ttab",),
        ("nonchar",),
        ("<b>&amp;</b>",),
        ("x" * 32_767,),  # Excel's longest cell text
        ("ab",),
    ]


def test_excel_escapes_in_text_stay_literal(tmp_path: Path) -> None:
    # Excel decodes _xHHHH_ in cell text; its underscore is escaped so Excel shows it as is.
    path = write(pa.table({"t": ["_x0041_"]}), tmp_path / "esc.xlsx")
    assert "<t>_x005F_x0041_</t>" in sheet_xml(path)


def test_empty_result_still_has_its_header(tmp_path: Path) -> None:
    table = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    path = write(table, tmp_path / "empty.xlsx")
    assert values(path) == [("a", "b")]
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None and sheet.auto_filter.ref == "A1:B1"


# ----------------------------------------------------------------- layout


def test_header_is_styled_frozen_and_filtered(nasty: pa.Table, tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write(nasty, tmp_path / "nasty.xlsx")).active
    assert sheet is not None
    assert sheet.title == "Data"
    header = sheet["A1"]
    assert header.font.b and header.fill.fgColor.rgb == "FFD9E1F2"
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:I8"
    widths = [sheet.column_dimensions[c].width for c in "ABCDEFGHI"]
    assert widths[1] == len('Quote "q" and, comma') + 2  # the longest name
    assert all(8 <= w <= xlsx.MAX_WIDTH for w in widths)


def test_title_row_sheet_name_and_switches(small: pa.Table, tmp_path: Path) -> None:
    path = write(
        small, tmp_path / "t.xlsx", title="Orders & more", title_row=True, sheet_name="Q4 sales"
    )
    sheet = openpyxl.load_workbook(path)["Q4 sales"]
    assert values(path) == [
        ("Orders & more", None, None),
        ("id", "name", "total"),
        (1, "Ada", 10.5),
        (2, 'Bob "B", Jr.', None),
    ]
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 14
    assert sheet["A2"].font.b
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A3", "A2:C4")

    plain = openpyxl.load_workbook(
        write(
            small, tmp_path / "p.xlsx", freeze_header=False, autofilter=False, column_widths="none"
        )
    ).active
    assert plain is not None
    assert (plain.freeze_panes, plain.auto_filter.ref) == (None, None)
    assert plain.column_dimensions["B"].width == 13  # openpyxl's default: none written


def test_metadata_becomes_document_properties(small: pa.Table, tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    export(
        small,
        path,
        "xlsx",
        {"generated_at": PINNED, "metadata": True, "title": "Small"},
        query="SELECT * FROM small",
    )
    book = openpyxl.load_workbook(path)
    props = book.properties
    assert (props.title, props.description) == ("Small", "SELECT * FROM small")
    assert props.created == props.modified == dt.datetime(2026, 11, 18, 15, 30)
    assert {p.name: p.value for p in book.custom_doc_props} == {"rows": 2}
    with zipfile.ZipFile(write(small, tmp_path / "n.xlsx")) as archive:
        assert not any(name.startswith("docProps/") for name in archive.namelist())


def test_rows_continue_on_numbered_sheets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)  # header + 3 rows per sheet
    table = pa.table({"n": list(range(7)), "s": [f"r{i}" for i in range(7)]})
    path = write(table, tmp_path / "many.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Data", "Data (2)", "Data (3)"]
    assert [values(path, i) for i in range(3)] == [
        [("n", "s"), (0, "r0"), (1, "r1"), (2, "r2")],
        [("n", "s"), (3, "r3"), (4, "r4"), (5, "r5")],
        [("n", "s"), (6, "r6")],
    ]
    assert [ws.auto_filter.ref for ws in book.worksheets] == ["A1:B4", "A1:B4", "A1:B2"]


def test_sheet_names_stay_within_31_characters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 3)  # title + header + 1 row
    path = write(
        pa.table({"n": [1, 2]}), tmp_path / "long.xlsx", sheet_name="x" * 31, title_row=True
    )
    assert openpyxl.load_workbook(path).sheetnames == ["x" * 31, "x" * 27 + " (2)"]
    assert values(path, 1) == [("Export",), ("n",), (2,)]


def test_a_sheet_never_outgrows_a_zip32_part(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_BYTES", 3_000)
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 1_000)
    table = pa.table({"s": [f"value {i:04}" for i in range(300)]})
    path = write(table, tmp_path / "bytes.xlsx")
    sheets = openpyxl.load_workbook(path).worksheets
    assert len(sheets) > 2
    rows = [row for i in range(len(sheets)) for row in values(path, i)[1:]]
    assert rows == [(f"value {i:04}",) for i in range(300)]


def test_large_batches_stream_in_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 512)
    table = pa.table({"n": list(range(1000)), "s": ["x" * (i % 7) for i in range(1000)]})
    assert values(write(table, tmp_path / "c.xlsx"))[1:] == [
        (i, "x" * (i % 7)) for i in range(1000)
    ]


# ----------------------------------------------------------------- the package


def test_same_input_same_bytes(nasty: pa.Table, tmp_path: Path) -> None:
    first = write(nasty, tmp_path / "a.xlsx", metadata=True).read_bytes()
    assert write(nasty, tmp_path / "b.xlsx", metadata=True).read_bytes() == first
    other = export(
        nasty,
        tmp_path / "c.xlsx",
        "xlsx",
        {"generated_at": "2027-01-01T00:00:00Z", "metadata": True},
    )
    assert Path(other.path).read_bytes() != first
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 18, 15, 30, 0)}


def test_a_failing_source_leaves_no_file(small: pa.Table, tmp_path: Path) -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        yield from small.to_batches()
        raise RuntimeError("connection lost")

    reader = pa.RecordBatchReader.from_batches(small.schema, batches())
    with pytest.raises(RuntimeError, match="connection lost"):
        write(reader, tmp_path / "broken.xlsx")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- properties

_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_KINDS = {
    "int": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "float": (pa.float64(), st.floats(-9.99e307, 9.99e307, allow_subnormal=False)),
    "text": (
        pa.string(),
        st.text(st.characters(blacklist_categories=["Cs"]), max_size=12).filter(
            lambda s: not _EXCEL_ESCAPE.search(s)
        ),
    ),
    "bool": (pa.bool_(), st.booleans()),
}


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    rows = draw(st.integers(0, 8))
    columns = {}
    for i, kind in enumerate(
        draw(st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=4))
    ):
        arrow_type, strategy = _KINDS[kind]
        column = draw(st.lists(st.none() | strategy, min_size=rows, max_size=rows))
        columns[f"{kind}{i}"] = pa.array(column, arrow_type)
    return pa.table(columns)


def expected(value: Any) -> Any:
    if isinstance(value, str):
        return _XML_INVALID.sub("", value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15 - 1:
        return str(value)
    return value


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=tables())
def test_openpyxl_reads_back_what_was_written(table: pa.Table, tmp_path: Path) -> None:
    path = write(table, tmp_path / "prop.xlsx")
    rows = values(path)
    assert rows[0] == tuple(table.column_names)
    assert rows[1:] == [tuple(expected(v) for v in row.values()) for row in table.to_pylist()]
    book = openpyxl.load_workbook(path, read_only=True)  # sized by <dimension> alone
    data = book.worksheets[0]
    assert (data.max_row, data.max_column) == (table.num_rows + 1, table.num_columns)
    book.close()


# ----------------------------------------------------------------- LibreOffice


def libreoffice() -> str:
    """The LibreOffice command; a test skips without it, except under ``CI=true``."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required when CI=true")
        pytest.skip("LibreOffice is not installed")
    return found


def libreoffice_sheets(path: Path, tmp_path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``path`` as LibreOffice shows it (number formats applied), by name."""
    out = tmp_path / f"{path.stem}-csv"
    out.mkdir()
    # UTF-8, first line 1, values "as shown", and the 12th token -1: a CSV per sheet,
    # named "<file>-<sheet>.csv".
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    profile = f"-env:UserInstallation=file://{tmp_path / 'office-profile'}"
    command = [libreoffice(), profile, "--headless", "--convert-to", target, str(path)]
    subprocess.run(command, cwd=out, check=True, capture_output=True, timeout=180)
    sheets = {}
    for csv_path in sorted(out.glob("*.csv")):
        with open(csv_path, newline="", encoding="utf-8") as text:
            sheets[csv_path.stem.removeprefix(f"{path.stem}-")] = list(csv.reader(text))
    return sheets


def test_libreoffice_reads_the_workbook(nasty: pa.Table, tmp_path: Path) -> None:
    path = write(nasty, tmp_path / "nasty.xlsx")
    sheets = libreoffice_sheets(path, tmp_path)
    assert list(sheets) == ["Data", "Notes"]  # the id past 15 digits is noted
    # fmt: off
    assert sheets["Data"] == [
        ["id", "name", "formula", "amount", "ratio", "active", "day", "created_at", "paid_at"],
        ["1", "Ada Lovelace", "=1+2", "12.30", "0.5", "TRUE", "2026-11-18",
         "2026-11-18 15:30:00", "2026-11-18 14:30:00"],
        ["2", 'Quote "q" and, comma', "+49 30 1234", "-0.05", "0.333333333333333", "FALSE",
         "1999-12-31", "2026-03-29 01:30:05", ""],
        ["3", "Line\nbreak\nCRLF", "-12.5", "0.00", "-2", "", "", "2026-10-25 02:15:00",
         "2026-07-01 08:00:00"],  # Calc keeps line breaks as LF only
        ["4", "Дмитрий Ж", "@SUM(A1)", "", "", "TRUE", "2024-02-29", "", "2026-01-01 00:00:00"],
        ["5", "王小明", "'=already", "9999999999.99", "1E+020", "FALSE", "1970-01-01",
         "1999-12-31 23:59:59", "2026-03-29 00:59:59"],
        ["6", "", " =spaced", "1.10", "0.1", "TRUE", "2026-03-29", "2026-01-01 00:00:00", ""],
        ["9007199254740993", "", "", "-123.45", "123456.789", "FALSE", "2000-01-01",
         "2026-06-30 12:00:00", "2026-12-24 18:00:00"],
    ]
    # fmt: on
    assert sheets["Notes"] == [
        ["note"],
        [
            "column id: 1 number with more than 15 significant digits (Excel's precision) "
            "was written as text to keep every digit"
        ],
    ]
