"""SQL_ASCII databases: text in no declared encoding reads as text, never as hex."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from exporters import InvalidQuery, export
from exporters.sources import open_query, postgres
from exporters.sources.postgres_legacy import NOTE


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


def test_a_query_the_session_cannot_carry_is_refused_clearly(sql_ascii_url: str) -> None:
    with pytest.raises(InvalidQuery, match=r"SQL_ASCII, which can only be sent ASCII: .* 'é'"):
        open_query(sql_ascii_url, "SELECT * FROM people WHERE code = 'été'")
