"""The COPY lane against the server-side cursor: the same values, the same limits.

Each test reads through both paths (``lane``) where the behaviour must be the same, and
looks at the lane's own mechanics (batches, cancelling, the fallback) where it differs.
Slowness is made by the server (``pg_sleep``), never measured: limits are asserted by the
error they raise and the setting it names.
"""

from __future__ import annotations

import datetime as dt
import struct
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pytest
import sqlglot

from exporters import (
    CancelToken,
    ExportCancelled,
    ExportTimeout,
    Progress,
    QueryRejected,
    QueryTimeout,
    TimeLimits,
    export,
    open_query,
)
from exporters.guard import CheckedQuery
from exporters.sources import postgres, postgres_lane
from exporters.sources import postgres_types as types_
from exporters.sources.limits import Deadline, limited
from exporters.sources.url import parse_url

from . import pg_zoo

QUERY_SETTING = "ASSISTANT_QUERY_TIMEOUT_SECONDS"
EXPORT_SETTING = "ASSISTANT_EXPORT_TIMEOUT_SECONDS"


@pytest.fixture(params=pg_zoo.LANES)
def lane(request: pytest.FixtureRequest) -> Iterator[str]:
    with pg_zoo.reading_through(request.param):
        yield request.param


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[postgres_lane.CopyReader]:
    """Every COPY reader the source starts, with the SQL it was given."""
    started: list[postgres_lane.CopyReader] = []

    class Recorded(postgres_lane.CopyReader):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sql = args[1]
            started.append(self)

    monkeypatch.setattr(postgres_lane, "CopyReader", Recorded)
    return started


def _unguarded(sql: str) -> CheckedQuery:
    """A query as if the guard had let it through: tests the database's own defences."""
    return CheckedQuery(sql, sqlglot.parse_one(sql, read="postgres"), "postgres")


def _sessions(postgres_url: str, pid: int) -> list[tuple[str, str | None]]:
    with psycopg.connect(parse_url(postgres_url).conninfo, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT state, backend_xid::text FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchall()
    return [(str(state), xid) for state, xid in rows]


def _gone(postgres_url: str, pid: int) -> bool:
    """Whether the backend ``pid`` has ended (a closed connection's backend leaves soon
    after; polled, never timed)."""
    for _ in range(200):
        if not _sessions(postgres_url, pid):
            return True
        time.sleep(0.05)
    return False


# ------------------------------------------------------------ which path reads a query


def test_ordinary_types_and_the_whole_zoo_go_through_the_lane(
    postgres_url: str, readers: list[postgres_lane.CopyReader]
) -> None:
    pg_zoo.build(parse_url(postgres_url).conninfo)
    sql = (
        "SELECT 1 AS i, 2::bigint AS b, 1.50::numeric(12,2) AS n, 0.5::float8 AS d, 't' AS t,"
        " 'v'::varchar AS v, date '2026-01-02' AS day, timestamp '2026-01-02 03:04:05' AS ts,"
        " timestamptz '2026-01-02 03:04:05+00' AS tz, true AS ok"
    )
    with open_query(postgres_url, sql) as stream:
        assert postgres.lane_of(stream) == "copy"
        rows = stream.read_all().to_pylist()
    assert rows == [{
        "i": 1, "b": 2, "n": Decimal("1.50"), "d": 0.5, "t": "t", "v": "v",
        "day": dt.date(2026, 1, 2), "ts": dt.datetime(2026, 1, 2, 3, 4, 5),
        "tz": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "ok": True,
    }]  # fmt: skip
    with open_query(postgres_url, "SELECT * FROM type_zoo ORDER BY id", batch_size=100) as stream:
        stream.read_all()
        assert postgres.lane_of(stream) == "copy"
    assert readers and all(r.sql.lstrip().startswith("SELECT") for r in readers)


def test_the_cursor_reads_what_the_lane_cannot_and_is_told_so_nowhere(
    postgres_url: str, readers: list[postgres_lane.CopyReader], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows of no columns: COPY sends one empty line per row, which tells nothing.
    with open_query(postgres_url, "SELECT FROM generate_series(1, 3)") as stream:
        assert postgres.lane_of(stream) == "cursor"
        assert stream.read_all().num_columns == 0 and stream.notes == []
    # Switched off by the variable (how the tests read through the cursor).
    monkeypatch.setenv(postgres_lane.DISABLE_VARIABLE, "1")
    with open_query(postgres_url, "SELECT 'x' AS t") as stream:
        assert postgres.lane_of(stream) == "cursor"
        assert stream.read_all().to_pylist() == [{"t": "x"}] and stream.notes == []
    assert readers == []


def test_a_sql_ascii_database_is_read_by_the_cursor() -> None:
    """SQL_ASCII text is bytes in no known encoding: COPY cannot convert it to UTF-8."""

    class Info:
        def __init__(self, encoding: str) -> None:
            self.encoding = encoding

        def parameter_status(self, name: str) -> str | None:
            return self.encoding if name == "server_encoding" else None

    class Connection:
        def __init__(self, encoding: str) -> None:
            self.info = Info(encoding)

    column = [object()]
    assert postgres_lane.fits(Connection("UTF8"), column)  # type: ignore[arg-type]
    assert postgres_lane.fits(Connection("LATIN1"), column)  # type: ignore[arg-type]
    assert not postgres_lane.fits(Connection("SQL_ASCII"), column)  # type: ignore[arg-type]


def test_both_paths_read_the_zoo_value_for_value(postgres_url: str) -> None:
    pg_zoo.build(parse_url(postgres_url).conninfo)
    tables = {}
    for lane in pg_zoo.LANES:
        with (
            pg_zoo.reading_through(lane),
            open_query(postgres_url, "SELECT * FROM type_zoo ORDER BY id", batch_size=100) as s,
        ):
            tables[lane] = (s.read_all(), s.notes)
    (copied, copy_notes), (fetched, cursor_notes) = tables["copy"], tables["cursor"]
    assert copied.schema == fetched.schema and copy_notes == cursor_notes
    for name in copied.column_names:
        assert _plain(copied.column(name)) == _plain(fetched.column(name)), name


def _plain(column: pa.ChunkedArray) -> list[Any]:
    kind = column.type
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):  # BC, years past 9999
        return column.cast(pa.int32() if pa.types.is_date(kind) else pa.int64()).to_pylist()
    if pa.types.is_floating(kind):  # NaN == NaN, -0.0 != 0.0
        return [None if v is None else struct.pack("d", v) for v in column.to_pylist()]
    return column.to_pylist()


def test_arrow_refuses_every_form_postgresql_writes_beyond_the_plain_ones() -> None:
    """The conversions cast dates and timestamps in one step and leave every refused text
    to the exact path (postgres_types): an Arrow that read '0044-03-15 BC' or an offset
    with seconds its own way would be caught here."""
    refused = {
        pa.date32(): ["0044-03-15 BC", "10000-01-01", "infinity", "-infinity"],
        pa.timestamp("us"): ["0044-03-15 12:00:00 BC", "10000-01-01 00:00:00", "infinity"],
        types_.UTC_TIMESTAMP: ["1850-06-01 12:00:00+00:53:28", "0044-03-15 12:00:00+00 BC",
                               "2026-01-01 00:00:00-00:25:21", "infinity"],
    }  # fmt: skip
    for kind, texts in refused.items():
        for text in texts:
            with pytest.raises(pa.ArrowInvalid):
                pa.array([text]).cast(kind)
    instant = dt.datetime(2026, 3, 28, 20, 0, tzinfo=dt.UTC)
    assert pa.array(["2026-03-29 01:30:00+05:30"]).cast(types_.UTC_TIMESTAMP)[0].as_py() == instant


# ---------------------------------------------------------------------- values


def test_null_and_the_empty_string_stay_apart(postgres_url: str, lane: str) -> None:
    sql = (
        "SELECT * FROM (VALUES (1, NULL::text, ''::text, NULL::bytea, ''::bytea, '\"\"'::text),"
        " (2, '', NULL, '', NULL, NULL)) AS v(id, a, b, c, d, e) ORDER BY id"
    )
    with open_query(postgres_url, sql) as stream:
        rows = stream.read_all().to_pylist()
    assert rows == [
        {"id": 1, "a": None, "b": "", "c": None, "d": b"", "e": '""'},
        {"id": 2, "a": "", "b": None, "c": b"", "d": None, "e": None},
    ]
    # One column: a NULL row is an empty line in COPY's CSV, and must not be skipped.
    one = "SELECT v FROM (VALUES (1, NULL::text), (2, ''), (3, NULL)) AS t(i, v) ORDER BY i"
    with open_query(postgres_url, one) as stream:
        assert stream.read_all().column("v").to_pylist() == [None, "", None]


def test_text_that_looks_like_csv_comes_back_whole(postgres_url: str, lane: str) -> None:
    texts = ["a,b", 'say "hi"', "line\nbreak", "cr\r\nlf", "\\.", "\\N", "  padded  ", "NULL",
             "=1+2", "Grüße 世界 😀", "\t", ",", '"']  # fmt: skip
    sql = "SELECT v FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i"
    literal = "ARRAY[" + ", ".join("'" + t.replace("'", "''") + "'" for t in texts) + "]"
    with open_query(postgres_url, sql.replace("%s", literal)) as stream:
        assert stream.read_all().column("v").to_pylist() == texts


def test_a_preview_cuts_long_values_in_the_server(
    postgres_url: str, lane: str, readers: list[postgres_lane.CopyReader]
) -> None:
    sql = (
        "SELECT repeat('é', 50) AS t, convert_to(repeat('x', 50), 'UTF8') AS b,"
        " 'short' AS s, 42 AS n, ARRAY['a', repeat('z', 30)] AS list"
    )
    with open_query(postgres_url, sql, value_limit=10) as stream:
        row = stream.read_all().to_pylist()[0]
    assert row == {"t": "é" * 11, "b": b"x" * 11, "s": "short", "n": 42,
                   "list": ["a", "z" * 30]}  # fmt: skip
    if lane == "copy":  # the COPY ran the wrapped query (postgres._cut_sql)
        assert len(readers) == 1 and "AS _preview(" in readers[0].sql


def test_a_query_ending_in_a_line_comment(postgres_url: str, lane: str) -> None:
    with open_query(postgres_url, "SELECT 1 AS one -- the last line") as stream:
        assert stream.read_all().to_pylist() == [{"one": 1}]


# ------------------------------------------------------------------ the defences


def test_a_function_that_writes_is_refused_by_the_database(postgres_url: str, lane: str) -> None:
    """The guard lets a call to an unknown function through; READ ONLY stops its write."""
    conninfo = parse_url(postgres_url).conninfo
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS lane_log")
        connection.execute("CREATE TABLE lane_log (n integer)")
        connection.execute(
            "CREATE OR REPLACE FUNCTION lane_write() RETURNS integer LANGUAGE sql"
            " AS 'INSERT INTO lane_log VALUES (1) RETURNING n'"
        )
    with (
        pytest.raises(QueryRejected, match="read-only transaction"),
        open_query(postgres_url, "SELECT lane_write() AS n") as stream,
    ):
        stream.read_all()
    with psycopg.connect(conninfo) as connection:
        assert connection.execute("SELECT count(*) FROM lane_log").fetchone() == (0,)


def test_the_first_rows_limit_names_the_query_setting(postgres_url: str, lane: str) -> None:
    deadline = Deadline(TimeLimits(0.2, 60, QUERY_SETTING, EXPORT_SETTING))
    sql = "SELECT 1 AS one FROM (SELECT pg_sleep(5)) AS s"
    with pytest.raises(QueryTimeout, match=r"0\.2 seconds to start .*\(ASSISTANT_QUERY") as e:
        postgres.open_postgres(
            parse_url(postgres_url), _unguarded(sql), batch_size=10, timeout=deadline
        )
    assert not isinstance(e.value, ExportTimeout)


def test_the_whole_limit_stops_a_stream_that_stalls(postgres_url: str, lane: str) -> None:
    # 50,000 rows come at once, then the server sleeps 5 s before the next: the first
    # batches arrive under the first-rows limit (5 s), the stall outlives the whole (1 s).
    sql = (
        "SELECT g, repeat('x', 20) AS pad FROM generate_series(1, 60000) AS g"
        " WHERE g < 50000 OR (SELECT true FROM pg_sleep(5))"
    )
    deadline = Deadline(TimeLimits(5, 1, QUERY_SETTING, EXPORT_SETTING))
    rows = 0
    with pytest.raises(ExportTimeout, match=r"1 seconds \(ASSISTANT_EXPORT_TIMEOUT_SECONDS\)"):
        stream = postgres.open_postgres(
            parse_url(postgres_url), _unguarded(sql), batch_size=1000, timeout=deadline
        )
        with stream:
            for batch in limited(stream.reader, deadline):
                rows += batch.num_rows
    assert rows < 50000


# ------------------------------------------------------------- batches and closing


def test_a_large_result_streams_in_bounded_batches(
    postgres_url: str, readers: list[postgres_lane.CopyReader], monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 MB of rows, 2 MB at a time: Arrow never holds more than a few batches."""
    sql = "SELECT g, repeat(md5(g::text), 64) AS pad FROM generate_series(1, 50000) AS g"
    sizes, peak = [], 0
    with open_query(postgres_url, sql, batch_size=1000) as stream:
        for batch in stream:
            sizes.append(batch.num_rows)
            peak = max(peak, pa.total_allocated_bytes())
        assert postgres.lane_of(stream) == "copy"
    assert sizes == [1000] * 50 and readers[0].batches == 50
    assert peak < 40 << 20, peak  # the whole result is 100 MB of text
    # Wide rows end a batch early, by bytes, rather than hold batch_size of them.
    monkeypatch.setattr(postgres_lane, "MAX_BATCH_BYTES", 100_000)
    with open_query(postgres_url, sql.replace("50000", "500"), batch_size=1000) as stream:
        sizes = [batch.num_rows for batch in stream]
    assert sum(sizes) == 500 and max(sizes) < 1000 and len(sizes) > 1


def test_closing_mid_stream_leaves_no_transaction_open(
    postgres_url: str, lane: str, readers: list[postgres_lane.CopyReader]
) -> None:
    sql = "SELECT generate_series(1, 100000000) AS g"  # streamed (not in FROM): minutes
    stream = open_query(postgres_url, sql, batch_size=1000)
    transaction = stream._resources[0]
    assert isinstance(transaction, postgres._Transaction)
    pid = transaction.connection.info.backend_pid
    assert next(iter(stream)).num_rows == 1000
    assert _sessions(postgres_url, pid)[0][0] in ("active", "idle in transaction")
    stream.close()
    assert transaction.connection.closed
    assert _gone(postgres_url, pid)
    if lane == "copy":
        assert readers[0].running is False and readers[0].broken is False


def test_a_cancelled_export_stops_the_query(postgres_url: str, lane: str, tmp_path: Path) -> None:
    sql = "SELECT g, 'row ' || g AS label FROM (SELECT generate_series(1, 100000000) AS g) AS s"
    token = CancelToken()
    seen: list[int] = []

    def progress(done: Progress) -> None:
        seen.append(done.rows_done)
        if done.rows_done >= 3000:
            token.cancel()

    stream = open_query(postgres_url, sql, batch_size=1000)
    transaction = stream._resources[0]
    assert isinstance(transaction, postgres._Transaction)
    pid = transaction.connection.info.backend_pid
    with stream, pytest.raises(ExportCancelled):
        export(stream, tmp_path / "out.csv", "csv", progress=progress, cancel=token)
    assert not (tmp_path / "out.csv").exists() and max(seen) < 100000
    assert _gone(postgres_url, pid)


def test_a_reader_closed_from_another_thread_stops_waiting(postgres_url: str) -> None:
    """A read waiting for the server (here: a sleep after 1,000 rows) is cancelled by a
    close from another thread, and ends with the cancel's error. (The server sends its
    output 8 kB at a time: 100 kB of rows come before the sleep, most of them at once.)"""
    import threading

    connection = psycopg.connect(parse_url(postgres_url).conninfo)
    connection.execute("BEGIN READ ONLY")
    reader = postgres_lane.CopyReader(
        connection,
        "SELECT repeat('x', 100) AS s FROM generate_series(1, 1000)"
        " UNION ALL SELECT pg_sleep(30)::text",
        columns=1,
        arrays={},
        binary=set(),
    )
    reader.start(time.monotonic() + 10)
    failure: list[BaseException] = []

    first = reader.next_batch(10)
    assert first is not None and first[0].to_pylist() == ["x" * 100] * 10  # type: ignore[union-attr]

    def read() -> None:
        try:
            reader.next_batch(100_000)
        except BaseException as exc:
            failure.append(exc)

    waiting = threading.Thread(target=read)
    waiting.start()
    time.sleep(0.2)  # not a measurement: lets the read start waiting first
    reader.close()
    waiting.join(timeout=20)
    assert not waiting.is_alive()
    assert failure and isinstance(failure[0], psycopg.errors.QueryCanceled)
    connection.rollback()  # the connection came back clean
    assert connection.execute("SELECT 1").fetchone() == (1,)
    connection.close()


def test_bytea_hex_text_is_decoded_exactly() -> None:
    values = [b"", b"\x00", bytes(range(256)), None, b"Gr\xc3\xbc\xc3\x9fe"]
    text = pa.array([None if v is None else "\\x" + v.hex() for v in values])
    assert postgres_lane.unhex(text).to_pylist() == values
    assert postgres_lane.unhex(text.slice(2)).to_pylist() == values[2:]
    upper = pa.array(["\\x0AFF"])
    assert postgres_lane.unhex(upper).to_pylist() == [b"\n\xff"]
    for bad in (["\\x0"], ["\\xzz"], ["00ff"]):
        with pytest.raises(Exception, match="bytea"):
            postgres_lane.unhex(pa.array(bad))


def test_numeric_shape_counts_digits_as_before() -> None:
    shape = types_._numeric_shape
    assert shape(pa.array(["12.5", "-0.001", None, "100"])) == (3, 3)
    assert shape(pa.array(["0", "000.10"])) == (0, 2)
    assert shape(pa.array([None], pa.string())) == (0, 0)
    assert shape(pa.array(["1", "NaN"])) == (None, 0)
    assert shape(pa.array(["-Infinity"])) == (None, 0)


def test_a_server_gone_silent_is_given_up_on_after_the_whole_limit(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops a COPY at the whole limit itself; when its answer never comes
    (a dead network), the lane stops waiting a while after it. Here "a while" is moved
    before the limit, so a stall the server would still wait out stands for silence."""
    monkeypatch.setattr(postgres, "_SILENT_SECONDS", -59.5)
    sql = (
        "SELECT g, repeat('x', 20) AS pad FROM generate_series(1, 60000) AS g"
        " WHERE g < 50000 OR (SELECT true FROM pg_sleep(30))"
    )
    deadline = Deadline(TimeLimits(5, 60, QUERY_SETTING, EXPORT_SETTING))
    stream = postgres.open_postgres(
        parse_url(postgres_url), _unguarded(sql), batch_size=1000, timeout=deadline
    )
    transaction = stream._resources[0]
    assert isinstance(transaction, postgres._Transaction)
    pid = transaction.connection.info.backend_pid
    with stream, pytest.raises(ExportTimeout, match=r"\(ASSISTANT_EXPORT_TIMEOUT_SECONDS\)"):
        for _ in limited(stream.reader, deadline):
            pass
    assert _gone(postgres_url, pid)


@pytest.fixture(scope="module")
def latin1_url(postgres_url: str) -> str:
    """A LATIN1 database beside the test one: the session speaks LATIN1, COPY sends UTF-8."""
    url = parse_url(postgres_url)
    with psycopg.connect(url.conninfo, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = 'lane_latin1'")
        if not found.fetchone():
            try:
                connection.execute(
                    "CREATE DATABASE lane_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'"
                    " TEMPLATE template0"
                )
            except psycopg.errors.InsufficientPrivilege:
                pytest.skip("the test role may not create a database")
    latin1 = postgres_url.rsplit("/", 1)[0] + "/lane_latin1"
    with psycopg.connect(parse_url(latin1).conninfo, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS words")
        connection.execute("CREATE TABLE words (id integer, word text)")
        connection.execute("INSERT INTO words VALUES (1, 'Grüße'), (2, 'façade ½ ÿ'), (3, NULL)")
    return latin1


def test_a_latin1_database_reads_the_same_text(latin1_url: str, lane: str) -> None:
    sql = "SELECT word, 'é' AS literal FROM words WHERE word <> 'ÿ' OR word IS NULL ORDER BY id"
    with open_query(latin1_url, sql) as stream:
        assert postgres.lane_of(stream) == lane
        assert stream.read_all().to_pylist() == [
            {"word": "Grüße", "literal": "é"},
            {"word": "façade ½ ÿ", "literal": "é"},
            {"word": None, "literal": "é"},
        ]
