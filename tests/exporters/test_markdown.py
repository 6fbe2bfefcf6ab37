"""Markdown: literal tables, escaping that keeps one row per line, title and metadata."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import export
from exporters.writers.markdown import code_span
from tests.exporters.test_json import in_batches

PINNED = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


def write(
    table: pa.Table | pa.RecordBatchReader,
    tmp_path: Path,
    query: str | None = None,
    **options: object,
) -> str:
    out = tmp_path / "out.md"
    export(table, out, "markdown", {"generated_at": PINNED, **options}, query=query)
    return out.read_bytes().decode()


def test_small_table_right_aligns_numbers(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path) == (
        "| id | name | total |\n"
        "| ---: | --- | ---: |\n"
        "| 1 | Ada | 10.50 |\n"
        '| 2 | Bob "B", Jr. |  |\n'
    )


def test_null_text_and_title(small: pa.Table, tmp_path: Path) -> None:
    assert write(small.select(["total"]), tmp_path, title="Totals\nof today", null="—") == (
        "# Totals of today\n\n| total |\n| ---: |\n| 10.50 |\n| — |\n"
    )


def test_metadata_header_and_trailing_row_count(small: pa.Table, tmp_path: Path) -> None:
    text = write(in_batches(small, 1), tmp_path, query="select *\nfrom `people`", metadata=True)
    assert text == (
        "# People\n\n"
        "- Generated at: 2026-11-18T15:30:00+00:00\n"
        "- Query: `` select * from `people` ``\n\n"
        "| id | name | total |\n"
        "| ---: | --- | ---: |\n"
        "| 1 | Ada | 10.50 |\n"
        '| 2 | Bob "B", Jr. |  |\n'
        "\n_2 rows_\n"
    )


def test_empty_result_keeps_the_header(small: pa.Table, tmp_path: Path) -> None:
    assert write(small.slice(0, 0).select(["id"]), tmp_path, metadata=True, title="T") == (
        "# T\n\n- Generated at: 2026-11-18T15:30:00+00:00\n\n| id |\n| ---: |\n\n_0 rows_\n"
    )


def test_pipes_and_line_breaks_are_escaped_backslashes_kept(tmp_path: Path) -> None:
    table = pa.table(
        {
            "a|b": ["x|y", "one\ntwo\r\nthree\rfour", "C:\\temp\\", None, "  padded  "],
            "n": pa.array([1, 2, 3, 4, 5], pa.int8()),
        }
    )
    assert write(table, tmp_path, null="NULL|") == (
        "| a\\|b | n |\n"
        "| --- | ---: |\n"
        "| x\\|y | 1 |\n"
        "| one<br>two<br>three<br>four | 2 |\n"
        "| C:\\temp\\ | 3 |\n"
        "| NULL\\| | 4 |\n"
        "|   padded   | 5 |\n"
    )


def test_every_type_uses_the_shared_display_rules(nasty: pa.Table, tmp_path: Path) -> None:
    lines = write(nasty, tmp_path, timezone="Europe/Berlin").splitlines()
    assert lines[1] == "| ---: | --- | --- | ---: | ---: | --- | --- | --- | --- |"
    assert lines[3] == (
        '| 2 | Quote "q" and, comma | +49 30 1234 | -0.05 | 0.3333333333333333 | false '
        "| 1999-12-31 | 2026-03-29T03:30:05+02:00 |  |"
    )
    assert lines[4].startswith("| 3 | Line<br>break<br>CRLF | -12.5 | 0.00 | -2 |  |  | ")
    assert lines[8].startswith("| 9007199254740993 |  |  | -123.45 | 123456.789 | false |")
    assert len(lines) == 2 + nasty.num_rows


def test_small_decimals_are_not_scientific(tmp_path: Path) -> None:
    table = pa.table({"d": pa.array([Decimal("0.000000010"), None], pa.decimal128(12, 9))})
    assert write(table, tmp_path) == "| d |\n| ---: |\n| 0.000000010 |\n|  |\n"


def test_code_span_outfences_backticks() -> None:
    assert code_span("select 1") == "`select 1`"
    assert code_span("a `b` ``c``") == "``` a `b` ``c`` ```"
    assert code_span("`x`") == "`` `x` ``"


def test_a_strftime_pattern_is_escaped_like_any_text(nasty: pa.Table, tmp_path: Path) -> None:
    table = nasty.select(["day"]).slice(0, 1)
    assert write(table, tmp_path, datetime_format="%Y|%m") == "| day |\n| --- |\n| 2026\\|11 |\n"


UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
cell_text = st.text(st.sampled_from("ab|\\\r\n `*"), max_size=8)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.none() | cell_text, st.none() | cell_text), max_size=6))
def test_every_row_stays_one_line_of_two_cells(
    rows: list[tuple[str | None, str | None]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table = pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(["a|", "b\n"])
        }
    )
    out = tmp_path_factory.mktemp("md") / "t.md"
    export(table, out, "markdown")
    lines = out.read_bytes().decode().split("\n")
    assert lines[-1] == ""
    assert len(lines) == len(rows) + 3
    for line, row in zip(lines[2:-1], rows, strict=False):
        cells = UNESCAPED_PIPE.split(line)
        assert len(cells) == 4 and cells[0] == cells[3] == ""
        for cell, value in zip(cells[1:3], row, strict=True):
            want = re.sub(r"\r\n|\r|\n", "<br>", (value or "").replace("|", "\\|"))
            assert cell == f" {want} "
