"""CSV/TSV: literal expected bytes, formula safety, encodings, and read-back with `csv`."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import BadInput, EncodingFailed, export
from exporters.render import joined_lines
from exporters.writers.csv import neutralise_formulas


def write(table: pa.Table, tmp_path: Path, fmt: str = "csv", **options: object) -> bytes:
    out = tmp_path / f"out.{fmt}"
    export(table, out, fmt, options)
    return out.read_bytes()


def test_small_table_is_rfc4180_with_crlf(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path) == b'id,name,total\r\n1,Ada,10.50\r\n2,"Bob ""B"", Jr.",\r\n'


def test_tsv_lf_no_header_and_null_text(small: pa.Table, tmp_path: Path) -> None:
    data = write(small, tmp_path, "tsv", line_terminator="lf", header=False, null="NULL")
    assert data == b'1\tAda\t10.50\n2\t"Bob ""B"", Jr."\tNULL\n'


@pytest.mark.parametrize(
    ("quoting", "expected"),
    [
        ("all", b'"id","name","total"\r\n"1","Ada","10.50"\r\n"2","Bob ""B"", Jr.",\r\n'),
        ("nonnumeric", b'"id","name","total"\r\n1,"Ada",10.50\r\n2,"Bob ""B"", Jr.",\r\n'),
    ],
)
def test_quoting_modes_keep_null_apart_from_empty(
    small: pa.Table, tmp_path: Path, quoting: str, expected: bytes
) -> None:
    assert write(small, tmp_path, quoting=quoting) == expected


def test_quoting_none_refuses_values_that_need_quotes(small: pa.Table, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="quoting=none"):
        write(small, tmp_path, quoting="none")
    assert list(tmp_path.iterdir()) == []


def test_bom_semicolon_and_decimal_comma(small: pa.Table, tmp_path: Path) -> None:
    data = write(small, tmp_path, delimiter=";", decimal_separator=",", bom=True)
    assert data == '\ufeffid;name;total\r\n1;Ada;10,50\r\n2;"Bob ""B"", Jr.";\r\n'.encode()


def test_formulas_are_neutralised_reversibly_numbers_untouched(tmp_path: Path) -> None:
    values = [
        "=1+2",
        "+49 30",
        "-12.5",
        "@SUM(A1)",
        "'=x",
        " =y",
        "\tz",
        "＝1",
        "plain",
        "-",
        "+1e5",
    ]
    table = pa.table({"v": values, "n": pa.array(range(-5, 6), pa.int64())})
    rows = list(csv.reader(io.StringIO(write(table, tmp_path).decode(), newline="")))
    assert [row[0] for row in rows[1:]] == [
        "'=1+2",
        "'+49 30",
        "-12.5",
        "'@SUM(A1)",
        "''=x",
        "' =y",
        "'\tz",
        "'＝1",
        "plain",
        "'-",
        "+1e5",
    ]
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(-5, 6)]


def test_formula_header_is_neutralised(tmp_path: Path) -> None:
    assert write(pa.table({"=cmd": [1]}), tmp_path).startswith(b"'=cmd\r\n")


def test_safe_formulas_off_keeps_values(tmp_path: Path) -> None:
    assert write(pa.table({"v": ["=1+2"]}), tmp_path, safe_formulas=False) == b"v\r\n=1+2\r\n"


def test_nasty_values_read_back_with_csv_module(nasty: pa.Table, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(write(nasty, tmp_path).decode(), newline="")))
    assert rows[0] == nasty.column_names
    assert [row[1] for row in rows[1:]] == [
        "Ada Lovelace",
        'Quote "q" and, comma',
        "Line\nbreak\r\nCRLF",
        "Дмитрий Ж",
        "王小明",
        "",
        "",
    ]
    assert [row[0] for row in rows[1:]][-1] == "9007199254740993"
    assert [row[3] for row in rows[1:]] == [
        "12.30",
        "-0.05",
        "0.00",
        "",
        "9999999999.99",
        "1.10",
        "-123.45",
    ]
    assert rows[1][6:] == ["2026-11-18", "2026-11-18T15:30:00", "2026-11-18T14:30:00+00:00"]
    assert rows[3][7] == "2026-10-25T02:15:00.250000"


def test_timezone_and_datetime_pattern(nasty: pa.Table, tmp_path: Path) -> None:
    table = nasty.select(["created_at", "paid_at"]).slice(0, 1)
    data = write(table, tmp_path, timezone="Europe/Berlin", line_terminator="lf")
    assert data == b"created_at,paid_at\n2026-11-18T16:30:00+01:00,2026-11-18T15:30:00+01:00\n"
    data = write(table, tmp_path, datetime_format="%d.%m.%Y %H:%M", line_terminator="lf")
    assert data == b"created_at,paid_at\n18.11.2026 15:30,18.11.2026 14:30\n"


def test_utf16_has_bom_and_latin1_refuses_other_scripts(nasty: pa.Table, tmp_path: Path) -> None:
    data = write(nasty.select(["name"]), tmp_path, encoding="utf-16")
    assert data.startswith(b"\xff\xfe")
    assert "王小明" in data.decode("utf-16")
    assert write(pa.table({"v": ["Zoë"]}), tmp_path, encoding="latin-1") == "v\r\nZoë\r\n".encode(
        "latin-1"
    )
    with pytest.raises(EncodingFailed, match="latin-1"):
        write(nasty.select(["name"]), tmp_path, encoding="latin-1")


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.none() | text, st.none() | st.integers(-(2**63), 2**63 - 1)), max_size=15
    )
)
def test_any_text_round_trips_through_the_csv_module(
    rows: list[tuple[str | None, int | None]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    table = pa.table(
        {
            "s": pa.array([r[0] for r in rows], pa.string()),
            "n": pa.array([r[1] for r in rows], pa.int64()),
        }
    )
    out = tmp_path_factory.mktemp("csv") / "p.csv"
    export(table, out, "csv", {"safe_formulas": False})
    parsed = list(csv.reader(io.StringIO(out.read_bytes().decode(), newline="")))
    assert parsed[0] == ["s", "n"]
    assert [(row[0], row[1]) for row in parsed[1:]] == [
        (s or "", "" if n is None else str(n)) for s, n in rows
    ]


_RISKY_TEXT = st.text(
    st.sampled_from(list("'\t\r\n\x00\x0b\x0c =+-@＝＋－＠1.eE,\"ab")), max_size=6
)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.none() | _RISKY_TEXT, max_size=30),
    start=st.integers(0, 3),
    kind=st.sampled_from([pa.string(), pa.large_string()]),
)
def test_formula_neutralising_matches_the_regex_on_every_value(
    values: list[str | None], start: int, kind: pa.DataType
) -> None:
    """The first-byte shortcuts skip only values the trigger cannot match and the regex
    only for values it must match: the result is the regex's, value for value, on sliced
    and large_string arrays too."""
    text = pa.array(values, kind).slice(min(start, len(values)))
    trigger = re.compile(r"^'*(?:[\t\r\n\x00]|[\t\n\f\r ]*[=+\-@＝＋－＠])")
    number = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")
    expected = [
        None if v is None else ("'" + v if trigger.match(v) and not number.match(v) else v)
        for v in text.to_pylist()
    ]
    result = neutralise_formulas(text)
    assert result.type == kind
    assert result.to_pylist() == expected


def test_large_string_columns_are_quoted_and_neutralised(tmp_path: Path) -> None:
    table = pa.table({"v": pa.array(["=1+2", 'say "hi", twice', None, "plain"], pa.large_string())})
    assert write(table, tmp_path) == b'v\r\n\'=1+2\r\n"say ""hi"", twice"\r\n\r\nplain\r\n'


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.none() | st.text(st.sampled_from(list('ab ,;\t|"\r\n=é')), max_size=8)),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_values_needing_quotes_are_quoted_whatever_the_delimiter(
    values: list[str | None], delimiter: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("csv") / "q.csv"
    table = pa.table({"s": pa.array(values, pa.string()), "t": pa.array(values, pa.string())})
    export(table, out, "csv", {"safe_formulas": False, "delimiter": delimiter})
    text = out.read_bytes().decode()
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert [tuple(row) for row in parsed[1:]] == [(v or "", v or "") for v in values]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(text, text), max_size=12),
    start=st.integers(0, 3),
    end=st.sampled_from(["\r\n", "\n", ""]),
)
def test_joined_lines_are_the_rows_joined_and_ended(
    rows: list[tuple[str, str]], start: int, end: str
) -> None:
    """Sliced columns too: the lines are the row's values joined, each with its end."""
    columns = [pa.array([row[i] for row in rows], pa.string()).slice(start) for i in (0, 1)]
    expected = "".join(a + ";" + b + end for a, b in rows[start:])
    assert joined_lines(columns, ";", end).to_pybytes() == expected.encode()


_QUOTABLE = st.text(st.sampled_from([*'ab ,;\t|"\r\n=é', "中", "\U0001f600", "\u2028"]), max_size=8)
# Quotes in most values, as in JSON text: the writer doubles them with Arrow's kernels.
_QUOTE_HEAVY = st.text(st.sampled_from([*'"""{}a:,;\t|\r\n', "é", "中"]), min_size=2, max_size=10)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.none() | _QUOTABLE, max_size=12)
    | st.lists(st.none() | _QUOTE_HEAVY, min_size=1, max_size=12),
    start=st.integers(0, 3),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from(["minimal", "all", "nonnumeric"]),
)
def test_quoting_is_the_rule_on_every_value_of_sliced_columns(
    values: list[str | None],
    start: int,
    delimiter: str,
    quoting: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A value gets quotes (its own doubled) when it holds the delimiter, a quote or a line
    break (every value but NULL when quoting all): multi-byte UTF-8, a column that is a
    slice of a longer one (its bytes start inside the buffer) and columns full of quotes
    included."""
    column = pa.array(values, pa.string()).slice(start)
    out = tmp_path_factory.mktemp("csv") / "q.csv"
    options = {"safe_formulas": False, "delimiter": delimiter, "quoting": quoting, "null": "N"}
    export(pa.table({"s": column}), out, "csv", options)

    def cell(value: str | None) -> str:
        if value is None:
            return "N"
        if quoting != "minimal" or any(c in value for c in '"\r\n' + delimiter):
            return '"' + value.replace('"', '""') + '"'
        return value

    header = "s" if quoting == "minimal" else '"s"'
    expected = "".join(line + "\r\n" for line in [header, *map(cell, column.to_pylist())])
    assert out.read_bytes() == expected.encode()


def test_json_text_is_quoted_with_its_quotes_doubled(tmp_path: Path) -> None:
    docs = [f'{{"k": {i}, "tags": ["a", "b"]}}' for i in range(50)]
    table = pa.table({"doc": [*docs, None, "plain"]})
    written = write(table, tmp_path, null="-").decode()
    rows = list(csv.reader(io.StringIO(written)))
    assert rows == [["doc"], *([d] for d in docs), ["-"], ["plain"]]
    assert written.splitlines()[1] == '"{""k"": 0, ""tags"": [""a"", ""b""]}"'


def test_bytes_a_null_slot_holds_are_no_value(tmp_path: Path) -> None:
    """Arrow lets a NULL's slot span bytes: they neither need quotes nor look like a formula."""
    data = pa.py_buffer(b'ok"x,=1+2=3')
    offsets = pa.array([0, 2, 6, 9, 11], pa.int32()).buffers()[1]
    validity = pa.array([True, False, False, True]).buffers()[1]
    column = pa.Array.from_buffers(pa.string(), 4, [validity, offsets, data], null_count=2)
    assert neutralise_formulas(column).to_pylist() == ["ok", None, None, "'=3"]
    table = pa.table({"v": column})
    assert write(table, tmp_path, quoting="none", null="-", safe_formulas=False) == (
        b"v\r\nok\r\n-\r\n-\r\n=3\r\n"
    )
    assert write(table, tmp_path) == b"v\r\nok\r\n\r\n\r\n'=3\r\n"
    # More quotes in a NULL's slot than values: the bytes still belong to no value.
    data = pa.py_buffer(b'ok""""""x')
    offsets = pa.array([0, 2, 8, 9], pa.int32()).buffers()[1]
    validity = pa.array([True, False, True]).buffers()[1]
    column = pa.Array.from_buffers(pa.string(), 3, [validity, offsets, data], null_count=1)
    table = pa.table({"v": column})
    for quoting in ("none", "minimal"):
        assert write(table, tmp_path, quoting=quoting, null="-") == b"v\r\nok\r\n-\r\nx\r\n"
    assert write(table, tmp_path, quoting="all", null="-") == b'"v"\r\n"ok"\r\n-\r\n"x"\r\n'
