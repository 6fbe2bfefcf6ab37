"""The Arrow types the sources produce for PostgreSQL and SQLite, in every text format,
JSON/JSONL and Parquet: literal expected text, and files read back by readers we did not
write (csv, json, pyarrow, DuckDB, markdown-it)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exporters import export
from exporters.options import CsvOptions, JsonOptions
from exporters.render import text_column
from exporters.writers.json_encode import encode_column

from .test_json import in_batches
from .test_markdown import RENDERERS, rendered_cells, shown

UTC = dt.UTC
BIG = Decimal("123456789012345678901234567890123456789012.5000000")


def json_values(values: list[str | None]) -> pa.Array:
    return pa.ExtensionArray.from_storage(pa.json_(), pa.array(values, pa.string()))


def zoo() -> pa.Table:
    """Four rows of every new type; NULLs both as values and inside lists."""
    return pa.table(
        {
            "ints": pa.array([[1, 2, None], [], None, [3]], pa.list_(pa.int64())),
            "texts": pa.array(
                [["a", 'b"c'], None, ["é, ü"], [None]], pa.large_list(pa.large_string())
            ),
            "grid": pa.array(
                [[[1, 2], [3, 4]], [[]], None, [None, [5]]], pa.list_(pa.list_(pa.int32()))
            ),
            "pair": pa.array(
                [[1.5, 2.0], [None, float("nan")], None, [1e20, -0.0]], pa.list_(pa.float64(), 2)
            ),
            "doc": json_values(['{"a": "é", "b": [1, 2.50]}', '"str"', None, "null"]),
            "wide": pa.array(
                [BIG, None, Decimal("-0.0000001"), Decimal("1")], pa.decimal256(50, 7)
            ),
            "span": pa.array(
                [
                    pa.MonthDayNano([14, 3, 14_706_500_000_000]),
                    None,
                    pa.MonthDayNano([0, 0, 0]),
                    pa.MonthDayNano([0, -1, 7_200_000_000_000]),
                ],
                pa.month_day_nano_interval(),
            ),
            "clock": pa.array([0, 3_723_500_000, 86_400_000_000, None], pa.time64("us")),
            "nothing": pa.nulls(4),
            "kind": pa.array(["x", "y", None, "x"]).dictionary_encode(),
            "blob": pa.array([b"\x00\xff", None, b"", b"ab"], pa.binary()),
            "stamps": pa.array(
                [[dt.datetime(2020, 1, 1, tzinfo=UTC)], None, [], [None]],
                pa.list_(pa.timestamp("us", tz="UTC")),
            ),
        }
    )


# The text every text format shows (None: NULL, written as the `null` option).
TEXT = {
    "ints": ["[1,2,null]", "[]", None, "[3]"],
    "texts": ['["a","b\\"c"]', None, '["é, ü"]', "[null]"],
    "grid": ["[[1,2],[3,4]]", "[[]]", None, "[null,[5]]"],
    "pair": ["[1.5,2.0]", "[null,null]", None, "[1e+20,-0.0]"],
    "doc": ['{"a": "é", "b": [1, 2.50]}', '"str"', None, "null"],
    "wide": [str(BIG), None, "-0.0000001", "1.0000000"],
    "span": ["P1Y2M3DT4H5M6.5S", None, "PT0S", "P-1DT2H"],
    "clock": ["00:00:00", "01:02:03.500000", "24:00:00", None],
    "nothing": [None, None, None, None],
    "kind": ["x", "y", None, "x"],
    "blob": ["00ff", None, "", "6162"],
    "stamps": ['["2020-01-01T09:00:00+09:00"]', None, "[]", "[null]"],
}
OPTIONS = {"timezone": "Asia/Tokyo"}


def test_text_of_every_type() -> None:
    table = zoo()
    options = CsvOptions(**OPTIONS)
    for name, want in TEXT.items():
        assert text_column(table.column(name).combine_chunks(), options).to_pylist() == want, name


def test_csv_quotes_json_text_and_writes_null_for_missing_lists(tmp_path: Path) -> None:
    out = tmp_path / "zoo.csv"
    export(in_batches(zoo(), 1), out, "csv", {**OPTIONS, "null": "NULL"})
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == list(TEXT)
    for i, row in enumerate(rows[1:]):
        assert row == ["NULL" if TEXT[name][i] is None else TEXT[name][i] for name in TEXT]
    assert b'"[""a"",""b\\""c""]"' in out.read_bytes()  # JSON's own escapes kept inside


def test_tsv_and_markdown_show_the_same_text(tmp_path: Path) -> None:
    export(zoo(), tmp_path / "zoo.tsv", "tsv", OPTIONS)
    rows = list(csv.reader(io.StringIO((tmp_path / "zoo.tsv").read_text()), delimiter="\t"))
    assert [row[0] for row in rows[1:]] == [v or "" for v in TEXT["ints"]]
    export(zoo(), tmp_path / "zoo.md", "markdown", OPTIONS)
    cells = rendered_cells((tmp_path / "zoo.md").read_text(), RENDERERS["markdown-it"])
    for i, row in enumerate(cells[1:]):
        assert [shown(cell) for cell in row] == [TEXT[name][i] or "" for name in TEXT]


def expected_json(row: int) -> dict[str, Any]:
    """The values a JSON reader should get back for ``row`` of the zoo."""

    def parse(text: str | None) -> Any:
        return None if text is None else json.loads(text, parse_float=Decimal)

    return {
        "ints": parse(TEXT["ints"][row]),
        "texts": parse(TEXT["texts"][row]),
        "grid": parse(TEXT["grid"][row]),
        "pair": parse(TEXT["pair"][row]),
        "doc": parse(TEXT["doc"][row]),  # a nested value, not a string
        "wide": None if TEXT["wide"][row] is None else Decimal(TEXT["wide"][row] or ""),
        "span": TEXT["span"][row],
        "clock": TEXT["clock"][row],
        "nothing": None,
        "kind": TEXT["kind"][row],
        "blob": TEXT["blob"][row],
        "stamps": parse(TEXT["stamps"][row]),
    }


def test_json_and_jsonl_nest_lists_and_json_values(tmp_path: Path) -> None:
    export(in_batches(zoo(), 3), tmp_path / "zoo.json", "json", OPTIONS)
    records = json.loads((tmp_path / "zoo.json").read_text(), parse_float=Decimal)
    assert records == [expected_json(i) for i in range(4)]
    assert records[0]["doc"] == {"a": "é", "b": [1, Decimal("2.50")]}
    export(zoo(), tmp_path / "zoo.jsonl", "jsonl", OPTIONS)
    lines = (tmp_path / "zoo.jsonl").read_text().splitlines()
    assert [json.loads(line, parse_float=Decimal) for line in lines] == records


def test_json_values_with_line_breaks_stay_on_one_line(tmp_path: Path) -> None:
    table = pa.table({"doc": json_values(['{\n  "a": [1,\r\n 2]\n}', None])})
    export(table, tmp_path / "t.jsonl", "jsonl")
    assert (tmp_path / "t.jsonl").read_text() == '{"doc":{   "a": [1,   2] }}\n{"doc":null}\n'


def test_decimals_as_strings_reach_into_lists() -> None:
    column = pa.array([[Decimal("1.10"), None]], pa.list_(pa.decimal256(40, 2)))
    text = encode_column(column, JsonOptions(decimals="string")).json().to_pylist()
    assert text == ['["1.10",null]']


def test_parquet_keeps_the_types_and_notes_what_it_changes(tmp_path: Path) -> None:
    out = tmp_path / "zoo.parquet"
    result = export(in_batches(zoo(), 3), out, "parquet", OPTIONS)
    table = pq.read_table(out)
    assert table.schema.field("ints").type == pa.list_(pa.int64())
    assert table.schema.field("texts").type == pa.large_list(pa.large_string())
    assert table.schema.field("doc").type == pa.json_()
    assert table.schema.field("clock").type == pa.time64("us")
    assert table.schema.field("stamps").type == pa.list_(pa.timestamp("us", tz="Asia/Tokyo"))
    assert table.column("grid").to_pylist() == zoo().column("grid").to_pylist()
    assert table.column("doc").to_pylist() == TEXT["doc"]
    assert table.column("span").to_pylist() == [
        {"months": 14, "days": 3, "nanoseconds": 14_706_500_000_000},
        None,
        {"months": 0, "days": 0, "nanoseconds": 0},
        {"months": 0, "days": -1, "nanoseconds": 7_200_000_000_000},
    ]
    assert table.column("wide").to_pylist() == TEXT["wide"]  # exact text, see the note
    assert any("'span'" in note and "struct<months" in note for note in result.notes)
    assert any("'wide'" in note and "exact decimal text" in note for note in result.notes)


def test_duckdb_reads_the_parquet_back(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "zoo.parquet"
    export(zoo().select(["ints", "span", "wide", "doc"]), out, "parquet")
    rows = duckdb.sql(f"SELECT ints, span, wide, doc::VARCHAR FROM '{out}'").fetchall()
    assert rows[0][0] == [1, 2, None]
    assert rows[3][1] == {"months": 0, "days": -1, "nanoseconds": 7_200_000_000_000}
    assert rows[0][2] == str(BIG)
    assert rows[0][3] == '{"a": "é", "b": [1, 2.50]}'


def test_decimal256_that_fits_38_digits_stays_a_decimal_in_parquet(tmp_path: Path) -> None:
    table = pa.table({"d": pa.array([Decimal("-1.05"), None], pa.decimal256(38, 2))})
    result = export(table, tmp_path / "d.parquet", "parquet")
    assert pq.read_table(tmp_path / "d.parquet").column("d").to_pylist() == [Decimal("-1.05"), None]
    assert result.notes == ()


def test_all_null_interval_and_sliced_lists(tmp_path: Path) -> None:
    table = pa.table(
        {
            "span": pa.nulls(3, pa.month_day_nano_interval()),
            "ints": pa.array([[9], [1, None], [2]], pa.list_(pa.int64())),
        }
    ).slice(1)
    export(table, tmp_path / "t.csv", "csv", {"null": "-"})
    assert (tmp_path / "t.csv").read_bytes() == b'span,ints\r\n-,"[1,null]"\r\n-,[2]\r\n'
    export(table, tmp_path / "t.parquet", "parquet")
    stored = pq.read_table(tmp_path / "t.parquet")
    assert stored.to_pylist() == [{"span": None, "ints": [1, None]}, {"span": None, "ints": [2]}]
