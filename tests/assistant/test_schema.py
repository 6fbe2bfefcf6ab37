"""Schema introspection: the demo's tables and kinds, name lookups, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from assistant.source.demo import build_demo
from assistant.source.schema import (
    Column,
    ForeignKey,
    Schema,
    SchemaUnavailable,
    Table,
    introspect,
    kind_of,
)
from exporters import BadInput, SourceUnavailable
from exporters.sources.url import parse_url


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "demo.db"
    return build_demo(path, 300, today=dt.date(2026, 11, 18))


@pytest.fixture(scope="module")
def schema(demo: Path) -> Schema:
    return introspect(f"sqlite:///{demo}")


def kinds(table: Table | None) -> dict[str, str]:
    assert table is not None
    return {c.name: c.kind for c in table.columns}


def test_demo_tables_in_order(schema: Schema) -> None:
    assert [t.name for t in schema.tables] == ["customers", "order_items", "orders", "products"]


def test_demo_columns_keep_their_declared_order_and_types(schema: Schema) -> None:
    orders = schema.table("orders")
    assert orders is not None
    assert orders.columns[:3] == (
        Column("id", "INTEGER", "integer"),
        Column("customer_id", "INTEGER", "integer"),
        Column("created_at", "DATETIME", "datetime"),
    )
    assert kinds(orders) == {
        "id": "integer", "customer_id": "integer", "created_at": "datetime",
        "order_date": "date", "status": "text", "city": "text", "total": "decimal",
        "discount": "decimal", "shipped": "boolean", "note": "text",
    }  # fmt: skip
    assert kinds(schema.table("products"))["weight_kg"] == "float"
    assert kinds(schema.table("customers"))["loyalty_points"] == "integer"
    assert schema.table("products").columns[4].type == "DECIMAL(10,2)"  # type: ignore[union-attr]


def test_describe_lists_one_line_per_table(schema: Schema) -> None:
    lines = schema.describe().splitlines()
    assert lines[2] == (
        "orders(id, customer_id, created_at, order_date, status, city, total, discount, "
        "shipped, note)"
    )
    assert len(lines) == 4
    typed = schema.describe(types=True).splitlines()[1]
    assert typed == (
        "order_items(id INTEGER, order_id INTEGER, product_id INTEGER, quantity INTEGER, "
        "unit_price DECIMAL(10,2))"
    )


@pytest.mark.parametrize(
    ("said", "table"),
    [
        ("orders", "orders"), ("ORDERS", "orders"), ("order", "orders"),
        ("customer", "customers"), ("Customers", "customers"), ("custmers", "customers"),
        ("ordres", "orders"), ("custmer", "customers"), ("order items", "order_items"),
        ("order_item", "order_items"), ("Order-Items", "order_items"), ("product", "products"),
    ],
)  # fmt: skip
def test_table_lookup_tolerates_case_number_and_one_typo(
    schema: Schema, said: str, table: str
) -> None:
    found = schema.table(said)
    assert found is not None and found.name == table


@pytest.mark.parametrize("said", ["invoices", "ord", "", "   ", "customers2x", "o"])
def test_table_lookup_does_not_guess_far(schema: Schema, said: str) -> None:
    assert schema.table(said) is None


def test_typos_can_be_turned_off(schema: Schema) -> None:
    assert schema.table("ordrs", typos=False) is None
    assert schema.table("order", typos=False) is not None


def test_a_typo_between_two_tables_finds_neither() -> None:
    schema = Schema((Table("cats", ()), Table("cars", ())))
    assert schema.table("cats") == Table("cats", ())
    assert schema.table("cays") is None


def test_plural_forms() -> None:
    schema = Schema((Table("categories", ()), Table("boxes", ()), Table("status", ())))
    assert [schema.table(n).name for n in ("category", "box", "status")] == [  # type: ignore[union-attr]
        "categories", "boxes", "status",
    ]  # fmt: skip


def test_column_lookup(schema: Schema) -> None:
    customers = schema.table("customers")
    assert customers is not None
    assert customers.column("Signed Up At") == Column("signed_up_at", "DATETIME", "datetime")
    assert customers.column("contry") is not None
    assert customers.column("contry", typos=False) is None
    assert customers.column("zip") is None


@pytest.mark.parametrize(
    ("declared", "kind"),
    [
        ("INTEGER", "integer"), ("BIGINT", "integer"), ("int4", "integer"),
        ("UNSIGNED BIG INT", "integer"), ("bigserial", "integer"), ("smallint", "integer"),
        ("DECIMAL(12,2)", "decimal"), ("numeric(12,2)", "decimal"), ("money", "decimal"),
        ("NUMERIC", "decimal"), ("REAL", "float"), ("double precision", "float"),
        ("FLOAT", "float"), ("TEXT", "text"), ("VARCHAR(80)", "text"),
        ("character varying(80)", "text"), ("character(2)", "text"), ("citext", "text"),
        ("CLOB", "text"), ("enum mood", "text"), ("DATE", "date"), ("date", "date"),
        ("DATETIME", "datetime"), ("timestamp without time zone", "datetime"),
        ("timestamp with time zone", "datetime"), ("TIMESTAMP", "datetime"),
        ("BOOLEAN", "boolean"), ("bool", "boolean"), ("BLOB", "other"), ("", "other"),
        ("bytea", "other"), ("uuid", "other"), ("jsonb", "other"), ("interval", "other"),
        ("time without time zone", "other"), ("point", "other"), ("integer[]", "other"),
    ],
)  # fmt: skip
def test_kinds_of_declared_types(declared: str, kind: str) -> None:
    assert kind_of(declared) == kind


def test_other_sqlite_schema_and_views(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            CREATE TABLE signups (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT,
                                  signed_up_at TEXT);
            CREATE TABLE "Odd Name" ("a b" MONEY, c);
            CREATE VIEW recent AS SELECT id FROM signups;
            CREATE TABLE stats (x INT);
            """
        )
    schema = introspect(f"sqlite:///{path}")  # sqlite_sequence, SQLite's own, is left out
    assert schema.describe(types=True).splitlines() == [
        "Odd Name(a b MONEY, c)",
        "recent(id INTEGER)",
        "signups(id INTEGER, email TEXT, signed_up_at TEXT)",
        "stats(x INT)",
    ]
    assert kinds(schema.table("odd name")) == {"a b": "decimal", "c": "other"}


def test_introspection_never_writes_or_creates(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(BadInput, match="no SQLite database"):
        introspect(f"sqlite:///{missing}")
    assert not missing.exists()
    with pytest.raises(BadInput, match="not a database URL"):
        introspect("orders.db")


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just words " * 100)
    with pytest.raises(SchemaUnavailable, match="cannot read the tables"):
        introspect(f"sqlite:///{path}")


def test_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert introspect(f"sqlite:///{path}") == Schema(())


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema with two tables, a view and a partition; dropped after."""
    name = f"schema_test_{secrets.token_hex(4)}"
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
        db.execute(f"CREATE TYPE {name}.mood AS ENUM ('ok', 'sad')")
        db.execute(f"CREATE DOMAIN {name}.cents AS numeric(12,2)")
        db.execute(
            f"""CREATE TABLE {name}.tickets (
                id bigserial PRIMARY KEY, status varchar(20), opened_on date,
                opened_at timestamptz, closed_at timestamp, price {name}.cents, mood {name}.mood,
                urgent boolean, score double precision, tags text[], body text, gone int)"""
        )
        db.execute(f"ALTER TABLE {name}.tickets DROP COLUMN gone")
        db.execute(f"CREATE VIEW {name}.open_tickets AS SELECT id, status FROM {name}.tickets")
        db.execute(f"CREATE TABLE {name}.events (id int, at date) PARTITION BY RANGE (at)")
        db.execute(
            f"CREATE TABLE {name}.events_2026 PARTITION OF {name}.events "
            "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
        )
    try:
        yield name
    finally:
        with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {name} CASCADE")


def test_postgres_introspection(postgres_url: str, pg_schema: str) -> None:
    schema = introspect(postgres_url, schema=pg_schema)
    assert [t.name for t in schema.tables] == ["events", "open_tickets", "tickets"]
    tickets = schema.table("ticket")
    assert tickets is not None
    assert [(c.name, c.type, c.kind) for c in tickets.columns] == [
        ("id", "bigint", "integer"),
        ("status", "character varying(20)", "text"),
        ("opened_on", "date", "date"),
        ("opened_at", "timestamp with time zone", "datetime"),
        ("closed_at", "timestamp without time zone", "datetime"),
        ("price", "numeric(12,2)", "decimal"),
        ("mood", f"enum {pg_schema}.mood", "text"),
        ("urgent", "boolean", "boolean"),
        ("score", "double precision", "float"),
        ("tags", "text[]", "other"),
        ("body", "text", "text"),
    ]
    assert schema.describe().splitlines()[1] == "open_tickets(id, status)"


def test_postgres_default_schema_and_bad_urls(postgres_url: str) -> None:
    public = introspect(postgres_url)  # whatever other tests left there: only readable tables
    assert all(t.columns for t in public.tables)
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        introspect(postgres_url.rsplit("/", 1)[0] + "/no_such_database_here")


def test_public_names() -> None:
    import assistant.source.schema

    public = {
        "KINDS", "Column", "ForeignKey", "Schema", "SchemaUnavailable", "Table", "first_line",
        "introspect", "kind_of",
    }  # fmt: skip
    assert set(assistant.source.schema.__all__) == public
    assert {
        kind_of(t) for t in ("INT", "REAL", "DECIMAL", "TEXT", "DATE", "DATETIME", "BOOL", "")
    } == set(assistant.source.schema.KINDS)


KEYS_DDL = [
    "CREATE TABLE teams (code TEXT, season INTEGER, name TEXT, PRIMARY KEY (code, season))",
    "CREATE TABLE people (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES people, name TEXT)",
    """CREATE TABLE memberships (person INTEGER REFERENCES people (id), team TEXT, year INTEGER,
       FOREIGN KEY (team, year) REFERENCES teams (code, season))""",
    "CREATE VIEW names AS SELECT name FROM people",
]


def _keys(schema: Schema) -> dict[str, tuple[tuple[str, ...], set[ForeignKey], bool]]:
    return {t.name: (t.primary_key, set(t.foreign_keys), t.view) for t in schema.tables}


EXPECTED_KEYS = {
    "memberships": (
        (),
        {
            ForeignKey(("person",), "people", ("id",)),
            ForeignKey(("team", "year"), "teams", ("code", "season")),
        },
        False,
    ),
    "names": ((), set(), True),
    "people": (("id",), {ForeignKey(("boss",), "people", ("id",))}, False),
    "teams": (("code", "season"), set(), False),
}


def test_sqlite_keys_and_views(tmp_path: Path) -> None:
    """Primary keys in key order, composite foreign keys, a reference to the other table's
    primary key without naming its columns, and views marked as views."""
    path = tmp_path / "keys.db"
    with closing(sqlite3.connect(path)) as db:
        for statement in KEYS_DDL:
            db.execute(statement)
    assert _keys(introspect(f"sqlite:///{path}")) == EXPECTED_KEYS


def test_postgres_keys_and_views(postgres_url: str) -> None:
    name = f"keys_{secrets.token_hex(4)}"
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
        db.execute(f"SET search_path TO {name}")
        for statement in KEYS_DDL:
            db.execute(statement.replace("REFERENCES people,", "REFERENCES people (id),"))
    try:
        assert _keys(introspect(postgres_url, schema=name)) == EXPECTED_KEYS
    finally:
        with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {name} CASCADE")
