"""Every PostgreSQL type a user meets, read exactly: the type zoo against PostgreSQL itself.

The oracle for each value is PostgreSQL (its text, ``extract(epoch ...)``, day counts,
``array_to_json``) or psycopg's own loaders, never our code. The zoo's columns are NULL
for more than one batch before their values start, and their late rows hold the values
that widen a type, so the restart path is exercised too. Every test runs through both
paths of the source (``lane``: the COPY lane and the server-side cursor).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from exporters import open_query
from exporters.sources.postgres import lane_of
from exporters.sources.url import parse_url

from . import pg_zoo

BATCH = 100  # < pg_zoo.NULL_ROWS: every column is NULL for more than a batch

EXPECTED_TYPES: dict[str, pa.DataType] = {
    "id": pa.int32(),
    "i2": pa.int16(),
    "i4": pa.int32(),
    "i8": pa.int64(),
    "oid_": pa.int64(),
    "f4": pa.float32(),
    "f8": pa.float64(),
    "n_fixed": pa.string(),
    "n_free": pa.decimal128(38, 9),
    "n_wide": pa.decimal256(50, 10),
    "n_huge": pa.string(),
    "n_inf": pa.string(),
    "flag": pa.bool_(),
    "raw": pa.binary(),
    "day": pa.date32(),
    "day_inf": pa.string(),
    "ts": pa.timestamp("us"),
    "ts_inf": pa.string(),
    "tstz": pa.timestamp("us", tz="UTC"),
    "tm": pa.string(),
    "span": pa.month_day_nano_interval(),
    "js": pa.json_(),
    "jsb": pa.json_(),
    "ints": pa.list_(pa.int32()),
    "grid": pa.list_(pa.list_(pa.int32())),
    "texts": pa.list_(pa.string()),
    "uids": pa.list_(pa.string()),
    "nums": pa.list_(pa.decimal128(38, 3)),
    "days": pa.list_(pa.date32()),
    "docs": pa.list_(pa.json_()),
    "moods": pa.list_(pa.string()),
    "positive": pa.int32(),
}  # fmt: skip  (every other column is text, as PostgreSQL writes it)


@pytest.fixture(scope="module", params=pg_zoo.LANES)
def lane(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def zoo(postgres_url: str, lane: str) -> tuple[str, pa.Table, list[str]]:
    conninfo = parse_url(postgres_url).conninfo
    pg_zoo.build(conninfo)
    sql = "SELECT * FROM type_zoo ORDER BY id"
    with pg_zoo.reading_through(lane), open_query(postgres_url, sql, batch_size=BATCH) as s:
        table = s.read_all()  # restarts with wider types (NaN, infinity, 24:00 ...)
        assert lane_of(s) == lane  # every type of the zoo goes through the COPY lane
        return conninfo, table, s.notes


def test_every_column_has_the_type_its_postgresql_type_maps_to(zoo: Any) -> None:
    _, table, _ = zoo
    for field in table.schema:
        assert field.type == EXPECTED_TYPES.get(field.name, pa.string()), field.name
    assert table.num_rows == pg_zoo.NULL_ROWS + max(len(v) for _, v in pg_zoo.COLUMNS.values())


def _pg(conninfo: str, expression: str) -> list[Any]:
    with psycopg.connect(conninfo) as connection:
        rows = connection.execute(f"SELECT {expression} FROM type_zoo ORDER BY id").fetchall()
    return [row[0] for row in rows]


def _columns() -> Iterator[str]:
    yield from pg_zoo.COLUMNS


@pytest.mark.parametrize("name", list(_columns()))
def test_every_value_equals_what_postgresql_holds(zoo: Any, name: str) -> None:
    conninfo, table, _ = zoo
    column = table.column(name)
    kind = column.type
    ours = column.to_pylist() if not _outside_python(kind) else None
    if pa.types.is_string(kind):  # format() shows a value by its type's output function
        assert ours == _pg(conninfo, f"CASE WHEN {name} IS NOT NULL THEN format('%s', {name}) END")
    elif pa.types.is_date(kind):
        days = column.cast(pa.int32()).to_pylist()
        assert days == _pg(conninfo, f"{name} - date '1970-01-01'")
    elif pa.types.is_timestamp(kind):
        micros = column.cast(pa.int64()).to_pylist()
        assert micros == _pg(conninfo, f"(extract(epoch FROM {name}) * 1000000)::bigint")
    elif kind == pa.month_day_nano_interval():
        parts = [None if v is None else (v.months, v.days, v.nanoseconds) for v in ours or []]
        expected = _pg(
            conninfo,
            f"CASE WHEN {name} IS NOT NULL THEN ARRAY[(extract(year FROM {name}) * 12"
            f" + extract(month FROM {name}))::bigint, extract(day FROM {name})::bigint,"
            f" ((extract(hour FROM {name}) * 3600 + extract(minute FROM {name}) * 60) * 1000000"
            f" + extract(microsecond FROM {name}))::bigint * 1000] END",
        )
        assert parts == [None if e is None else tuple(e) for e in expected]
    elif kind == pa.json_():
        assert ours == _pg(conninfo, f"{name}::text")
    elif pa.types.is_list(kind):
        expected = _pg(conninfo, f"array_to_json({name})::text")
        assert [_plain(v) for v in ours or []] == [
            None if e is None else json.loads(e, parse_float=Decimal) for e in expected
        ]
    elif pa.types.is_floating(kind):
        expected = _pg(conninfo, name)
        if kind == pa.float32():
            expected = [None if e is None else _float32(e) for e in expected]
        assert [_same_float(a, b) for a, b in zip(ours or [], expected, strict=True)] == [
            True
        ] * len(expected)
    else:  # integers, booleans, decimals, bytea: psycopg's own values
        assert ours == _pg(conninfo, name)


def _outside_python(kind: pa.DataType) -> bool:
    """Dates and timestamps may be BC or past 9999, which Python's datetime cannot hold."""
    return bool(pa.types.is_date(kind) or pa.types.is_timestamp(kind))


def _plain(value: Any) -> Any:
    """Our list values as array_to_json shows them (dates as text, JSON parsed)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        try:
            return json.loads(value, parse_float=Decimal)
        except ValueError:
            return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value
    return value


def _float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def test_what_is_written_as_text_is_said_in_the_notes(zoo: Any) -> None:
    _, table, notes = zoo
    widened = ["n_fixed", "n_huge", "n_inf", "day_inf", "ts_inf", "tm"]
    for name in widened:
        assert table.schema.field(name).type == pa.string()
        assert any(f"({name}) holds" in note and "PostgreSQL's text" in note for note in notes)
    assert len(notes) == len(widened)


def test_zoned_timestamps_keep_their_instant_in_any_session_zone(
    zoo: Any, postgres_url: str, lane: str
) -> None:
    """A role whose TimeZone is Europe/Berlin sees offsets such as LMT's +00:53:28."""
    conninfo, table, _ = zoo
    with psycopg.connect(conninfo, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_roles WHERE rolname = 'zoo_berlin'").fetchone():
            connection.execute("CREATE ROLE zoo_berlin LOGIN")
        connection.execute("ALTER ROLE zoo_berlin SET timezone = 'Europe/Berlin'")
        connection.execute("GRANT SELECT ON type_zoo TO zoo_berlin")
    berlin = postgres_url.replace("postgres@", "zoo_berlin@", 1)
    with (
        pg_zoo.reading_through(lane),
        open_query(berlin, "SELECT tstz, r_ts FROM type_zoo ORDER BY id") as stream,
    ):
        seen = stream.read_all()
    assert (
        seen.column("tstz").cast(pa.int64()).to_pylist()
        == table.column("tstz").cast(pa.int64()).to_pylist()
    )
    assert "+01" in next(v for v in seen.column("r_ts").to_pylist() if v)  # text: as PG shows it
