"""Row objects from encoded columns: every combination of nulls, quoting, slices, text
types and punctuation gives exactly the text of a plain per-row assembly."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters.writers.json_encode import Encoded, Style, objects

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


def expected(
    keys: list[str],
    columns: list[list[str | None]],
    quoted: list[bool],
    *,
    omit: bool,
    style: Style,
    level: int,
    start: str,
    end: str,
) -> list[str]:
    """Each row put together member by member, the way a reader would spell it out."""
    pad, inner, newline = style.pad(level), style.pad(level + 1), style.newline
    rows = []
    for row in range(len(columns[0]) if columns else 0):
        members = []
        for key, column, quote in zip(keys, columns, quoted, strict=True):
            value = column[row]
            if value is None and omit:
                continue
            shown = "null" if value is None else f'"{value}"' if quote else value
            members.append(f"{inner}{json.dumps(key, ensure_ascii=False)}{style.colon}{shown}")
        body = f"{newline}{f',{newline}'.join(members)}" if members else ""
        rows.append(f"{start}{pad}{{{body}{newline}{pad}}}{end}")
    return rows


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    width=st.integers(1, 5),
    length=st.integers(1, 9),
    skip=st.integers(0, 3),
    large=st.booleans(),
    omit=st.booleans(),
    pretty=st.booleans(),
    level=st.integers(0, 2),
    start=st.sampled_from(["", ",", ",\n"]),
    end=st.sampled_from(["", "\n"]),
    long=st.booleans(),
)
def test_objects_match_a_plain_assembly(
    data: st.DataObject,
    width: int,
    length: int,
    skip: int,
    large: bool,
    omit: bool,
    pretty: bool,
    level: int,
    start: str,
    end: str,
    long: bool,
) -> None:
    """Short values go through the pool of json_rows, long ones (``long``: hundreds of
    bytes each) through the row-wise join: both must give the plain assembly."""
    kind = pa.large_string() if large else pa.string()
    keys = data.draw(st.lists(text, min_size=width, max_size=width, unique=True))
    quoted = data.draw(st.lists(st.booleans(), min_size=width, max_size=width))
    nullable = st.none() | (text.map(lambda value: value + "x" * 400) if long else text)
    columns = [
        data.draw(st.lists(nullable, min_size=length + skip, max_size=length + skip)) for _ in keys
    ]
    # Sliced arrays (an offset into their buffers), as a batch of a larger result is.
    values = [
        Encoded(pa.array(column, kind).slice(skip), quoted=quote)
        for column, quote in zip(columns, quoted, strict=True)
    ]
    style = Style(pretty)
    got = objects(
        keys, values, omit=omit, length=length, style=style, level=level, start=start, end=end
    )
    assert got.type == kind
    want = expected(
        keys,
        [column[skip:] for column in columns],
        quoted,
        omit=omit,
        style=style,
        level=level,
        start=start,
        end=end,
    )
    assert got.to_pylist() == want


def test_no_rows_and_no_columns() -> None:
    assert objects(["a"], [Encoded(pa.array([], pa.string()))], omit=False, length=0) == (
        pa.array([], pa.string())
    )
    assert objects([], [], omit=True, length=2, end="\n").to_pylist() == ["{}\n", "{}\n"]


def test_every_value_null_in_a_column() -> None:
    values = [Encoded(pa.nulls(3, pa.string()), quoted=True), Encoded(pa.array(["1", None, "3"]))]
    assert objects(["a", "b"], values, omit=True, length=3).to_pylist() == [
        '{"b":1}',
        "{}",
        '{"b":3}',
    ]
    assert objects(["a", "b"], values, omit=False, length=3).to_pylist() == [
        '{"a":null,"b":1}',
        '{"a":null,"b":null}',
        '{"a":null,"b":3}',
    ]


def test_batches_alike_in_shape_each_get_their_own_nulls() -> None:
    """Batches of one result share their layout; a null in one stays out of the next."""
    keys = ["a", "b"]
    full = [Encoded(pa.array(["x", "y"]), quoted=True), Encoded(pa.array(["1", "2"]))]
    holes = [Encoded(pa.array([None, "y"]), quoted=True), Encoded(pa.array(["1", None]))]
    for omit in (False, True):
        for values in (full, holes, full, holes):
            got = objects(keys, values, omit=omit, length=2, end="\n").to_pylist()
            want = expected(
                keys,
                [value.text.to_pylist() for value in values],
                [value.quoted for value in values],
                omit=omit,
                style=Style(),
                level=0,
                start="",
                end="\n",
            )
            assert got == want


def test_columns_of_another_length_are_refused() -> None:
    values = [Encoded(pa.array(["1", "2"])), Encoded(pa.array(["1"]))]
    with pytest.raises(ValueError, match="every column needs 2 texts"):
        objects(["a", "b"], values, omit=False, length=2)
