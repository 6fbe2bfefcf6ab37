"""Time words to windows of wall-clock time (intents.timewords).

Unless a case says otherwise, ``now`` is the contract's: Wednesday 2026-11-18 15:30 UTC.
Expected values are written out, as (since, until, the phrase the span points at).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intents.timewords import Window, find_window

NOW = "2026-11-18T15:30:00"
Result = tuple[str | None, str | None, str] | None


def at(now: str, tz: str = "UTC") -> dt.datetime:
    """The contract's clock rule: no offset = wall-clock in ``tz``; an offset is converted."""
    moment = dt.datetime.fromisoformat(now)
    zone = ZoneInfo(tz)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def window(text: str, now: str = NOW, tz: str = "UTC") -> Result:
    lowered = text.lower()
    found = find_window(lowered, at(now, tz))
    if found is None:
        return None
    since, until = (
        None if moment is None else moment.isoformat(timespec="minutes")
        for moment in (found.since, found.until)
    )
    return since, until, lowered[found.span[0] : found.span[1]]


# ------------------------------------------------------------------ the dev corpus


@pytest.mark.parametrize(
    ("text", "now", "tz", "since", "until"),
    [
        pytest.param("export all results since November 2 as csv", NOW, "UTC",
                     "2026-11-02T00:00", None, id="d-003"),
        pytest.param("export everything from today", NOW, "UTC",
                     "2026-11-18T00:00", None, id="d-013"),
        pytest.param("export last week's results as csv", "2026-11-22T20:45:00", "UTC",
                     "2026-11-09T00:00", "2026-11-16T00:00", id="d-022"),
        pytest.param("export everything from yesterday as json", "2026-12-01T09:00:00+01:00",
                     "Europe/Berlin", "2026-11-30T00:00", "2026-12-01T00:00", id="d-028"),
        pytest.param("export everything since Monday as xlsx", NOW, "UTC",
                     "2026-11-16T00:00", None, id="d-035"),
        pytest.param("export all my queries from the last 3 days as jsonl",
                     "2026-11-20T18:40:00", "UTC", "2026-11-17T18:40", None, id="d-036"),
        pytest.param("export everything from this week as pdf", "2026-11-22T20:45:00", "UTC",
                     "2026-11-16T00:00", None, id="d-058"),
        pytest.param("export all queries from the last 6 hours as markdown",
                     "2026-11-21T10:15:00-05:00", "America/New_York",
                     "2026-11-21T04:15", None, id="d-063"),
        pytest.param("zip up everything I ran today as csv", "2026-11-16T08:05:00",
                     "Europe/Berlin", "2026-11-16T00:00", None, id="d-076"),
        pytest.param("export all my queries this week as excel", NOW, "UTC",
                     "2026-11-16T00:00", None, id="d-085"),
        pytest.param("export everything from last week as parquet", NOW, "UTC",
                     "2026-11-09T00:00", "2026-11-16T00:00", id="d-091"),
        pytest.param("export everything from today as excel", "2026-11-18T23:30:00Z",
                     "Europe/Berlin", "2026-11-19T00:00", None, id="d-095"),
        pytest.param("export yesterday's results as json", NOW, "UTC",
                     "2026-11-17T00:00", "2026-11-18T00:00", id="d-098"),
        pytest.param("export everything from today as csv files in a zip", NOW, "UTC",
                     "2026-11-18T00:00", None, id="d-101"),
        pytest.param("export all results from the last 24 hours as csv", NOW, "UTC",
                     "2026-11-17T15:30", None, id="d-112"),
        pytest.param("export all results from yesterday as tsv", "2026-11-18T04:30:00Z",
                     "America/New_York", "2026-11-16T00:00", "2026-11-17T00:00", id="d-119"),
    ],
)  # fmt: skip
def test_corpus_history_cases(
    text: str, now: str, tz: str, since: str | None, until: str | None
) -> None:
    found = window(text, now, tz)
    assert found is not None
    assert found[:2] == (since, until)


# ------------------------------------------------------------------ phrasings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the contract's own words
        ("today", ("2026-11-18T00:00", None, "today")),
        ("export everything from today", ("2026-11-18T00:00", None, "from today")),
        ("everything I ran today so far", ("2026-11-18T00:00", None, "today so far")),
        ("so far today", ("2026-11-18T00:00", None, "so far today")),
        ("earlier today", ("2026-11-18T00:00", None, "earlier today")),
        ("today's results", ("2026-11-18T00:00", None, "today's")),
        ("todays results", ("2026-11-18T00:00", None, "todays")),
        ("yesterday", ("2026-11-17T00:00", "2026-11-18T00:00", "yesterday")),
        ("yesterdays queries", ("2026-11-17T00:00", "2026-11-18T00:00", "yesterdays")),
        ("the day before yesterday", ("2026-11-16T00:00", "2026-11-17T00:00",
                                      "the day before yesterday")),
        ("this week", ("2026-11-16T00:00", None, "this week")),
        ("so far this week", ("2026-11-16T00:00", None, "so far this week")),
        ("this week's queries", ("2026-11-16T00:00", None, "this week's")),
        ("the current week", ("2026-11-16T00:00", None, "the current week")),
        ("week to date", ("2026-11-16T00:00", None, "week to date")),
        ("since the start of the week", ("2026-11-16T00:00", None,
                                         "since the start of the week")),
        ("last week", ("2026-11-09T00:00", "2026-11-16T00:00", "last week")),
        ("from last week", ("2026-11-09T00:00", "2026-11-16T00:00", "from last week")),
        ("the previous week", ("2026-11-09T00:00", "2026-11-16T00:00", "the previous week")),
        ("previous week", ("2026-11-09T00:00", "2026-11-16T00:00", "previous week")),
        # rolling windows: minutes and hours in real time, days and longer on the calendar
        ("in the last 24 hours", ("2026-11-17T15:30", None, "in the last 24 hours")),
        ("the past 24 hours", ("2026-11-17T15:30", None, "the past 24 hours")),
        ("past 24h", ("2026-11-17T15:30", None, "past 24h")),
        ("over the last 48 hrs", ("2026-11-16T15:30", None, "over the last 48 hrs")),
        ("last 2 hours", ("2026-11-18T13:30", None, "last 2 hours")),
        ("the last hour", ("2026-11-18T14:30", None, "the last hour")),
        ("in the past hour", ("2026-11-18T14:30", None, "in the past hour")),
        ("within the last 30 minutes", ("2026-11-18T15:00", None,
                                        "within the last 30 minutes")),
        ("last 45 mins", ("2026-11-18T14:45", None, "last 45 mins")),
        ("the past day", ("2026-11-17T15:30", None, "the past day")),
        ("the last day", ("2026-11-17T15:30", None, "the last day")),
        ("last 3 days", ("2026-11-15T15:30", None, "last 3 days")),
        ("past 3 days", ("2026-11-15T15:30", None, "past 3 days")),
        ("in the last three days", ("2026-11-15T15:30", None, "in the last three days")),
        ("the last 7 days", ("2026-11-11T15:30", None, "the last 7 days")),
        ("the previous 3 days", ("2026-11-15T15:30", None, "the previous 3 days")),
        ("last few days", ("2026-11-15T15:30", None, "last few days")),
        ("the last couple of days", ("2026-11-16T15:30", None, "the last couple of days")),
        ("in the past few hours", ("2026-11-18T12:30", None, "in the past few hours")),
        ("last 10 days", ("2026-11-08T15:30", None, "last 10 days")),
        ("over the past two weeks", ("2026-11-04T15:30", None, "over the past two weeks")),
        ("the last 2 weeks", ("2026-11-04T15:30", None, "the last 2 weeks")),
        ("during the past fortnight", ("2026-11-04T15:30", None,
                                       "during the past fortnight")),
        ("in the last week", ("2026-11-11T15:30", None, "in the last week")),
        ("the past week", ("2026-11-11T15:30", None, "the past week")),
        ("past week", ("2026-11-11T15:30", None, "past week")),
        ("this past week", ("2026-11-11T15:30", None, "this past week")),
        ("the last month", ("2026-10-18T15:30", None, "the last month")),
        ("the last 2 months", ("2026-09-18T15:30", None, "the last 2 months")),
        ("past year", ("2025-11-18T15:30", None, "past year")),
        # calendar periods
        ("this month", ("2026-11-01T00:00", None, "this month")),
        ("month to date", ("2026-11-01T00:00", None, "month to date")),
        ("mtd", ("2026-11-01T00:00", None, "mtd")),
        ("since the beginning of the month", ("2026-11-01T00:00", None,
                                              "since the beginning of the month")),
        ("last month", ("2026-10-01T00:00", "2026-11-01T00:00", "last month")),
        ("last month's exports", ("2026-10-01T00:00", "2026-11-01T00:00", "last month's")),
        ("this quarter", ("2026-10-01T00:00", None, "this quarter")),
        ("last quarter", ("2026-07-01T00:00", "2026-10-01T00:00", "last quarter")),
        ("this year", ("2026-01-01T00:00", None, "this year")),
        ("year to date", ("2026-01-01T00:00", None, "year to date")),
        ("ytd", ("2026-01-01T00:00", None, "ytd")),
        ("last year", ("2025-01-01T00:00", "2026-01-01T00:00", "last year")),
        ("last weekend", ("2026-11-14T00:00", "2026-11-16T00:00", "last weekend")),
        ("this morning", ("2026-11-18T00:00", "2026-11-18T12:00", "this morning")),
        ("this afternoon", ("2026-11-18T12:00", "2026-11-18T18:00", "this afternoon")),
        ("this evening", ("2026-11-18T18:00", None, "this evening")),
        # weekdays: the most recent one, today included ("last ..." excludes today)
        ("since monday", ("2026-11-16T00:00", None, "since monday")),
        ("since Monday", ("2026-11-16T00:00", None, "since monday")),
        ("since tuesday", ("2026-11-17T00:00", None, "since tuesday")),
        ("since wednesday", ("2026-11-18T00:00", None, "since wednesday")),
        ("since last wednesday", ("2026-11-11T00:00", None, "since last wednesday")),
        ("on wednesday", ("2026-11-18T00:00", "2026-11-19T00:00", "on wednesday")),
        ("last wednesday", ("2026-11-11T00:00", "2026-11-12T00:00", "last wednesday")),
        ("since thursday", ("2026-11-12T00:00", None, "since thursday")),
        ("since friday", ("2026-11-13T00:00", None, "since friday")),
        ("since saturday", ("2026-11-14T00:00", None, "since saturday")),
        ("since sunday", ("2026-11-15T00:00", None, "since sunday")),
        ("since last monday", ("2026-11-16T00:00", None, "since last monday")),
        ("since mon", ("2026-11-16T00:00", None, "since mon")),
        ("since thurs", ("2026-11-12T00:00", None, "since thurs")),
        ("since sat", ("2026-11-14T00:00", None, "since sat")),
        ("on monday", ("2026-11-16T00:00", "2026-11-17T00:00", "on monday")),
        ("on sat", ("2026-11-14T00:00", "2026-11-15T00:00", "on sat")),
        ("last monday", ("2026-11-16T00:00", "2026-11-17T00:00", "last monday")),
        ("last friday", ("2026-11-13T00:00", "2026-11-14T00:00", "last friday")),
        ("this monday", ("2026-11-16T00:00", "2026-11-17T00:00", "this monday")),
        ("monday's results", ("2026-11-16T00:00", "2026-11-17T00:00", "monday's")),
        ("everything from friday", ("2026-11-13T00:00", "2026-11-14T00:00", "from friday")),
        # dates: a missing year is the most recent past occurrence
        ("since november 2", ("2026-11-02T00:00", None, "since november 2")),
        ("since Nov 2nd", ("2026-11-02T00:00", None, "since nov 2nd")),
        ("since nov. 2", ("2026-11-02T00:00", None, "since nov. 2")),
        ("since 2 november", ("2026-11-02T00:00", None, "since 2 november")),
        ("since 2nd nov", ("2026-11-02T00:00", None, "since 2nd nov")),
        ("since the 2nd of november", ("2026-11-02T00:00", None,
                                       "since the 2nd of november")),
        ("since november the second", ("2026-11-02T00:00", None,
                                       "since november the second")),
        ("since 2026-11-02", ("2026-11-02T00:00", None, "since 2026-11-02")),
        ("since 2026/11/02", ("2026-11-02T00:00", None, "since 2026/11/02")),
        ("since november 18", ("2026-11-18T00:00", None, "since november 18")),
        ("since november 19", ("2025-11-19T00:00", None, "since november 19")),
        ("since december 25", ("2025-12-25T00:00", None, "since december 25")),
        ("since jan 5", ("2026-01-05T00:00", None, "since jan 5")),
        ("since december 25, 2024", ("2024-12-25T00:00", None, "since december 25, 2024")),
        ("since the 2nd", ("2026-11-02T00:00", None, "since the 2nd")),
        ("since the 20th", ("2026-10-20T00:00", None, "since the 20th")),
        ("since the first of the month", ("2026-11-01T00:00", None,
                                          "since the first of the month")),
        ("on november 2", ("2026-11-02T00:00", "2026-11-03T00:00", "on november 2")),
        ("on 2026-11-02", ("2026-11-02T00:00", "2026-11-03T00:00", "on 2026-11-02")),
        ("november 2", ("2026-11-02T00:00", "2026-11-03T00:00", "november 2")),
        ("on the 2nd", ("2026-11-02T00:00", "2026-11-03T00:00", "on the 2nd")),
        ("in october", ("2026-10-01T00:00", "2026-11-01T00:00", "in october")),
        ("for march", ("2026-03-01T00:00", "2026-04-01T00:00", "for march")),
        ("in december", ("2025-12-01T00:00", "2026-01-01T00:00", "in december")),
        ("in november", ("2026-11-01T00:00", "2026-12-01T00:00", "in november")),
        ("since october", ("2026-10-01T00:00", None, "since october")),
        ("last october", ("2026-10-01T00:00", "2026-11-01T00:00", "last october")),
        ("since dec 2025", ("2025-12-01T00:00", None, "since dec 2025")),
        ("in 2025", ("2025-01-01T00:00", "2026-01-01T00:00", "in 2025")),
        ("since 2025", ("2025-01-01T00:00", None, "since 2025")),
        # ranges and cues
        ("from nov 2 to nov 5", ("2026-11-02T00:00", "2026-11-06T00:00", "from nov 2 to nov 5")),
        ("between november 2 and november 5", ("2026-11-02T00:00", "2026-11-06T00:00",
                                               "between november 2 and november 5")),
        ("from oct 30 till nov 3", ("2026-10-30T00:00", "2026-11-04T00:00",
                                    "from oct 30 till nov 3")),
        ("nov 2 - nov 5", ("2026-11-02T00:00", "2026-11-06T00:00", "nov 2 - nov 5")),
        ("from 2026-11-02 to 2026-11-05", ("2026-11-02T00:00", "2026-11-06T00:00",
                                           "from 2026-11-02 to 2026-11-05")),
        ("between the 2nd and the 5th", ("2026-11-02T00:00", "2026-11-06T00:00",
                                         "between the 2nd and the 5th")),
        ("from monday to wednesday", ("2026-11-16T00:00", "2026-11-19T00:00",
                                      "from monday to wednesday")),
        ("from friday to monday", ("2026-11-13T00:00", "2026-11-17T00:00",
                                   "from friday to monday")),
        ("from dec 20 to jan 5", ("2025-12-20T00:00", "2026-01-06T00:00",
                                  "from dec 20 to jan 5")),
        ("from last week to today", ("2026-11-09T00:00", None, "from last week to today")),
        ("from monday until now", ("2026-11-16T00:00", None, "from monday until now")),
        ("from nov 2 onwards", ("2026-11-02T00:00", None, "from nov 2 onwards")),
        ("since 9am", ("2026-11-18T09:00", None, "since 9am")),
        ("since 3 o'clock", ("2026-11-18T15:00", None, "since 3 o'clock")),
        ("since 7:30", ("2026-11-18T07:30", None, "since 7:30")),
        ("since noon", ("2026-11-18T12:00", None, "since noon")),
        ("before noon", ("2026-11-18T00:00", "2026-11-18T12:00", "before noon")),
        ("until 2pm", ("2026-11-18T00:00", "2026-11-18T14:00", "until 2pm")),
        ("since 4pm", ("2026-11-17T16:00", None, "since 4pm")),
        ("from 9am to 5pm", ("2026-11-18T09:00", "2026-11-18T17:00", "from 9am to 5pm")),
        ("since yesterday", ("2026-11-17T00:00", None, "since yesterday")),
        ("since last week", ("2026-11-09T00:00", None, "since last week")),
        ("since this morning", ("2026-11-18T00:00", None, "since this morning")),
        ("after nov 2", ("2026-11-03T00:00", None, "after nov 2")),
        ("after yesterday", ("2026-11-18T00:00", None, "after yesterday")),
        ("before nov 2", (None, "2026-11-02T00:00", "before nov 2")),
        ("until yesterday", (None, "2026-11-18T00:00", "until yesterday")),
        ("up to last week", (None, "2026-11-16T00:00", "up to last week")),
        ("3 days ago", ("2026-11-15T00:00", "2026-11-16T00:00", "3 days ago")),
        ("from 2 days ago", ("2026-11-16T00:00", "2026-11-17T00:00", "from 2 days ago")),
        ("from 2 weeks ago", ("2026-11-04T00:00", "2026-11-05T00:00", "from 2 weeks ago")),
        ("from the 2nd to the 5th of november", ("2026-11-02T00:00", "2026-11-06T00:00",
                                                 "from the 2nd to the 5th of november")),
        ("since the weekend", ("2026-11-14T00:00", None, "since the weekend")),
        ("over the weekend", ("2026-11-14T00:00", "2026-11-16T00:00", "over the weekend")),
        ("this past weekend", ("2026-11-14T00:00", "2026-11-16T00:00", "this past weekend")),
        ("since friday last week", ("2026-11-13T00:00", None, "since friday")),
        ("from 3pm onwards", ("2026-11-18T15:00", None, "from 3pm onwards")),
        ("since 3 days ago", ("2026-11-15T00:00", None, "since 3 days ago")),
        ("since a week ago", ("2026-11-11T00:00", None, "since a week ago")),
        ("since an hour ago", ("2026-11-18T14:30", None, "since an hour ago")),
    ],
)  # fmt: skip
def test_phrasings(text: str, expected: Result) -> None:
    assert window(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "export this as csv",
        "export the first 10 rows",
        "export the last 10 rows",
        "you may export this",
        "orders over 2000 euros",
        "for 2000 rows",
        "email me this every monday at 9",
        "every monday and thursday at 4pm",
        "each tuesday",
        "on mondays",
        "next monday",
        "next week",
        "sat",
        "at 9am",
        "on the 1st of every month at 6am",
        "since 11/02",
        "since 02.11.",
        "a lasting weekday",
        "often, monthly totals",
    ],
)
def test_not_a_window(text: str) -> None:
    assert window(text) is None


def test_the_contracts_phrase_wins_over_other_time_words() -> None:
    assert window("in october, what did i export since monday") == (
        "2026-11-16T00:00",
        None,
        "since monday",
    )
    assert window("export everything from today, like i did in may") == (
        "2026-11-18T00:00",
        None,
        "from today",
    )
    assert window("yesterday or today") == ("2026-11-17T00:00", "2026-11-18T00:00", "yesterday")


def test_span_points_into_the_text() -> None:
    text = "please export everything since monday as xlsx"
    found = find_window(text, at(NOW))
    assert found is not None
    assert text[: found.span[0]] + text[found.span[1] :] == "please export everything  as xlsx"


# ------------------------------------------------------------------ week and month edges

MONDAY, SUNDAY = "2026-11-16T08:05:00", "2026-11-22T20:45:00"


@pytest.mark.parametrize(
    ("text", "now", "since", "until"),
    [
        ("this week", MONDAY, "2026-11-16T00:00", None),
        ("last week", MONDAY, "2026-11-09T00:00", "2026-11-16T00:00"),
        ("this week", SUNDAY, "2026-11-16T00:00", None),
        ("last week", SUNDAY, "2026-11-09T00:00", "2026-11-16T00:00"),
        ("since monday", MONDAY, "2026-11-16T00:00", None),
        ("since last monday", MONDAY, "2026-11-09T00:00", None),
        ("last monday", MONDAY, "2026-11-09T00:00", "2026-11-10T00:00"),
        ("on monday", MONDAY, "2026-11-16T00:00", "2026-11-17T00:00"),
        ("since sunday", MONDAY, "2026-11-15T00:00", None),
        ("since tuesday", MONDAY, "2026-11-10T00:00", None),
        ("this monday", MONDAY, "2026-11-16T00:00", "2026-11-17T00:00"),
        ("since monday", SUNDAY, "2026-11-16T00:00", None),
        ("since sunday", SUNDAY, "2026-11-22T00:00", None),
        ("since last sunday", SUNDAY, "2026-11-15T00:00", None),
        ("since saturday", SUNDAY, "2026-11-21T00:00", None),
        ("last weekend", SUNDAY, "2026-11-14T00:00", "2026-11-16T00:00"),
        ("this weekend", SUNDAY, "2026-11-21T00:00", "2026-11-23T00:00"),
        ("yesterday", "2027-01-01T10:00:00", "2026-12-31T00:00", "2027-01-01T00:00"),
        ("last month", "2027-01-15T10:00:00", "2026-12-01T00:00", "2027-01-01T00:00"),
        ("last quarter", "2027-01-15T10:00:00", "2026-10-01T00:00", "2027-01-01T00:00"),
        ("last week", "2027-01-02T10:00:00", "2026-12-21T00:00", "2026-12-28T00:00"),
        ("the last month", "2026-03-31T10:00:00", "2026-02-28T10:00", None),
        ("the past year", "2028-02-29T10:00:00", "2027-02-28T10:00", None),
        ("since december 25", "2026-12-25T10:00:00", "2026-12-25T00:00", None),
        ("since february 29", "2028-03-01T10:00:00", "2028-02-29T00:00", None),
    ],
)
def test_edges(text: str, now: str, since: str | None, until: str | None) -> None:
    found = window(text, now, "Europe/Berlin")
    assert found is not None
    assert found[:2] == (since, until)


@pytest.mark.parametrize("today", range(16, 23))  # Monday 16 .. Sunday 22 November 2026
@pytest.mark.parametrize(
    "name", ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
def test_since_a_weekday_is_the_most_recent_one(today: int, name: str) -> None:
    now = at(f"2026-11-{today}T12:00:00", "Asia/Tokyo")
    found, last = find_window(f"since {name}", now), find_window(f"since last {name}", now)
    assert found is not None and found.since is not None and found.until is None
    assert last is not None and last.since is not None
    assert found.since.strftime("%A").lower() == last.since.strftime("%A").lower() == name
    assert 0 <= (dt.datetime(2026, 11, today) - found.since).days <= 6
    assert 1 <= (dt.datetime(2026, 11, today) - last.since).days <= 7


# ------------------------------------------------------------------ daylight saving time


@pytest.mark.parametrize(
    ("text", "now", "tz", "since"),
    [
        # Berlin springs forward on 2026-03-29 at 02:00 -> 03:00
        ("the last 24 hours", "2026-03-29T12:00:00", "Europe/Berlin", "2026-03-28T11:00"),
        ("the last day", "2026-03-29T12:00:00", "Europe/Berlin", "2026-03-28T12:00"),
        ("the last 2 hours", "2026-03-29T03:30:00", "Europe/Berlin", "2026-03-29T00:30"),
        ("the last 48 hours", "2026-03-30T12:00:00", "Europe/Berlin", "2026-03-28T11:00"),
        ("the last 2 days", "2026-03-30T12:00:00", "Europe/Berlin", "2026-03-28T12:00"),
        # a calendar day back lands in the gap: moved past it
        ("the last day", "2026-03-30T02:30:00", "Europe/Berlin", "2026-03-29T03:30"),
        ("today", "2026-03-29T12:00:00", "Europe/Berlin", "2026-03-29T00:00"),
        # Berlin falls back on 2026-10-25 at 03:00 -> 02:00
        ("the last 24 hours", "2026-10-25T12:00:00", "Europe/Berlin", "2026-10-24T13:00"),
        ("the past day", "2026-10-25T12:00:00", "Europe/Berlin", "2026-10-24T12:00"),
        ("the last 3 hours", "2026-10-25T03:30:00", "Europe/Berlin", "2026-10-25T01:30"),
        ("last 7 days", "2026-10-28T09:00:00", "Europe/Berlin", "2026-10-21T09:00"),
        ("last 168 hours", "2026-10-28T09:00:00", "Europe/Berlin", "2026-10-21T10:00"),
        # New York springs forward on 2026-03-08 at 02:00 -> 03:00
        ("the last 24 hours", "2026-03-08T12:00:00", "America/New_York", "2026-03-07T11:00"),
        ("the last day", "2026-03-08T12:00:00", "America/New_York", "2026-03-07T12:00"),
        # now given in UTC, converted to the zone first
        ("the last 6 hours", "2026-03-29T03:00:00Z", "Europe/Berlin", "2026-03-28T22:00"),
    ],
)
def test_rolling_windows_across_dst(text: str, now: str, tz: str, since: str) -> None:
    assert window(text, now, tz) == (since, None, text)


def test_datetimes_are_naive_wall_clock() -> None:
    found = find_window("since monday", at("2026-11-18T15:30:00", "America/Los_Angeles"))
    assert found is not None and found.since is not None
    assert found.since.tzinfo is None


# ------------------------------------------------------------------ never raises

_VOCABULARY = [
    "today", "yesterday", "since", "from", "to", "until", "between", "and", "the", "last",
    "past", "this", "next", "week", "month", "year", "quarter", "weekend", "day", "days",
    "hours", "minutes", "ago", "monday", "fri", "sat", "may", "november", "nov", "2nd", "first",
    "3", "24", "2025", "2026-11-02", "9am", "noon", "on", "in", "before", "after", "every",
    "each", "of", "onwards", "few", "a", "couple", "-", ",", "'s"
]  # fmt: skip
_WORDS = st.sampled_from(_VOCABULARY)


@given(
    st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=12).map(" ".join)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
)
def test_any_text_gives_none_or_a_valid_window(text: str, now: dt.datetime, tz: str) -> None:
    lowered = text.lower()
    found = find_window(lowered, now.replace(tzinfo=ZoneInfo(tz)))
    if found is None:
        return
    assert isinstance(found, Window)
    assert 0 <= found.span[0] < found.span[1] <= len(lowered)
    assert found.since is not None or found.until is not None
    for moment in (found.since, found.until):
        assert moment is None or moment.tzinfo is None
    if found.since is not None and found.until is not None:
        assert found.since < found.until


def test_a_naive_now_is_read_as_wall_clock() -> None:
    found = find_window("the last 2 hours", dt.datetime(2026, 3, 29, 3, 30))
    assert found is not None
    assert found.since == dt.datetime(2026, 3, 29, 1, 30)
