"""The public Northwind database (../shared/data, MIT): every table and view, every format.

Each file is read back with a reader that shares no code with ours (csv, json, DuckDB
for Parquet, openpyxl, markdown-it-py, pdftotext) and every value is compared with what
Python's sqlite3 returns for the same query, read the way the file's column type says
(a DATETIME's text as a date-time, a BLOB as its bytes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest

from exporters import export, open_query

from .test_markdown import RENDERERS, rendered_cells

NORTHWIND = Path(__file__).resolve().parents[3] / "shared" / "data" / "northwind.sqlite"
URL = f"sqlite:///{NORTHWIND}"
TEXT_FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown"]

pytestmark = pytest.mark.skipif(not NORTHWIND.exists(), reason=f"{NORTHWIND} is not here")


def _names() -> list[str]:
    if not NORTHWIND.exists():
        return []
    with sqlite3.connect(f"file:{NORTHWIND}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    db.close()
    return [name for (name,) in rows]


def _sqlite(sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with sqlite3.connect(f"file:{NORTHWIND}?mode=ro", uri=True) as db:
        cursor = db.execute(sql)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    db.close()
    return names, rows


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pa.Schema, Path]]:
    """Every table and view exported once per format: name/format -> (schema, file)."""
    folder = tmp_path_factory.mktemp("northwind")
    files: dict[str, tuple[pa.Schema, Path]] = {}
    for index, name in enumerate(_names()):
        sql = f'SELECT * FROM "{name}"'
        for fmt in [*TEXT_FORMATS, "pdf"]:
            with open_query(URL, sql) as stream:
                result = export(stream, folder / f"{index}.{fmt}", fmt, {"title": name})
                files[f"{name}/{fmt}"] = (stream.schema, result.path)
    return files


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@pytest.mark.parametrize("name", _names())
def test_every_value_reads_back(
    exported: dict[str, tuple[pa.Schema, Path]], name: str, fmt: str
) -> None:
    schema, path = exported[f"{name}/{fmt}"]
    names, expected = _sqlite(f'SELECT * FROM "{name}"')
    header, rows = READERS[fmt](path)
    if fmt in ("json", "jsonl") and not expected:
        assert header == []  # no records, no keys
    elif fmt in ("json", "jsonl", "parquet", "xlsx"):  # repeated names get suffixes there
        assert len(header) == len(names)
    else:
        assert header == names
    assert len(rows) == len(expected)
    for row_number, (got, want) in enumerate(zip(rows, expected, strict=True)):
        for field, cell, value in zip(schema, got, want, strict=True):
            assert same(field.type, cell, value, fmt), (name, fmt, row_number, field.name)


def test_every_pdf_shows_every_header_and_every_short_value(
    exported: dict[str, tuple[pa.Schema, Path]],
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    for name in _names():
        _, path = exported[f"{name}/pdf"]
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
            check=True,
        ).stdout  # fmt: skip
        flat = "".join(text.split())
        names, rows = _sqlite(f'SELECT * FROM "{name}"')
        for header in names:
            assert "".join(header.split()) in flat, (name, header)
        for row in rows[:200]:
            for value in row:
                if isinstance(value, str) and 0 < len(value) <= 20:
                    # a cell may wrap between its words, interleaved with its neighbours
                    for word in value.split():
                        assert word in flat, (name, value)


# --------------------------------------------------------------------------- readers


def _csv(path: Path, delimiter: str = ",") -> tuple[list[str], list[list[Any]]]:
    text = path.read_bytes().decode("utf-8")  # read_text would turn a lone CR into LF
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = len(table[0])  # a one-column row of NULL is an empty line: csv reads []
    rows = [row or [""] * width for row in table[1:]]
    return table[0], [[cell if cell != "" else None for cell in row] for row in rows]


def _json(path: Path) -> tuple[list[str], list[list[Any]]]:
    records = json.loads(path.read_text("utf-8"), parse_float=Decimal)
    return _records(records)


def _jsonl(path: Path) -> tuple[list[str], list[list[Any]]]:
    # Lines end at "\n" only: splitlines() would also split at U+2028 inside a string.
    lines = path.read_bytes().decode("utf-8").split("\n")
    return _records([json.loads(line, parse_float=Decimal) for line in lines if line])


def _records(records: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    header = list(records[0]) if records else []
    return header, [list(record.values()) for record in records]


def _parquet(path: Path) -> tuple[list[str], list[list[Any]]]:
    import duckdb

    with duckdb.connect() as con:
        relation = con.sql(f"SELECT * FROM read_parquet('{path}')")
        return list(relation.columns), [list(row) for row in relation.fetchall()]


def _xlsx(path: Path) -> tuple[list[str], list[list[Any]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [str(h) for h in rows[0]], [list(row) for row in rows[1:]]


def _markdown(path: Path) -> tuple[list[str], list[list[Any]]]:
    """The table as markdown-it renders it; fails on any HTML element that came from data."""
    header, *rows = rendered_cells(path.read_text("utf-8"), RENDERERS["markdown-it"])
    return header, [[cell if cell != "" else None for cell in row] for row in rows]


READERS = {
    "csv": _csv,
    "tsv": lambda path: _csv(path, "\t"),
    "json": _json,
    "jsonl": _jsonl,
    "parquet": _parquet,
    "xlsx": _xlsx,
    "markdown": _markdown,
}


# ----------------------------------------------------------------------- comparison


def same(kind: pa.DataType, cell: Any, value: Any, fmt: str) -> bool:
    """Whether ``cell`` (as a reader gave it) holds SQLite's ``value`` read as ``kind``."""
    if value is None:
        return cell is None
    if cell is None:
        return False
    if pa.types.is_integer(kind):
        return int(cell) == value
    if pa.types.is_floating(kind):
        return float(cell) == float(value)
    if pa.types.is_decimal(kind):
        return Decimal(str(cell)) == Decimal(repr(value) if isinstance(value, float) else value)
    if pa.types.is_boolean(kind):
        return str(cell).lower() in ("true", "1") if value else str(cell).lower() in ("false", "0")
    if pa.types.is_timestamp(kind):
        return _instant(cell) == _instant(value)
    if pa.types.is_date(kind):
        return _day(cell) == dt.date.fromisoformat(value)
    if pa.types.is_binary(kind):
        return (cell if isinstance(cell, bytes) else bytes.fromhex(str(cell))) == value
    if isinstance(value, str):
        if fmt == "markdown":  # renderers drop a cell's outer whitespace
            return str(cell).strip() == value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if fmt in ("csv", "tsv") and str(cell) == "'" + value:
            return True  # a formula neutralised for spreadsheets (safe_formulas, OWASP)
        return str(cell) == value
    return str(cell) == (value.hex() if isinstance(value, bytes) else repr(value))


def _instant(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(tzinfo=None)


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
