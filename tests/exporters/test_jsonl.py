"""JSON Lines: literal lines, byte-identical escaping to json.dumps, the openai_chat preset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import OptionError, export
from tests.exporters.test_json import expected_value, in_batches


def write(table: pa.Table | pa.RecordBatchReader, tmp_path: Path, **options: object) -> bytes:
    out = tmp_path / "out.jsonl"
    export(table, out, "jsonl", options)
    return out.read_bytes()


def test_small_table_one_object_per_line(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path) == (
        b'{"id":1,"name":"Ada","total":10.50}\n{"id":2,"name":"Bob \\"B\\", Jr.","total":null}\n'
    )


def test_nulls_omit_and_decimals_string(small: pa.Table, tmp_path: Path) -> None:
    assert write(small, tmp_path, nulls="omit", decimals="string") == (
        b'{"id":1,"name":"Ada","total":"10.50"}\n{"id":2,"name":"Bob \\"B\\", Jr."}\n'
    )


def test_a_row_of_only_nulls_is_an_empty_object(tmp_path: Path) -> None:
    table = pa.table({"a": pa.array([None, 1]), "b": pa.array([None, None], pa.string())})
    assert write(table, tmp_path, nulls="omit") == b'{}\n{"a":1}\n'


def test_numbers_stay_exact_and_floats_stay_floats(tmp_path: Path) -> None:
    table = pa.table(
        {
            "big": pa.array([9_007_199_254_740_993, -(2**63)], pa.int64()),
            "u": pa.array([2**64 - 1, 0], pa.uint64()),
            "f": pa.array([1.0, float("nan")], pa.float64()),
            "g": pa.array([1e20, float("-inf")], pa.float64()),
            "d": pa.array(
                [Decimal("12345678901234567890.123456789"), Decimal("-0.000000001")],
                pa.decimal128(38, 9),
            ),
        }
    )
    assert write(table, tmp_path) == (
        b'{"big":9007199254740993,"u":18446744073709551615,"f":1.0,"g":1e+20,'
        b'"d":12345678901234567890.123456789}\n'
        b'{"big":-9223372036854775808,"u":0,"f":null,"g":null,"d":-0.000000001}\n'
    )
    first = json.loads(write(table, tmp_path).splitlines()[0], parse_float=Decimal)
    assert first["d"] == Decimal("12345678901234567890.123456789")


def test_nasty_round_trips_line_by_line(nasty: pa.Table, tmp_path: Path) -> None:
    lines = write(in_batches(nasty, 3), tmp_path).split(b"\n")
    assert lines[-1] == b""
    for line, want in zip(lines[:-1], nasty.to_pylist(), strict=True):
        got = json.loads(line, parse_float=Decimal)
        for key, value in want.items():
            if isinstance(value, float):
                assert float(got[key]) == value
            else:
                assert got[key] == expected_value(value), key


def test_nasty_round_trips_with_orjson(nasty: pa.Table, tmp_path: Path) -> None:
    orjson = pytest.importorskip("orjson")
    for line, want in zip(write(nasty, tmp_path).splitlines(), nasty.to_pylist(), strict=True):
        got = orjson.loads(line)
        for key, value in want.items():
            assert got[key] == (
                float(value) if isinstance(value, Decimal) else expected_value(value)
            ), key


text = st.text(st.characters(codec="utf-8"), max_size=16)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.none() | text,
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none() | st.booleans(),
        ),
        max_size=12,
    ),
    batch=st.integers(1, 4),
)
def test_lines_are_byte_identical_to_json_dumps(
    rows: list[tuple[Any, ...]], batch: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    table = pa.table(
        {
            "s": pa.array([row[0] for row in rows], pa.string()),
            "n": pa.array([row[1] for row in rows], pa.int64()),
            "b": pa.array([row[2] for row in rows], pa.bool_()),
        }
    )
    out = tmp_path_factory.mktemp("jsonl") / "p.jsonl"
    export(in_batches(table, batch), out, "jsonl")
    expected = "".join(
        json.dumps(dict(zip("snb", row, strict=True)), ensure_ascii=False, separators=(",", ":"))
        + "\n"
        for row in rows
    )
    assert out.read_bytes() == expected.encode()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.none() | st.floats(allow_nan=True, allow_infinity=True), max_size=10))
def test_any_float_reads_back_as_the_same_float(
    values: list[float | None], tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("jsonl") / "f.jsonl"
    export(pa.table({"f": pa.array(values, pa.float64())}), out, "jsonl")
    got = [json.loads(line)["f"] for line in out.read_bytes().splitlines()]
    assert got == [expected_value(value) for value in values]
    assert all(isinstance(value, float) for value in got if value is not None)


def chat_table() -> pa.Table:
    return pa.table(
        {
            "conversation_id": [7, 3, 7, 3, 7],
            "role": ["system", "user", "user", "assistant", "assistant"],
            "content": ["Be brief.", "Hi", 'Say "hi"\nplease', "Hello!", "hi"],
            "sent_at": ["t1", "t2", "t3", "t4", "t5"],
        }
    )


def test_openai_chat_one_line_per_conversation(tmp_path: Path) -> None:
    data = write(in_batches(chat_table(), 2), tmp_path, preset="openai_chat")
    assert data == (
        b'{"messages":[{"role":"system","content":"Be brief."},'
        b'{"role":"user","content":"Say \\"hi\\"\\nplease"},{"role":"assistant","content":"hi"}]}\n'
        b'{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}\n'
    )


def test_openai_chat_without_a_conversation_column_is_one_line(tmp_path: Path) -> None:
    table = chat_table().drop_columns(["conversation_id"])
    lines = write(in_batches(table, 2), tmp_path, preset="openai_chat").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "messages": [
            {"role": r, "content": c}
            for r, c in zip(table["role"].to_pylist(), table["content"].to_pylist(), strict=True)
        ]
    }
    assert write(table.slice(0, 0), tmp_path, preset="openai_chat") == b""


def test_openai_chat_session_column_and_rename(tmp_path: Path) -> None:
    table = pa.table({"session_id": ["a", "b"], "speaker": ["user", "user"], "text": ["x", "y"]})
    data = write(table, tmp_path, preset="openai_chat", rename="speaker:role,text:content")
    assert data.splitlines() == [
        b'{"messages":[{"role":"user","content":"x"}]}',
        b'{"messages":[{"role":"user","content":"y"}]}',
    ]


def test_openai_chat_names_the_missing_columns(tmp_path: Path) -> None:
    table = pa.table({"speaker": ["user"], "content": ["hi"]})
    with pytest.raises(OptionError, match=r"'role' and 'content' \(missing: role\)"):
        write(table, tmp_path, preset="openai_chat")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_source_leaves_no_file(small: pa.Table, tmp_path: Path) -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        yield from small.to_batches(max_chunksize=1)
        raise RuntimeError("connection lost")

    reader = pa.RecordBatchReader.from_batches(small.schema, batches())
    with pytest.raises(RuntimeError, match="connection lost"):
        write(reader, tmp_path)
    assert list(tmp_path.iterdir()) == []
