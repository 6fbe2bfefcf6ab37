"""The source's own text, reused by the text writers: found only for the very column it
was read with, equal to what the writers render, and the same files either way.

The cursor path remembers nothing, so files written from the COPY lane (which does) and
from the cursor must be byte for byte the same, under every option that changes text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from exporters import export, open_query
from exporters.known_text import KnownText
from exporters.options import CommonOptions
from exporters.render import text_column
from exporters.sources.url import parse_url

from . import pg_zoo

ROWS = 2_500  # several batches of BATCH rows
BATCH = 1_000

# Ordinary values of every type whose text can be kept, beside the rarer forms that cannot
# (fractions of a second, BC, years past 9999), in batches of their own.
TABLE = f"""
CREATE TABLE known_text AS
SELECT g AS id,
       (g * 7919 % 65536 - 32768)::smallint AS i2,
       (g * 2654435761 % 4294967296 - 2147483648)::integer AS i4,
       ((g * 6364136223846793005::numeric) % 18446744073709551616 - 9223372036854775808)::bigint
           AS i8,
       g::oid AS an_oid,
       round((g * 12.3457)::numeric % 100000000, 2)::numeric(10, 2) AS money_like,
       (g % 7 - 3)::numeric(5, 0) AS whole,
       (g * 0.0000000123)::numeric(20, 12) AS tiny,
       (g * 123456789.123456789)::numeric(60, 10) AS wide,
       CASE WHEN g % 5 = 0 THEN NULL ELSE date '0001-01-01' + g * 1451 END AS day,
       timestamp '1900-01-01 00:00:00' + g * interval '40 days 3 hours 7 seconds' AS ts,
       CASE WHEN g % 4 = 0 THEN NULL
            ELSE timestamptz '1970-01-01 00:00:00+00' + g * interval '13 days 1 second' END
           AS tstz,
       CASE WHEN g > {2 * BATCH} THEN timestamptz '2026-01-01 00:00:00+00' + g * interval '1.5 s'
            ELSE timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour' END AS tstz_fraction,
       CASE WHEN g > {2 * BATCH} THEN timestamp '2026-01-01' + g * interval '0.25 seconds'
            ELSE timestamp '2026-01-01' + g * interval '1 minute' END AS ts_fraction,
       CASE WHEN g > {2 * BATCH} AND g % 3 = 0 THEN date '0044-03-15 BC'
            WHEN g > {2 * BATCH} AND g % 3 = 1 THEN date '12345-06-07'
            ELSE date '2026-12-07' END AS day_rare,
       (g % 2 = 0) AS flag,
       'name ' || g AS label
FROM generate_series(1, {ROWS}) AS g
"""
KEPT = {
    "id",
    "i2",
    "i4",
    "i8",
    "an_oid",
    "money_like",
    "whole",
    "tiny",
    "wide",
    "day",
    "ts",
    "tstz",
}


@pytest.fixture(scope="module")
def table_url(postgres_url: str) -> str:
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS known_text")
        connection.execute(TABLE)
    return postgres_url


def _batches(url: str, lane: str) -> Iterator[tuple[pa.RecordBatch, KnownText | None]]:
    with (
        pg_zoo.reading_through(lane),
        open_query(url, "SELECT * FROM known_text ORDER BY id", batch_size=BATCH) as stream,
    ):
        for batch in stream:
            yield batch, stream.known_text


def test_the_lane_keeps_the_text_it_renders_and_only_that(table_url: str) -> None:
    kept: dict[str, int] = {}
    for batch, known in _batches(table_url, "copy"):
        assert known is not None
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            text = known.recall(column)
            if text is not None:
                assert text.equals(text_column(column, CommonOptions())), name
                kept[name] = kept.get(name, 0) + 1
    batches = -(-ROWS // BATCH)
    assert kept == {name: batches for name in KEPT} | {
        "ts_fraction": 2,
        "tstz_fraction": 2,
        "day_rare": 2,
    }


def test_the_cursor_path_keeps_nothing(table_url: str) -> None:
    for batch, known in _batches(table_url, "cursor"):
        assert known is not None
        assert all(known.recall(column) is None for column in batch.columns)


OPTION_SETS: list[tuple[str, dict[str, Any]]] = [
    ("csv", {}),
    ("csv", {"decimal_separator": ",", "delimiter": ";"}),
    ("csv", {"datetime_format": "%d/%m/%Y %H:%M:%S"}),
    ("csv", {"timezone": "Europe/Paris", "quoting": "nonnumeric"}),
    ("csv", {"mask": {"i8": "hash", "day": "year", "ts": "drop", "tstz": "year"}}),
    ("csv", {"columns": ["ts", "i4", "day", "tstz"], "rename": {"i4": "n"}, "limit": 1_234}),
    ("tsv", {}),
    ("json", {}),
    ("json", {"decimals": "string", "nulls": "omit"}),
    ("json", {"timezone": "America/New_York", "pretty": True}),
    ("jsonl", {}),
    ("jsonl", {"datetime_format": "%Y%m%d", "limit": 1_001}),
    ("markdown", {}),
]


@pytest.mark.parametrize(("fmt", "options"), OPTION_SETS)
def test_files_are_the_same_from_both_paths(
    table_url: str, tmp_path: Path, fmt: str, options: dict[str, Any]
) -> None:
    files = {}
    for lane in pg_zoo.LANES:
        with (
            pg_zoo.reading_through(lane),
            open_query(table_url, "SELECT * FROM known_text ORDER BY id", batch_size=BATCH) as s,
        ):
            files[lane] = export(s, tmp_path / f"{lane}.{fmt}", fmt, options, mask_key=b"k").path
    assert files["copy"].read_bytes() == files["cursor"].read_bytes()


def _remembered(values: list[int | None]) -> tuple[KnownText, pa.Array, pa.Array]:
    known = KnownText(window=2)
    typed = pa.array(values, pa.int64())
    text = typed.cast(pa.string())
    known.remember([(typed, text)])
    return known, typed, text


def test_the_very_column_finds_its_text_once() -> None:
    known, typed, text = _remembered([1, None, 3])
    assert known.recall(typed) is text
    assert known.recall(typed) is None  # recalled: dropped


def test_a_slice_finds_the_same_slice_of_the_text() -> None:
    known, typed, _ = _remembered([10, 20, 30, 40])
    assert known.recall(typed.slice(1, 2)).to_pylist() == ["20", "30"]


@pytest.mark.parametrize(
    "changed",
    [
        lambda typed: pa.array(typed.to_pylist(), pa.int64()),  # equal values, another array
        lambda typed: typed.cast(pa.timestamp("s")),  # the same bytes read as another type
        lambda typed: pc.if_else(pc.greater(typed, 1), typed, None),  # masked values
        lambda typed: pa.Array.from_buffers(  # the same data under other NULLs
            typed.type, len(typed), [pa.array([True, False, True]).buffers()[1], typed.buffers()[1]]
        ),
    ],
)
def test_a_changed_column_finds_nothing(changed: Any) -> None:
    known, typed, _ = _remembered([1, 2, 3])
    assert known.recall(changed(typed)) is None
    assert known.recall(typed) is not None  # still there for the column itself


def test_only_the_last_batches_are_kept() -> None:
    known, typed, _ = _remembered([1, 2, 3])
    for n in range(2):
        later = pa.array([n], pa.int64())
        known.remember([(later, later.cast(pa.string()))])
    assert known.recall(typed) is None
    assert len(known) == 2


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_a_writer_that_reuses_no_text_stops_the_keeping(
    table_url: str, tmp_path: Path, fmt: str
) -> None:
    with open_query(table_url, "SELECT * FROM known_text ORDER BY id", batch_size=BATCH) as s:
        assert s.known_text is not None and len(s.known_text) > 0  # the first batch's
        export(s, tmp_path / f"out.{fmt}", fmt)
        assert len(s.known_text) == 0


def test_a_stopped_keeper_keeps_nothing() -> None:
    known, typed, _ = _remembered([1, 2])
    known.stop()
    assert known.recall(typed) is None
    known.remember([(typed, typed.cast(pa.string()))])
    assert len(known) == 0


def test_a_text_of_another_length_is_refused() -> None:
    typed = pa.array([1, 2], pa.int64())
    with pytest.raises(ValueError, match="one value per row"):
        KnownText().remember([(typed, pa.array(["1"]))])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
def test_the_text_writers_take_every_text_kept(table_url: str, tmp_path: Path, fmt: str) -> None:
    with open_query(table_url, "SELECT * FROM known_text ORDER BY id", batch_size=BATCH) as s:
        export(s, tmp_path / f"out.{fmt}", fmt)
        assert s.known_text is not None
        assert len(s.known_text) == 0  # every column kept was recalled, none rendered again
