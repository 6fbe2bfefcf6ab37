"""JSON: literal bytes per option, exact read-back with json/orjson, streaming across batches."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import OptionError, export

PINNED = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


def write(table: pa.Table, tmp_path: Path, **options: object) -> bytes:
    out = tmp_path / "out.json"
    export(table, out, "json", {"generated_at": PINNED, **options}, query="select * from people")
    return out.read_bytes()


def in_batches(table: pa.Table, size: int) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=size))


def test_small_records_compact(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path) == (
        b'[{"id":1,"name":"Ada","total":10.50},{"id":2,"name":"Bob \\"B\\", Jr.","total":null}]\n'
    )


def test_nulls_omit_and_decimals_string(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path, nulls="omit", decimals="string") == (
        b'[{"id":1,"name":"Ada","total":"10.50"},{"id":2,"name":"Bob \\"B\\", Jr."}]\n'
    )


def test_pretty_indents_like_json_dumps(small: pa.Table, tmp_path: Path) -> None:
    data = write(small, tmp_path, pretty=True)
    assert (
        data
        == b"""[
  {
    "id": 1,
    "name": "Ada",
    "total": 10.50
  },
  {
    "id": 2,
    "name": "Bob \\"B\\", Jr.",
    "total": null
  }
]
"""
    )
    as_floats = [
        {**row, "total": None if row["total"] is None else float(row["total"])}
        for row in small.to_pylist()
    ]
    assert data.replace(b"10.50", b"10.5") == (json.dumps(as_floats, indent=2) + "\n").encode()


def test_pretty_with_nulls_omitted(small: pa.Table, tmp_path: Path) -> None:
    data = write(small.select(["id", "total"]), tmp_path, pretty=True, nulls="omit")
    assert data == b'[\n  {\n    "id": 1,\n    "total": 10.50\n  },\n  {\n    "id": 2\n  }\n]\n'


def test_object_layout_puts_row_count_after_the_records(small: pa.Table, tmp_path: Path) -> None:
    expected = (
        b'{"metadata":{"title":"People","query":"select * from people",'
        b'"generated_at":"2026-11-18T15:30:00+00:00"},'
        b'"records":[{"id":1,"name":"Ada","total":10.50},'
        b'{"id":2,"name":"Bob \\"B\\", Jr.","total":null}],"row_count":2}\n'
    )
    assert write(small, tmp_path, layout="object") == expected
    assert write(small, tmp_path, metadata=True) == expected  # metadata implies the layout


def test_object_layout_pretty(small: pa.Table, tmp_path: Path) -> None:
    data = write(small.select(["id"]), tmp_path, layout="object", pretty=True, title="T")
    assert (
        data
        == b"""{
  "metadata": {
    "title": "T",
    "query": "select * from people",
    "generated_at": "2026-11-18T15:30:00+00:00"
  },
  "records": [
    {
      "id": 1
    },
    {
      "id": 2
    }
  ],
  "row_count": 2
}
"""
    )


def test_metadata_with_explicit_records_layout_is_refused(small: pa.Table, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="layout=object"):
        write(small, tmp_path, layout="records", metadata=True)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, b"[]\n"),
        ({"pretty": True}, b"[]\n"),
        ({"layout": "object"}, b'"records":[],"row_count":0}\n'),
        ({"nest_by": "id"}, b"[]\n"),
    ],
)
def test_empty_result(
    small: pa.Table, tmp_path: Path, options: dict[str, Any], expected: bytes
) -> None:
    data = write(small.slice(0, 0), tmp_path, **options)
    assert data.endswith(expected)
    json.loads(data)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"pretty": True},
        {"layout": "object"},
        {"layout": "object", "pretty": True},
        {"nulls": "omit"},
        {"nest_by": "active"},
    ],
)
def test_many_batches_make_one_valid_document(
    nasty: pa.Table, tmp_path: Path, options: dict[str, Any]
) -> None:
    one = json.loads(write(nasty, tmp_path, **options))
    many = json.loads(write(in_batches(nasty, 2), tmp_path, **options))
    assert one == many
    records = one["records"] if isinstance(one, dict) else one
    assert len(records) == (3 if "nest_by" in options else 7)


def expected_value(value: Any) -> Any:
    """What a JSON reader should give back for an Arrow value."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def test_nasty_round_trips_exactly_with_json(nasty: pa.Table, tmp_path: Path) -> None:
    rows = json.loads(write(nasty, tmp_path), parse_float=Decimal)
    for got, want in zip(rows, nasty.to_pylist(), strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            if isinstance(value, float):
                assert float(got[key]) == value
            else:
                assert got[key] == expected_value(value), key
    assert rows[6]["id"] == 9_007_199_254_740_993
    assert rows[2]["name"] == "Line\nbreak\r\nCRLF"
    assert rows[0]["amount"] == Decimal("12.30")
    plain = json.loads(write(nasty, tmp_path))
    assert [type(row["ratio"]) for row in plain] == [float] * 3 + [type(None)] + [float] * 3


def test_nasty_round_trips_with_orjson(nasty: pa.Table, tmp_path: Path) -> None:
    orjson = pytest.importorskip("orjson")
    rows = orjson.loads(write(nasty, tmp_path))
    for got, want in zip(rows, nasty.to_pylist(), strict=True):
        for key, value in want.items():
            if isinstance(value, Decimal):
                assert got[key] == float(value)
            else:
                assert got[key] == expected_value(value), key


def test_datetimes_in_the_asked_zone_with_offsets(nasty: pa.Table, tmp_path: Path) -> None:
    rows = json.loads(
        write(nasty.select(["created_at", "paid_at"]), tmp_path, timezone="Europe/Berlin")
    )
    berlin = ZoneInfo("Europe/Berlin")
    for got, want in zip(rows, nasty.select(["created_at", "paid_at"]).to_pylist(), strict=True):
        for key, value in want.items():
            if value is not None:
                value = value.replace(tzinfo=value.tzinfo or dt.UTC).astimezone(berlin)
            assert got[key] == expected_value(value)
    assert rows[1]["created_at"] == "2026-03-29T03:30:05+02:00"  # after the DST switch


def test_nest_by_groups_in_order_of_first_appearance(tmp_path: Path) -> None:
    table = pa.table(
        {
            "customer": ["Ada", "Bob", "Ada", None, "Bob"],
            "item": ["tea", "jam", "cake", "bun", "pie"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    assert json.loads(write(table, tmp_path, nest_by="customer")) == [
        {"customer": "Ada", "records": [{"item": "tea", "n": 1}, {"item": "cake", "n": 3}]},
        {"customer": "Bob", "records": [{"item": "jam", "n": 2}, {"item": "pie", "n": 5}]},
        {"customer": None, "records": [{"item": "bun", "n": 4}]},
    ]
    assert write(table.slice(0, 1), tmp_path, nest_by="customer") == (
        b'[{"customer":"Ada","records":[{"item":"tea","n":1}]}]\n'
    )


def test_nest_by_two_levels_pretty(tmp_path: Path) -> None:
    table = pa.table(
        {"region": ["EU", "US", "EU"], "city": ["Oslo", "NYC", "Oslo"], "n": [1, 2, 3]}
    )
    data = write(table, tmp_path, nest_by="region,city", pretty=True, layout="object")
    parsed = json.loads(data)
    assert parsed["records"] == [
        {"region": "EU", "records": [{"city": "Oslo", "records": [{"n": 1}, {"n": 3}]}]},
        {"region": "US", "records": [{"city": "NYC", "records": [{"n": 2}]}]},
    ]
    assert parsed["row_count"] == 3
    assert data == (json.dumps(parsed, indent=2) + "\n").encode()  # indented as json.dumps


def test_nest_by_needs_known_columns(small: pa.Table, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="nest_by"):
        write(small, tmp_path, nest_by="nope")


def test_lists_structs_and_maps_nest_as_json(tmp_path: Path) -> None:
    table = pa.table(
        {
            "tags": pa.array([["a", 'b"'], [], None, [None]], pa.list_(pa.string())),
            "point": pa.array(
                [{"x": 1, "y": 1.5}, None, {"x": None, "y": None}, {"x": 2, "y": 0.0}],
                pa.struct([("x", pa.int64()), ("y", pa.float64())]),
            ),
            "attrs": pa.array(
                [[("k", 1)], None, [], [("a", 2), ("b", 3)]], pa.map_(pa.string(), pa.int64())
            ),
        }
    ).slice(0)
    assert json.loads(write(table, tmp_path)) == [
        {"tags": ["a", 'b"'], "point": {"x": 1, "y": 1.5}, "attrs": [{"key": "k", "value": 1}]},
        {"tags": [], "point": None, "attrs": None},
        {"tags": None, "point": {"x": None, "y": None}, "attrs": []},
        {
            "tags": [None],
            "point": {"x": 2, "y": 0.0},
            "attrs": [{"key": "a", "value": 2}, {"key": "b", "value": 3}],
        },
    ]


def test_keys_are_escaped(tmp_path: Path) -> None:
    table = pa.table({'we"ird\nkey': [1], "ключ": [2]})
    assert write(table, tmp_path) == '[{"we\\"ird\\nkey":1,"ключ":2}]\n'.encode()


text = st.text(st.characters(codec="utf-8"), max_size=12)
floats = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none() | floats,
            st.none() | text,
            st.none() | st.booleans(),
        ),
        max_size=12,
    ),
    omit=st.booleans(),
    pretty=st.booleans(),
    batch=st.integers(1, 5),
)
def test_any_table_reads_back_exactly(
    rows: list[tuple[Any, ...]],
    omit: bool,
    pretty: bool,
    batch: int,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    names, types = ["i", "f", "s", "b"], [pa.int64(), pa.float64(), pa.string(), pa.bool_()]
    table = pa.table(
        {name: pa.array([row[k] for row in rows], types[k]) for k, name in enumerate(names)}
    )
    out = tmp_path_factory.mktemp("json") / "p.json"
    options = {"nulls": "omit" if omit else "include", "pretty": pretty}
    export(in_batches(table, batch), out, "json", options)
    parsed = json.loads(out.read_bytes())
    assert len(parsed) == len(rows)
    for got, row in zip(parsed, rows, strict=True):
        want = {name: expected_value(value) for name, value in zip(names, row, strict=True)}
        if omit:
            want = {key: value for key, value in want.items() if value is not None}
        assert got == want
        if row[1] is not None and math.isfinite(row[1]):
            assert isinstance(got["f"], float)


def test_a_strftime_pattern_is_escaped_like_any_text(nasty: pa.Table, tmp_path: Path) -> None:
    data = write(
        nasty.select(["day", "created_at"]).slice(0, 1), tmp_path, datetime_format='%d "of" %B'
    )
    assert json.loads(data) == [{"day": '18 "of" November', "created_at": '18 "of" November'}]
