"""The PostgreSQL type zoo in every format, read back and compared with PostgreSQL itself.

For each value PostgreSQL is asked for its own text (``format('%s', v)``), its instant
(``extract(epoch ...)``), its day number, its interval in ISO 8601 (``IntervalStyle =
iso_8601``) and its arrays as JSON (``array_to_json``); psycopg gives numbers and bytes.
Files are read by csv, json, pyarrow.parquet, openpyxl and markdown-it-py; dates and
times are parsed by numpy (which reads years before 1 and after 9999), never by our code.
Every file is written from both paths of the source (``lane``: COPY and the cursor).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exporters import export, open_query
from exporters.sources.postgres import lane_of
from exporters.sources.url import parse_url

from . import pg_zoo
from .test_northwind import READERS

FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown"]


@pytest.fixture(scope="module", params=pg_zoo.LANES)
def lane(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def zoo_files(
    postgres_url: str, lane: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], pa.Schema, dict[str, Path]]:
    conninfo = parse_url(postgres_url).conninfo
    names = pg_zoo.build(conninfo)
    oracle = _oracle(conninfo, names)
    folder = tmp_path_factory.mktemp("zoo")
    files: dict[str, Path] = {}
    schema = None
    for fmt in FORMATS:
        with (
            pg_zoo.reading_through(lane),
            open_query(postgres_url, "SELECT * FROM type_zoo ORDER BY id", batch_size=100) as s,
        ):
            files[fmt] = export(s, folder / f"zoo.{fmt}", fmt).path
            schema = s.schema
            assert lane_of(s) == lane
    assert schema is not None
    return oracle, schema, files


def _oracle(conninfo: str, names: list[str]) -> dict[str, Any]:
    """Per column: PostgreSQL's text, instants, days, ISO intervals, JSON arrays, values."""
    found: dict[str, Any] = {}
    with psycopg.connect(conninfo) as connection:
        connection.execute("SET IntervalStyle = iso_8601")

        def column(expression: str) -> list[Any]:
            rows = connection.execute(f"SELECT {expression} FROM type_zoo ORDER BY id")
            return [row[0] for row in rows.fetchall()]

        for name in names:
            kind = (pg_zoo.COLUMNS.get(name) or ("integer", []))[0]
            found[name] = {
                "text": column(f"CASE WHEN {name} IS NOT NULL THEN format('%s', {name}) END"),
                "value": column(name) if _loadable(kind) else None,
            }
            if kind in ("date",):
                found[name]["days"] = column(
                    f"CASE WHEN isfinite({name}) THEN {name} - date '1970-01-01' END"
                )
            if kind.startswith("timestamp"):
                found[name]["micros"] = column(
                    f"CASE WHEN isfinite({name}) THEN"
                    f" (extract(epoch FROM {name}) * 1000000)::bigint END"
                )
            if kind.endswith("[]"):
                found[name]["json"] = column(f"array_to_json({name})::text")
            if kind == "interval":
                found[name]["parts"] = column(
                    f"ARRAY[(extract(year FROM {name}) * 12 + extract(month FROM {name}))::bigint,"
                    f" extract(day FROM {name})::bigint, ((extract(hour FROM {name}) * 3600"
                    f" + extract(minute FROM {name}) * 60) * 1000000"
                    f" + extract(microsecond FROM {name}))::bigint * 1000]"
                )
    return found


def _loadable(kind: str) -> bool:
    """Types psycopg loads into Python values for every value in the zoo."""
    return kind in ("smallint", "integer", "bigint", "oid", "real", "double precision",
                    "boolean", "bytea", "numeric(50,10)", "zoo_positive")  # fmt: skip


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_zoo_value_reads_back(zoo_files: Any, fmt: str) -> None:
    oracle, schema, files = zoo_files
    path = files[fmt]
    header, rows = _parquet(path) if fmt == "parquet" else READERS[fmt](path)
    assert len(header) == len(schema)
    for position, field in enumerate(schema):
        facts = oracle[field.name]
        for row_number, row in enumerate(rows):
            cell = row[position]
            assert _matches(field.type, cell, facts, row_number, fmt), (
                fmt, field.name, row_number, cell, facts["text"][row_number]
            )  # fmt: skip


def _parquet(path: Path) -> tuple[list[str], list[list[Any]]]:
    table = pq.read_table(path)
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            column = column.cast(pa.int32() if pa.types.is_date(kind) else pa.int64())
        columns.append(column.to_pylist())
    return table.column_names, [list(row) for row in zip(*columns, strict=True)]


def _matches(kind: pa.DataType, cell: Any, facts: dict[str, Any], row: int, fmt: str) -> bool:
    text = facts["text"][row]
    if text is None:
        return cell is None or (cell == "" and fmt in ("csv", "tsv"))
    if cell is None and text in ("", "\\x") and fmt in ("csv", "tsv", "markdown"):
        return True  # empty text (or bytes) and NULL look alike there (the `null` option)
    if kind == pa.json_() and fmt in ("json", "jsonl"):
        return bool(cell == json.loads(text, parse_float=Decimal))
    if pa.types.is_floating(kind):
        return _same_float(cell, facts["value"][row], kind, fmt)
    if cell is None:
        return False
    if pa.types.is_integer(kind):
        return int(cell) == facts["value"][row]
    if pa.types.is_decimal(kind):
        if fmt == "xlsx" and isinstance(cell, float):
            return cell == float(text)  # Excel holds 15 digits; longer ones are text
        return Decimal(str(cell)) == Decimal(text)
    if pa.types.is_boolean(kind):
        return str(cell).lower() in (("true", "1") if text == "t" else ("false", "0"))
    if pa.types.is_binary(kind):
        data = cell if isinstance(cell, bytes) else bytes.fromhex(str(cell))
        return data == facts["value"][row]
    if pa.types.is_date(kind):
        return _days(cell, fmt) == facts["days"][row]
    if pa.types.is_timestamp(kind):
        if fmt == "xlsx" and isinstance(cell, dt.datetime):  # readers round serials to ms
            return abs(_micros(cell, fmt) - facts["micros"][row]) < 500
        return _micros(cell, fmt) == facts["micros"][row]
    if kind == pa.month_day_nano_interval():
        if fmt == "parquet":  # a lossless struct: months, days, nanoseconds
            parts = [cell["months"], cell["days"], cell["nanoseconds"]]
            return parts == facts["parts"][row]
        return str(cell).strip() == text
    if kind == pa.json_():
        return str(cell).strip() == text if fmt == "markdown" else str(cell) == text
    if pa.types.is_list(kind):
        expected = json.loads(facts["json"][row], parse_float=Decimal)
        value = cell if isinstance(cell, list) else json.loads(str(cell), parse_float=Decimal)
        return _plain(value) == expected
    if fmt == "markdown":
        return str(cell).strip() == text.replace("\r\n", "\n").strip()
    if fmt in ("csv", "tsv") and str(cell) == "'" + text:
        return True  # a formula neutralised for spreadsheets (safe_formulas, OWASP)
    return str(cell) == text


def _same_float(cell: Any, value: float | None, kind: pa.DataType, fmt: str) -> bool:
    if value is None:
        return cell is None or (cell == "" and fmt in ("csv", "tsv"))
    if not math.isfinite(value) and fmt in ("json", "jsonl"):
        return cell is None  # JSON has no NaN or infinity (documented: null)
    number = float(cell) if not isinstance(cell, float) else cell
    if kind == pa.float32() and fmt in ("parquet",):
        value = float(np.float32(value))
    if math.isnan(value):
        return math.isnan(number)
    return number == value or float(np.float32(number)) == float(np.float32(value))


def _days(cell: Any, fmt: str) -> int:
    if isinstance(cell, int) and fmt == "parquet":
        return cell
    if isinstance(cell, dt.datetime | dt.date):
        return (cell if isinstance(cell, dt.date) and not isinstance(cell, dt.datetime)
                else cell.date()).toordinal() - dt.date(1970, 1, 1).toordinal()  # fmt: skip
    text = str(cell).strip().removeprefix("'")  # CSV neutralises a leading - (safe_formulas)
    return int(np.datetime64(text.lstrip("+"), "D").astype(np.int64))


def _micros(cell: Any, fmt: str) -> int:
    if isinstance(cell, int) and fmt == "parquet":
        return cell
    if isinstance(cell, dt.datetime):
        moment = cell if cell.tzinfo else cell.replace(tzinfo=dt.UTC)
        return round((moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds() * 1e6)
    text = str(cell).strip().removeprefix("'").lstrip("+")
    offset = 0
    if len(text) > 6 and text[-6] in "+-" and text[-3] == ":":
        sign = 1 if text[-6] == "+" else -1
        offset = sign * (int(text[-5:-3]) * 3600 + int(text[-2:]) * 60) * 1_000_000
        text = text[:-6]
    return int(np.datetime64(text, "us").astype(np.int64)) - offset


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return json.loads(value, parse_float=Decimal)
        except ValueError:
            return value
    return value


def test_the_zoo_as_pdf_shows_every_header_and_every_short_value(
    zoo_files: Any, postgres_url: str, lane: str, tmp_path: Path
) -> None:
    """Sixty columns on continuation pages: every header, and every word of each short
    value as the CSV (checked above against PostgreSQL) writes it."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    _, schema, files = zoo_files
    with (
        pg_zoo.reading_through(lane),
        open_query(postgres_url, "SELECT * FROM type_zoo ORDER BY id", batch_size=100) as s,
    ):
        pdf = export(s, tmp_path / "zoo.pdf", "pdf").path
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for name in schema.names:
        assert name in flat
    _, rows = READERS["csv"](files["csv"])
    for row in rows:
        for cell in row:
            if cell and len(cell) <= 20:
                for word in cell.removeprefix("'").split():
                    assert word in flat, (cell, word)
