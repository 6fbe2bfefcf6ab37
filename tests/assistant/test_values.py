"""The value index: Northwind's places, typos and titles; fold(); PostgreSQL; the caps."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
import tracemalloc
import unicodedata
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.settings import load_settings
from assistant.source import exonyms
from assistant.source.datasource import DataSource
from assistant.source.schema import Schema, introspect
from assistant.source.value_cache import ValueCache
from assistant.source.values import ValueHit, ValueIndex, exonyms_of, fold
from exporters import SourceUnavailable
from exporters.sources.url import parse_url

NORTHWIND = Path(__file__).resolve().parents[3] / "shared" / "data" / "northwind.sqlite"
needs_northwind = pytest.mark.skipif(not NORTHWIND.exists(), reason=f"{NORTHWIND} is not here")


def columns(hits: list[ValueHit]) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(h.table, h.column): h.values for h in hits}


# fold()


def test_fold_examples() -> None:
    assert fold("  México D.F. ") == "mexico d f"
    assert fold("KØBENHAVN") == "kobenhavn"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("Æble Œuvre Łódź Đakovo Þórshöfn") == "aeble oeuvre lodz dakovo thorshofn"
    assert fold("sales_rep--(north)") == "sales rep north"
    assert fold("İstanbul") == fold("istanbul")
    assert fold("ﬁle ①") == "file 1"
    assert fold("ƀ Ɨ ƶ Ⱥ") == "b i z a"  # letters with a stroke or hook, any case
    assert fold(" \t.,;") == ""


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert once == once.strip() and "  " not in once and "_" not in once


@given(st.text(alphabet=st.characters(min_codepoint=0xC0, max_codepoint=0x17F)))
def test_fold_leaves_no_accent_on_latin_letters(text: str) -> None:
    assert fold(text).isascii()  # Latin-1 and Latin Extended-A: Europe's accented letters


@given(st.text())
def test_fold_leaves_no_combining_mark(text: str) -> None:
    folded = fold(text)
    assert not any(unicodedata.category(char).startswith("M") for char in folded)
    assert unicodedata.normalize("NFKD", folded) == folded


def test_fold_keeps_other_scripts_readable() -> None:
    assert fold("Москва") == "москва"
    assert fold("Αθήνα") == "αθηνα"
    assert fold("北京") == "北京"


# The exonym table


def test_every_place_name_is_in_one_group() -> None:
    seen: dict[str, tuple[str, ...]] = {}
    for group in exonyms.GROUPS:
        for name in group:
            key = fold(name)
            assert key, name
            assert seen.setdefault(key, group) is group, (name, seen[key][0], group[0])


def test_the_table_is_large_enough() -> None:
    assert len(exonyms.COUNTRIES) >= 60
    assert len(exonyms.CITIES) >= 150


def test_exonyms_of() -> None:
    assert set(exonyms_of("Deutschland")) >= {"germany"}
    assert "koln" in exonyms_of("cologne")
    assert "uk" in exonyms_of("Great Britain")
    assert exonyms_of("nowhere") == ()


# A small index, no database


@pytest.fixture(scope="module")
def small() -> ValueIndex:
    return ValueIndex.from_values(
        {
            ("people", "city"): ["München", "Zürich", "Bruxelles", "Gdańsk", "Sankt-Peterburg"],
            ("people", "title"): ["Sales Representative", "Sales Manager", "Owner"],
            ("people", "country"): ["UK", "United Kingdom", "Sweden", "Sweden "],
            ("shops", "country"): ["uk"],
        }
    )


def test_find_exact_and_through_exonyms(small: ValueIndex) -> None:
    hits = small.find("uk")
    assert [(h.table, h.column, h.values, h.distance, h.how) for h in hits] == [
        ("people", "country", ("UK", "United Kingdom"), 0, "exact"),
        ("shops", "country", ("uk",), 0, "exact"),
    ]
    assert [h.how for h in small.find("U.K.")] == ["exonym", "exonym"]  # folds to "u k"
    assert columns(small.find("britain")) == {
        ("people", "country"): ("UK", "United Kingdom"),
        ("shops", "country"): ("uk",),
    }
    assert [h.how for h in small.find("britain")] == ["exonym", "exonym"]
    assert columns(small.find("danzig")) == {("people", "city"): ("Gdańsk",)}
    assert columns(small.find("st petersburg")) == {("people", "city"): ("Sankt-Peterburg",)}
    assert columns(small.find("sweden")) == {("people", "country"): ("Sweden", "Sweden ")}
    assert small.find("") == small.find("...") == small.find("atlantis") == []


def test_near_limits_the_distance_by_length(small: ValueIndex) -> None:
    assert small.near("zurch") == [ValueHit("people", "city", ("Zürich",), 1, "typo")]
    assert small.near("zurik") == []  # two edits in a word of five letters
    assert small.near("zrk") == []  # three letters: too short to guess
    assert small.near("zarick") == []  # two edits in a word of six letters
    assert small.near("zuuriich")[0].distance == 2  # eight letters: two edits allowed
    assert small.near("brusseles")[0].values == ("Bruxelles",)  # a typo of an exonym
    assert small.near("bruxxeles") == [ValueHit("people", "city", ("Bruxelles",), 2, "typo")]
    assert small.near("swedne")[0].values == ("Sweden", "Sweden ")  # a swap is one edit


def test_prefixed(small: ValueIndex) -> None:
    assert small.prefixed("sales reps") == [
        ValueHit("people", "title", ("Sales Representative",), 0, "prefix")
    ]
    assert small.prefixed("sales")[0].values == ("Sales Manager", "Sales Representative")
    assert small.prefixed("sa") == small.prefixed("sales re") == []  # two letters: too short
    assert small.prefixed("representative") == []  # words in order, from the first


# Northwind


@pytest.fixture(scope="module")
def northwind() -> ValueIndex:
    url = f"sqlite:///{NORTHWIND}"
    return ValueIndex.build(url, introspect(url))


@needs_northwind
@pytest.mark.parametrize(
    ("phrase", "column", "values"),
    [
        ("munich", ("Customers", "City"), ("München",)),
        ("cologne", ("Customers", "City"), ("Köln",)),
        ("brussels", ("Customers", "City"), ("Bruxelles",)),
        ("copenhagen", ("Customers", "City"), ("Kobenhavn",)),
        ("geneva", ("Customers", "City"), ("Genève",)),
        ("mexico city", ("Customers", "City"), ("México D.F.",)),
        ("gothenburg", ("Suppliers", "City"), ("Göteborg",)),
        ("montreal", ("Suppliers", "City"), ("Montréal",)),
        ("united kingdom", ("Suppliers", "Country"), ("UK",)),
        ("united states", ("Customers", "Country"), ("USA",)),
        ("deutschland", ("Suppliers", "Country"), ("Germany",)),
        ("BERLIN", ("Suppliers", "City"), ("Berlin",)),
        ("seafood", ("Categories", "CategoryName"), ("Seafood",)),
        ("nancy", ("Employees", "FirstName"), ("Nancy",)),
        ("sweden", ("Suppliers", "Country"), ("Sweden", "Sweden ")),
    ],
)
def test_northwind_find(
    northwind: ValueIndex, phrase: str, column: tuple[str, str], values: tuple[str, ...]
) -> None:
    assert columns(northwind.find(phrase))[column] == values


@needs_northwind
def test_northwind_places_are_in_every_table_holding_them(northwind: ValueIndex) -> None:
    assert columns(northwind.find("munich")) == {
        ("Customers", "City"): ("München",),
        ("Orders", "ShipCity"): ("München",),
    }
    assert set(columns(northwind.find("united kingdom"))) == {
        ("Customers", "Country"),
        ("Employees", "Country"),
        ("Orders", "ShipCountry"),
        ("Suppliers", "Country"),
    }
    assert northwind.find("munich")[0].how == "exonym"
    assert northwind.find("BERLIN")[0].how == "exact"


@needs_northwind
def test_northwind_typos(northwind: ValueIndex) -> None:
    germany = northwind.near("germny")
    assert columns(germany)[("Suppliers", "Country")] == ("Germany",)
    assert {h.distance for h in germany} == {1}
    assert columns(northwind.near("londn"))[("Customers", "City")] == ("London",)
    assert northwind.find("germny") == []


@needs_northwind
def test_northwind_prefixes(northwind: ValueIndex) -> None:
    reps = columns(northwind.prefixed("sales reps"))
    assert reps[("Employees", "Title")] == ("Sales Representative",)
    assert reps[("Customers", "ContactTitle")] == ("Sales Representative",)
    dairy = northwind.prefixed("dairy")
    assert (dairy[0].table, dairy[0].column, dairy[0].values) == (
        "Categories",
        "CategoryName",
        ("Dairy Products",),
    )
    assert dairy[0].how == "words"
    assert columns(northwind.prefixed("beverage"))[("Categories", "CategoryName")] == ("Beverages",)


@needs_northwind
def test_northwind_flags(northwind: ValueIndex) -> None:
    assert set(northwind.distinct("Products", "Discontinued") or ()) == {"0", "1"}
    assert northwind.distinct("Orders", "ShipVia") == (1, 2, 3)
    assert northwind.distinct("Products", "ProductName") is None
    assert northwind.distinct("Products", "NoSuchColumn") is None


@needs_northwind
def test_northwind_leaves_out_views_long_and_many_values(northwind: ValueIndex) -> None:
    assert northwind.complete and northwind.skipped == ()
    tables = {h.table for p in ("london", "seafood", "usa") for h in northwind.find(p)}
    assert not tables & {"Invoices", "Customer and Suppliers by City", "Orders Qry"}
    assert northwind.find("Education includes a BA in psychology") == []  # Notes: long
    assert 0 < northwind.nbytes < 4 << 20


# PostgreSQL


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A throwaway schema: accents, a text code, a boolean, a 0/1 integer, a big table."""
    name = f"values_test_{secrets.token_hex(4)}"
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
        db.execute(
            f'CREATE TABLE {name}."Kunden Liste" ("Stadt" text, "Land" char(10), code varchar(4),'
            " active boolean, vip integer, extra json, born date)"
        )
        db.execute(
            f'INSERT INTO {name}."Kunden Liste" VALUES'
            " ('München', 'Germany', 'A1', true, 0, '{}', '1990-01-01'),"
            " ('Köln', 'Sweden', 'B2', false, 1, '[]', '1991-01-01'),"
            " ('Kobenhavn', 'Denmark', 'C3', NULL, 1, NULL, '1992-01-01'),"
            " ('Genève', 'Sweden', 'D4', true, 0, NULL, '1993-01-01')"
        )
        db.execute(f'CREATE VIEW {name}."Städte" AS SELECT "Stadt" FROM {name}."Kunden Liste"')
        db.execute(
            f"CREATE TABLE {name}.events AS SELECT i AS id, 'user' || i AS login,"
            " (ARRAY['new', 'paid', 'shipped'])[i % 3 + 1] AS status, i % 2 = 0 AS even"
            " FROM generate_series(1, 30000) AS i"
        )
    try:
        yield name
    finally:
        with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {name} CASCADE")


def test_postgres(postgres_url: str, pg_schema: str) -> None:
    schema = introspect(postgres_url, schema=pg_schema)
    index = ValueIndex.build(postgres_url, schema, db_schema=pg_schema)
    assert index.complete
    assert columns(index.find("munich")) == {("Kunden Liste", "Stadt"): ("München",)}
    assert columns(index.find("copenhagen")) == {("Kunden Liste", "Stadt"): ("Kobenhavn",)}
    assert columns(index.near("munchn")) == {("Kunden Liste", "Stadt"): ("München",)}
    assert columns(index.find("sverige")) == {("Kunden Liste", "Land"): ("Sweden",)}  # char(n)
    assert columns(index.find("PAID")) == {("events", "status"): ("paid",)}  # a large table
    assert index.find("user123") == []  # a column of 30,000 logins is not indexed
    assert set(index.distinct("Kunden Liste", "active") or ()) == {True, False}
    assert index.distinct("Kunden Liste", "vip") == (0, 1)
    assert index.distinct("events", "even") == (False, True)
    assert index.distinct("events", "status") == ("new", "paid", "shipped")
    assert index.distinct("events", "id") is None
    assert index.distinct("Kunden Liste", "extra") is None  # json: not compared
    assert index.distinct("Städte", "Stadt") is None  # views are left out


def test_postgres_unreachable(postgres_url: str) -> None:
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        ValueIndex.build(postgres_url.rsplit("/", 1)[0] + "/no_such_database_here", Schema(()))


# The caps: memory, distinct values, time


def _database(path: Path, rows: int, tables: int = 1) -> str:
    """``wide`` tables of ``rows`` rows: a unique e-mail, a status of three, a 0/1 flag
    and an untyped column of 500 city-like names."""
    with closing(sqlite3.connect(path)) as db, db:
        for n in range(tables):
            db.execute(
                f'CREATE TABLE "wide {n}" (id INTEGER PRIMARY KEY, email TEXT, status TEXT,'
                " flag INTEGER, place)"
            )
            db.executemany(
                f'INSERT INTO "wide {n}" VALUES (?, ?, ?, ?, ?)',
                (
                    (
                        i,
                        f"user{i}@example.com",
                        ("new", "paid", "sent")[i % 3],
                        i % 2,
                        f"Town {i % 500}",
                    )
                    for i in range(rows)
                ),
            )
    return f"sqlite:///{path}"


def test_a_column_of_many_values_is_rejected_quickly(tmp_path: Path) -> None:
    url = _database(tmp_path / "big.db", 200_000)
    started = time.perf_counter()
    index = ValueIndex.build(url, introspect(url))
    took = time.perf_counter() - started
    assert took < 2.0, took
    assert index.complete
    assert index.find("user7@example.com") == []
    assert columns(index.find("town 7")) == {("wide 0", "place"): ("Town 7",)}
    assert index.distinct("wide 0", "status") == ("new", "paid", "sent")
    assert index.distinct("wide 0", "flag") == (0, 1)
    assert index.distinct("wide 0", "email") is None
    small = ValueIndex.build(url, introspect(url), max_distinct=100)
    assert small.find("town 7") == [] and small.complete  # too many values is no cap


def test_the_memory_cap_leaves_columns_out(tmp_path: Path) -> None:
    url = _database(tmp_path / "wide.db", 1_000, tables=6)
    schema = introspect(url)
    whole = ValueIndex.build(url, schema)
    assert whole.complete and whole.skipped == ()
    cap = whole.nbytes // 3
    capped = ValueIndex.build(url, schema, max_bytes=cap)
    assert not capped.complete
    assert ("wide 5", "place") in capped.skipped
    assert all(column in {"email", "status", "place"} for _, column in capped.skipped)
    assert cap // 2 < capped.nbytes <= cap
    assert ("wide 0", "email") in columns(capped.find("user1@example.com"))  # what fitted


def test_nbytes_is_near_the_memory_held(tmp_path: Path) -> None:
    url = _database(tmp_path / "wide.db", 1_000, tables=6)
    schema = introspect(url)
    ValueIndex.build(url, schema).find("warm up the exonym table")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = ValueIndex.build(url, schema)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held / 2 < index.nbytes < held * 2, (index.nbytes, held)


def test_the_time_budget_leaves_columns_out(tmp_path: Path) -> None:
    url = _database(tmp_path / "wide.db", 100, tables=2)
    index = ValueIndex.build(url, introspect(url), budget=0)
    assert not index.complete
    assert set(index.skipped) == {
        (f"wide {n}", column) for n in range(2) for column in ("email", "status", "place")
    }
    assert index.find("paid") == []


def test_empty() -> None:
    empty = ValueIndex.empty()
    assert (empty.find("munich"), empty.near("londn"), empty.prefixed("sales reps")) == ([], [], [])
    assert empty.distinct("t", "c") is None
    assert not empty.complete


# Kept fresh: ValueCache and DataSource.values


@needs_northwind
def test_the_data_source_builds_its_index_once(tmp_path: Path) -> None:
    copy = tmp_path / "northwind.sqlite"
    copy.write_bytes(NORTHWIND.read_bytes())
    source = DataSource(f"sqlite:///{copy}")
    started = time.perf_counter()
    first = source.values
    took = time.perf_counter() - started
    assert took < 0.5, took  # well under 100 ms on a laptop; slack for a busy CI
    assert columns(first.find("munich"))[("Customers", "City")] == ("München",)
    assert source.values is first


def test_sqlite_is_rebuilt_when_the_file_changes(tmp_path: Path) -> None:
    url = _database(tmp_path / "shop.db", 100)
    cache = ValueCache(url)
    first = cache.get()
    assert cache.get() is first
    assert first.find("lost") == []
    with closing(sqlite3.connect(tmp_path / "shop.db")) as db, db:
        db.execute("""INSERT INTO "wide 0" VALUES (1000, 'x@example.com', 'lost', 0, 'Town 1')""")
    second = cache.get()
    assert second is not first
    assert columns(second.find("lost")) == {("wide 0", "status"): ("lost",)}
    assert cache.get() is second


def test_sqlite_in_wal_mode_is_rebuilt_when_the_wal_changes(tmp_path: Path) -> None:
    url = _database(tmp_path / "shop.db", 100)
    with closing(sqlite3.connect(tmp_path / "shop.db")) as writer:
        writer.execute("PRAGMA journal_mode=WAL")
        first = ValueCache(url)
        assert first.get().find("lost") == []
        with writer:
            writer.execute("""INSERT INTO "wide 0" VALUES (1000, 'x@y.z', 'lost', 0, 'Town 1')""")
        assert (tmp_path / "shop.db-wal").stat().st_size > 0  # not checkpointed yet
        assert first.get().find("lost")


class _Gate:
    """A build that waits until the test lets it finish, counting the builds started."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.started = 0

    def __call__(self, url: str, schema: Schema) -> ValueIndex:
        self.started += 1
        assert self.open.wait(10)
        return ValueIndex.build(url, schema)


def test_a_large_source_is_built_in_the_background(tmp_path: Path) -> None:
    url = _database(tmp_path / "shop.db", 100)
    gate = _Gate()
    cache = ValueCache(url, background_rows=50, build=gate)
    assert cache.get().find("paid") == [] and not cache.get().complete  # empty meanwhile
    assert not cache.wait(0.05)
    assert gate.started == 1  # one build at a time, however often it is asked
    gate.open.set()
    assert cache.wait(10)
    ready = cache.get()
    assert ready.complete and columns(ready.find("paid")) == {("wide 0", "status"): ("paid",)}
    assert cache.get() is ready and gate.started == 1


def test_a_small_source_is_built_at_once(tmp_path: Path) -> None:
    url = _database(tmp_path / "shop.db", 100)
    assert ValueCache(url, background_rows=100).get().find("paid")


def test_the_settings_reach_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _database(tmp_path / "shop.db", 1_000, tables=3)
    monkeypatch.setenv("ASSISTANT_SOURCE_URL", url)
    monkeypatch.setenv("ASSISTANT_VALUE_INDEX_MAX_BYTES", "20000")
    index = DataSource.from_settings(load_settings()).values
    assert not index.complete and index.nbytes <= 20_000


def test_postgres_is_rebuilt_when_its_tables_change(postgres_url: str, pg_schema: str) -> None:
    cache = ValueCache(postgres_url, db_schema=pg_schema, recheck_seconds=0)
    first = cache.get()
    assert first.find("lost") == [] and cache.get() is first
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as db:
        db.execute(f"INSERT INTO {pg_schema}.events VALUES (0, 'x', 'lost', true)")
    deadline = time.monotonic() + 10  # the statistics reach the view within a second or so
    while not cache.get().find("lost") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert columns(cache.get().find("lost")) == {("events", "status"): ("lost",)}
