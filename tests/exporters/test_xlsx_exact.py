"""XLSX on the world's data: used ranges, dates Excel lacks, zones, long texts, notes.

Files are read back by readers we did not write: openpyxl (normal and read-only, which
trusts the ``<dimension>`` element), LibreOffice headless converting every sheet to CSV,
and the standard library's XML parser for the sheet structure.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import Sheet, export, export_workbook
from exporters.errors import OptionError
from exporters.writers import xlsx

from .test_xlsx import PINNED, libreoffice, libreoffice_sheets, values, write

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def workbook(sheets: list[Sheet], path: Path, **options: Any) -> Path:
    export_workbook(sheets, path, {"generated_at": PINNED, **options})
    return path


def notes_sheet(path: Path) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book["Notes"].iter_rows(values_only=True)]
    finally:
        book.close()


def shown(value: Any) -> str:
    """A value as LibreOffice's CSV shows it with our number formats, for comparison."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return "" if value is None else str(value)


# ----------------------------------------------------------------- <dimension>


def declared_and_used(path: Path) -> list[tuple[str, str]]:
    """Per worksheet: the ``<dimension>`` it declares, and the range its cells really use.

    Also checks the element's place: the schema puts it before the sheet views and data.
    """
    found = []
    with zipfile.ZipFile(path) as archive:
        names = sorted(
            (n for n in archive.namelist() if n.startswith("xl/worksheets/")),
            key=lambda n: int(re.findall(r"\d+", n)[0]),
        )
        for name in names:
            root = ElementTree.fromstring(archive.read(name))
            assert root[0].tag == f"{_NS}dimension", f"{name}: <dimension> is not first"
            rows = root.find(f"{_NS}sheetData")
            assert rows is not None
            last_row = max(int(row.attrib["r"]) for row in rows)
            width = max(len(row) for row in rows)
            letter = openpyxl.utils.get_column_letter(width)
            used = "A1" if (last_row, width) == (1, 1) else f"A1:{letter}{last_row}"
            found.append((root[0].attrib["ref"], used))
    return found


def assert_sizes_match_cells(path: Path) -> None:
    """openpyxl, read-only (from ``<dimension>``) and normal, sizes every sheet right."""
    for read_only in (True, False):
        book = openpyxl.load_workbook(path, read_only=read_only)
        try:
            for sheet in book.worksheets:
                rows = list(sheet.iter_rows(values_only=True))
                assert (sheet.max_row, sheet.max_column) == (len(rows), len(rows[0])), (
                    sheet.title,
                    read_only,
                )
        finally:
            book.close()


def test_dimension_states_the_used_range(nasty: pa.Table, tmp_path: Path) -> None:
    path = write(nasty, tmp_path / "nasty.xlsx")
    assert declared_and_used(path) == [("A1:I8", "A1:I8"), ("A1:A2", "A1:A2")]  # Data, Notes
    assert_sizes_match_cells(path)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book["Data"].calculate_dimension() == "A1:I8"
    book.close()


@pytest.mark.parametrize(
    ("table", "options", "expected"),
    [
        (pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())}), {}, "A1:B1"),
        (pa.table({"a": pa.array([], pa.int64())}), {}, "A1"),
        (pa.table({"a": pa.array([], pa.int64())}), {"title_row": True}, "A1:A2"),
        (pa.table({"a": [1, 2, 3]}), {"title_row": True}, "A1:A5"),
        (pa.table({f"c{i}": [None, i] for i in range(28)}), {}, "A1:AB3"),  # NULL cells count
    ],
)
def test_dimension_of_small_and_empty_results(
    table: pa.Table, options: dict[str, Any], expected: str, tmp_path: Path
) -> None:
    path = write(table, tmp_path / "small.xlsx", **options)
    assert declared_and_used(path) == [(expected, expected)]
    assert_sizes_match_cells(path)


def test_continuation_sheets_state_their_own_range(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)  # header + 3 rows per sheet
    table = pa.table({"n": list(range(7)), "s": [f"r{i}" for i in range(7)]})
    path = write(table, tmp_path / "many.xlsx")
    assert declared_and_used(path) == [("A1:B4", "A1:B4")] * 2 + [("A1:B2", "A1:B2")]
    assert_sizes_match_cells(path)


def test_sheets_split_by_size_state_their_range(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_BYTES", 3_000)
    monkeypatch.setattr(xlsx, "CHUNK_BYTES", 1_000)
    path = write(pa.table({"s": [f"value {i:04}" for i in range(300)]}), tmp_path / "b.xlsx")
    ranges = declared_and_used(path)
    assert len(ranges) > 2 and all(declared == used for declared, used in ranges)
    assert_sizes_match_cells(path)


def test_every_sheet_of_a_workbook_states_its_range(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 4)
    sheets = [
        Sheet("long", pa.table({"n": list(range(5)), "x": ["a"] * 5, "y": [1.5] * 5})),
        Sheet("empty", pa.table({"a": pa.array([], pa.int64())})),
        Sheet("big", pa.table({"id": pa.array([2**62], pa.int64())})),  # noted: a Notes sheet
    ]
    path = workbook(sheets, tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)  # read-only keeps the file open
    names = book.sheetnames
    book.close()
    assert names == ["long", "long (2)", "empty", "big", "Notes"]
    assert declared_and_used(path) == [
        ("A1:C4", "A1:C4"),
        ("A1:C3", "A1:C3"),
        ("A1", "A1"),
        ("A1:A2", "A1:A2"),
        ("A1:A2", "A1:A2"),
    ]
    assert_sizes_match_cells(path)


# ----------------------------------------------------------------- dates Excel lacks

EARLY = [dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1)]


def test_early_1900_dates_read_the_same_in_every_reader(tmp_path: Path) -> None:
    table = pa.table(
        {
            "day": pa.array(EARLY, pa.date32()),
            "at": pa.array(
                [dt.datetime(d.year, d.month, d.day, 6) for d in EARLY], pa.timestamp("s")
            ),
        }
    )
    result = export(table, tmp_path / "early.xlsx", "xlsx", {"generated_at": PINNED})
    path = tmp_path / "early.xlsx"
    for read_only in (False, True):
        rows = values(path, read_only=read_only)[1:]
        assert [shown(day) for day, _ in rows] == [d.isoformat() for d in EARLY]
        assert [shown(at).replace("T", " ") for _, at in rows] == [
            f"{d.isoformat()} 06:00:00" for d in EARLY
        ]
    office = libreoffice_sheets(path, tmp_path)["Data"][1:]
    assert [row[0] for row in office] == [d.isoformat() for d in EARLY]
    assert [row[1].replace("T", " ") for row in office] == [f"{d} 06:00:00" for d in EARLY]
    assert result.notes == (
        "column day: 3 dates outside 1900-03-01 to 9999-12-31 (the dates Excel and LibreOffice "
        "agree on) were written as ISO text",
        "column at: 3 datetimes outside 1900-03-01 00:00:00 to 9999-12-31 23:59:59.999 (the "
        "times Excel and LibreOffice agree on) were written as ISO text",
    )


def unchecked(kind: pa.DataType, ticks: list[int | None]) -> pa.Array:
    """An array of raw ``ticks``, as a driver may hand over (Arrow checks no range)."""
    storage = pa.array(ticks, pa.int64() if kind.bit_width == 64 else pa.int32())
    return storage.view(kind)


def test_sentinels_and_far_dates_are_exact_text_with_a_note(tmp_path: Path) -> None:
    last = dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
    table = pa.table(
        {
            "naive": pa.array(
                [dt.datetime(1, 1, 1), last, dt.datetime(2026, 1, 2)], pa.timestamp("us")
            ),
            "zoned": pa.array(
                [dt.datetime(1, 1, 1, tzinfo=dt.UTC), last.replace(tzinfo=dt.UTC), None],
                pa.timestamp("us", tz="UTC"),
            ),
            "ms": pa.array(
                [dt.datetime(1684, 1, 1), dt.datetime(2256, 1, 1, 0, 0, 0, 5000), None],
                pa.timestamp("ms"),
            ),
            "seconds": unchecked(pa.timestamp("s"), [-(10**14), 10**14, 0]),
            "day": unchecked(pa.date32(), [-1_000_000, 3_000_000, -(2**31)]),
            "day64": unchecked(pa.date64(), [-(10**15), 10**15, 0]),
        }
    )
    result = export(table, tmp_path / "far.xlsx", "xlsx", {"generated_at": PINNED})
    expected = [
        (
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00",
            "1684-01-01T00:00:00",
            "-3166904-02-24T14:13:20",
            "-0768-02-04",
            "-29719-04-05",
        ),
        (
            "9999-12-31T23:59:59.999999",
            "9999-12-31T23:59:59.999999",
            dt.datetime(2256, 1, 1, 0, 0, 0, 5000),
            "+3170843-11-07T09:46:40",
            "+10183-09-21",
            "+33658-09-27",
        ),
        (
            dt.datetime(2026, 1, 2),
            None,
            None,
            dt.datetime(1970, 1, 1),
            "-5877641-06-23",
            dt.datetime(1970, 1, 1),
        ),
    ]
    assert values(result.path)[1:] == expected
    assert values(result.path, read_only=True)[1:] == expected
    # The same text as the text formats write (ISO 8601's expanded years).
    assert export(pa.table({"d": pa.array([-1_000_000, 3_000_000], pa.date32())}),
                  tmp_path / "d.csv", "csv", {"safe_formulas": "false"}).path.read_text().split(
    ) == ["d", "-0768-02-04", "+10183-09-21"]  # fmt: skip
    counts = {note.split(":")[0]: note.split(": ")[1].split(" ")[0] for note in result.notes}
    assert counts == {
        "column naive": "2",
        "column zoned": "2",
        "column ms": "1",
        "column seconds": "2",
        "column day": "3",
        "column day64": "2",
    }
    assert notes_sheet(result.path)[1:] == [(note,) for note in result.notes]


def test_nanosecond_timestamps_over_their_whole_range(tmp_path: Path) -> None:
    # int64 nanoseconds span 1677-2262: past 2**53 ticks, days and the day's rest are split.
    ticks = [-9_223_372_036_854_775_000, 7_258_161_600_000_000_000, 9_223_372_036_854_000_000]
    table = pa.table({"at": unchecked(pa.timestamp("ns"), list(ticks))})
    assert [str(np.datetime64(t, "ns")) for t in ticks] == [  # numpy's reading of the ticks
        "1677-09-21T00:12:43.145225000",
        "2200-01-01T12:00:00.000000000",
        "2262-04-11T23:47:16.854000000",
    ]
    assert values(write(table, tmp_path / "ns.xlsx"))[1:] == [
        ("1677-09-21T00:12:43.145225000",),
        (dt.datetime(2200, 1, 1, 12, 0),),
        (dt.datetime(2262, 4, 11, 23, 47, 16, 854000),),
    ]


def test_times_of_day_and_24_00(tmp_path: Path) -> None:
    table = pa.table(
        {
            "t": unchecked(
                pa.time64("us"),
                [0, 6 * 3_600_000_000, 86_399_999_000, 86_400_000_000, 86_399_999_900, None],
            )
        }
    )
    result = export(table, tmp_path / "t.xlsx", "xlsx", {"generated_at": PINNED})
    expected = [
        (dt.time(0, 0),),
        (dt.time(6, 0),),
        (dt.time(23, 59, 59, 999000),),
        ("24:00:00",),  # PostgreSQL's end of day
        ("23:59:59.999900",),  # a reader would round it to 24:00: kept exact as text
        (None,),
    ]
    assert values(result.path)[1:] == expected
    assert result.notes == (
        "column t: 2 times outside 00:00:00 to 24:00:00 (exclusive) were written as text",
    )
    office = libreoffice_sheets(result.path, tmp_path)["Data"]
    assert [row[0] for row in office[1:]] == [
        "00:00:00",
        "06:00:00",
        "23:59:59",
        "24:00:00",
        "23:59:59.999900",
    ]  # (the last row, all NULL, is left out of Calc's CSV)


# ----------------------------------------------------------------- time zones

# UTC instants; Berlin before 1893 kept local mean time, +00:53:28.
INSTANTS = [
    dt.datetime(2026, 3, 29, 0, 59, 59),
    dt.datetime(2026, 3, 29, 1, 0, 0),  # Berlin springs forward
    dt.datetime(2026, 10, 25, 0, 30, 0, 250000),
    dt.datetime(1850, 6, 1, 12, 0),
    dt.datetime(1900, 3, 1, 0, 0),
    dt.datetime(9999, 12, 31, 14, 0),
]
_OFFSET = re.compile(r"[+-]\d\d:\d\d(:\d\d)?$")


def wall_text(value: Any) -> str:
    """A cell as ISO wall-clock text: datetimes as the CSV writer prints them, text as is."""
    if isinstance(value, dt.datetime):
        text = value.isoformat()
        return text[:-3] if value.microsecond and text.endswith("000") else text
    return str(value)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York"])
def test_wall_times_match_the_csv_writer(zone: str, tmp_path: Path) -> None:
    table = pa.table(
        {
            "naive": pa.array(INSTANTS, pa.timestamp("ms")),
            "zoned": pa.array(
                [i.replace(tzinfo=dt.UTC) for i in INSTANTS], pa.timestamp("ms", tz="UTC")
            ),
            "local": pa.array(
                [i.replace(tzinfo=dt.UTC) for i in INSTANTS], pa.timestamp("ms", tz="Asia/Kolkata")
            ),
        }
    )
    options = {"generated_at": PINNED, "timezone": zone}
    xlsx_path = export(table, tmp_path / "z.xlsx", "xlsx", options).path
    csv_path = export(table, tmp_path / "z.csv", "csv", {**options, "line_terminator": "lf"}).path
    csv_rows = [line.split(",") for line in csv_path.read_text().splitlines()[1:]]
    xlsx_rows = values(xlsx_path)[1:]
    for csv_row, xlsx_row, instant in zip(csv_rows, xlsx_rows, INSTANTS, strict=True):
        # Python's zoneinfo, independently: the wall time (LMT seconds included).
        expected = instant.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        expected_text = wall_text(expected)
        assert [wall_text(cell) for cell in xlsx_row] == [expected_text] * 3
        if expected.year <= 9999:
            assert [_OFFSET.sub("", cell) for cell in csv_row] == [expected_text] * 3


def test_conversion_past_year_9999_is_iso_text(tmp_path: Path) -> None:
    # 9999-12-31 23:00 UTC is 10000-01-01 08:00 in Tokyo: no Excel date, no Python datetime.
    last = dt.datetime(9999, 12, 31, 23, 0)
    table = pa.table(
        {
            "naive": pa.array([last], pa.timestamp("us")),
            "zoned": pa.array([last.replace(tzinfo=dt.UTC)], pa.timestamp("s", tz="UTC")),
        }
    )
    result = export(
        table, tmp_path / "t.xlsx", "xlsx", {"generated_at": PINNED, "timezone": "Asia/Tokyo"}
    )
    assert values(result.path)[1:] == [("+10000-01-01T08:00:00", "+10000-01-01T08:00:00")]
    assert len(result.notes) == 2 and all("1 datetime outside" in n for n in result.notes)
    office = libreoffice_sheets(result.path, tmp_path)
    assert office["Data"][1] == ["+10000-01-01T08:00:00", "+10000-01-01T08:00:00"]


def test_berlin_local_mean_time_keeps_its_seconds(tmp_path: Path) -> None:
    table = pa.table(
        {
            "at": pa.array(
                [dt.datetime(1900, 6, 1, 12, 0), dt.datetime(1850, 6, 1, 12, 0)], pa.timestamp("s")
            )
        }
    )
    path = write(table, tmp_path / "b.xlsx", timezone="Europe/Berlin")
    assert values(path)[1:] == [
        (dt.datetime(1900, 6, 1, 13, 0),),  # CET since 1893
        ("1850-06-01T12:53:28",),  # before 1900-03-01: text, to the second
    ]
    office = libreoffice_sheets(path, tmp_path)["Data"]
    assert office[1:] == [["1900-06-01 13:00:00"], ["1850-06-01T12:53:28"]]


def test_summer_time_after_2037_follows_the_zones_rule(tmp_path: Path) -> None:
    # Arrow's zone data ends in 2037 and keeps the last offset; the zone's rule goes on.
    instants = [dt.datetime(2040, 7, 1, 12, 0), dt.datetime(2040, 12, 1, 12, 0)]
    instants += [dt.datetime(9999, 7, 1, 12, 0)]
    table = pa.table({"at": pa.array(instants, pa.timestamp("s"))})
    for zone in ["Europe/Berlin", "Australia/Sydney", "America/New_York"]:
        path = write(table, tmp_path / f"{zone.replace('/', '-')}.xlsx", timezone=zone)
        expected = [
            (i.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None),)
            for i in instants
        ]
        assert values(path)[1:] == expected, zone
    # Past Python's year 9999 too: 33658-09-27 is still summer time in Berlin.
    far = pa.table({"at": unchecked(pa.timestamp("s"), [10**12])})
    path = write(far, tmp_path / "far.xlsx", timezone="Europe/Berlin")
    assert values(path)[1:] == [("+33658-09-27T03:46:40",)]  # 01:46:40 UTC, +02:00


ZONES = [
    "UTC",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/New_York",
    "Australia/Sydney",
    "Africa/Monrovia",  # -00:44:30 until 1972
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
]


@settings(max_examples=40, deadline=None)
@given(
    instants=st.lists(
        st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
        ),
        min_size=1,
        max_size=12,
    ),
    zone=st.sampled_from(ZONES),
    zoned=st.booleans(),
)
def test_wall_times_agree_with_zoneinfo(
    instants: list[dt.datetime], zone: str, zoned: bool
) -> None:
    kind = pa.timestamp("ms", tz="UTC" if zoned else None)
    table = pa.table({"at": pa.array(instants, kind)})
    with tempfile.TemporaryDirectory() as folder:
        path = write(table, Path(folder) / "z.xlsx", timezone=zone)
        cells = [row[0] for row in values(path)[1:]]
    for cell, instant in zip(cells, instants, strict=True):
        wall = instant.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        if dt.datetime(1900, 3, 1) <= wall:
            assert cell == wall
        else:
            assert cell == wall_text(wall)


# ----------------------------------------------------------------- long texts


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_texts_past_excels_limit_are_cut_in_utf16_units_and_noted(tmp_path: Path) -> None:
    emoji = "a" + "😀" * 20_000  # 40,001 UTF-16 units: the cut lands between two emoji
    odd = "😀" * 20_000  # 32,767 would split a pair: the cut keeps 32,766 units
    cjk = "漢" * 32_767  # 98,301 UTF-8 bytes, but exactly Excel's limit: kept whole
    table = pa.table(
        {
            "notes": ["x" * 40_000, emoji, "short", None, odd],
            "other": [cjk, "y" * 32_768, "z", "w", "v"],
        }
    )
    result = export(table, tmp_path / "long.xlsx", "xlsx", {"generated_at": PINNED})
    expected = [
        ("x" * 32_767, cjk),
        ("a" + "😀" * 16_383, "y" * 32_767),
        ("short", "z"),
        (None, "w"),
        ("😀" * 16_383, "v"),
    ]
    for read_only in (False, True):
        rows = values(result.path, read_only=read_only)[1:]
        assert rows == expected
    assert [utf16_units(row[0]) for row in expected if row[0]] == [32_767, 32_767, 5, 32_766]
    assert result.notes == (
        "column notes: 3 texts longer than 32,767 characters (Excel's limit, counted in "
        "UTF-16 units) were cut",
        "column other: 1 text longer than 32,767 characters (Excel's limit, counted in "
        "UTF-16 units) was cut",
    )
    assert notes_sheet(result.path) == [("note",), *((note,) for note in result.notes)]
    office = libreoffice_sheets(result.path, tmp_path)
    assert [row[0] for row in office["Data"][1:]] == [shown(row[0]) for row in expected]
    assert office["Notes"][1:] == [[note] for note in result.notes]


def test_the_notes_sheet_takes_a_free_name(tmp_path: Path) -> None:
    table = pa.table({"t": ["x" * 40_000]})
    path = write(table, tmp_path / "n.xlsx", sheet_name="Notes")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Notes", "Notes (2)"]
    assert [row for row in book["Notes (2)"].iter_rows(values_only=True)][1][0].startswith(
        "column t: 1 text longer"
    )
    book.close()


def test_a_workbook_names_the_sheet_in_each_note(tmp_path: Path) -> None:
    sheets = [
        Sheet("orders", pa.table({"t": ["ok"]})),
        Sheet("orders", pa.table({"t": ["x" * 40_000], "d": pa.array([dt.date(1, 1, 1)])})),
    ]
    result = export_workbook(sheets, tmp_path / "w.xlsx", {"generated_at": PINNED})
    assert [note.split(": column")[0] for note in result.notes] == ["orders (2)", "orders (2)"]
    assert notes_sheet(result.path)[1:] == [(note,) for note in result.notes]


# ----------------------------------------------------------------- repeated names


def test_repeated_names_get_a_working_autofilter(tmp_path: Path) -> None:
    # SELECT * FROM a JOIN b ON b.a_id = a.id: two `id` and two `name` columns.
    columns = [[1, 2], ["alice", "bob"], [99, 98], [1, 2], ["o-99", "o-98"]]
    table = pa.Table.from_arrays(
        [pa.array(column) for column in columns], names=["id", "name", "id", "a_id", "name"]
    )
    result = export(table, tmp_path / "j.xlsx", "xlsx", {"generated_at": PINNED})
    assert values(result.path) == [
        ("id", "name", "id_2", "a_id", "name_2"),
        (1, "alice", 99, 1, "o-99"),
        (2, "bob", 98, 2, "o-98"),
    ]
    assert result.notes == (
        "repeated column names were made unique: column 3 (id) is named id_2, "
        "column 5 (name) is named name_2",
    )
    book = openpyxl.load_workbook(result.path)
    assert book["Data"].auto_filter.ref == "A1:E3"
    with zipfile.ZipFile(result.path) as archive:
        names = ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(f"{_NS}definedName")
    assert [(n.attrib["name"], n.text) for n in names] == [
        ("_xlnm._FilterDatabase", "'Data'!$A$1:$E$3")
    ]
    # LibreOffice, saving as flat ODF, shows it took the range as a filtered database range.
    profile = f"-env:UserInstallation=file://{tmp_path / 'office-profile'}"
    command = [libreoffice(), profile, "--headless", "--convert-to", "fods", str(result.path)]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, timeout=180)
    content = (tmp_path / "j.fods").read_text(encoding="utf-8")
    ranges = re.findall(r"<table:database-range [^>]*>", content)
    assert len(ranges) == 1
    assert 'table:target-range-address="Data.A1:Data.E3"' in ranges[0]
    assert 'table:display-filter-buttons="true"' in ranges[0]


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sheet_name": "a/b"}, "sheet name cannot contain"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_bad_options_get_a_clear_message_and_no_file(
    options: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(OptionError, match=message):
        export(pa.table({"a": [1]}), tmp_path / "bad.xlsx", "xlsx", options)
    assert list(tmp_path.iterdir()) == []
