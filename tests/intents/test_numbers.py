"""Numbers in words and digits, ordinals and clock readings (intents.numbers)."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from intents.numbers import (
    BARE_HOUR,
    CLOCK,
    MONTH,
    NUMBER,
    ORDINAL,
    WEEKDAY,
    WEEKDAYS,
    Clock,
    parse_clock,
    parse_month,
    parse_number,
    parse_ordinal,
    parse_weekday,
)

_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen"
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int) -> str:
    """An independent English spelling of ``n`` (0 <= n < 10**6) to check the parser."""
    if n < 20:
        return _SMALL[n]
    if n < 100:
        return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else "-" + _SMALL[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " and " + spell(n % 100)
        return _SMALL[n // 100] + " hundred" + rest
    rest = "" if n % 1000 == 0 else " " + spell(n % 1000)
    return spell(n // 1000) + " thousand" + rest


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("10", 10),
        ("500", 500),
        ("1,000", 1000),
        ("1,234,567", 1234567),
        ("10k", 10000),
        ("zero", 0),
        ("one", 1),
        ("ten", 10),
        ("eleven", 11),
        ("nineteen", 19),
        ("twenty", 20),
        ("twenty-five", 25),
        ("twenty five", 25),
        ("Twenty-Five", 25),
        ("forty two", 42),
        ("fourty two", 42),
        ("ninety-nine", 99),
        ("hundred", 100),
        ("a hundred", 100),
        ("one hundred", 100),
        ("one hundred and twenty", 120),
        ("one hundred twenty", 120),
        ("two hundred and fifty", 250),
        ("twelve hundred", 1200),
        ("a thousand", 1000),
        ("three thousand", 3000),
        ("ten thousand", 10000),
        ("two hundred thousand", 200000),
        ("one thousand two hundred", 1200),
        ("a million", 1000000),
        ("a dozen", 12),
        ("dozen", 12),
        ("two dozen", 24),
        ("half a dozen", 6),
        ("a couple", 2),
        ("a couple of", 2),
        ("couple of", 2),
    ],
)
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "often", "tent", "1.5", "10th", "first", "a", "and", "ten rows", "-", "x10"]
)
def test_parse_number_refuses_what_is_not_one_number(text: str) -> None:
    assert parse_number(text) is None


@given(st.integers(min_value=0, max_value=999_999))
def test_every_spelled_number_reads_back(n: int) -> None:
    assert parse_number(spell(n)) == n
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n


@given(st.text(max_size=40))
def test_parse_number_never_raises(text: str) -> None:
    value = parse_number(text)
    assert value is None or value >= 0


@pytest.mark.parametrize("engine", [re, regex])
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("export the first ten rows", "ten"),
        ("export the first 100 rows", "100"),
        ("top twenty-five customers", "twenty-five"),
        ("give me a hundred rows", "a hundred"),
        ("just a dozen rows", "a dozen"),
        ("the first 1,000 rows", "1,000"),
        ("one hundred and twenty rows", "one hundred and twenty"),
        ("often tentative", None),
        ("version 1.5 rows", None),
        ("row-10 only", None),
        ("the 10th rows", None),
    ],
)
def test_number_fragment_embeds_with_its_own_boundaries(
    engine: object, text: str, found: str | None
) -> None:
    pattern = engine.compile(rf"({NUMBER})\s+(?:rows|customers)")  # type: ignore[attr-defined]
    match = pattern.search(text)
    assert (match[1] if match else None) == found


@pytest.mark.parametrize("engine", [re, regex])
def test_fragments_compile_verbose_and_repeat_without_group_clashes(engine: object) -> None:
    for fragment in (NUMBER, ORDINAL, CLOCK, BARE_HOUR, WEEKDAY, WEEKDAYS, MONTH):
        pattern = engine.compile(  # type: ignore[attr-defined]
            f"(?P<a>{fragment}) (?P<b>{fragment})",
            engine.VERBOSE,  # type: ignore[attr-defined]
        )
        assert pattern.groups == 2


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1st", 1),
        ("2nd", 2),
        ("3rd", 3),
        ("4th", 4),
        ("15th", 15),
        ("21st", 21),
        ("31st", 31),
        ("first", 1),
        ("second", 2),
        ("third", 3),
        ("twelfth", 12),
        ("fifteenth", 15),
        ("twentieth", 20),
        ("twenty-first", 21),
        ("twenty second", 22),
        ("thirtieth", 30),
        ("thirty-first", 31),
    ],
)
def test_parse_ordinal(text: str, value: int) -> None:
    assert parse_ordinal(text) == value


@pytest.mark.parametrize("text", ["1", "one", "firsts", "second best", "", "100th"])
def test_parse_ordinal_refuses(text: str) -> None:
    assert parse_ordinal(text) is None


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("9am", Clock(9, 0, True)),
        ("9 am", Clock(9, 0, True)),
        ("9 a.m.", Clock(9, 0, True)),
        ("9AM", Clock(9, 0, True)),
        ("9pm", Clock(21, 0, True)),
        ("9 p.m.", Clock(21, 0, True)),
        ("12am", Clock(0, 0, True)),
        ("12pm", Clock(12, 0, True)),
        ("7:30", Clock(7, 30, False)),
        ("07:30", Clock(7, 30, True)),
        ("7:30pm", Clock(19, 30, True)),
        ("7.30pm", Clock(19, 30, True)),
        ("21:00", Clock(21, 0, True)),
        ("18:00", Clock(18, 0, True)),
        ("0:30", Clock(0, 30, True)),
        ("24:00", Clock(0, 0, True)),
        ("18h", Clock(18, 0, True)),
        ("18h30", Clock(18, 30, True)),
        ("noon", Clock(12, 0, True)),
        ("12 noon", Clock(12, 0, True)),
        ("midday", Clock(12, 0, True)),
        ("midnight", Clock(0, 0, True)),
        ("half past 8", Clock(8, 30, False)),
        ("half past eight", Clock(8, 30, False)),
        ("quarter past 8", Clock(8, 15, False)),
        ("a quarter past eight", Clock(8, 15, False)),
        ("quarter to nine", Clock(8, 45, False)),
        ("quarter to 12", Clock(11, 45, False)),
        ("10 past 9", Clock(9, 10, False)),
        ("twenty to ten", Clock(9, 40, False)),
        ("five minutes past 6", Clock(6, 5, False)),
        ("9", Clock(9, 0, False)),
        ("nine", Clock(9, 0, False)),
        ("seven thirty", Clock(7, 30, False)),
        ("six oh five pm", Clock(18, 5, True)),
        ("nine am", Clock(9, 0, True)),
        ("9 o'clock", Clock(9, 0, False)),
        ("9 in the morning", Clock(9, 0, True)),
        ("3 in the afternoon", Clock(15, 0, True)),
        ("seven in the evening", Clock(19, 0, True)),
        ("11 at night", Clock(23, 0, True)),
        ("12 at night", Clock(0, 0, True)),
        ("7 tonight", Clock(19, 0, True)),
        ("17", Clock(17, 0, True)),
        ("0", Clock(0, 0, True)),
    ],
)
def test_parse_clock(text: str, clock: Clock) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize("text", ["25:00", "9:75", "24:30", "13pm", "half past 25", "often", ""])
def test_parse_clock_refuses(text: str) -> None:
    clock = parse_clock(text)
    assert clock is None or clock.hour < 24  # "13pm" may read as 13:00; never an invalid hour


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("every day at 9am please", "9am"),
        ("at 7:30 each morning", "7:30"),
        ("every day at noon", "noon"),
        ("daily at half past 8", "half past 8"),
        ("at 9 in the evening", "9 in the evening"),
        ("version 1.30", None),
        ("orders over 1000", None),
        ("room 9", None),
    ],
)
def test_clock_fragment_finds_times_that_read_as_times(text: str, found: str | None) -> None:
    match = re.search(CLOCK, text)
    assert (match[0] if match else None) == found


@given(st.text(max_size=30))
def test_parse_clock_never_raises(text: str) -> None:
    clock = parse_clock(text)
    assert clock is None or (0 <= clock.hour < 24 and 0 <= clock.minute < 60)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("monday", 0), ("Mon", 0), ("mondays", 0), ("tuesday", 1), ("tue", 1), ("tues.", 1),
        ("wednesday", 2), ("weds", 2), ("thursday", 3), ("thu", 3), ("thur", 3), ("thurs", 3),
        ("friday", 4), ("fri", 4), ("saturday", 5), ("sat", 5), ("sunday", 6), ("sundays", 6),
        ("sun", 6), ("someday", None), ("days", None), ("", None),
    ],
)  # fmt: skip
def test_parse_weekday(text: str, value: int | None) -> None:
    assert parse_weekday(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("january", 1), ("jan", 1), ("Feb.", 2), ("march", 3), ("may", 5), ("june", 6),
        ("jun", 6), ("sept", 9), ("sep", 9), ("september", 9), ("december", 12),
        ("decembers", None), ("mayday", None),
    ],
)  # fmt: skip
def test_parse_month(text: str, value: int | None) -> None:
    assert parse_month(text) == value


@pytest.mark.parametrize(
    ("fragment", "text", "found"),
    [
        (WEEKDAY, "since monday's export", "monday"),
        (WEEKDAY, "on mondays", None),
        (WEEKDAY, "since thurs.", "thurs."),
        (WEEKDAY, "a monument", None),
        (WEEKDAYS, "on mondays at 9", "mondays"),
        (WEEKDAYS, "on monday at 9", "monday"),
        (MONTH, "since nov 2", "nov"),
        (MONTH, "a novel", None),
    ],
)
def test_calendar_fragments(fragment: str, text: str, found: str | None) -> None:
    match = re.search(rf"(?<!\w){fragment}", text)
    assert (match[0] if match else None) == found
