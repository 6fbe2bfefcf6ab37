"""A PostgreSQL "type zoo": one column per built-in type a user meets, with awkward values.

``build(url)`` (re)creates the table ``type_zoo`` (and its enum, domain and composite
types): the first ``NULL_ROWS`` rows are NULL in every column except ``id``, so a column
is NULL for more than one batch before its values start; then come the rows of
:data:`COLUMNS`, one value per column per row (a column with fewer values is NULL after
them). Late rows hold the values that widen a type (NaN after numbers, ``infinity``
after dates, ``24:00`` after times, more decimals after fewer).

The tests read the zoo through both of the PostgreSQL source's paths (:data:`LANES`):
the COPY lane and the server-side cursor, which must agree value for value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
import pytest

from exporters.sources.postgres_lane import DISABLE_VARIABLE

#: How a PostgreSQL result is read: ``COPY ... TO STDOUT`` or a server-side cursor.
LANES = ("copy", "cursor")


@contextlib.contextmanager
def reading_through(lane: str) -> Iterator[None]:
    """Every PostgreSQL query opened inside reads its rows through ``lane``."""
    with pytest.MonkeyPatch.context() as patch:
        if lane == "cursor":
            patch.setenv(DISABLE_VARIABLE, "1")
        else:
            patch.delenv(DISABLE_VARIABLE, raising=False)
        yield


NULL_ROWS = 150  # more than the tests' batch size (100)

# name -> (SQL type, values as SQL literals; the first ones are "ordinary")
COLUMNS: dict[str, tuple[str, list[str]]] = {
    "i2": ("smallint", ["-32768", "32767", "0"]),
    "i4": ("integer", ["-2147483648", "2147483647", "7"]),
    "i8": ("bigint", ["-9223372036854775808", "9223372036854775807", "9007199254740993"]),
    "oid_": ("oid", ["4294967295", "0"]),
    "f4": ("real", ["1.1", "'NaN'", "'Infinity'", "'-Infinity'", "3.4e38", "-1.5e-38"]),
    "f8": ("double precision", ["0.1", "1e308", "'-Infinity'", "'NaN'", "5e-324", "-0.0"]),
    "n_fixed": ("numeric(10,2)", ["12.30", "-0.05", "99999999.99", "'NaN'"]),
    "n_free": ("numeric", ["1", "12.5", "-0.001", "123456789012345678901234567.123456789"]),
    "n_wide": ("numeric(50,10)", ["1234567890123456789012345678901234567890.0123456789"]),
    "n_huge": ("numeric", ["1e400", "-1e-200"]),
    "n_inf": ("numeric", ["2.5", "'Infinity'", "'-Infinity'"]),
    "flag": ("boolean", ["true", "false"]),
    "txt": ("text", ["'Grüße, 世界 😀'", "''", "'line\nbreak'", "'tab\there'", "'\"q\",'"]),
    "vc": ("varchar(12)", ["'abc'", "' padded '"]),
    "ch": ("char(5)", ["'ab'"]),
    "nm": ("name", ["'pg_class'"]),
    "onechar": ('"char"', ["'x'"]),
    "raw": ("bytea", ["'\\x00ff10'::bytea", "''::bytea", "convert_to('Grüße', 'UTF8')"]),
    "day": ("date", ["'2026-12-06'", "'0001-01-01'", "'9999-12-31'", "'0044-03-15 BC'",
                     "'10000-01-01'", "'1900-02-28'"]),
    "day_inf": ("date", ["'2026-01-01'", "'infinity'", "'-infinity'"]),
    "ts": ("timestamp", ["'2026-12-06 10:20:30.123456'", "'0001-01-01 00:00:00'",
                         "'9999-12-31 23:59:59.999999'", "'0044-03-15 12:00:00 BC'",
                         "'1850-06-01 00:00:00'"]),
    "ts_inf": ("timestamp", ["'2026-01-01 00:00:00'", "'infinity'", "'-infinity'"]),
    "tstz": ("timestamptz", ["'2026-12-06 10:20:30.5+01'", "'1850-06-01 12:00:00+00'",
                             "'0001-01-01 00:00:00+00'", "'2026-03-29 01:30:00+05:30'"]),
    "tm": ("time", ["'12:34:56.789'", "'00:00:00'", "'23:59:59.999999'", "'24:00:00'"]),
    "tmtz": ("timetz", ["'12:00:00+02'", "'23:59:59.5-05:30'"]),
    "span": ("interval", ["'1 year 2 months 3 days 04:05:06.5'", "'-1 day +02:00:00'",
                          "'0'", "'-00:00:00.000001'", "'1000 hours'", "'-1 years -2 months'",
                          "'1 mon -1 day'"]),
    "uid": ("uuid", ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
                     "'00000000-0000-0000-0000-000000000000'"]),
    "js": ("json", ["'{\"b\": 1, \"a\": \"ü\", \"n\": [1, 2.50]}'", "'\"just text\"'", "'42'",
                    "'null'", "'[]'"]),
    "jsb": ("jsonb", ["'{\"b\": 1, \"a\": \"Grüße 世界\"}'", "'\"a string\"'", "'3.14'",
                      "'true'"]),
    "ints": ("integer[]", ["'{1,2,NULL}'", "'{}'", "'{-5}'"]),
    "grid": ("integer[]", ["'{{1,2},{3,4}}'", "'{{5,6}}'"]),
    "texts": ("text[]", ["'{\"a,b\",\"\",NULL,\"ü \\\\\\\" q\"}'", "ARRAY['x']"]),
    "uids": ("uuid[]", ["ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]"]),
    "nums": ("numeric[]", ["'{1.5,-2,NULL}'", "'{0.001}'"]),
    "days": ("date[]", ["'{2026-01-01,NULL}'"]),
    "docs": ("jsonb[]", ["ARRAY['{\"a\": 1}'::jsonb, '\"s\"'::jsonb]"]),
    "moods": ("zoo_mood[]", ["'{sad,happy}'"]),
    "ip": ("inet", ["'192.168.0.1/24'", "'::1'"]),
    "net": ("cidr", ["'10.0.0.0/8'"]),
    "mac": ("macaddr", ["'08:00:2b:01:02:03'"]),
    "mac8": ("macaddr8", ["'08:00:2b:01:02:03:04:05'"]),
    "cash": ("money", ["'1234.56'", "'-0.01'"]),
    "bits": ("bit(4)", ["B'1010'"]),
    "vbits": ("bit varying(8)", ["B'101'"]),
    "tsv": ("tsvector", ["'a fat cat sat'::tsvector"]),
    "tsq": ("tsquery", ["'fat & cat'::tsquery"]),
    "r_int": ("int4range", ["'[1,10)'", "'empty'"]),
    "r_num": ("numrange", ["'(1.5,2.5]'"]),
    "r_ts": ("tstzrange", ["'[2026-01-01 00:00+00,2026-02-01 00:00+00)'"]),
    "r_day": ("daterange", ["'[2026-01-01,)'"]),
    "mr": ("int4multirange", ["'{[1,3),[5,8)}'"]),
    "mood": ("zoo_mood", ["'happy'", "'sad'"]),
    "positive": ("zoo_positive", ["42"]),
    "pt": ("point", ["'(1.5,-2)'"]),
    "bx": ("box", ["'((0,0),(1,1))'"]),
    "circ": ("circle", ["'<(0,0),5>'"]),
    "doc": ("xml", ["'<a>ü</a>'"]),
    "lsn": ("pg_lsn", ["'16/B374D848'"]),
    "pair": ("zoo_pair", ["ROW(1, 'x, y')::zoo_pair"]),
}  # fmt: skip


def build(conninfo: str) -> list[str]:
    """Create the zoo; returns its column names in order (``id`` first)."""
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS type_zoo")
        for kind in ("zoo_pair", "zoo_positive", "zoo_mood"):
            connection.execute(f"DROP TYPE IF EXISTS {kind} CASCADE")
        connection.execute("DROP DOMAIN IF EXISTS zoo_positive CASCADE")
        connection.execute("CREATE TYPE zoo_mood AS ENUM ('sad', 'happy')")
        connection.execute("CREATE DOMAIN zoo_positive AS integer CHECK (VALUE > 0)")
        connection.execute("CREATE TYPE zoo_pair AS (n integer, label text)")
        columns = ", ".join(f"{name} {kind}" for name, (kind, _) in COLUMNS.items())
        connection.execute(f"CREATE TABLE type_zoo (id integer PRIMARY KEY, {columns})")
        connection.execute(
            f"INSERT INTO type_zoo (id) SELECT g FROM generate_series(1, {NULL_ROWS}) g"
        )
        rows = max(len(values) for _, values in COLUMNS.values())
        for row in range(rows):
            names = [name for name, (_, values) in COLUMNS.items() if row < len(values)]
            literals = [COLUMNS[name][1][row] for name in names]
            connection.execute(
                f"INSERT INTO type_zoo (id, {', '.join(names)}) "
                f"VALUES ({NULL_ROWS + row + 1}, {', '.join(literals)})"
            )
    return ["id", *COLUMNS]
