"""The query guard: attacks are refused with a message naming what was refused, read queries
pass, and the SQL that runs (the user's text minus comments) returns what the original would.

Exact text, parser differentials and the property-based checks are in test_guard_text.py."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporters import open_query
from exporters.errors import InvalidQuery, QueryRejected
from exporters.guard import (
    DENIED_FUNCTIONS,
    MAX_SQL_CHARS,
    CheckedQuery,
    check_query,
    is_denied_function,
    tables_in,
)

DIALECTS = ["sqlite", "postgres"]

# (attack, a fragment the refusal must contain in every dialect; None: refused, either way)
ATTACKS: list[tuple[str, str | None]] = [
    # Data and schema changes at the root, in any case and spacing.
    ("DELETE FROM orders", "it contains DELETE; only read-only SELECT queries can run"),
    ("DeLeTe FrOm orders", "contains DELETE"),
    ("\n\t  delete\r\n\tfrom\torders  ", "contains DELETE"),
    ("DELETE\u00a0FROM\u2003orders", "contains DELETE"),
    ("INSERT INTO orders (id) VALUES (99)", "contains INSERT"),
    ("UPDATE orders SET amount = 0", "contains UPDATE"),
    ("DROP TABLE orders", "contains DROP"),
    ("CREATE TABLE stolen AS SELECT * FROM orders", "contains CREATE"),
    ("ALTER TABLE orders ADD COLUMN x INT", "contains ALTER"),
    ("TRUNCATE orders", "contains TRUNCATE"),
    ("MERGE INTO orders USING customers ON 1 = 1 WHEN MATCHED THEN DELETE", "contains MERGE"),
    ("GRANT SELECT ON orders TO bob", "contains GRANT"),
    ("WITH a AS (SELECT 1) DELETE FROM orders", "contains DELETE"),
    # Writes hidden inside a query: writable CTEs, nested subqueries.
    ("WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x", "contains DELETE"),
    ("WITH x AS (INSERT INTO orders (id) VALUES (9) RETURNING id) SELECT * FROM x", "INSERT"),
    ("WITH x AS (UPDATE orders SET amount = 0 RETURNING id) SELECT id FROM x", "UPDATE"),
    ("SELECT (WITH d AS (DELETE FROM orders RETURNING 1) SELECT 1)", "contains DELETE"),
    (
        "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM (SELECT * FROM orders)"
        " WHERE customer_id IN (WITH d AS (DELETE FROM orders RETURNING customer_id)"
        " SELECT customer_id FROM d))",
        "contains DELETE",
    ),
    ("SELECT * INTO stolen FROM orders", "contains SELECT ... INTO"),
    # Locking reads.
    ("SELECT * FROM orders FOR UPDATE", "contains FOR UPDATE"),
    ("SELECT * FROM orders FOR SHARE", "contains FOR SHARE"),
    ("SELECT * FROM orders FOR UPDATE SKIP LOCKED", "contains FOR UPDATE"),
    ("SELECT id FROM customers WHERE id IN (SELECT customer_id FROM orders FOR UPDATE)", "UPDATE"),
    # Transaction control.
    ("BEGIN", "contains BEGIN"),
    ("COMMIT", "contains COMMIT"),
    ("ROLLBACK", "contains ROLLBACK"),
    ("ROLLBACK TO SAVEPOINT s1", "contains ROLLBACK"),
    ("SAVEPOINT s1", "contains SAVEPOINT"),
    ("RELEASE s1", "contains RELEASE"),
    ("START TRANSACTION", None),
    # Maintenance, attachment, session state.
    ("PRAGMA journal_mode = DELETE", "contains PRAGMA"),
    ("PRAGMA writable_schema = 1", "contains PRAGMA"),
    ("VACUUM", "contains VACUUM"),
    ("ANALYZE", "contains ANALYZE"),
    ("REINDEX", "contains REINDEX"),
    ("DETACH other", "contains DETACH"),
    ("ATTACH DATABASE '/tmp/other.db' AS other", None),
    ("SET search_path = evil", "contains SET"),
    ("RESET ALL", "contains RESET"),
    ("DISCARD ALL", "contains DISCARD"),
    ("CHECKPOINT", "contains CHECKPOINT"),
    # Statements sqlglot only keeps as raw commands (exp.Command), or cannot parse at all.
    ("COPY orders TO '/tmp/orders.csv'", "contains COPY"),
    ("CALL refresh_everything()", "contains CALL"),
    ("EXECUTE plan1", "contains EXECUTE"),
    ("PREPARE p AS DELETE FROM orders", "contains PREPARE"),
    ("EXPLAIN ANALYZE DELETE FROM orders", "contains EXPLAIN"),
    ("LISTEN channel", "contains LISTEN"),
    ("NOTIFY channel", "contains NOTIFY"),
    ("DEALLOCATE ALL", "contains DEALLOCATE"),
    ("DO $$ BEGIN DELETE FROM orders; END $$", None),
    ("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", None),
    ("REFRESH MATERIALIZED VIEW totals", None),
    ("REPLACE INTO orders (id) VALUES (1)", None),
    # More than one statement, however it is hidden.
    ("SELECT 1; DROP TABLE orders", "it has 2 statements (SELECT, DROP); send exactly one SELECT"),
    ("SELECT 1 -- harmless\n; DROP TABLE orders", "2 statements"),
    ("SELECT 1 /* ; */ ; DELETE FROM orders", "2 statements"),
    ("SELECT 'a;b';DELETE FROM orders", "2 statements"),
    ("SELECT 1;\n\nSELECT 2;", "2 statements"),
    ("SELECT 1 /* ; DROP TABLE orders */ ; DROP TABLE orders", "2 statements"),
    # Dangerous functions, however they are called.
    ("SELECT load_extension('/tmp/evil.so')", "it calls load_extension(), which is not allowed"),
    ("SELECT 1 UNION SELECT load_extension('/tmp/evil.so')", "calls load_extension()"),
    ("SELECT \"LOAD_EXTENSION\"('/tmp/evil.so')", "calls load_extension()"),
    ("SELECT main.Load_Extension('/tmp/evil.so')", "calls load_extension()"),
    ("SELECT writefile('/tmp/x', 'owned')", "calls writefile()"),
    ("SELECT CASE WHEN 1 = 1 THEN writefile('/tmp/x', 'y') END", "calls writefile()"),
    ("SELECT id FROM orders WHERE amount > length(readfile('/etc/passwd'))", "readfile()"),
    ("SELECT edit('x', 'vi')", "calls edit()"),
    ("SELECT fts3_tokenizer('simple', x'00')", "calls fts3_tokenizer()"),
    ("SELECT sqlite_compileoption_get(0)", "calls sqlite_compileoption_get()"),
    ("SELECT pg_read_file('/etc/passwd')", "calls pg_read_file()"),
    ("SELECT pg_catalog.pg_read_binary_file('/etc/passwd')", "calls pg_read_binary_file()"),
    ("SELECT * FROM pg_ls_dir('.')", "calls pg_ls_dir()"),
    ("SELECT pg_stat_file('postgresql.conf')", "calls pg_stat_file()"),
    ("SELECT lo_import('/etc/passwd')", "calls lo_import()"),
    ("SELECT lo_export(1234, '/tmp/x')", "calls lo_export()"),
    ("SELECT * FROM dblink('host=evil', 'DELETE FROM orders') AS t(a int)", "calls dblink()"),
    ("SELECT dblink_exec('DROP TABLE orders')", "calls dblink_exec()"),
    ("SELECT id FROM orders UNION ALL SELECT pg_sleep(10)", "calls pg_sleep()"),
    ("SELECT id FROM orders ORDER BY pg_sleep_for('1 hour')", "calls pg_sleep_for()"),
    ("SELECT set_config('search_path', 'evil', false)", "calls set_config()"),
    ("SELECT pg_terminate_backend(42)", "calls pg_terminate_backend()"),
    ("SELECT pg_cancel_backend(42)", "calls pg_cancel_backend()"),
    ("SELECT pg_reload_conf()", "calls pg_reload_conf()"),
    ("SELECT pg_rotate_logfile()", "calls pg_rotate_logfile()"),
    ("SELECT pg_advisory_lock(1)", "calls pg_advisory_lock()"),
    ("SELECT pg_try_advisory_lock_shared(1)", "calls pg_try_advisory_lock_shared()"),
    ("SELECT nextval('orders_id_seq')", "calls nextval()"),
    ("SELECT sum(setval('orders_id_seq', 1)) OVER () FROM orders", "calls setval()"),
    ("SELECT txid_current()", "calls txid_current()"),
    ("SELECT query_to_xml('DELETE FROM orders RETURNING 1', true, false, '')", "query_to_xml()"),
    ("SELECT ts_stat('DELETE FROM orders RETURNING to_tsvector(1)')", "calls ts_stat()"),
    ("SELECT pg_notify('channel', 'hi')", "calls pg_notify()"),
    # Placeholders would be bound by nothing (and change meaning between drivers).
    ("SELECT * FROM orders WHERE id = ?", "parameter placeholder"),
    ("SELECT * FROM orders WHERE id = :id", "parameter placeholder"),
    ("SELECT * FROM orders WHERE id = $1", "parameter placeholder"),
    # Nothing to run.
    ("", "the query is empty; write one SELECT statement"),
    ("  \n\t ", "the query is empty"),
    (";", "the query is empty"),
    ("-- just a comment", "the query is only comments"),
    ("/* SELECT 1 */", "the query is only comments"),
    # Not a query at all, or not parseable.
    ("1 + 1", "it is not a SELECT statement"),
    ("SELEC id FROM orders", None),
    ("SELECT id FROM orders WHERE (", "could not be parsed"),
    ("SELECT 1 /* never closed", "could not be parsed"),
    ("SELECT 1\x00; DROP TABLE orders", "the query contains a NUL character"),
    ("SELECT " + "(" * 3000 + "1" + ")" * 3000, "nested too deeply"),
]

ATTACK_IDS = [f"{i:03d}" for i in range(len(ATTACKS))]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sql", "fragment"), ATTACKS, ids=ATTACK_IDS)
def test_attack_is_refused_with_a_clear_message(
    sql: str, fragment: str | None, dialect: str
) -> None:
    with pytest.raises(QueryRejected) as refused:
        check_query(sql, dialect)
    message = refused.value.message
    assert message.startswith("the query ")
    assert "\x1b" not in message and "\n" not in message  # one clean line for the CLI
    if fragment is not None:
        assert fragment in message


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 /*! ; DROP TABLE orders */",
        "SELECT /*!50000 load_extension('/tmp/evil.so'), */ 1",
        "SELECT 1 -- ; DROP TABLE orders",
        "SELECT 1 /* ; DROP TABLE orders */",
        "/* DELETE FROM orders; */ SELECT 1 -- and the rest\n",
    ],
)
def test_comments_never_reach_the_database(sql: str, dialect: str) -> None:
    assert check_query(sql, dialect).sql == "SELECT 1"


def test_only_sqlite_and_postgres_are_read() -> None:
    # The guard vouches for what the database reads only where it knows the database's lexer.
    with pytest.raises(QueryRejected, match="reads sqlite and postgres SQL, not mysql"):
        check_query("SELECT 1 /*!99999 , sleep(5) */", "mysql")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_keyword_named_identifiers_and_strings_are_data(dialect: str) -> None:
    checked = check_query(
        'SELECT "delete", \'; DROP TABLE orders; --\' AS "drop" FROM "update" '
        'JOIN "x; DROP TABLE orders" AS t ON TRUE',
        dialect,
    )
    assert checked.tables == ["update", "x; DROP TABLE orders"]
    assert '"x; DROP TABLE orders"' in checked.sql
    assert "'; DROP TABLE orders; --'" in checked.sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_length_is_capped(dialect: str) -> None:
    at_limit = "SELECT 1" + " " * (MAX_SQL_CHARS - len("SELECT 1"))
    assert check_query(at_limit, dialect).sql == "SELECT 1"
    with pytest.raises(QueryRejected, match=r"100,001 characters long; the limit is 100,000"):
        check_query(at_limit + " ", dialect)


def test_syntax_the_database_lacks_gets_the_databases_own_error(shop: Path) -> None:
    # sqlglot would rewrite TO_CHAR for SQLite (and drop its format); the text runs as written.
    sql = "SELECT to_char(ordered_at, 'YYYY') FROM orders"
    assert check_query(sql, "sqlite").sql == sql
    with pytest.raises(InvalidQuery, match="could not run the query: no such function: to_char"):
        open_query(f"sqlite:///{shop}", sql)


def test_checked_query_is_frozen_and_keeps_its_tree() -> None:
    checked = check_query("select id from orders where amount > 10;", "postgres")
    assert isinstance(checked, CheckedQuery)
    assert (checked.sql, checked.dialect) == ("select id from orders where amount > 10", "postgres")
    assert checked.tree.sql() == "SELECT id FROM orders WHERE amount > 10"
    with pytest.raises(dataclasses.FrozenInstanceError):
        checked.sql = "DELETE FROM orders"  # type: ignore[misc]


def test_tables_leave_out_ctes_and_table_functions() -> None:
    sql = (
        "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent "
        "JOIN customers c ON c.id = recent.customer_id, generate_series(1, 3)"
    )
    assert tables_in(sql, "postgres") == ["customers", "orders"]
    assert tables_in("DELETE FROM orders") == []


# ---- the deny-list the SQLite authorizer shares ------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "load_extension",
        "LOAD_EXTENSION",
        '"Load_Extension"',
        "main.load_extension",
        "pg_catalog.pg_read_file",
        "dblink_connect",
        "dblink_get_result",
        "pg_sleep_until",
        "lo_truncate",
        "pg_advisory_xact_lock_shared",
        "pg_try_advisory_lock",
        "txid_current_snapshot",
        "copy_anything",
        "query_to_xml_and_xmlschema",
        "database_to_xml",
        "pg_ls_waldir",
        "pg_stat_reset_shared",
        "pg_create_restore_point",
        "pg_logical_emit_message",
        "setval",
    ],
)
def test_denied_function_names(name: str) -> None:
    assert is_denied_function(name)


@pytest.mark.parametrize(
    "name",
    ["count", "sum", "strftime", "date_trunc", "now", "coalesce", "glob", "like", "substr",
     "string_agg", "current_setting", "currval", "lower", "to_char", "generate_series"],
)  # fmt: skip
def test_ordinary_function_names_are_allowed(name: str) -> None:
    assert not is_denied_function(name)


def test_deny_list_is_lower_case() -> None:
    assert all(name == name.lower() for name in DENIED_FUNCTIONS)


def test_sqlite_builtins_denied_are_exactly_the_dangerous_ones() -> None:
    with sqlite3.connect(":memory:") as conn:
        builtins = {row[0] for row in conn.execute("SELECT name FROM pragma_function_list")}
    assert {"count", "strftime", "load_extension"} <= builtins
    assert {name for name in builtins if is_denied_function(name)} <= {
        "load_extension",
        "fts3_tokenizer",
        "sqlite_compileoption_get",
        "sqlite_compileoption_used",
    }


# ---- read queries pass, and run the same on a real database -------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Path]:
    """A small SQLite shop: customers, orders and a table named with keywords."""
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount REAL,
                             status TEXT, ordered_at TEXT);
        CREATE TABLE "update" ("delete" TEXT, "drop" INTEGER);
        INSERT INTO customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'),
                                     (3, 'Linus', 'Oslo'), (4, 'Zoë', 'Oslo');
        INSERT INTO orders VALUES
            (1, 1, 12.5, 'paid', '2024-01-05 10:00:00'),
            (2, 1, 40.0, 'open', '2024-01-20 11:30:00'),
            (3, 2, 99.9, 'paid', '2024-02-01 09:15:00'),
            (4, 3, 5.0, 'cancelled', '2024-02-14 18:45:00'),
            (5, 3, 61.0, 'paid', '2024-03-03 08:00:00'),
            (6, 2, 20.0, NULL, '2024-03-30 23:59:59');
        INSERT INTO "update" VALUES ('x', 1), ('y', 2);
        """
    )
    conn.commit()
    conn.close()
    yield path


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _run_guarded(db: Path, sql: str) -> list[tuple[object, ...]]:
    """What the exporter does: check, then execute only the checked text."""
    return _rows(db, check_query(sql, "sqlite").sql)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SQLITE_READS = [
    "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id",
    "SELECT c.name, count(o.id) AS n, coalesce(sum(o.amount), 0) AS total FROM customers c "
    "LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.name HAVING count(o.id) >= 0 "
    "ORDER BY total DESC, c.name",
    "WITH big AS (SELECT * FROM orders WHERE amount > 15) "
    "SELECT customer_id, count(*) FROM big GROUP BY customer_id ORDER BY 1",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
    "SELECT sum(i), max(i) FROM n",
    "SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS rn, "
    "sum(amount) OVER (ORDER BY id) AS running, lag(amount) OVER (ORDER BY id) FROM orders "
    "ORDER BY id",
    "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE status = 'paid')"
    " AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.id) ORDER BY name",
    "SELECT id, round(amount - (SELECT avg(amount) FROM orders), 3) AS diff FROM orders "
    "ORDER BY id",
    "SELECT id, CASE WHEN amount >= 50 THEN 'large' WHEN amount >= 20 THEN 'medium' "
    "ELSE 'small' END AS size FROM orders ORDER BY id",
    "SELECT id FROM orders ORDER BY amount DESC, id LIMIT 3 OFFSET 1",
    "SELECT strftime('%Y-%m', ordered_at) AS month, count(*), sum(amount) FROM orders "
    "GROUP BY month ORDER BY month",
    "SELECT count(*) FROM orders WHERE date(ordered_at) <= date('now') "
    "AND julianday('now') - julianday(ordered_at) > 0",
    "SELECT id, date(ordered_at, '+1 day'), datetime(ordered_at, 'start of month') FROM orders "
    "ORDER BY id",
    "SELECT upper(name), lower(city), length(name), substr(name, 1, 3), replace(city, 'o', '0'), "
    "trim('  x  '), name || ' (' || city || ')', instr(name, 'a') FROM customers ORDER BY id",
    "SELECT city, group_concat(name, ', ') FROM (SELECT * FROM customers ORDER BY name) "
    "GROUP BY city ORDER BY city",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT name FROM customers WHERE city = 'Oslo' UNION ALL "
    "SELECT status FROM orders WHERE id < 3 ORDER BY 1",
    "SELECT customer_id FROM orders INTERSECT SELECT id FROM customers ORDER BY 1",
    "SELECT id FROM customers EXCEPT SELECT customer_id FROM orders",
    "SELECT DISTINCT status FROM orders WHERE amount BETWEEN 10 AND 100 "
    "AND status IN ('paid', 'open') AND ifnull(status, '') LIKE 'p%' ORDER BY 1",
    "SELECT count(*), count(DISTINCT customer_id), min(amount), max(amount), "
    "round(avg(amount), 2), total(amount), count(*) FILTER (WHERE status = 'paid') FROM orders",
    'SELECT "delete", "drop" FROM "update" ORDER BY "delete"',
    'WITH "select" AS (SELECT 1 AS "from") SELECT "from" FROM "select"',
    "SELECT id -- the key\nFROM orders /* every one */ ORDER BY id",
    "SELECT printf('%05.1f', amount), iif(amount > 20, 'y', 'n'), typeof(status) FROM orders "
    "ORDER BY id",
    "SELECT id, status FROM orders ORDER BY status NULLS FIRST, id",
    "SELECT name FROM pragma_table_info('orders') ORDER BY cid",
    "SELECT * FROM (SELECT customer_id, max(amount) AS top FROM orders GROUP BY customer_id) "
    "AS t WHERE top > (SELECT min(amount) FROM orders) ORDER BY customer_id",
    "SELECT CAST(amount AS INTEGER), CAST(id AS TEXT), abs(-amount) FROM orders ORDER BY id",
]


@pytest.mark.parametrize("sql", SQLITE_READS)
def test_sqlite_read_runs_the_same_once_checked(shop: Path, sql: str) -> None:
    before = _digest(shop)
    expected = _rows(shop, sql)
    assert expected  # every read here returns rows, so the comparison means something
    assert _run_guarded(shop, sql) == expected
    assert _digest(shop) == before


def test_checked_rows_are_the_literal_answer(shop: Path) -> None:
    sql = (
        "SELECT c.name, count(o.id) AS n FROM customers c LEFT JOIN orders o "
        "ON o.customer_id = c.id GROUP BY c.name ORDER BY n DESC, c.name"
    )
    assert _run_guarded(shop, sql) == [("Ada", 2), ("Grace", 2), ("Linus", 2), ("Zoë", 0)]


POSTGRES_READS = [
    "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id",
    "SELECT date_trunc('month', ordered_at) AS month, count(*) FROM orders GROUP BY 1 ORDER BY 1",
    "SELECT * FROM orders WHERE ordered_at > now() - interval '7 days'",
    "SELECT to_char(ordered_at, 'YYYY-MM'), extract(year FROM ordered_at) FROM orders",
    "SELECT customer_id, string_agg(status, ', ' ORDER BY id) FROM orders GROUP BY customer_id",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT * FROM n",
    "SELECT id, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) FROM orders",
    "SELECT DISTINCT ON (customer_id) customer_id, amount FROM orders ORDER BY customer_id, amount",
    "SELECT name FROM customers WHERE name ILIKE 'a%' AND city::text <> ''",
    "SELECT count(*) FILTER (WHERE status = 'paid'), sum(amount) FROM orders",
    "SELECT c.name, t.top FROM customers c, LATERAL (SELECT max(amount) AS top FROM orders o "
    "WHERE o.customer_id = c.id) AS t",
    "SELECT * FROM generate_series(1, 5) AS g(n)",
    "SELECT current_setting('TimeZone')",
    "SELECT upper(name), length(name), substring(name FROM 1 FOR 2), coalesce(city, '?') "
    "FROM customers",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT id FROM orders UNION ALL SELECT id FROM customers ORDER BY 1 LIMIT 5 OFFSET 2",
    "TABLE orders",
    "SELECT CASE WHEN amount > 50 THEN 'big' ELSE 'small' END FROM orders",
]


@pytest.mark.parametrize("sql", POSTGRES_READS)
def test_postgres_read_is_accepted_and_stable(sql: str) -> None:
    checked = check_query(sql, "postgres")
    assert check_query(checked.sql, "postgres").sql == checked.sql


@pytest.mark.parametrize(
    "sql",
    [
        "select date_trunc('month', ordered_at) m, count(*) from orders group by 1",
        "select now()",
        "TABLE orders",
        "SELECT $$it's$$",
    ],
)
def test_postgres_text_runs_as_written(sql: str) -> None:
    # Not rewritten (DATE_TRUNC('MONTH', ...), CURRENT_TIMESTAMP, SELECT * FROM, 'it''s').
    assert check_query(sql, "postgres").sql == sql


# ---- refusals leave the database untouched -------------------------------------------------


def test_refused_attacks_leave_the_database_byte_identical(shop: Path) -> None:
    before = _digest(shop)
    for sql, _ in ATTACKS:
        with pytest.raises(QueryRejected):
            _run_guarded(shop, sql)
    for trick in ("SELECT 1 /*! ; DROP TABLE orders */", "SELECT 1 -- ; DROP TABLE orders"):
        assert _run_guarded(shop, trick) == [(1,)]
    assert _digest(shop) == before
    assert _rows(shop, "SELECT count(*) FROM orders") == [(6,)]


def test_the_digest_would_notice_a_write(shop: Path) -> None:
    before = _digest(shop)
    conn = sqlite3.connect(shop)
    conn.execute("DELETE FROM orders WHERE id = 1")
    conn.commit()
    conn.close()
    assert _digest(shop) != before
