"""SQL_ASCII databases: text in no declared encoding reads as text, never as hex."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import psycopg
import pytest

from exporters import export
from exporters.sources import open_query, postgres
from exporters.sources.postgres_legacy import NOTE
from exporters.sources.url import parse_url


@pytest.fixture(scope="module")
def sql_ascii_url(postgres_url: str) -> str:
    """A SQL_ASCII database beside the test one, holding UTF-8, Latin-1 bytes and others."""
    url = parse_url(postgres_url)
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = 'legacy_ascii'")
        if not found.fetchone():
            connection.execute(
                "CREATE DATABASE legacy_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"
                " TEMPLATE template0"
            )
    legacy = postgres_url.rsplit("/", 1)[0] + "/legacy_ascii"
    with psycopg.connect(parse_url(legacy).conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS people, clean")
        connection.execute("DROP TYPE IF EXISTS mood")
        connection.execute("CREATE TYPE mood AS ENUM ('glad', 'sad')")
        connection.execute(
            "CREATE TABLE people (id integer, name text, code varchar(8), tags text[],"
            " doc jsonb, feeling mood, photo bytea)"
        )
        connection.execute(
            "INSERT INTO people VALUES"
            " (1, 'plain', 'A1', '{a,b}', '{\"k\": \"v\"}', 'glad', '\\x00ff'),"
            " (2, E'caf\\xc3\\xa9 \\xe6\\x9d\\xb1\\xe4\\xba\\xac', 'B2', E'{\\xc3\\xa9}',"
            "  E'{\"k\": \"\\xc3\\xa9\"}', 'sad', NULL),"
            " (3, E'Gr\\xfc\\xdfe', E'\\xe9t\\xe9', NULL, NULL, NULL, NULL)"
        )
        connection.execute("CREATE TABLE clean (word text)")
        connection.execute(
            "INSERT INTO clean VALUES (E'fa\\xc3\\xa7ade'),"
            " (E'\\xe6\\x9d\\xb1\\xe4\\xba\\xac'), (NULL)"
        )
    return legacy


def test_text_reads_as_utf8_and_other_bytes_as_latin1_with_a_note(
    sql_ascii_url: str, tmp_path: Path
) -> None:
    with open_query(sql_ascii_url, "SELECT * FROM people ORDER BY id") as stream:
        assert postgres.lane_of(stream) == "cursor"  # COPY cannot convert SQL_ASCII
        rows = stream.read_all().to_pylist()
        assert stream.notes == [NOTE]
    assert [row["name"] for row in rows] == ["plain", "café 東京", "Grüße"]
    assert [row["code"] for row in rows] == ["A1", "B2", "été"]
    assert [row["tags"] for row in rows] == [["a", "b"], ["é"], None]
    assert [row["feeling"] for row in rows] == ["glad", "sad", None]
    assert [row["photo"] for row in rows] == [b"\x00\xff", None, None]
    assert json.loads(rows[1]["doc"]) == {"k": "é"}


def test_a_csv_file_holds_the_text_and_its_result_says_how_it_was_read(
    sql_ascii_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "people.csv"
    with open_query(sql_ascii_url, "SELECT id, name FROM people ORDER BY id") as s:
        result = export(s, out, "csv")
    assert NOTE in result.notes
    table = list(csv.reader(io.StringIO(out.read_text("utf-8"), newline="")))
    assert table == [["id", "name"], ["1", "plain"], ["2", "café 東京"], ["3", "Grüße"]]


def test_valid_utf8_needs_no_note(sql_ascii_url: str) -> None:
    with open_query(sql_ascii_url, "SELECT word FROM clean") as stream:
        assert stream.read_all().column("word").to_pylist() == ["façade", "東京", None]
        assert stream.notes == []
