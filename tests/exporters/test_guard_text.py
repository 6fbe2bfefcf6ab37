"""The guard runs the statement the user wrote, minus its comments, or refuses it.

What the database received is read back from the database itself: SQLite names a column
that has no alias after the expression's text as it received it, and PostgreSQL's
``pg_cursors`` view holds the verbatim statement that declared the export's cursor. Text the
database rejects fails with the database's own error, never as a different query.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from exporters import InvalidQuery, QueryRejected, check_query, count_rows, open_query
from exporters.sources.url import parse_url

SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO t VALUES (1, 'ada'), (2, 'Bob'), (3, 'cy'), (4, 'dee');
CREATE TABLE "Order Details" ("Order ID" INTEGER, "Unit Price" REAL, "we""ird; -- col" TEXT);
INSERT INTO "Order Details" VALUES (10, 2.5, 'x'), (11, 4.0, 'y'), (12, 1.25, NULL);
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "guard.db"
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sqlite3(db: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What Python's sqlite3 gives for ``sql``: column names and rows."""
    connection = sqlite3.connect(db)
    try:
        cursor = connection.execute(sql)
        return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        connection.close()


def _exported(url: str, sql: str, **kwargs: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What the exporter reads for ``sql`` through the guard: column names and rows."""
    with open_query(url, sql, **kwargs) as stream:
        table: pa.Table = stream.reader.read_all()
    rows = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
    return table.column_names, rows


# ---- the report's case: a comment hiding a DELETE in front of FROM-first shorthand ----------

SHORTHAND = [
    ("/*!50000 DELETE */ FROM t", "FROM t"),
    ("FROM t", "FROM t"),
    ("/*! DELETE */ FROM t WHERE id > 1 -- the rest", "FROM t WHERE id > 1"),
    ("--\nFROM t;", "FROM t"),
]


@pytest.mark.parametrize(("sql", "runs"), SHORTHAND)
def test_shorthand_sqlite_rejects_fails_with_sqlites_error(db: Path, sql: str, runs: str) -> None:
    before = _digest(db)
    assert check_query(sql, "sqlite").sql == runs  # sqlglot reads SELECT * FROM t; not run
    with pytest.raises(sqlite3.OperationalError, match="syntax error"):
        _sqlite3(db, sql)  # SQLite itself refuses the text
    with pytest.raises(InvalidQuery, match=r'^the database could not run the query: near "FROM"'):
        open_query(f"sqlite:///{db}", sql)
    with pytest.raises(InvalidQuery, match="could not run the query"):
        count_rows(f"sqlite:///{db}", check_query(sql, "sqlite"))
    assert _digest(db) == before


# ---- the database decides what valid syntax is ---------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id::text FROM t",  # PostgreSQL's cast, which sqlglot would write as CAST
        "SELECT name FROM t WHERE name ILIKE 'a%'",
        "SELECT * FROM t, LATERAL (SELECT 1 AS one) AS l",
        "SELECT name FROM t FETCH FIRST 1 ROWS ONLY",
        "SELECT name FROM t WHERE name SIMILAR TO 'a%'",
        "SELECT DISTINCT ON (name) name FROM t",
        "SELECT 'a' || 1::text",
        "((SELECT 1))",
    ],
)
def test_syntax_sqlite_lacks_is_never_rewritten(db: Path, sql: str) -> None:
    checked = check_query(sql, "sqlite")  # sqlglot can read it (and would rewrite it) ...
    assert checked.sql == sql  # ... but this is what runs
    with pytest.raises(sqlite3.Error) as direct:
        _sqlite3(db, sql)
    with pytest.raises(InvalidQuery) as exported:
        open_query(f"sqlite:///{db}", sql)
    assert exported.value.message == f"the database could not run the query: {direct.value}"


@pytest.mark.parametrize("sql", ["SELECT TOP 2 name FROM t", "TABLE t", "SELECT $$x$$"])
def test_syntax_neither_reader_takes_is_refused(db: Path, sql: str) -> None:
    with pytest.raises(sqlite3.Error):
        _sqlite3(db, sql)
    with pytest.raises(QueryRejected):
        check_query(sql, "sqlite")


@pytest.mark.parametrize("fast", [True, False], ids=["duckdb-lane", "sqlite-lane"])
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, name FROM t ORDER BY id LIMIT 1, 2",  # SQLite: offset 1, count 2
        "SELECT [Order ID], `Unit Price` FROM [Order Details] WHERE `Unit Price` > 2",
        'SELECT "Order ID", "we""ird; -- col" FROM "Order Details" ORDER BY 1',
        "SELECT id FROM t WHERE name == 'Bob' OR id <> 1 AND NOT id = 3 ORDER BY id",
        "SELECT id, 'it''s', '--', '/*', ';' FROM t WHERE id IN (1, 2) ORDER BY id",
    ],
)
def test_sqlite_reads_as_sqlite_does_in_either_lane(db: Path, sql: str, fast: bool) -> None:
    assert _exported(f"sqlite:///{db}", sql, fast=fast) == _sqlite3(db, sql)


def test_sqlite_receives_the_text_as_written(db: Path) -> None:
    # A column without an alias is named after the expression's text as SQLite received it.
    expressions = [
        "'a--b'",
        "'/* not a comment */'",
        "';'",
        "'it''s'",
        "'line\nbreak'",
        "'back\\slash\\'",
        '"Unit Price"  *  2',
        "[Order ID]+1",
        "`we\"ird; -- col`||''",
        "'$$'||'\"'",
    ]
    sql = (
        "/* first */ SELECT " + " /* between */ , ".join(expressions) + " -- and last\n"
        'FROM "Order Details" /* a table */ WHERE "Order ID" = 10 ; -- done'
    )
    runs = "SELECT " + " , ".join(expressions) + '\nFROM "Order Details" WHERE "Order ID" = 10'
    assert check_query(sql, "sqlite").sql == runs
    for fast in (True, False):
        names, rows = _exported(f"sqlite:///{db}", sql, fast=fast)
        assert names == expressions
        assert rows == [("a--b", "/* not a comment */", ";", "it's", "line\nbreak",
                         "back\\slash\\", 5.0, 11, "x", '$$"')]  # fmt: skip
        assert (names, rows) == _sqlite3(db, runs)
        assert rows == _sqlite3(db, sql)[1]  # which names its columns with the comments in


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
@pytest.mark.parametrize(
    ("sql", "runs"),
    [
        ("SELECT 1 -- trailing", "SELECT 1"),
        ("SELECT 1;", "SELECT 1"),
        ("SELECT 1 ;; /* x */ ;\n", "SELECT 1"),
        (";SELECT 1", "SELECT 1"),
        ("\n\t SELECT 1 /* ) AS x -- */\n", "SELECT 1"),
        ("SELECT 1 -- x\n-- y\n", "SELECT 1"),
    ],
)
def test_the_text_can_be_wrapped(dialect: str, sql: str, runs: str) -> None:
    # Sources run `SELECT count(*) FROM (<sql>)`: no semicolon, no comment at the end.
    assert check_query(sql, dialect).sql == runs


def test_count_rows_wraps_the_text(db: Path) -> None:
    sql = "SELECT id FROM t WHERE name <> ';' -- a comment"
    assert count_rows(f"sqlite:///{db}", check_query(sql, "sqlite")) == 4


def test_northwind_names_with_spaces_in_every_quoting(tmp_path: Path) -> None:
    found = [p / "shared/data/northwind.sqlite" for p in Path(__file__).resolve().parents]
    source = next((path for path in found if path.is_file()), None)
    if source is None:
        pytest.skip("the shared Northwind sample is not on this machine")
    db = tmp_path / "northwind.sqlite"
    db.write_bytes(source.read_bytes())
    names = [row[0] for row in _sqlite3(db, "SELECT name FROM sqlite_master WHERE type IN "
                                            "('table', 'view') ORDER BY name")[1]]  # fmt: skip
    assert "Order Details" in names
    for name in names:
        quoted = name.replace('"', '""')
        counts = {
            _exported(f"sqlite:///{db}", sql, fast=False)[1][0][0]
            for sql in (
                f'SELECT count(*) FROM "{quoted}"',
                f"SELECT count(*) FROM [{name}] -- brackets",
                f"SELECT count(*) FROM `{name}`",
            )
        }
        assert counts == {_sqlite3(db, f'SELECT count(*) FROM "{quoted}"')[1][0][0]}, name
    sql = 'SELECT * FROM [Order Details] /* 2155 lines */ ORDER BY "OrderID", ProductID'
    assert _exported(f"sqlite:///{db}", sql) == _sqlite3(db, sql)


# ---- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[str, str]]:
    """The URL and a table ``t`` of our own (other suites share the database)."""
    import psycopg

    table = f"guard_{uuid.uuid4().hex[:10]}"
    info = parse_url(postgres_url).conninfo
    with psycopg.connect(info, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, name text)")
        connection.execute(f"INSERT INTO {table} VALUES (1, 'ada'), (2, 'Bob'), (3, 'cy')")
    try:
        yield postgres_url, table
    finally:
        with psycopg.connect(info, autocommit=True) as connection:
            connection.execute(f"DROP TABLE IF EXISTS {table}")


def _psycopg(url: str, sql: str) -> list[tuple[Any, ...]]:
    """What PostgreSQL itself gives for ``sql`` (read only, rolled back)."""
    import psycopg

    with psycopg.connect(parse_url(url).conninfo) as connection:
        connection.execute("SET TRANSACTION READ ONLY")
        connection.execute("SET LOCAL statement_timeout = 5000")
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.rollback()


def test_postgres_receives_the_text_as_written(pg: tuple[str, str]) -> None:
    url, table = pg
    sql = (
        "/* first */ SELECT (SELECT string_agg(statement, '') FROM pg_cursors) AS received,"
        " 'a--b' AS a, '/*' AS b /* between */, ';' AS c, 'it''s' AS d, 'C:\\' AS e,"
        " E'tab\\there\\'' AS f, $$dollar ' -- $$ AS g, $q$ $$ /* $q$ AS h,"
        " 'line'\n'joined' AS i, '%s {0}' AS j -- and the end\n"
        f"FROM {table} WHERE id = 1; -- done"
    )
    checked = check_query(sql, "postgres")
    assert checked.sql == sql[len("/* first */ ") : sql.index("; -- done")].replace(
        " /* between */,", " ,"
    ).replace(" -- and the end\n", "\n")
    names, rows = _exported(url, sql)
    assert names == ["received", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
    received, *values = rows[0]
    assert received == f'DECLARE "export" CURSOR FOR {checked.sql}'
    assert values == ["a--b", "/*", ";", "it's", "C:\\", "tab\there'", "dollar ' -- ",
                      " $$ /* ", "linejoined", "%s {0}"]  # fmt: skip
    assert [tuple(values)] == [row[1:] for row in _psycopg(url, sql)]


@pytest.mark.parametrize(("sql", "runs"), SHORTHAND)
def test_shorthand_postgres_rejects_fails_with_postgres_error(
    pg: tuple[str, str], sql: str, runs: str
) -> None:
    import psycopg

    url, table = pg
    sql, runs = re.sub(r"\bt\b", table, sql), re.sub(r"\bt\b", table, runs)
    assert check_query(sql, "postgres").sql == runs
    with pytest.raises(psycopg.errors.SyntaxError):
        _psycopg(url, sql)
    with pytest.raises(
        InvalidQuery, match='could not run the query: syntax error at or near "FROM"'
    ):
        open_query(url, sql)
    assert _psycopg(url, f"SELECT count(*) FROM {table}") == [(3,)]


@pytest.mark.parametrize(
    ("sql", "runs"),
    [
        ("SELECT TOP 2 name FROM {t}", None),  # sqlglot cannot read it either: refused
        ("SELECT name FROM {t} ORDER BY id LIMIT 1, 2", ""),  # MySQL's offset, count
        ("SELECT `name` FROM {t}", None),
        ("SELECT name FROM {t} WHERE name == 'ada'", ""),
        ("SELECT 'a' 'b'", ""),  # adjacent literals join only across a newline
        ("SELECT 'a' /* no newline here */ 'b'", "SELECT 'a' 'b'"),
        ("SELECT 'a' /* a block comment never joins */\n'b'", "SELECT 'a' 'b'"),
        ("SELECT 'a'\n/* nor here */ 'b'", "SELECT 'a' 'b'"),
        ("SELECT 1 FROM {t} GROUP BY ALL", ""),
    ],
)
def test_syntax_postgres_lacks_is_never_rewritten(
    pg: tuple[str, str], sql: str, runs: str | None
) -> None:
    import psycopg

    url, table = pg
    sql = sql.replace("{t}", table)
    if runs is None:
        with pytest.raises(QueryRejected):
            check_query(sql, "postgres")
        return
    assert check_query(sql, "postgres").sql == (runs or sql)
    with pytest.raises(psycopg.Error) as direct:
        _psycopg(url, sql)
    with pytest.raises(InvalidQuery) as exported:
        open_query(url, sql)
    assert exported.value.message.endswith(str(direct.value).splitlines()[0])


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT id::text FROM {t} ORDER BY id", [("1",), ("2",), ("3",)]),
        ("SELECT name FROM {t} WHERE name ILIKE 'b%'", [("Bob",)]),
        ("SELECT 'a' -- a line comment keeps the join\n'b'", [("ab",)]),
        ("SELECT count(*) FROM {t} AS t, LATERAL (SELECT t.id AS x) AS l", [(3,)]),
        ("TABLE {t} ORDER BY id LIMIT 1", [(1, "ada")]),
    ],
)
def test_postgres_reads_as_postgres_does(
    pg: tuple[str, str], sql: str, expected: list[tuple[Any, ...]]
) -> None:
    url, table = pg
    sql = sql.replace("{t}", table)
    assert check_query(sql, "postgres").sql == sql.replace(" -- a line comment keeps the join", "")
    assert _exported(url, sql)[1] == expected == _psycopg(url, sql)
