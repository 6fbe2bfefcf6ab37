"""Dates, times, timestamps and intervals as text: compared with Python's own ``strftime``
and ``isoformat`` (hypothesis, random instants, zones and patterns) and with PostgreSQL's
text output (BC dates, years past 9999, intervals), and the same wall clock in every
format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters import OptionError, export
from exporters.options import CsvOptions
from exporters.render import text_column
from exporters.temporal import interval_text, wall_clock, year_text

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
# Zones with DST, half and quarter hours, and local mean time with seconds before 1900.
# A few naive datetimes a day inside Python's range (a zone may move them past either end).
SOME_DATETIMES = st.lists(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    min_size=1,
    max_size=6,
)
ZONES = [
    "UTC",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Monrovia",
    "America/Sao_Paulo",
    "Pacific/Kiritimati",
]
# What Python (glibc) and we both write; %s is the machine's zone in Python, see below.
DIRECTIVES = [
    *"aAbBcdDeFgGHIjmMpRSTuUVwWxXyYzZf",
    "-d",
    "-m",
    "-H",
    "-I",
    "-M",
    "-S",
    "-j",
    "k",
    "l",
    "P",
    "%",
]


def micros(value: dt.datetime) -> int:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return (aware - EPOCH) // dt.timedelta(microseconds=1)


def render(values: list[dt.datetime | None], zone: str, pattern: str, tz: str | None) -> list[str]:
    column = pa.array([None if v is None else micros(v) for v in values], pa.int64()).cast(
        pa.timestamp("us", tz=tz)
    )
    options = CsvOptions(timezone=zone, datetime_format=pattern)
    return text_column(column, options).to_pylist()


instants = st.datetimes(
    min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9998, 12, 31)
)  # Python writes %Y without padding before 1000 and cannot go past 9999
patterns = st.lists(
    st.sampled_from(DIRECTIVES).map(lambda d: "%" + d) | st.sampled_from([" ", "-", ":", "T", "x"]),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(instants, min_size=1, max_size=6),
    zone=st.sampled_from(ZONES),
    pattern=patterns,
    zoned=st.booleans(),
)
def test_patterns_mean_what_python_strftime_means(
    values: list[dt.datetime], zone: str, pattern: str, zoned: bool
) -> None:
    if "%" not in pattern.replace("%%", ""):
        pattern += "%S"
    got = render(list(values), zone, pattern, "UTC" if zoned else None)
    # The naive rule: a value without a zone is UTC wall time.
    want = [v.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime(pattern) for v in values]
    assert got == want


@settings(max_examples=300, deadline=None)
@given(
    values=SOME_DATETIMES,
    zone=st.sampled_from(ZONES),
    zoned=st.booleans(),
)
def test_iso_text_is_python_isoformat(values: list[dt.datetime], zone: str, zoned: bool) -> None:
    got = render(list(values), zone, "iso", "UTC" if zoned else None)
    if zone == "UTC" and not zoned:
        want = [v.isoformat() for v in values]  # naive values shown as stored
    else:
        want = [v.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat() for v in values]
    assert got == want


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "Asia/Kolkata"])
@pytest.mark.parametrize("tz", ["UTC", None])
def test_a_batch_of_fractions_across_a_summer_time_change_is_isoformat(
    zone: str, tz: str | None
) -> None:
    """Every value with a fraction of a second, the zone's offset changing in the batch
    (Paris), or not (UTC, Kolkata): the ways a batch is rendered at once."""
    start = dt.datetime(2026, 3, 29, 0, 30, 0, 250_000)
    values = [start + dt.timedelta(minutes=7 * i, microseconds=i) for i in range(40)]
    values[3] = values[3].replace(microsecond=1)
    got = render([*values, None], zone, "iso", tz)
    if zone == "UTC" and tz is None:
        want = [v.isoformat() for v in values]
    else:
        want = [v.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).isoformat() for v in values]
    assert got == [*want, None]


def test_seconds_are_whole_and_f_is_the_microseconds() -> None:
    value = dt.datetime(2026, 3, 29, 1, 30, 5, 250_000)
    assert render([value, None], "UTC", "%H:%M:%S", None) == ["01:30:05", None]
    assert render([value], "UTC", "%S.%f", None) == ["05.250000"]
    before_1970 = dt.datetime(1969, 12, 31, 23, 59, 59, 500_000)
    assert render([before_1970], "UTC", "%S %f", None) == ["59 500000"]


def test_naive_values_are_utc_for_z_and_Z() -> None:
    value = dt.datetime(2026, 1, 15, 12, 0)
    assert render([value], "UTC", "%H:%M %z %Z", None) == ["12:00 +0000 UTC"]
    assert render([value], "Europe/Berlin", "%H:%M %z %Z", None) == ["13:00 +0100 CET"]


def test_epoch_seconds_do_not_depend_on_the_machine() -> None:
    value = dt.datetime(2026, 1, 15, 12, 0, 0, 999_999)
    assert render([value], "Asia/Tokyo", "%s", None) == [
        str(int(value.replace(tzinfo=UTC).timestamp()))
    ]


def test_local_mean_time_keeps_its_seconds() -> None:
    value = dt.datetime(1850, 6, 1, 12, 0)
    assert render([value], "Europe/Berlin", "iso", None) == ["1850-06-01T12:53:28+00:53:28"]
    assert render([value], "Europe/Berlin", "%z %Z", None) == ["+005328 LMT"]
    assert render([value], "America/New_York", "iso", "UTC") == ["1850-06-01T07:03:58-04:56:02"]


def test_years_outside_1_to_9999_are_iso_expanded() -> None:
    last_hour = dt.datetime(9999, 12, 31, 23, 0)
    assert render([last_hour], "Asia/Tokyo", "iso", "UTC") == ["+10000-01-01T08:00:00+09:00"]
    assert render([last_hour], "Asia/Tokyo", "%Y-%m-%d %a %j %c", "UTC") == [
        "+10000-01-01 Sat 001 Sat Jan  1 08:00:00 +10000"
    ]
    assert render([last_hour], "America/New_York", "iso", None) == ["9999-12-31T18:00:00-05:00"]
    first = dt.datetime(1, 1, 1, 0, 30)
    assert render([first], "America/New_York", "iso", "UTC") == ["+0000-12-31T19:33:58-04:56:02"]
    assert [year_text(y) for y in (1, 44, 9999, 10000, 0, -43, -4712)] == [
        "0001",
        "0044",
        "9999",
        "+10000",
        "+0000",
        "-0043",
        "-4712",
    ]


def test_python_pads_years_before_1000_the_way_its_docs_say() -> None:
    value = dt.datetime(44, 3, 15, 12, 0)
    assert render([value], "UTC", "%Y|%y|%C|%G", None) == ["0044|44|00|0044"]
    assert render([value], "UTC", "iso", None) == [value.isoformat()]


def test_dates_have_no_zone() -> None:
    days = pa.array([dt.date(2026, 3, 5), dt.date(1, 1, 1), None], pa.date32())
    options = CsvOptions(timezone="Asia/Tokyo", datetime_format="%-d.%m.%Y|%z|%Z|%f|%s")
    assert text_column(days, options).to_pylist() == [
        "5.03.2026|||000000|1772668800",
        "1.01.0001|||000000|-62135596800",
        None,
    ]
    far = pa.array([-800_000, 3_000_000, 2_147_483_647], pa.int32()).cast(pa.date32())
    assert text_column(far, CsvOptions()).to_pylist() == [
        "-0221-09-04",
        "+10183-09-21",
        "+5881580-07-11",
    ]


def test_times_of_day_and_24_00() -> None:
    times = pa.array([0, 3_723_500_000, 86_400_000_000, None, 59_000_001], pa.time64("us"))
    assert text_column(times, CsvOptions()).to_pylist() == [
        "00:00:00",
        "01:02:03.500000",
        "24:00:00",
        None,
        "00:00:59.000001",
    ]
    assert text_column(pa.array([3_723], pa.time32("s")), CsvOptions()).to_pylist() == ["01:02:03"]


@pytest.mark.parametrize("pattern", ["%Q", "%Y %", "%_d", "%Ey", "%-Y", "%:z"])
def test_unknown_directives_are_refused_by_name(pattern: str, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match=r"option 'datetime_format': '%"):
        export(pa.table({"a": [1]}), tmp_path / "x.csv", "csv", {"datetime_format": pattern})
    assert not (tmp_path / "x.csv").exists()


# --- the same wall clock in every format ------------------------------------------------


def test_every_format_shows_the_same_wall_clock(tmp_path: Path) -> None:
    instants = [
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 1, 30, 5, 250_000, tzinfo=UTC),
        dt.datetime(1850, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 22, tzinfo=UTC),
    ]
    naive = [v.replace(tzinfo=None) for v in instants]
    table = pa.table(
        {
            "zoned": pa.array(instants, pa.timestamp("us", tz="UTC")),
            "naive": pa.array(naive, pa.timestamp("us")),
        }
    )
    options = {"timezone": "Europe/Berlin"}
    want = [v.astimezone(ZoneInfo("Europe/Berlin")).isoformat() for v in instants]
    for fmt in ("csv", "tsv", "json", "jsonl", "markdown", "parquet"):
        export(table, tmp_path / f"t.{fmt}", fmt, options)
    rows = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert [row[0] for row in rows[1:]] == want and [row[1] for row in rows[1:]] == want
    assert [r["naive"] for r in json.loads((tmp_path / "t.json").read_text())] == want
    jsonl = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert [r["zoned"] for r in jsonl] == want
    markdown = (tmp_path / "t.markdown").read_text().splitlines()[2:]
    assert [line.split(" | ")[1].removesuffix(" |") for line in markdown] == want
    stored = pq.read_table(tmp_path / "t.parquet")
    assert stored.schema.field("naive").type == pa.timestamp("us", tz="Europe/Berlin")
    assert [v.isoformat() for v in stored.column("naive").to_pylist()] == want


def test_parquet_keeps_naive_timestamps_naive_in_utc(tmp_path: Path) -> None:
    table = pa.table(
        {
            "naive": pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us")),
            "zoned": pa.array(
                [dt.datetime(2026, 1, 1, tzinfo=UTC)], pa.timestamp("us", tz="Europe/Berlin")
            ),
        }
    )
    export(table, tmp_path / "t.parquet", "parquet")
    schema = pq.read_schema(tmp_path / "t.parquet")
    assert schema.field("naive").type == pa.timestamp("us")
    assert schema.field("zoned").type == pa.timestamp("us", tz="UTC")


# --- against PostgreSQL's own text -------------------------------------------------------


@pytest.fixture(scope="module")
def pg(postgres_url: str) -> Iterator[Any]:
    psycopg = pytest.importorskip("psycopg")
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET IntervalStyle = iso_8601")
        connection.execute("SET DateStyle = ISO, YMD")
        yield connection


def pg_year(text: str) -> str:
    """PostgreSQL's ``0044-03-15 BC`` and ``10000-01-01`` in our expanded form."""
    bc = text.endswith(" BC")
    text = text.removesuffix(" BC")
    year, rest = text.split("-", 1)
    number = 1 - int(year) if bc else int(year)
    return f"{year_text(number)}-{rest}"


def test_dates_match_postgresql_bc_to_5874897(pg: Any) -> None:
    rows = pg.execute(
        "SELECT d - date '1970-01-01', d::text FROM (VALUES (date '4713-01-01 BC'),"
        " ('0044-03-15 BC'), ('0001-12-31 BC'), ('0001-01-01'), ('0999-12-31'),"
        " ('9999-12-31'), ('10000-01-01'), ('294276-12-31'), ('5874897-12-31')) v(d)"
        " UNION ALL SELECT n, (date '1970-01-01' + n)::text"
        " FROM generate_series(-2440000, 2145000000, 9753101) n"
    ).fetchall()
    days = pa.array([r[0] for r in rows], pa.int32()).cast(pa.date32())
    assert text_column(days, CsvOptions()).to_pylist() == [pg_year(r[1]) for r in rows]


def pg_timestamp(text: str) -> str:
    """PostgreSQL's ``0044-03-15 12:53:28.5+00:53:28 BC`` as our ISO text."""
    bc = " BC" if text.endswith(" BC") else ""
    day, clock = text.removesuffix(" BC").split(" ")
    sign = max(clock.rfind("+"), clock.rfind("-"))
    clock, offset = clock[:sign], clock[sign:]
    if "." in clock:
        whole, fraction = clock.split(".")
        clock = f"{whole}.{fraction:0<6}"
    offset += ":00" if len(offset) == 3 else ""
    return f"{pg_year(day + bc)}T{clock}{offset}"


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York"])
def test_timestamps_match_postgresql(pg: Any, zone: str) -> None:
    pg.execute(f"SET TimeZone = '{zone}'")
    rows = pg.execute(
        "SELECT (extract(epoch from t) * 1000000)::bigint, t::text FROM (VALUES"
        " (timestamptz '4713-01-01 00:00:00+00 BC'), ('0044-03-15 12:00:00.5+00 BC'),"
        " ('0001-01-01 00:00:00+00'), ('1850-06-01 12:00:00+00'), ('2026-03-29 01:30:00+00'),"
        " ('2050-07-01 12:00:00+00'),"
        " ('9999-12-31 23:00:00+00'), ('294246-12-31 23:59:59.999999+00')) v(t)"
        " UNION ALL SELECT n * 1000000, (timestamptz 'epoch' + (n || ' s')::interval)::text"
        " FROM generate_series(-210000000000, 9200000000000, 97654321001) n"  # to 293,500 AD
    ).fetchall()
    column = pa.array([r[0] for r in rows], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    got = text_column(column, CsvOptions(timezone=zone)).to_pylist()
    assert got == [pg_timestamp(text) for _, text in rows]


# PostgreSQL's interval fields: months, days, microseconds (each may be negative; the
# microseconds as nanoseconds must fit an int64, about 292 years).
INTERVALS = [
    "1 year 2 mons 3 days 04:05:06.5",
    "-1 days +02:00:00",
    "0",
    "-1 year -2 mons",
    "1 year -1 mons",
    "-00:00:00.000001",
    "-1 day -02:03:04.5",
    "1 day -02:03:04.5",
    "25 hours",
    "-0.5 seconds",
    "12 mons",
    "-13 mons",
    "2562047:47:16.854775",  # the most nanoseconds an int64 holds
    "-2562047:47:16.854775",
    "178956970 years 7 mons",
    "-178956970 years -8 mons",
    "2147483647 days",
    "-2147483648 days",
    "1 min -1 sec",
    "1 mons -1 day -1 sec",
]


def pg_intervals(pg: Any, literals: list[str]) -> tuple[pa.Array, list[str]]:
    rows = pg.execute(
        "SELECT (extract(year from i) * 12 + extract(month from i))::int,"
        " extract(day from i)::int, (extract(hour from i) * 3600000000"
        " + extract(minute from i) * 60000000 + extract(microseconds from i))::bigint, i::text"
        " FROM unnest(%s::interval[]) WITH ORDINALITY u(i, n) ORDER BY n",
        [literals],
    ).fetchall()
    column = pa.array(
        [pa.MonthDayNano([m, d, us * 1000]) for m, d, us, _ in rows],
        pa.month_day_nano_interval(),
    )
    return column, [text for *_, text in rows]


def test_intervals_are_postgresql_iso_8601_text(pg: Any) -> None:
    column, want = pg_intervals(pg, INTERVALS)
    assert interval_text(column).to_pylist() == want


@settings(max_examples=20, deadline=None)
@given(
    fields=st.lists(
        st.tuples(
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**31), 2**31 - 1),
            # (whole microseconds whose nanoseconds an int64 holds, both ends)
            st.integers(-((2**63) // 1000), (2**63 - 1) // 1000) | st.integers(-(10**12), 10**12),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_random_intervals_match_postgresql(pg: Any, fields: list[tuple[int, int, int]]) -> None:
    literals = [f"{m} mons {d} days {us} microseconds" for m, d, us in fields]
    column, want = pg_intervals(pg, literals)
    assert interval_text(column).to_pylist() == want


def civil(days: int) -> tuple[int, int, int]:
    """Year, month, day of ``days`` since 1970-01-01 in the proleptic Gregorian calendar
    (Howard Hinnant's civil_from_days, integers only: no calendar library involved)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=1, max_size=8),
    seconds=st.integers(0, 86_399),
)
def test_any_date32_and_timestamp_is_the_proleptic_gregorian_date(
    days: list[int], seconds: int
) -> None:
    weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    want = [
        f"{year_text(y)}-{m:02d}-{d:02d}|{weekdays[(n + 4) % 7]}"
        for n, (y, m, d) in zip(days, map(civil, days), strict=True)
    ]
    column = pa.array(days, pa.int32()).cast(pa.date32())
    assert text_column(column, CsvOptions(datetime_format="%F|%a")).to_pylist() == want
    stamps = pa.array([n * 86_400 + seconds for n in days], pa.int64()).cast(pa.timestamp("s"))
    clock = f"T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    assert text_column(stamps, CsvOptions()).to_pylist() == [w[:-4] + clock for w in want]


def test_every_unit_and_the_far_ends_of_the_types() -> None:
    nanos = pa.array([0, 3 * 10**18, None, -(2**63) + 1], pa.timestamp("ns"))
    assert text_column(nanos, CsvOptions(timezone="Europe/Berlin")).to_pylist() == [
        "1970-01-01T01:00:00+01:00",
        "2065-01-24T06:20:00+01:00",
        None,
        "1677-09-21T01:06:11.145224193+00:53:28",
    ]
    seconds = pa.array([-(2**62), 2**62], pa.timestamp("s"))
    assert text_column(seconds, CsvOptions(timezone="Asia/Tokyo")).to_pylist() == [
        "-146138510344-07-15T01:33:55+09:18:59",
        "+146138514283-06-19T16:45:04+09:00",
    ]
    millis = pa.array([1_500, 86_400_000], pa.time32("ms"))
    assert text_column(millis, CsvOptions()).to_pylist() == ["00:00:01.500", "24:00:00"]


@settings(max_examples=100, deadline=None)
@given(
    values=SOME_DATETIMES,
    zone=st.sampled_from(ZONES),
)
def test_wall_clock_is_what_python_shows(values: list[dt.datetime], zone: str) -> None:
    column = pa.array([micros(v) for v in values], pa.int64()).cast(pa.timestamp("us"))
    want = [v.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) for v in values]
    assert wall_clock(column, zone).to_pylist() == want


def test_wall_clock_past_9999() -> None:
    column = pa.array([micros(dt.datetime(9999, 12, 31, 23))], pa.int64()).cast(
        pa.timestamp("us", tz="UTC")
    )
    assert wall_clock(column, "Asia/Tokyo").cast(pa.string()).to_pylist() == [
        "10000-01-01 08:00:00.000000"
    ]
