"""Two time limits: the first rows within the query's, the whole export within its own.

Slowness is made, not hoped for: a progress callback that sleeps after each batch makes
an export last longer than a limit however fast the machine is, and a recursive CTE
that never ends never returns a row.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlglot
from openpyxl import load_workbook

from exporters import (
    ExportTimeout,
    Progress,
    QueryTimeout,
    TimeLimits,
    export,
    get_format,
    open_query,
    parse_options,
)
from exporters.guard import CheckedQuery
from exporters.sources import postgres
from exporters.sources.limits import Deadline, limited
from exporters.sources.url import parse_url

ROWS = 3_000
BATCH = 500  # six batches
# Arithmetic keeps the query off DuckDB's fast lane: SQLite itself reads, under its
# progress handler, as the 3-million-row export that ran out of time did.
SQL = "SELECT id, id * 2 AS twice, name FROM t"
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n WHERE i < 0"
)
QUERY_SETTING, EXPORT_SETTING = (
    "ASSISTANT_QUERY_TIMEOUT_SECONDS",
    "ASSISTANT_EXPORT_TIMEOUT_SECONDS",
)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("limits") / "t.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", ((i, f"n{i}") for i in range(ROWS)))
    connection.close()
    return f"sqlite:///{path}"


def slow(seconds: float) -> tuple[list[int], Callable[[Progress], None]]:
    """A progress callback that sleeps after each batch: a writer that slow."""
    seen: list[int] = []

    def progress(step: Progress) -> None:
        seen.append(step.rows_done)
        time.sleep(seconds)

    return seen, progress


def test_an_export_may_outlast_the_query_limit(url: str, tmp_path: Path) -> None:
    with open_query(url, SQL, batch_size=BATCH) as warm:  # imports and caches, once
        warm.read_all()
    limits = TimeLimits(1.0, 60, QUERY_SETTING, EXPORT_SETTING)
    seen, progress = slow(0.25)  # six batches: 1.5 s, well past the query limit
    started = time.monotonic()
    with open_query(url, SQL, batch_size=BATCH, timeout=limits) as stream:
        result = export(stream, tmp_path / "t.xlsx", "xlsx", progress=progress)
    assert time.monotonic() - started > 1.4
    assert result.rows == ROWS and len(seen) == ROWS // BATCH
    sheet = load_workbook(result.path, read_only=True).active
    assert sheet is not None and sheet.max_row == ROWS + 1


def test_the_export_limit_stops_the_whole_file_and_names_itself(url: str, tmp_path: Path) -> None:
    limits = TimeLimits(5, 0.3, QUERY_SETTING, EXPORT_SETTING)
    _, progress = slow(0.1)
    with (
        open_query(url, SQL, batch_size=BATCH, timeout=limits) as stream,
        pytest.raises(ExportTimeout) as stopped,
    ):
        export(stream, tmp_path / "t.csv", "csv", progress=progress)
    assert stopped.value.message == (
        "the export took longer than 0.3 seconds (ASSISTANT_EXPORT_TIMEOUT_SECONDS) and was stopped"
    )
    assert not list(tmp_path.iterdir())  # no file, not even a temporary one


def test_the_query_limit_still_stops_a_query_that_gives_no_rows(url: str) -> None:
    limits = TimeLimits(0.2, 60, QUERY_SETTING, EXPORT_SETTING)
    with pytest.raises(QueryTimeout) as stopped:
        open_query(url, ENDLESS, timeout=limits)
    assert not isinstance(stopped.value, ExportTimeout)
    assert stopped.value.message == (
        "the query took longer than 0.2 seconds to start returning rows "
        "(ASSISTANT_QUERY_TIMEOUT_SECONDS) and was stopped"
    )


def test_a_bare_number_is_the_first_rows_limit(url: str) -> None:
    with pytest.raises(QueryTimeout, match=r"^the query took longer than 0\.2 seconds to start"):
        open_query(url, ENDLESS, timeout=0.2)


def _unguarded(sql: str) -> CheckedQuery:
    """pg_sleep is on the guard's deny-list: this reaches the server as if allowed."""
    return CheckedQuery(sql, sqlglot.parse_one(sql, read="postgres"), "postgres")


def test_postgres_later_fetches_get_what_is_left_of_the_export_limit(postgres_url: str) -> None:
    # Row 1 comes at once; the FETCH for row 2 sleeps 5 s in the server. It runs under
    # what is left of the export limit (a SET LOCAL before each FETCH), not the query's
    # 5 s, and its error names the export limit. (The limit leaves the opening, which
    # comes first, time to finish on a busy machine.)
    sql = "SELECT g FROM generate_series(1, 3) AS g WHERE g = 1 OR (SELECT true FROM pg_sleep(5))"
    deadline = Deadline(TimeLimits(5, 2, QUERY_SETTING, EXPORT_SETTING))
    started = time.monotonic()
    stream = postgres.open_postgres(
        parse_url(postgres_url), _unguarded(sql), batch_size=1, timeout=deadline
    )
    with stream, pytest.raises(ExportTimeout, match=r"2 seconds \(ASSISTANT_EXPORT"):
        limited(stream.reader, deadline).read_all()
    assert time.monotonic() - started < 4.5


def test_postgres_first_rows_limit_names_the_query_setting(postgres_url: str) -> None:
    deadline = Deadline(TimeLimits(0.2, 60, QUERY_SETTING, EXPORT_SETTING))
    sql = "SELECT 1 AS one FROM (SELECT pg_sleep(5)) AS s"
    with pytest.raises(QueryTimeout, match=r"to start returning rows \(ASSISTANT_QUERY") as e:
        postgres.open_postgres(
            parse_url(postgres_url), _unguarded(sql), batch_size=1, timeout=deadline
        )
    assert not isinstance(e.value, ExportTimeout)


@pytest.mark.parametrize(
    ("format", "rows", "options", "said"),
    [
        ("xlsx", 3_060_840, {},
         "Excel holds 1,048,576 rows per sheet, so the file will have 3 sheets"),
        ("xlsx", 1_048_575, {}, None),  # one header row and a full sheet
        ("xlsx", 1_048_575, {"title_row": True},
         "Excel holds 1,048,576 rows per sheet, so the file will have 2 sheets"),
        ("pdf", 250_000, {},
         "the PDF shows the first 100,000 rows (max_rows); CSV or Parquet keeps them all"),
        ("pdf", 100_000, {}, None),
        ("csv", 3_060_840, {}, None),
    ],
)  # fmt: skip
def test_each_format_says_what_it_does_beyond_its_size(
    format: str, rows: int, options: dict[str, object], said: str | None
) -> None:
    spec = get_format(format)
    assert spec.size_note(rows, parse_options(spec.options, options)) == said
