"""The value index: Northwind's places, typos and titles; fold(); PostgreSQL; the caps."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.source import exonyms
from assistant.source.schema import introspect
from assistant.source.values import ValueHit, ValueIndex, exonyms_of, fold

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
