"""Recurrence words to cron (intents.schedule)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intents.schedule import DEFAULT_HOUR, Recurrence, find_schedule


def cron(text: str) -> str | None:
    found = find_schedule(text.lower())
    return None if found is None else found.cron


# ------------------------------------------------------------------ the dev corpus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("email this as excel every weekday at 7:30", "30 7 * * 1-5", id="d-014"),
        pytest.param("pull every invoice over 1000 euros and export to xlsx", None, id="d-023"),
        pytest.param("email this to me every Sunday at 10am as markdown", "0 10 * * 0",
                     id="d-045"),
        pytest.param("send this to me as csv every day at 8am", "0 8 * * *", id="d-046"),
        pytest.param("email me this as a PDF every Monday at 9am", "0 9 * * 1", id="d-052"),
        pytest.param("export this as csv every hour", "0 * * * *", id="d-057"),
        pytest.param("email the results to finance@acme.io as xlsx on the first of every "
                     "month at 6am", "0 6 1 * *", id="d-060"),
        pytest.param("send me this as json every day at midnight", "0 0 * * *", id="d-069"),
        pytest.param("email me this every Monday at 9am", "0 9 * * 1", id="d-070"),
        pytest.param("every Friday at 5pm, email me this as a pdf", "0 17 * * 5", id="d-078"),
        pytest.param("every Tuesday and Thursday at 4pm send me this as csv", "0 16 * * 2,4",
                     id="d-087"),
        pytest.param("what were total sales every Monday in October?", None, id="d-089"),
        pytest.param("schedule this as a daily csv at 18:00", "0 18 * * *", id="d-090"),
        pytest.param("mail this to ops@example.com as parquet every day at 6:15", "15 6 * * *",
                     id="d-094"),
        pytest.param("export everything from today", None, id="d-013"),
        pytest.param("export all my queries from the last 3 days as jsonl", None, id="d-036"),
    ],
)  # fmt: skip
def test_corpus_schedule_cases(text: str, expected: str | None) -> None:
    assert cron(text) == expected


# ------------------------------------------------------------------ phrasings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every day, and the time of day
        ("every day at 9", "0 9 * * *"),
        ("every day at 9am", "0 9 * * *"),
        ("every day at 9 am", "0 9 * * *"),
        ("every day at 9 a.m.", "0 9 * * *"),
        ("every day at 9:00 am", "0 9 * * *"),
        ("every day at 9 pm", "0 21 * * *"),
        ("every day at 9pm", "0 21 * * *"),
        ("every day at 21:00", "0 21 * * *"),
        ("every day at 7:30", "30 7 * * *"),
        ("every day at 7.30pm", "30 19 * * *"),
        ("every day at 7", "0 7 * * *"),
        ("every day at 12", "0 12 * * *"),
        ("every day at noon", "0 12 * * *"),
        ("every day at midday", "0 12 * * *"),
        ("every day at midnight", "0 0 * * *"),
        ("every day at half past 8", "30 8 * * *"),
        ("every day at quarter past 8", "15 8 * * *"),
        ("every day at a quarter to nine", "45 8 * * *"),
        ("every day at nine", "0 9 * * *"),
        ("every day at 9 o'clock", "0 9 * * *"),
        ("every day at 7 in the evening", "0 19 * * *"),
        ("every day at 9am and 5pm", "0 9,17 * * *"),
        ("every single day at 6", "0 6 * * *"),
        ("each day at 6:45", "45 6 * * *"),
        ("at 9 every day", "0 9 * * *"),
        ("at 9am every day", "0 9 * * *"),
        ("every day by 8am", "0 8 * * *"),
        ("daily at 9", "0 9 * * *"),
        ("daily at 9am", "0 9 * * *"),
        ("daily at 9 pm", "0 21 * * *"),
        ("daily at 21:00", "0 21 * * *"),
        ("send it daily", f"0 {DEFAULT_HOUR} * * *"),
        ("send it over daily please", f"0 {DEFAULT_HOUR} * * *"),
        ("on a daily basis", f"0 {DEFAULT_HOUR} * * *"),
        ("once a day", f"0 {DEFAULT_HOUR} * * *"),
        ("once per day at 10", "0 10 * * *"),
        ("every morning", "0 9 * * *"),
        ("each morning at 7:30", "30 7 * * *"),
        ("every morning at 7:30", "30 7 * * *"),
        ("every afternoon", "0 14 * * *"),
        ("every evening", "0 18 * * *"),
        ("every evening at 7", "0 19 * * *"),
        ("every night at 11", "0 23 * * *"),
        ("every night at 11pm", "0 23 * * *"),
        ("nightly", "0 22 * * *"),
        ("send me a daily report", f"0 {DEFAULT_HOUR} * * *"),
        ("send me the daily report every morning", "0 9 * * *"),
        # days of the week
        ("every weekday at 7", "0 7 * * 1-5"),
        ("every weekday at 7:30", "30 7 * * 1-5"),
        ("on weekdays", f"0 {DEFAULT_HOUR} * * 1-5"),
        ("weekdays at 7", "0 7 * * 1-5"),
        ("every weekday morning", "0 9 * * 1-5"),
        ("weekday mornings at 7", "0 7 * * 1-5"),
        ("every workday at 8", "0 8 * * 1-5"),
        ("every business day at 8", "0 8 * * 1-5"),
        ("on working days at 8", "0 8 * * 1-5"),
        ("every weekend", f"0 {DEFAULT_HOUR} * * 0,6"),
        ("on weekends at 10", "0 10 * * 0,6"),
        ("every monday", f"0 {DEFAULT_HOUR} * * 1"),
        ("every monday at 9", "0 9 * * 1"),
        ("every Monday at 9", "0 9 * * 1"),
        ("mondays at 9", "0 9 * * 1"),
        ("on mondays", f"0 {DEFAULT_HOUR} * * 1"),
        ("each monday", f"0 {DEFAULT_HOUR} * * 1"),
        ("every mon", f"0 {DEFAULT_HOUR} * * 1"),
        ("every tuesday at 10", "0 10 * * 2"),
        ("every tues at 10", "0 10 * * 2"),
        ("every wednesday at 10", "0 10 * * 3"),
        ("every wed at 10", "0 10 * * 3"),
        ("every thursday at nine", "0 9 * * 4"),
        ("every thurs at 9", "0 9 * * 4"),
        ("every friday at 17:30", "30 17 * * 5"),
        ("every fri at 5pm", "0 17 * * 5"),
        ("every saturday at 10", "0 10 * * 6"),
        ("every sunday at 9", "0 9 * * 0"),
        ("every sun at 9", "0 9 * * 0"),
        ("at 5 every monday", "0 5 * * 1"),
        ("every monday and thursday", f"0 {DEFAULT_HOUR} * * 1,4"),
        ("schedule it for every monday", f"0 {DEFAULT_HOUR} * * 1"),
        ("schedule this for every day at 9", "0 9 * * *"),
        ("every second tuesday at 9", "0 9 * * 2"),
        ("repeat this export every friday", f"0 {DEFAULT_HOUR} * * 5"),
        ("set up a weekly export to my email every monday morning", "0 9 * * 1"),
        ("could you send this to me every day around 8?", "0 8 * * *"),
        ("mail me the csv every weekday by 9", "0 9 * * 1-5"),
        ("send this daily at 7 except on weekends", "0 7 * * 1-5"),
        ("every day but sunday", f"0 {DEFAULT_HOUR} * * 1-6"),
        ("every day at 9 and 5", "0 9,17 * * *"),
        ("every day at 9, 13 and 17", "0 9,13,17 * * *"),
        ("every monday @ 9", "0 9 * * 1"),
        ("send this every monday 9am", "0 9 * * 1"),
        ("every day 7:30", "30 7 * * *"),
        ("every day at 08:00", "0 8 * * *"),
        ("every evening at 6:30", "30 18 * * *"),
        ("each night at 10", "0 22 * * *"),
        ("at 10pm nightly", "0 22 * * *"),
        ("every week on friday afternoon", "0 14 * * 5"),
        ("every morning at 8 on weekdays", "0 8 * * 1-5"),
        ("at 8 every weekday morning", "0 8 * * 1-5"),
        ("every 1st and 15th of the month", f"0 {DEFAULT_HOUR} 1,15 * *"),
        ("every 10 min", "*/10 * * * *"),
        ("daily except weekends", f"0 {DEFAULT_HOUR} * * 1-5"),
        ("send me this report weekly", f"0 {DEFAULT_HOUR} * * 1"),
        ("every mon, wed and fri at 9", "0 9 * * 1,3,5"),
        ("every monday, wednesday, and friday at 9", "0 9 * * 1,3,5"),
        ("on mondays and thursdays", f"0 {DEFAULT_HOUR} * * 1,4"),
        ("every saturday and sunday at 10", "0 10 * * 0,6"),
        ("every monday to friday at 8", "0 8 * * 1-5"),
        ("monday to friday at 8", "0 8 * * 1-5"),
        ("mon-fri at 7am", "0 7 * * 1-5"),
        ("every monday through thursday at 8", "0 8 * * 1-4"),
        ("every friday to monday at 8", "0 8 * * 0,1,5,6"),
        ("every friday evening", "0 18 * * 5"),
        ("every monday morning", "0 9 * * 1"),
        ("friday evenings at 6", "0 18 * * 5"),
        ("weekly", f"0 {DEFAULT_HOUR} * * 1"),
        ("send it weekly", f"0 {DEFAULT_HOUR} * * 1"),
        ("weekly on friday", f"0 {DEFAULT_HOUR} * * 5"),
        ("once a week", f"0 {DEFAULT_HOUR} * * 1"),
        ("every week on monday at 9", "0 9 * * 1"),
        ("every week", f"0 {DEFAULT_HOUR} * * 1"),
        ("every day at 9 except weekends", "0 9 * * 1-5"),
        ("every day except saturday at 9", "0 9 * * 0-5"),
        # days of the month
        ("first of the month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("on the first of every month at 6am", "0 6 1 * *"),
        ("on the 1st of every month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("every 1st of the month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("on the 15th of each month", f"0 {DEFAULT_HOUR} 15 * *"),
        ("the fifteenth of every month at 8", "0 8 15 * *"),
        ("on the 1st and 15th of every month", f"0 {DEFAULT_HOUR} 1,15 * *"),
        ("at the start of every month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("monthly", f"0 {DEFAULT_HOUR} 1 * *"),
        ("monthly at 6am", "0 6 1 * *"),
        ("monthly on the 5th", f"0 {DEFAULT_HOUR} 5 * *"),
        ("every month on the 15th", f"0 {DEFAULT_HOUR} 15 * *"),
        ("monthly on the 1st and 15th", f"0 {DEFAULT_HOUR} 1,15 * *"),
        ("every month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("once a month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("send me a monthly report", f"0 {DEFAULT_HOUR} 1 * *"),
        ("semi-monthly", f"0 {DEFAULT_HOUR} 1,15 * *"),
        ("every 3 months", f"0 {DEFAULT_HOUR} 1 */3 *"),
        ("quarterly", f"0 {DEFAULT_HOUR} 1 */3 *"),
        ("every quarter", f"0 {DEFAULT_HOUR} 1 */3 *"),
        ("yearly", f"0 {DEFAULT_HOUR} 1 1 *"),
        ("annually at 8", "0 8 1 1 *"),
        # hours and minutes
        ("hourly", "0 * * * *"),
        ("every hour", "0 * * * *"),
        ("each hour", "0 * * * *"),
        ("every 2 hours", "0 */2 * * *"),
        ("every two hours", "0 */2 * * *"),
        ("every 6 hrs", "0 */6 * * *"),
        ("every 2 hours on weekdays", "0 */2 * * 1-5"),
        ("every 2 hours from 8am", "0 8-23/2 * * *"),
        ("every 15 minutes", "*/15 * * * *"),
        ("every fifteen minutes", "*/15 * * * *"),
        ("every 30 mins", "*/30 * * * *"),
        ("every half hour", "*/30 * * * *"),
        ("every half an hour", "*/30 * * * *"),
        ("every quarter hour", "*/15 * * * *"),
        ("every minute", "* * * * *"),
        ("every 120 minutes", "0 */2 * * *"),
        ("every 24 hours", f"0 {DEFAULT_HOUR} * * *"),
    ],
)  # fmt: skip
def test_phrasings(text: str, expected: str) -> None:
    assert cron(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 2 weeks", f"0 {DEFAULT_HOUR} * * 1"),
        ("every two weeks on friday at 4pm", "0 16 * * 5"),
        ("every other monday", f"0 {DEFAULT_HOUR} * * 1"),
        ("biweekly", f"0 {DEFAULT_HOUR} * * 1"),
        ("bi-weekly on thursday", f"0 {DEFAULT_HOUR} * * 4"),
        ("fortnightly", f"0 {DEFAULT_HOUR} * * 1"),
        ("every other day", f"0 {DEFAULT_HOUR} */2 * *"),
        ("every 3 days at 7", "0 7 */3 * *"),
        ("on the last day of the month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("at the end of every month", f"0 {DEFAULT_HOUR} 1 * *"),
        ("every 90 minutes", "0 */2 * * *"),
        ("every 7 minutes", "*/7 * * * *"),
        ("every 5 months", f"0 {DEFAULT_HOUR} 1 */5 *"),
        ("twice a day", "0 9,21 * * *"),
        ("twice a week", f"0 {DEFAULT_HOUR} * * 1,4"),
        ("twice a month", f"0 {DEFAULT_HOUR} 1,15 * *"),
        ("every 1000 days", f"0 {DEFAULT_HOUR} */31 * *"),
        ("every 20 months", f"0 {DEFAULT_HOUR} 1 */12 *"),
        ("every first monday of the month", f"0 {DEFAULT_HOUR} * * 1"),
        ("on the last friday of every month at 5pm", "0 17 * * 5"),
    ],
)
def test_what_cron_cannot_say_is_the_nearest_cron_marked_inexact(text: str, expected: str) -> None:
    found = find_schedule(text)
    assert found is not None
    assert (found.cron, found.exact) == (expected, False)


def test_what_cron_can_say_is_exact() -> None:
    found = find_schedule("every monday at 9")
    assert found is not None and found.exact


@pytest.mark.parametrize(
    "text",
    [
        "",
        "export this as csv",
        "export everything from today",
        "export everything since monday",
        "export everything from monday to friday",
        "email me this on monday at 9",
        "pull every invoice over 1000 euros",
        "export everything",
        "export every row",
        "export each sheet as csv",
        "each customer's orders",
        "each day's revenue",
        "show me daily revenue",
        "show me daily active users",
        "weekly signups by country",
        "email me the weekly sales",
        "export the monthly report as pdf",
        "monthly totals for 2025",
        "revenue for each month",
        "export revenue for each month as csv",
        "total sales for every day",
        "orders by each day",
        "orders per day",
        "what were total sales every monday in october?",
        "how many orders every day last week",
        "each month of 2025",
        "every day this month",
        "export everything since the first of the month",
        "from the 1st of the month",
        "at 9am",
        "at 1000 euros",
        "the first 10 rows",
        "whatever",
        "every time",
    ],
)
def test_not_a_schedule(text: str) -> None:
    assert find_schedule(text) is None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("email me this as a pdf every monday at 9am please", "every monday at 9am"),
        ("at 5pm every friday, send this", "at 5pm every friday"),
        ("send this every day at 8am as csv", "every day at 8am"),
        ("email the results on the first of every month at 6am",
         "on the first of every month at 6am"),
        ("send it every day at 9 except weekends", "every day at 9 except weekends"),
        ("schedule this as a daily csv", "daily"),
    ],
)  # fmt: skip
def test_span_points_at_the_schedule_phrase(text: str, phrase: str) -> None:
    found = find_schedule(text)
    assert found is not None
    assert text[found.span[0] : found.span[1]] == phrase


def test_pieces_hold_parts_stated_apart() -> None:
    text = "schedule this as a daily csv at 18:00"
    found = find_schedule(text)
    assert found is not None
    assert [text[a:b] for a, b in found.pieces] == ["daily", "at 18:00"]


def test_a_time_window_in_the_same_message_is_not_the_run_time() -> None:
    assert cron("email me everything since 9am every day at 6pm") == "0 18 * * *"


# ------------------------------------------------------------------ never raises

_FIELD = re.compile(r"\*(?:/(\d+))?|(\d+)(?:-(\d+))?(?:/(\d+))?")
_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]


def _valid(field: str, low: int, high: int) -> bool:
    for item in field.split(","):
        match = _FIELD.fullmatch(item)
        if match is None:
            return False
        numbers = [int(g) for g in (match[2], match[3]) if g is not None]
        steps = [int(g) for g in (match[1], match[4]) if g is not None]
        if any(not low <= n <= high for n in numbers) or any(not 1 <= s <= high for s in steps):
            return False
        if len(numbers) == 2 and numbers[0] > numbers[1]:
            return False
    return True


def test_the_cron_checker_itself() -> None:
    assert _valid("*/15", 0, 59) and _valid("1-5", 0, 6) and _valid("8-23/2", 0, 23)
    assert not _valid("*/0", 0, 59) and not _valid("7", 0, 6) and not _valid("5-1", 0, 6)


_VOCABULARY = [
    "every", "each", "other", "daily", "weekly", "monthly", "hourly", "nightly", "biweekly",
    "on", "the", "at", "of", "and", "to", "monday", "mondays", "fri", "weekdays", "weekend",
    "morning", "evening", "night", "day", "days", "week", "weeks", "month", "hour", "hours",
    "minutes", "minute", "1st", "15th", "first", "last", "9", "9am", "7:30", "21:00", "noon",
    "midnight", "half", "past", "quarter", "twice", "once", "a", "per", "except", "0", "90",
    "25", "report", "revenue", ",", "-", "since", "1000000", "13"
]  # fmt: skip
_WORDS = st.sampled_from(_VOCABULARY)


@given(st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=12).map(" ".join)))
def test_any_text_gives_none_or_a_valid_cron(text: str) -> None:
    lowered = text.lower()
    found = find_schedule(lowered)
    if found is None:
        return
    assert isinstance(found, Recurrence)
    fields = found.cron.split(" ")
    assert len(fields) == 5
    for field, (low, high) in zip(fields, _RANGES, strict=True):
        assert _valid(field, low, high), found.cron
    assert 0 <= found.span[0] < found.span[1] <= len(lowered)
