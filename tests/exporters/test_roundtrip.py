"""Every format, on the demo database and on the nasty fixture, read back by other readers.

Each test reads the file with a reader that shares no code with ours (csv, json, orjson,
pyarrow.parquet, DuckDB, openpyxl, pypdf) and compares every value with the Arrow table
that was exported, type by type.
"""

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

from assistant.source.demo import build_demo
from exporters import export, open_query

from .conftest import nasty_table
from .test_markdown import RENDERERS, rendered_cells, shown

QUERY = (
    "SELECT o.id, o.created_at, o.order_date, c.name, c.email, c.loyalty_points, o.status,"
    " o.total, o.discount, o.shipped, o.note, p.weight_kg FROM orders o"
    " JOIN customers c ON c.id = o.customer_id"
    " JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id"
    " ORDER BY o.id, i.id"
)


@pytest.fixture(scope="module")
def demo_table(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    path = build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 400, today=dt.date(2026, 11, 18))
    with open_query(f"sqlite:///{path}", QUERY) as stream:
        return stream.reader.read_all()


@pytest.fixture(params=["demo", "nasty"])
def table(request: pytest.FixtureRequest, demo_table: pa.Table) -> pa.Table:
    return demo_table if request.param == "demo" else nasty_table()


def export_to(table: pa.Table, tmp_path: Path, fmt: str, **options: Any) -> Path:
    out = tmp_path / f"out.{fmt}"
    result = export(table, out, fmt, options)
    assert result.rows == table.num_rows
    return out


def as_text(value: Any) -> str:
    """How a value reads in a text format, by the shared rules."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def same_number(cell: Any, value: Any) -> bool:
    return Decimal(str(cell)) == Decimal(str(value))


def test_demo_table_has_every_type(demo_table: pa.Table) -> None:
    types = set(map(str, demo_table.schema.types))
    assert {
        "int64",
        "timestamp[us]",
        "date32[day]",
        "string",
        "decimal128(12, 2)",
        "bool",
        "double",
    } <= types
    assert demo_table.num_rows > 400


def test_csv(table: pa.Table, tmp_path: Path) -> None:
    out = export_to(table, tmp_path, "csv", safe_formulas=False)
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert rows[0] == table.column_names
    for name, index in zip(table.column_names, range(table.num_columns), strict=True):
        kind = table.schema.field(name).type
        for cell, value in zip(
            [r[index] for r in rows[1:]], table.column(name).to_pylist(), strict=True
        ):
            if value is not None and pa.types.is_floating(kind):
                assert float(cell) == value
            elif value is not None and pa.types.is_timestamp(kind):
                assert dt.datetime.fromisoformat(cell) == value
            else:
                assert cell == as_text(value), name


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_and_jsonl(table: pa.Table, tmp_path: Path, fmt: str) -> None:
    text = export_to(table, tmp_path, fmt).read_text(encoding="utf-8")
    if fmt == "json":
        records = json.loads(text, parse_float=Decimal)
    else:
        records = [json.loads(line, parse_float=Decimal) for line in text.splitlines()]
    assert records == [_json_expected(row, table.schema) for row in table.to_pylist()]


def test_jsonl_with_orjson(table: pa.Table, tmp_path: Path) -> None:
    orjson = pytest.importorskip("orjson")
    lines = export_to(table, tmp_path, "jsonl").read_bytes().splitlines()
    for line, row in zip(lines, table.to_pylist(), strict=True):
        got = orjson.loads(line)
        for name, value in row.items():
            if isinstance(value, int) and abs(value) >= 2**63:
                continue  # orjson itself stops at 64 bits
            if isinstance(value, Decimal):
                assert Decimal(str(got[name])) == value
            elif isinstance(value, dt.datetime):
                assert dt.datetime.fromisoformat(got[name]) == value
            elif isinstance(value, dt.date):
                assert got[name] == value.isoformat()
            else:
                assert got[name] == value


def _json_expected(row: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, float):
            value = Decimal(repr(value)) if value == value else None
        out[name] = value
    return out


def test_parquet_with_pyarrow_and_duckdb(table: pa.Table, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = export_to(table, tmp_path, "parquet")
    assert pq.read_table(out).equals(table)
    rows = duckdb.sql(f"SELECT * FROM '{out}'").fetchall()
    expected = [tuple(r.values()) for r in table.to_pylist()]
    assert rows == expected


def test_xlsx_with_openpyxl(table: pa.Table, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = export_to(table, tmp_path, "xlsx")
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert list(rows[0]) == table.column_names
    for got, row in zip(rows[1:], table.to_pylist(), strict=True):
        for cell, (name, value) in zip(got, row.items(), strict=True):
            if value is None:
                assert cell is None, name
            elif isinstance(value, bool | str):
                assert cell == value, name
            elif isinstance(value, int) and abs(value) > 999_999_999_999_999:
                assert cell == str(value), name  # beyond Excel's precision: text
            elif isinstance(value, int | float | Decimal):
                assert same_number(cell, value), name
            elif isinstance(value, dt.datetime):
                assert cell == value.replace(tzinfo=None), name
            elif isinstance(value, dt.date):
                assert cell.date() == value, name


def test_pdf_text_with_pypdf(table: pa.Table, tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    out = export_to(table.slice(0, 40), tmp_path, "pdf")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    flat = " ".join(text.split())
    for value in table.slice(0, 40).column(table.column_names[0]).to_pylist():
        assert str(value) in flat
    for name in table.column_names:
        assert name in flat


def test_markdown_cells(table: pa.Table, tmp_path: Path) -> None:
    text = export_to(table, tmp_path, "markdown").read_bytes().decode()
    rows = rendered_cells(text, RENDERERS["markdown-it"])  # as a reader sees the table
    assert len(rows) == table.num_rows + 1
    for cells, row in zip(rows[1:], table.to_pylist(), strict=True):
        assert len(cells) == table.num_columns
        for cell, value in zip(cells, row.values(), strict=True):
            if isinstance(value, float):
                assert float(cell) == value
            else:
                assert shown(cell) == shown(as_text(value))
