"""Offline questions to SQL: every phrasing family runs through the exporter's guard and
returns the same rows as hand-written SQL, on the demo shop, on a schema it has never seen,
and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from assistant.questions import CannotAnswer, DidYouMean, SchemaAnswer, Translation, translate
from assistant.source.demo import build_demo
from assistant.source.schema import Schema, introspect
from assistant.source.values import ValueIndex
from exporters import QueryRejected, check_query, open_query
from exporters.sources.url import parse_url

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=BERLIN)  # a Wednesday, the demo's anchor day


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = build_demo(tmp_path_factory.mktemp("questions") / "demo.db", 300, today=NOW.date())
    return f"sqlite:///{path}"


# The value index of each schema the tests build, as the data source keeps one.
_VALUES: dict[int, ValueIndex] = {}


@pytest.fixture(scope="module")
def schema(demo: str) -> Schema:
    built = introspect(demo)
    _VALUES[id(built)] = ValueIndex.build(demo, built)
    return built


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` as the exporter reads them (typed values)."""
    with open_query(url, sql) as stream:
        table = stream.reader.read_all()
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def fetch(url: str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows straight from SQLite, read-only: the exporter's DuckDB lane
    costs ~0.25 s a query, too slow for a hundred cases; a few go through it below."""
    path = url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        cursor = db.execute(sql)
        return [d[0] for d in cursor.description], cursor.fetchall()


def ask(question: str, schema: Schema, dialect: str = "sqlite") -> Translation:
    answer = translate(question, schema, NOW, dialect=dialect, values=_VALUES.get(id(schema)))
    assert isinstance(answer, Translation), answer
    check_query(answer.sql, dialect)  # what the translator writes, the guard accepts
    return answer


def unordered(values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(values, key=repr)


SAME_ROWS = [
    ("show orders", "SELECT * FROM orders"),
    ("list customers", "SELECT * FROM customers"),
    ("products", "SELECT * FROM products"),
    ("all products", "SELECT * FROM products"),
    ("show me the order items table", "SELECT * FROM order_items"),
    ("Show me all the orders, please", "SELECT * FROM orders"),
    ("orders from today", "SELECT * FROM orders WHERE created_at >= '2026-11-18'"),
    ("orders from yesterday",
     "SELECT * FROM orders WHERE created_at >= '2026-11-17' AND created_at < '2026-11-18'"),
    ("orders this week", "SELECT * FROM orders WHERE created_at >= '2026-11-16'"),
    ("orders last week",
     "SELECT * FROM orders WHERE created_at >= '2026-11-09' AND created_at < '2026-11-16'"),
    ("orders since Monday", "SELECT * FROM orders WHERE created_at >= '2026-11-16'"),
    ("orders in the last 7 days",
     "SELECT * FROM orders WHERE created_at >= '2026-11-11 15:30:00'"),
    ("orders from Berlin", "SELECT * FROM orders WHERE city = 'Berlin'"),
    ("orders from berlin", "SELECT * FROM orders WHERE city = 'Berlin'"),
    ("orders from Berlin today",
     "SELECT * FROM orders WHERE city = 'Berlin' AND created_at >= '2026-11-18'"),
    ("show me orders from Berlin since Monday",
     "SELECT * FROM orders WHERE city = 'Berlin' AND created_at >= '2026-11-16'"),
    ("orders where city is 'Frankfurt am Main'",
     "SELECT * FROM orders WHERE city = 'Frankfurt am Main'"),
    ("customers where country is Germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("customers with country = 'Germany'", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("customers with country Germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("customers in Germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("customers where country is not Germany",
     "SELECT * FROM customers WHERE country <> 'Germany'"),
    ("customers whose name is Zoë Saldaña", "SELECT * FROM customers WHERE id = 1"),
    ("customers where email is null", "SELECT * FROM customers WHERE email IS NULL"),
    ("customers who signed up this week",
     "SELECT * FROM customers WHERE signed_up_at >= '2026-11-16'"),
    ("orders where total > 500", "SELECT * FROM orders WHERE total > 500"),
    ("orders with total over 1,000", "SELECT * FROM orders WHERE total > 1000"),
    ("orders where total between 10 and 20",
     "SELECT * FROM orders WHERE total BETWEEN 10 AND 20"),
    ("orders where order_date is 2026-11-17",
     "SELECT * FROM orders WHERE order_date = '2026-11-17'"),
    ("orders where order date is yesterday",
     "SELECT * FROM orders WHERE order_date = '2026-11-17'"),
    ("orders where created_at before 2026-01-01",
     "SELECT * FROM orders WHERE created_at < '2026-01-01'"),
    ("products where name contains café",
     "SELECT * FROM products WHERE instr(lower(name), 'café') > 0"),
    ("orders that are cancelled", "SELECT * FROM orders WHERE status = 'cancelled'"),
    ("Berlin orders", "SELECT * FROM orders WHERE city = 'Berlin'"),
    ("orders from Berlin and Hamburg", "SELECT * FROM orders WHERE city IN ('Berlin', 'Hamburg')"),
    ("orders from Berlin, Hamburg or Köln this week",
     "SELECT * FROM orders WHERE city IN ('Berlin', 'Hamburg', 'Köln') "
     "AND created_at >= '2026-11-16'"),
    ("customers in Germany or Austria",
     "SELECT * FROM customers WHERE country IN ('Germany', 'Austria')"),
    ("cancelled orders this week",
     "SELECT * FROM orders WHERE status = 'cancelled' AND created_at >= '2026-11-16'"),
    ("vip customers", "SELECT * FROM customers WHERE is_vip"),
    ("products in stock", "SELECT * FROM products WHERE in_stock"),
    ("not shipped orders", "SELECT * FROM orders WHERE NOT shipped"),
    ("orders where shipped is false", "SELECT * FROM orders WHERE NOT shipped"),
    ("how many customers", "SELECT count(*) FROM customers"),
    ("count orders", "SELECT count(*) FROM orders"),
    ("How many orders from Berlin this week?",
     "SELECT count(*) FROM orders WHERE city = 'Berlin' AND created_at >= '2026-11-16'"),
    ("count orders by status", "SELECT status, count(*) FROM orders GROUP BY status"),
    ("how many customers per country",
     "SELECT country, count(*) FROM customers GROUP BY country"),
    ("show custmers", "SELECT * FROM customers"),
    ("show order", "SELECT * FROM orders"),
    ("ordres from today", "SELECT * FROM orders WHERE created_at >= '2026-11-18'"),
    ("customer where contry is germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("select all orders from Berlin", "SELECT * FROM orders WHERE city = 'Berlin'"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "expected"), SAME_ROWS)
def test_questions_return_the_rows_of_hand_written_sql(
    demo: str, schema: Schema, question: str, expected: str
) -> None:
    got = fetch(demo, check_query(ask(question, schema).sql).sql)[1]
    assert unordered(got) == unordered(fetch(demo, expected)[1])
    assert got  # the demo promises data for each of these


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("orders from Berlin today",
         "SELECT * FROM orders WHERE city = 'Berlin' AND created_at >= '2026-11-18'"),
        ("top 5 orders by total", "SELECT * FROM orders ORDER BY total DESC LIMIT 5"),
        ("how many customers", "SELECT count(*) AS count FROM customers"),
        ("customers where country is Germany",
         "SELECT * FROM customers WHERE country = 'Germany'"),
    ],
)  # fmt: skip
def test_through_the_exporter(demo: str, schema: Schema, question: str, expected: str) -> None:
    got, want = rows(demo, ask(question, schema).sql), rows(demo, expected)
    if "top" not in question:
        got, want = unordered(got), unordered(want)
    assert got == want
    assert got


ORDERED = [  # the sort column's values, in order
    ("top 5 orders by total", "SELECT total FROM orders ORDER BY total DESC LIMIT 5"),
    ("the 5 biggest orders", "SELECT total FROM orders ORDER BY total DESC LIMIT 5"),
    ("top five orders", "SELECT total FROM orders ORDER BY total DESC LIMIT 5"),
    ("latest 10 orders", "SELECT created_at FROM orders ORDER BY created_at DESC LIMIT 10"),
    ("the 3 earliest customers",
     "SELECT signed_up_at FROM customers ORDER BY signed_up_at LIMIT 3"),
    ("the 3 oldest customers",  # people: by birth date, said in a note
     "SELECT birth_date FROM customers WHERE birth_date IS NOT NULL ORDER BY birth_date LIMIT 3"),
    ("cheapest product", "SELECT price FROM products ORDER BY price LIMIT 1"),
    ("5 most expensive products", "SELECT price FROM products ORDER BY price DESC LIMIT 5"),
    ("top 3 customers by lifetime value",
     "SELECT lifetime_value FROM customers ORDER BY lifetime_value DESC LIMIT 3"),
    ("the order with the highest total", "SELECT total FROM orders ORDER BY total DESC LIMIT 1"),
    ("orders from Berlin today sorted by total",
     "SELECT total FROM orders WHERE city = 'Berlin' AND created_at >= '2026-11-18' "
     "ORDER BY total DESC"),
    ("products sorted by weight kg asc limit 4",
     "SELECT weight_kg FROM products WHERE weight_kg IS NOT NULL ORDER BY weight_kg LIMIT 4"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "expected"), ORDERED)
def test_top_and_sorted_questions_keep_the_order(
    demo: str, schema: Schema, question: str, expected: str
) -> None:
    sql = ask(question, schema).sql
    column = re.search(r'ORDER BY "(\w+)"', sql)
    assert column is not None, sql
    names, got = fetch(demo, sql)
    values = [row[names.index(column[1])] for row in got]
    assert values == [row[0] for row in fetch(demo, expected)[1]]


def test_counts_are_named_count(demo: str, schema: Schema) -> None:
    assert fetch(demo, ask("how many customers", schema).sql) == (["count"], [(100,)])
    grouped = " ".join(ask("count orders by status", schema).sql.split())
    assert grouped == (
        'SELECT "status", COUNT(*) AS "count" FROM "orders" GROUP BY "status" '
        'ORDER BY "count" DESC, "status"'
    )


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("show orders from Berlin today", "Orders from Berlin today"),
        ("Show me the 5 biggest orders?", "5 biggest orders"),
        ("how many customers", "How many customers"),
        ("show custmers", "Customers"),
        ("customers where country is Germany", "Customers where country is Germany"),
    ],
)
def test_titles_are_the_question_without_request_words(
    schema: Schema, question: str, title: str
) -> None:
    assert ask(question, schema).title == title


def test_sql_literals_are_quoted_and_escaped(demo: str, schema: Schema) -> None:
    sql = " ".join(ask("""customers where name is Patrick "Pat" O'Brien""", schema).sql.split())
    assert sql == """SELECT * FROM "customers" WHERE "name" = 'Patrick "Pat" O''Brien'"""
    assert [row[0] for row in fetch(demo, sql)[1]] == [2]
    sneaky = ask("orders where city is x'); DROP TABLE orders; --", schema).sql
    assert fetch(demo, sneaky)[1] == []
    assert fetch(demo, "SELECT count(*) FROM orders")[1] == [(300,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM orders WHERE id < 3",
        "select count(*) from customers",
        "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
        "VALUES (1), (2)",
        "SELECT * FROM invoices",  # unknown table: the database says so, not the translator
    ],
)
def test_sql_typed_directly_comes_back_as_typed(schema: Schema, sql: str) -> None:
    assert translate(sql, schema, NOW) == Translation(sql, "Your query")


def test_fenced_sql_and_writes(schema: Schema) -> None:
    fenced = translate("```sql\nSELECT 1\n```", schema, NOW)
    assert fenced == Translation("SELECT 1", "Your query")
    for statement in ("delete from orders", "DROP TABLE customers", "update orders set x=1",
                      "insert into orders values (1)", "PRAGMA writable_schema=1"):  # fmt: skip
        answer = translate(statement, schema, NOW)
        assert answer == Translation(statement, "Your query")  # the guard refuses it later
        with pytest.raises(QueryRejected):
            check_query(answer.sql)


@pytest.mark.parametrize(
    "question", ["what tables are there?", "What data do you have?", "list tables", "tables"]
)
def test_questions_about_the_tables(schema: Schema, question: str) -> None:
    answer = translate(question, schema, NOW)
    assert isinstance(answer, SchemaAnswer)
    assert answer.reply.startswith("There are 4 tables:\n- customers: id, name, email, city")
    assert "- order_items: id, order_id, product_id, quantity, unit_price\n" in answer.reply


@pytest.mark.parametrize(
    "question",
    ["what's in orders?", "What’s in the orders table", "describe orders", "columns of order",
     "what columns does orders have", "orders columns"],
)  # fmt: skip
def test_questions_about_one_table(schema: Schema, question: str) -> None:
    answer = translate(question, schema, NOW)
    assert isinstance(answer, SchemaAnswer)
    lines = answer.reply.splitlines()
    assert lines[:4] == [
        "“orders” has 10 columns:",
        "- id (whole number)",
        "- customer_id (whole number)",
        "- created_at (date and time)",
    ]
    assert "- shipped (yes/no)" in lines
    assert "“top 5 orders by total”" in lines[-1]


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("show spaceships", "I don't know “spaceships”"),
        ("what's the weather like in Paris tomorrow", "I don't know “weather”"),
        ("", "could not tell which table"),
        ("orders blah", "I don't know “blah”"),
        ("top 5 orders by colour", "I don't know “colour”"),
        ("orders where total is lots", "“total” holds numbers, and “lots” is not one."),
        ("orders where shipped is maybe", "“shipped” is yes or no"),
        ("orders where created_at is someday", "could not read “someday” as a date"),
        # Words it read but could not use make it ask, never a smaller answer
        ("orders where status", "not what “status” should do"),
        ("orders sorted by", "not what “sorted by” should do"),
        # Each unknown word once, and a few at a time
        ("orders " + "blah " * 300, "I don't know “blah”: no table"),
        (
            "orders glorp zint wibble quux frob spork",
            "“glorp”, “zint”, “wibble”, “quux”, “frob” and 1 more",
        ),
    ],
)
def test_what_it_cannot_answer_gets_a_helpful_reply(
    schema: Schema, question: str, problem: str
) -> None:
    answer = translate(question, schema, NOW, values=_VALUES[id(schema)])
    assert isinstance(answer, CannotAnswer), answer
    assert problem in answer.reply
    assert "Tables: customers, order_items, orders, products." in answer.reply
    assert "- “top 5 orders by total”" in answer.reply


def test_a_table_without_a_time_is_filtered_by_the_time_of_the_table_it_belongs_to(
    demo: str, schema: Schema
) -> None:
    sql = ask("order items from today", schema).sql
    expected = (
        "SELECT * FROM order_items WHERE order_id IN "
        "(SELECT id FROM orders WHERE created_at >= '2026-11-18')"
    )
    assert unordered(fetch(demo, sql)[1]) == unordered(fetch(demo, expected)[1])


def test_a_neighbouring_name_is_read_and_said_back(schema: Schema) -> None:
    """No invoices table: "invoices" reads as the orders, and the reply says so."""
    answer = ask("show invoices", schema)
    assert " ".join(answer.sql.split()) == 'SELECT * FROM "orders"'
    assert answer.notes == ("I read “invoices” as “orders”",)


def test_a_near_miss_asks_did_you_mean_with_the_question_rewritten(schema: Schema) -> None:
    answer = translate("show ordrz", schema, NOW, values=_VALUES[id(schema)])
    assert isinstance(answer, DidYouMean), answer
    assert "did you mean “orders”?" in answer.reply
    assert answer.choices == ("show orders",)


def test_every_example_in_the_help_works(schema: Schema) -> None:
    reply = translate("show spaceships", schema, NOW)
    assert isinstance(reply, CannotAnswer)
    examples = re.findall(r"^- “(.+)”$", reply.reply, re.M)
    assert len(examples) >= 6
    for example in examples:
        question = example.replace("<value>", "paid").split(" (or ")[0]
        assert not isinstance(translate(question, schema, NOW), CannotAnswer), question


def test_dialect_is_checked(schema: Schema) -> None:
    answer = translate("top 2 orders", schema, NOW, dialect="postgresql")
    assert isinstance(answer, Translation)
    assert " ".join(answer.sql.split()) == (
        'SELECT * FROM "orders" ORDER BY "total" DESC NULLS LAST, "id" DESC LIMIT 2'
    )
    assert answer.title == "Top 2 orders"
    with pytest.raises(ValueError, match="dialect"):
        translate("show orders", schema, NOW, dialect="mysql")


def test_an_empty_schema(tmp_path: Path) -> None:
    answer = translate("show orders", Schema(()), NOW)
    assert isinstance(answer, CannotAnswer) and "no tables" in answer.reply


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A schema the translator was not written for: sign-ups and support tickets."""
    path = tmp_path_factory.mktemp("helpdesk") / "helpdesk.db"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(
            """
            CREATE TABLE signups (id INTEGER PRIMARY KEY, email TEXT, signed_up_at DATETIME);
            CREATE TABLE tickets (id INTEGER PRIMARY KEY, status TEXT, opened_on DATE,
                                  priority INTEGER, urgent BOOLEAN, subject VARCHAR(200));
            """
        )
        signups = [
            (1, "a@example.com", "2026-11-18 09:00:00"),
            (2, "b@example.com", "2026-11-17 23:59:59"),
            (3, "c@example.com", "2026-11-16 00:00:00"),
            (4, "d@example.com", "2026-11-01 12:00:00"),
        ]
        tickets = [
            (1, "open", "2026-11-18", 1, 1, "Cannot log in"),
            (2, "closed", "2026-11-10", 3, 0, "Refund"),
            (3, "open", "2026-11-16", 2, 0, "Berlin office"),
            (4, "Open", "2026-10-01", 5, 1, "Invoice"),
        ]
        db.executemany("INSERT INTO signups VALUES (?, ?, ?)", signups)
        db.executemany("INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?)", tickets)
        db.commit()
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("question", "ids"),
    [
        ("signups from today", [1]),
        ("signups from yesterday", [2]),
        ("how many signups this week", [3]),  # a count: the value, not ids
        ("latest 2 signups", [1, 2]),
        ("signup where email is B@example.com", [2]),
        ("tickets", [1, 2, 3, 4]),
        ("tickets opened this week", [1, 3]),
        ("tickets this week", [1, 3]),
        ("tickets since November 10", [1, 2, 3]),
        ("open tickets", [1, 3, 4]),
        ("tickets where status is not open", [2]),
        ("urgent tickets", [1, 4]),
        ("top 2 tickets by priority", [4, 2]),
        ("tickets where subject contains refund", [2]),
        ("tickets from Berlin office", [3]),  # no place column: any text column may hold it
        ("tickets about Berlin office", [3]),
        ("top 3 signups", None),  # no amount to rank them by: it asks which column
    ],
)
def test_a_schema_it_has_never_seen(helpdesk: str, question: str, ids: list[int] | None) -> None:
    schema = introspect(helpdesk)
    _VALUES[id(schema)] = ValueIndex.build(helpdesk, schema)
    if ids is None:
        answer = translate(question, schema, NOW, values=_VALUES[id(schema)])
        assert isinstance(answer, CannotAnswer), answer
        return
    got = [row[0] for row in fetch(helpdesk, ask(question, schema).sql)[1]]
    assert got == ids if "top" in question or "latest" in question else sorted(got) == ids


@pytest.fixture
def pg_table(postgres_url: str) -> Iterator[str]:
    """A table in the default schema (the exporter queries the search path), dropped after."""
    name = f"questions_{secrets.token_hex(4)}"
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
        db.execute(
            f"""CREATE TABLE {name} (id int PRIMARY KEY, city text, placed_at timestamptz,
                placed_on date, total numeric(12,2), paid boolean, status varchar(10))"""
        )
        db.execute(
            f"""INSERT INTO {name} VALUES
            (1, 'Berlin', '2026-11-18 00:30:00+01', '2026-11-18', 10.50, true, 'new'),
            (2, 'berlin', '2026-11-17 23:30:00+00', '2026-11-18', 99.99, false, 'paid'),
            (3, 'Köln', '2026-11-17 22:30:00+00', '2026-11-17', 5.00, true, 'paid'),
            (4, 'O''Hara', '2026-11-02 10:00:00+01', '2026-11-02', NULL, NULL, 'new')"""
        )
    try:
        yield name
    finally:
        with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
            db.execute(f"DROP TABLE {name}")


def test_postgres_questions(postgres_url: str, pg_table: str) -> None:
    schema = introspect(postgres_url)
    _VALUES[id(schema)] = ValueIndex.build(postgres_url, schema)
    table = schema.table(pg_table)
    assert table is not None
    assert Schema((table,)).describe() == (
        f"{pg_table}(id, city, placed_at, placed_on, total, paid, status)"
    )
    expected = {
        f"{pg_table} from today": [1, 2],  # 23:30 UTC on the 17th is 00:30 in Berlin
        f"{pg_table} from yesterday": [3],
        f"{pg_table} from Berlin": [1, 2],
        f"{pg_table} from O'Hara": [4],
        f"{pg_table} where placed_on is today": [1, 2],
        f"paid {pg_table}": [1, 3],
        f"{pg_table} that are new": [1, 4],
        f"top 3 {pg_table} by total": [2, 1, 3],  # NULLs last, also in PostgreSQL
        f"{pg_table} where total >= 10 and city is berlin": [1, 2],
        f"{pg_table} where city contains ö": [3],
    }
    for question, ids in expected.items():
        sql = ask(question, schema, "postgres").sql
        got = [row[0] for row in rows(postgres_url, sql)]
        assert (got if "top" in question else sorted(got)) == ids, (question, sql)
    assert rows(postgres_url, ask(f"how many {pg_table} today", schema, "postgres").sql) == [(2,)]


def test_public_names() -> None:
    import assistant.questions

    public = {"Answer", "CannotAnswer", "DidYouMean", "SchemaAnswer", "Translation", "translate"}
    assert set(assistant.questions.__all__) == public
