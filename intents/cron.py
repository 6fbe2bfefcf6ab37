"""A reading of a schedule's parts, written as the five fields of standard cron.

:mod:`intents.schedule` fills a :class:`Reading` from the words of a message;
:func:`cron_fields` writes it as ``minute hour day-of-month month day-of-week`` (Sunday
= 0) and clears ``Reading.exact`` where cron can only come near what was said (the
choices are listed in :mod:`intents.schedule`'s docstring). :func:`read_minute_past`
reads the minute of an hourly run ("hourly at :30", "every hour at quarter past").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intents.numbers import Clock

__all__ = ["DEFAULT_HOUR", "POD_HOURS", "Reading", "cron_fields", "read_minute_past"]

DEFAULT_HOUR = 9
"""The hour a schedule runs when the message names none ("every Monday")."""
POD_HOURS = {"morning": 9, "afternoon": 14, "evening": 18, "night": 22}


@dataclass
class Reading:
    """What the parts of one message say, gathered before the cron is written."""

    freq: str | None = None  # minute, hour, day, week, month, year, semi (1st and 15th)
    n: int = 1  # every n units
    per: int = 1  # "twice a day": runs per unit
    days: set[int] = field(default_factory=set)
    excluded: set[int] = field(default_factory=set)  # "except weekends"
    doms: list[int | str] = field(default_factory=list)  # days of the month, "last"
    extra_doms: list[int | str] = field(default_factory=list)  # "on the 15th": monthly only
    times: list[Clock] = field(default_factory=list)
    starts: list[Clock] = field(default_factory=list)  # "from 8am": only for hourly runs
    pod: str | None = None  # part of the day: morning, afternoon, evening, night
    minute_past: int | None = None  # "hourly at :30", "on the half hour": hourly runs only
    exact: bool = True
    anchors: list[tuple[int, int]] = field(default_factory=list)
    used: list[tuple[int, int]] = field(default_factory=list)


def cron_fields(reading: Reading) -> str:
    """The cron expression for ``reading`` (``reading.exact`` turns False where it guesses)."""
    freq, n = reading.freq, reading.n
    if freq == "minute" and n >= 60:
        reading.exact &= n % 60 == 0
        freq, n = "hour", max(1, round(n / 60))
    if freq == "hour" and n >= 24:
        reading.exact &= n % 24 == 0
        freq, n = "day", max(1, round(n / 24))
    if (freq == "day" and n > 31) or (freq == "month" and n > 12):  # beyond what cron steps
        reading.exact, n = False, (31 if freq == "day" else 12)
    minute, hour = _clock_fields(reading, freq, n)
    dom, month, dow = _date_fields(reading, freq, n)
    minute, hour = _clock_fields(reading, freq, n)
    dom, month, dow = _date_fields(reading, freq, n)
    return f"{minute} {hour} {dom} {month} {dow}"


def _clock_fields(reading: Reading, freq: str | None, n: int) -> tuple[str, str]:
    if freq == "minute":
        reading.exact &= 60 % n == 0
        return ("*" if n == 1 else f"*/{n}"), "*"
    first = reading.times[0] if reading.times else None
    if freq == "hour":
        first = first or (reading.starts[0] if reading.starts else None)
        if first is None:
            return str(reading.minute_past or 0), ("*" if n == 1 else f"*/{n}")
        start = _hour(first, reading.pod)
        return str(first.minute), (f"{start}-23" if n == 1 else f"{start}-23/{n}")
    if first is None:
        hour = POD_HOURS.get(reading.pod or "", DEFAULT_HOUR)
        per = reading.per if freq == "day" else 1
        hours = {1: [hour], 2: [9, 21], 3: [9, 13, 17]}[per]
        reading.exact &= per == 1
        return "0", ",".join(map(str, hours))
    same_minute = [t for t in reading.times if t.minute == first.minute]
    hours = sorted({_hour(t, reading.pod) for t in same_minute})
    return str(first.minute), ",".join(map(str, hours))


def _hour(clock: Clock, pod: str | None) -> int:
    """A bare hour is the morning one, unless the message says afternoon/evening/night."""
    if clock.explicit or pod in (None, "morning"):
        return clock.hour
    if pod == "night" and clock.hour == 12:
        return 0
    return clock.hour + 12 if clock.hour < 12 else clock.hour


def _date_fields(reading: Reading, freq: str | None, n: int) -> tuple[str, str, str]:
    doms = reading.doms or (reading.extra_doms if freq in ("month", "semi", "year") else [])
    if "last" in doms:  # cron has no "last day": the 1st, the morning after, is nearest
        reading.exact = False
        doms = [1 if d == "last" else d for d in doms]
    month = "*"
    if freq == "month" and n > 1:
        month = f"*/{n}"
        reading.exact &= 12 % n == 0
    elif freq == "year":
        month, reading.exact = "1", reading.exact and n == 1
    if not doms and freq == "month" and reading.per > 1:
        doms, reading.exact = ([1, 15] if reading.per == 2 else [1, 10, 20]), False
    if not doms and freq in ("month", "year"):
        doms = [1]
    elif not doms and freq == "semi":
        doms = [1, 15]
    days = set(reading.days)
    if freq == "week":
        reading.exact &= n == 1 and reading.per == 1
        days = days or ({1, 4} if reading.per == 2 else {1, 3, 5} if reading.per == 3 else {1})
    dom = ",".join(str(d) for d in sorted({int(d) for d in doms})) or "*"
    if freq == "day" and n > 1 and dom == "*":
        dom, reading.exact = f"*/{n}", False
    if reading.excluded and (days or set(range(7))) - reading.excluded:
        days = (days or set(range(7))) - reading.excluded
    return dom, month, _dow(days)


def _dow(days: set[int]) -> str:
    """Canonical day-of-week: "*" for all, runs of three or more as ranges ("1-5")."""
    if not days or len(days) == 7:
        return "*"
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)) for run in runs
    )


_MINUTE_WORDS = {
    "quarter to": 45, "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "quarter": 15,
    "half": 30, "thirty": 30, "forty": 40, "forty-five": 45, "fortyfive": 45,
}  # fmt: skip
_MINUTE_PAST = re.compile(
    r"(?<![\w:])(?:at|@)\s*(?:xx|hh|\*)?:(?P<colon>[0-5]\d)(?!\d)"
    r"|(?<![\w'])(?:at\s+)?(?:minute\s+(?P<nth>[0-5]?\d)|the\s+(?P<mark>[0-5]?\d)[- ]minute\s+mark"
    r"|(?:a\s+)?(?P<past>[0-5]?\d|five|ten|fifteen|twenty|quarter|half|thirty|forty)"
    r"(?:\s+minutes?)?\s+(?:past|after)(?:\s+(?:the|each|every)(?:\s+full)?\s+hour)?"
    r"(?!\s+(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midnight)))"
    r"|(?<![\w'])on\s+the\s+(?P<onthe>half|quarter)[- ]hour|(?<![\w'])(?:a\s+)?quarter\s+to"
    r"(?:\s+the\s+hour)?(?!\s+\w)"
)


def read_minute_past(text: str, reading: Reading) -> None:
    """ "hourly at :30", "every hour at quarter past", "on the half hour": the minute."""
    found = _MINUTE_PAST.search(text)
    if found is None:
        return
    word = found["colon"] or found["nth"] or found["mark"] or found["past"] or found["onthe"]
    minute = (
        _MINUTE_WORDS.get(word or "quarter to", 45)
        if not (word or "").isdigit()
        else int(word or 0)
    )
    if minute < 60:
        reading.minute_past = minute
        reading.used.append(found.span())
