"""The question reader writing PostgreSQL: the public Northwind dev set and the school
corpus, loaded into throwaway PostgreSQL schemas, asked with ``dialect="postgres"`` and
compared with their gold SQL rewritten for PostgreSQL (``pgload.to_postgres``).

Skipped without a PostgreSQL service locally, failed under CI=true (tests/conftest.py);
the Northwind part is skipped when ../shared is not here.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL

from assistant.source.schema import introspect
from exporters.sources.url import parse_url

from . import pgload
from .builders import build_school
from .compare import same_result
from .harness import Case, evaluate, load, postgres_runner, sqlite_runner
from .test_heldout import CORPORA, DEV, NORTHWIND, THRESHOLD

needs_shared = pytest.mark.skipif(
    not (NORTHWIND.exists() and DEV.exists()), reason=f"{NORTHWIND} is not here"
)


def _loaded(database: URL, sqlite_path: Path) -> str:
    """A new schema (dropped with the tests' database) holding ``sqlite_path``'s tables;
    a URL whose search path is that schema, readable by libpq and by SQLAlchemy alike
    (tests/assistant/conftest.py's ``pg_schema_url`` joins two options with a "+", which
    libpq does not read as a space)."""
    schema = f"heldout_{secrets.token_hex(6)}"
    base = database.render_as_string(hide_password=False)
    with psycopg.connect(parse_url(base).conninfo, autocommit=True) as db:
        db.execute(f'CREATE SCHEMA "{schema}"'.encode())
    url = f"{base}?options=-csearch_path%3D{schema}"
    pgload.load(sqlite_path, url)
    return url


@pytest.fixture(scope="module")
def pg_northwind(pg_database: URL) -> str:
    return _loaded(pg_database, NORTHWIND)


@pytest.fixture(scope="module")
def pg_school(pg_database: URL, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = build_school(tmp_path_factory.mktemp("pg") / "school.db")
    return path, _loaded(pg_database, path)


def _rewritten(cases: list[Case]) -> list[Case]:
    return [replace(c, gold_sql=pgload.to_postgres(c.gold_sql)) if c.gold_sql else c for c in cases]


def _same_gold_everywhere(cases: list[Case], sqlite_path: Path, pg_url: str) -> None:
    """Every gold query gives the same result on PostgreSQL, rewritten, as on SQLite."""
    lite, pg = sqlite_runner(sqlite_path), postgres_runner(pg_url)
    for case, moved in zip(cases, _rewritten(cases), strict=True):
        if case.gold_sql is None or moved.gold_sql is None:
            continue
        columns, rows = lite(case.gold_sql)
        pg_columns, pg_rows = pg(moved.gold_sql)
        right, why = same_result(rows, pg_rows, columns, pg_columns)
        assert right, (case.id, moved.gold_sql, why)


@needs_shared
def test_northwind_keeps_its_names_types_and_keys(pg_northwind: str) -> None:
    schema = introspect(pg_northwind)
    details = schema.table("Order Details")
    orders, employees = schema.table("Orders"), schema.table("Employees")
    assert details is not None and orders is not None and employees is not None
    assert details.name == "Order Details"
    assert details.primary_key == ("OrderID", "ProductID")
    assert {fk.table for fk in details.foreign_keys} == {"Orders", "Products"}
    kinds = {c.name: c.kind for c in orders.columns} | {c.name: c.kind for c in employees.columns}
    assert kinds["OrderDate"] == "datetime" and kinds["HireDate"] == "date"
    assert kinds["Freight"] == "decimal" and kinds["EmployeeID"] == "integer"


@needs_shared
def test_northwind_gold_is_the_same_on_postgres(pg_northwind: str) -> None:
    _same_gold_everywhere(load(DEV), NORTHWIND, pg_northwind)


def test_school_gold_is_the_same_on_postgres(pg_school: tuple[Path, str]) -> None:
    path, url = pg_school
    _same_gold_everywhere(load(CORPORA / "school.jsonl"), path, url)


@needs_shared
def test_accuracy_northwind_postgres(pg_northwind: str) -> None:
    cases = _rewritten(load(DEV))
    report = evaluate(
        "northwind dev on postgres", cases, pg_northwind, postgres_runner(pg_northwind),
        dialect="postgres",
    )  # fmt: skip
    print(report.table())
    assert report.accuracy >= THRESHOLD, report.table(failures=25)


def test_accuracy_school_postgres(pg_school: tuple[Path, str]) -> None:
    _, url = pg_school
    cases = _rewritten(load(CORPORA / "school.jsonl"))
    report = evaluate("school on postgres", cases, url, postgres_runner(url), dialect="postgres")
    print(report.table())
    assert report.accuracy >= THRESHOLD, report.table(failures=25)
