"""The sort said in chat as SQL, column words matched, and options said back in words."""

from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest

from assistant.exports.said import order_by, resolve_column, resolve_rename, sort_keys
from assistant.exports.wording import not_done, said_in_words
from exporters import QueryRejected, UnknownColumn
from intents.models import ExportRequest

COLUMNS = ["id", "customer_name", "Signup Date", "total", "created_at", "city"]


def _no_schema() -> pa.Schema:
    raise AssertionError("the column names were enough")


@pytest.mark.parametrize(
    ("word", "column"),
    [
        ("total", "total"),
        ("TOTAL", "total"),
        ("signup_date", "Signup Date"),
        ("name", "customer_name"),
        ("created at", "created_at"),
        ("colour", None),
    ],
)
def test_words_find_their_columns(word: str, column: str | None) -> None:
    assert resolve_column(word, COLUMNS) == column


def test_an_ambiguous_word_matches_nothing() -> None:
    assert resolve_column("name", ["first_name", "last_name"]) is None


def test_sort_keys_pick_the_date_column_and_refuse_unknown_words() -> None:
    sort = [{"column": None, "descending": True, "pick": "date"}, {"column": "city"}]
    assert sort_keys(sort, COLUMNS, _no_schema) == [("Signup Date", True), ("city", False)]
    assert sort_keys([{"column": "date", "descending": False}], ["id", "created_at"], _no_schema)
    with pytest.raises(UnknownColumn, match="no column 'colour' to sort by"):
        sort_keys([{"column": "colour"}], COLUMNS, _no_schema)


def test_the_schema_tells_a_text_or_date_column_when_names_do_not() -> None:
    schema = pa.schema([("n", pa.int64()), ("label", pa.string()), ("seen", pa.timestamp("s"))])
    keys = sort_keys([{"column": None, "pick": "text"}], schema.names, lambda: schema)
    assert keys == [("label", False)]
    keys = sort_keys([{"column": None, "pick": "date"}], schema.names, lambda: schema)
    assert keys == [("seen", False)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, total FROM t ORDER BY id LIMIT 3 -- the first three",
        "SELECT id, total FROM t;",
        "WITH x AS (SELECT * FROM t) SELECT id, total FROM x",
        "SELECT id, total FROM t UNION ALL SELECT id, total FROM t WHERE id = 2",
    ],
)
def test_the_ordered_query_runs_and_sorts(sql: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER, total REAL)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(1, 5.0), (2, None), (3, 9.0), (4, 1.0)])
    ordered = order_by(sql, [("total", True)], ["id", "total"], "sqlite")
    values = [row[1] for row in db.execute(ordered)]
    present = [value for value in values if value is not None]
    assert present == sorted(present, reverse=True)
    assert values == present + [None] * (len(values) - len(present))  # NULLs last


def test_repeated_names_are_ordered_by_position_without_a_wrapper() -> None:
    ordered = order_by("SELECT a.id, a.id FROM a", [("id", False)], ["id", "id"], "sqlite")
    assert ordered == "SELECT a.id, a.id FROM a\nORDER BY 1 ASC NULLS LAST"


def test_the_wrapped_query_still_meets_the_guard() -> None:
    with pytest.raises(QueryRejected):
        order_by("DELETE FROM t", [("id", False)], ["id"], "sqlite")


def test_renames_use_the_result_spelling() -> None:
    assert resolve_rename({"signup_date": "Joined", "nope": "X"}, COLUMNS) == {
        "Signup Date": "Joined",
        "nope": "X",
    }


def test_options_said_back_and_what_was_not_done() -> None:
    request = ExportRequest(
        intent="export",
        format="xlsx",
        target="last_result",
        limit=50,
        options={
            "delimiter": ";",
            "sheet_name": "Q3",
            "sort": [{"column": None, "descending": True, "pick": "date"}],
            "datetime_format": "%d.%m.%Y",
            "unsupported": ["single quotes (CSV fields are quoted with double quotes)"],
        },
    )
    assert said_in_words(request) == (
        'Excel, sheet "Q3", newest first, dates like 31.12.2026, first 50 rows'
    )
    assert not_done(request) == [
        "single quotes (CSV fields are quoted with double quotes)",
        "semicolon-separated (Excel files have no such option)",
    ]
    assert request.export_options() == {
        "sheet_name": "Q3",
        "datetime_format": "%d.%m.%Y",
        "limit": 50,
    }


def test_a_plain_request_says_nothing_more() -> None:
    request = ExportRequest(intent="export", format="csv", target="last_result")
    assert said_in_words(request) == "" and not_done(request) == []
