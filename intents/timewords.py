"""Time words to a window of wall-clock time: "today", "last week", "since Nov 2nd".

The contract (``docs/intents-cli.md``, "Time words") fixes the meaning of the common
phrases; this module implements them and the many other ways people say a window.
Everything is relative to ``now`` (timezone-aware, in the user's zone) and returned as
naive wall-clock datetimes in that zone; weeks start on Monday.

Reading happens in two passes, both with patterns compiled at import (a cheap keyword
scan first sends most messages, which name no time, straight back):

1. *Atoms*: one phrase that names a stretch of time on its own ("yesterday", "the past
   24 hours", "last monday", "november 2", "2026-11-02", "october", "3 days ago").
2. *Cues* around an atom: "since X" = [X, open); "after X" = [end of X, open); "before X"
   = [open, X); "until/through X" = [open, end of X]; "from X to Y", "between X and Y",
   "X - Y" = [X, end of Y]; "from X onwards" = [X, open); "from/on/in/during X" = X.

Choices (the contract is silent; each is tested):

- "the last N days/weeks/months" keeps the clock time and steps back *calendar* days in
  local time (d-036: "last 3 days" at 18:40 starts at 18:40); minutes and hours are
  subtracted in absolute time (UTC), so "the last 24 hours" across a DST change is 24
  real hours while "the last day" is the same wall-clock time yesterday. A wall-clock
  time that does not exist (inside a spring-forward gap) is moved forward past the gap.
- Bare "last week/month/year" and "the previous week" are calendar periods; with "the"
  ("in the last week", "over the past month") or "past" they are rolling windows.
- A weekday alone, "on monday", "this monday", "since monday" mean the most recent such
  day, today included: on a Monday, "since Monday" is today, like "this week" (the plain
  reading of "[that day 00:00, null)" for the most recent Monday). "last monday" is the
  most recent one *before* today.
- A date without a year is its most recent occurrence on or before today; a month alone
  is the most recent month of that name, the current one included.
- Dates: ISO ("2026-11-02", "2026/11/02") and month names in either order ("Nov 2nd",
  "2 November", "the 2nd of November", with an optional year). Slashed or dotted dates
  without a year first ("11/02", "02.11.") are ambiguous between US and European order
  and are not read.
- "this morning" = [00:00, 12:00), "this afternoon" = [12:00, 18:00), "this evening" =
  [18:00, open). "last few days" reads "few" as 3. "3 days ago" is that whole day, "2
  hours ago" that instant. "the weekend" / "this weekend" is the most recent one (the
  current one on a Saturday or Sunday); "last weekend" is the one before this week.
- Clock times need a cue: "since 9am" = [today 09:00, open); "before noon" = [today 00:00,
  12:00); a bare "since 3" or "since 7:30" is the most recent such time, am or pm.
- Weekdays that belong to a schedule ("every Monday and Thursday") are not windows;
  "next ..." is the future and never a window.

When a message holds several time phrases, the one closest to the contract wins
(today/yesterday, this/last week, rolling windows, "since ..."), then the first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from intents.numbers import (
    CLOCK,
    MONTH,
    NUMBER,
    ORDINAL,
    WEEKDAY,
    parse_clock,
    parse_month,
    parse_number,
    parse_ordinal,
    parse_weekday,
)

__all__ = ["Window", "find_window"]


@dataclass(frozen=True)
class Window:
    """A stretch of wall-clock time in the user's zone, as a history filter."""

    since: dt.datetime | None  # inclusive; None = open
    until: dt.datetime | None  # exclusive; None = open
    span: tuple[int, int]  # where in the (lower-cased) text the time phrase was found


_UNIT_SECONDS = {"minute": 60, "hour": 3600}  # subtracted in absolute time
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}  # on the calendar
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_UNIT_SHORT = {"min": "minute", "h": "hour", "hr": "hour", "d": "day", "w": "week", "wk": "week",
               "yr": "year"}  # fmt: skip


_E = r"(?!\w)"
_DAY_NUM = rf"(?:{ORDINAL}|(?<!\d)(?:[12]\d|3[01]|0?[1-9])(?![\d:]|\s*(?:am|pm|[ap]\.m)))"
_YEAR = r"(?:19|20)\d\d(?!\d)"
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|hr|h|days?|d|weeks?|wks?|wk|w|fortnights?|months?|quarters?|years?|yrs?|yr)"  # noqa: E501
_POSS = r"(?:'s|’s)?"

_ATOM = re.compile(
    rf"""(?<![\w'])(?:
    (?P<day>(?:(?:so\s+far|earlier)\s+)?(?:today|yesterday)(?:s(?=\s))?(?:\s+so\s+far)?|(?:the\s+)?day\s+before\s+yesterday
        |(?:this|earlier\s+this)\s+(?:morning|afternoon|evening))(?:{_POSS})
    |(?P<rolling>(?P<the>the\s+)?(?P<rw>last|past|previous|preceding|recent|trailing
        |this\s+past)\s+(?:(?P<n>{NUMBER}|few|\d+(?=[a-z]))\s*)?(?P<unit>{_UNIT})(?![a-z]){_POSS})
    |(?P<period>(?P<pw>this|current|so\s+far\s+this|the\s+current|last|previous|the\s+previous|past
        |the\s+past)\s+(?P<pu>weekend|week|month|quarter|year)(?:{_POSS})
        |(?P<todate>week|month|quarter|year)[\s-]to[\s-]date|(?P<xtd>wtd|mtd|qtd|ytd){_E}
        |(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?(?P<bu>week|month|quarter
        |year){_E}
        |(?P<tw>the|this\s+past)\s+weekend{_E}(?:{_POSS}))
    |(?P<weekday>(?:(?P<wq>last|this|past|previous)\s+)?(?P<wd>{WEEKDAY}){_POSS})
    |(?P<iso>(?P<iy>{_YEAR})[-/](?P<im>1[0-2]|0?[1-9])[-/](?P<id>3[01]|[12]\d|0?[1-9])(?!\d))
    |(?P<md>(?P<mdm>{MONTH})\s+(?:the\s+)?(?P<mdd>{_DAY_NUM})(?:,?\s+(?P<mdy>{_YEAR}))?)
    |(?P<dm>(?:the\s+)?(?P<dmd>{_DAY_NUM})(?:\s+of)?\s+(?P<dmm>{MONTH})(?:,?\s+(?P<dmy>{_YEAR}))?)
    |(?P<month>(?:(?P<mq>last|this)\s+)?(?P<mm>{MONTH})(?:\s+(?P<my>{_YEAR}))?)
    |(?P<nth>the\s+(?P<nd>{ORDINAL})(?:\s+of\s+(?:the|this)\s+month)?(?!\s+of\s+(?:every|each)))
    |(?P<year>{_YEAR})
    |(?P<ago>(?P<an>{NUMBER}|an?)\s+(?P<au>{_UNIT})\s+ago)
    |(?P<clock>{CLOCK})
    )""",
    re.VERBOSE,
)
# Every window holds one of these; most messages hold none and are done after one scan.
_TRIGGER = re.compile(
    r"today|yesterday|week|month|quarter|year|since|last|past|previous|preceding|recent"
    r"|trailing|ago|morning|afternoon|evening|after|before|until|till|between|from\s+\d"
    r"|\d(?:st|nd|rd|th)|the\s+[a-z]+(?:st|nd|rd|th)\b|[wmqy]td|starting|as\s+of|through|thru"
    r"|up\s+to|noon|midnight"
    r"|(?:19|20)\d\d|(?<![a-z])(?:mon|tue|wed"
    r"|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_CUE = re.compile(
    r"(?<![\w'])(?P<cue>since|starting(?:\s+(?:from|on))?|beginning|as\s+of|after|before"
    r"|prior\s+to|until|till|til|through|thru|up\s+to|between|from|on|in|during|for|over"
    r"|within|of)\s+\Z"
)
_JOIN = re.compile(r"\s*(?P<join>to|until|till|til|through|thru|and|-|–|—)\s*")
_TO_NOW = re.compile(r"(?:now|the\s+present|present|date|today)(?![\w'])")
_ONWARDS = re.compile(r"\s+(?:on(?:wards?)?|forward|and\s+(?:later|after))(?![\w'])")
_SCHEDULED = re.compile(
    rf"(?<![\w'])(?:every|each)\s+(?:other\s+)?{WEEKDAY}"
    rf"(?:\s*(?:,|and|or|&|to|through|thru|till|until|-|–)\s*{WEEKDAY})*"
    rf"|(?<![\w'])next\s+(?:{WEEKDAY}|{MONTH})"
)
# A bare month, year, "the 2nd" or clock time is a window only after one of these cues.
_STRONG_CUES = frozenset({"since", "starting", "starting from", "starting on", "beginning",
                          "as of", "after", "before", "prior to", "until", "till", "til",
                          "through", "thru", "up to", "between", "from", "in", "during", "on",
                          "for"})  # fmt: skip
_YEAR_CUES = _STRONG_CUES - {"for"}  # "for 2000 rows" is not the year 2000
_SINCE = {"since", "starting", "starting from", "starting on", "beginning", "as of"}
_UNTIL = {"until", "till", "til", "through", "thru", "up to"}
_ONE_DAY = dt.timedelta(days=1)

_Kind = Literal["weekday", "date", "clock", "other"]


@dataclass(frozen=True)
class _Atom:
    since: dt.datetime
    until: dt.datetime | None
    start: int
    end: int
    core: bool  # one of the contract's own phrases
    kind: _Kind  # how a range end may roll forward: a weekday by a week, a date by a year
    cues: frozenset[str] | None = None  # "may", "2025", "the 2nd", "9am" need one of these


def find_window(text: str, now: dt.datetime) -> Window | None:
    """The time window the (lower-cased) ``text`` names, relative to ``now``; else ``None``.

    >>> now = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)
    >>> find_window("export everything from today", now)
    Window(since=datetime.datetime(2026, 11, 18, 0, 0), until=None, span=(18, 28))
    """
    if not _TRIGGER.search(text):
        return None
    atoms = _atoms(text, now)
    best: tuple[int, int, Window] | None = None
    index = 0
    while index < len(atoms):
        window, core, used = _read(text, atoms, index)
        if window is not None and (best is None or (not core, window.span[0]) < best[:2]):
            best = (not core, window.span[0], window)
        index += used
    return best[2] if best else None


def _atoms(text: str, now: dt.datetime) -> list[_Atom]:
    blocked = [m.span() for m in _SCHEDULED.finditer(text)]
    local = now if now.tzinfo is None else now.astimezone(now.tzinfo)
    found = []
    for match in _ATOM.finditer(text):
        if any(a <= match.start() < b for a, b in blocked):
            continue
        try:
            atom = _atom(match, local)
        except (OverflowError, ValueError):  # a date before year 1 or after 9999
            continue
        if atom is not None:
            found.append(atom)
    return found


def _read(text: str, atoms: list[_Atom], index: int) -> tuple[Window | None, bool, int]:
    """The window atom ``index`` makes with its cue and maybe the next atom (a range)."""
    atom = atoms[index]
    cue_match = _CUE.search(text, max(0, atom.start - 16), atom.start)
    cue = " ".join(cue_match["cue"].split()) if cue_match else ""
    start = cue_match.start() if cue_match else atom.start
    if atom.cues is not None and cue not in atom.cues:
        return None, False, 1
    join = _JOIN.match(text, atom.end)
    if join and cue in ("from", "between", "") and (cue == "between") == (join["join"] == "and"):
        after = atoms[index + 1] if index + 1 < len(atoms) else None
        if after is not None and after.start == join.end():
            ends = _range_end(atom, after)
            if ends:
                return Window(atom.since, ends[0], (start, after.end)), True, 2
        to_now = _TO_NOW.match(text, join.end())
        if to_now:
            return Window(atom.since, None, (start, to_now.end())), True, 1
    onwards = _ONWARDS.match(text, atom.end)
    if onwards and cue in ("from", "", "on"):
        return Window(atom.since, None, (start, onwards.end())), True, 1
    span = (start, atom.end)
    if cue in _SINCE:
        return Window(atom.since, None, span), True, 1
    if cue == "after":
        return Window(atom.until or atom.since, None, span), True, 1
    if cue in ("before", "prior to", *_UNTIL) and atom.kind == "clock":  # "before noon"
        return Window(atom.since.replace(hour=0, minute=0), atom.since, span), True, 1
    if cue in ("before", "prior to"):
        return Window(None, atom.since, span), True, 1
    if cue in _UNTIL:
        return Window(None, atom.until or atom.since, span), True, 1
    return Window(atom.since, atom.until, span), atom.core, 1


def _range_end(first: _Atom, last: _Atom) -> tuple[dt.datetime | None] | None:
    """The exclusive end of "from ``first`` to ``last``" (the end of the last day named;
    open when ``last`` is, as in "to today"), or ``None`` if the two make no range."""
    since = last.since
    if last.kind == "clock":  # "from 9am to 5pm": the end time on the day the range starts
        until = first.since.replace(hour=since.hour, minute=since.minute)
        return (until if until > first.since else until + _ONE_DAY,)
    if last.until is None:
        return (None,)
    until = last.until
    if since < first.since and last.kind in ("weekday", "date"):
        step = dt.timedelta(days=7) if last.kind == "weekday" else dt.timedelta(days=365)
        until += step
    return (until,) if until > first.since else None


def _atom(match: re.Match[str], now: dt.datetime) -> _Atom | None:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    span = match.span()
    if match["clock"]:
        clock = parse_clock(match["clock"])
        if clock is None:
            return None
        # the most recent such time; "since 3" at 15:30 is 15:00, at 10:00 it is 03:00
        halves = [0] if clock.explicit or clock.hour >= 12 else [12, 0]
        points = [today.replace(hour=clock.hour + h, minute=clock.minute) for h in halves]
        past = [point for point in points if point <= now.replace(tzinfo=None)]
        point = past[0] if past else points[0] - _ONE_DAY
        return _Atom(point, None, *span, False, "clock", _STRONG_CUES)
    if match["day"]:
        return _day(match["day"], today, span)
    if match["rolling"]:
        return _rolling(match, now, today, span)
    if match["period"]:
        return _period(match, today, span)
    if match["weekday"]:
        return _weekday(match["wq"], match["wd"], today, span)
    if match["ago"]:
        return _ago(match, now, today, span)
    return _date(match, today, span)


def _day(word: str, today: dt.datetime, span: tuple[int, int]) -> _Atom:
    if "today" in word:
        return _Atom(today, None, *span, True, "other")
    if "before" in word:
        return _Atom(today - 2 * _ONE_DAY, today - _ONE_DAY, *span, True, "other")
    if "yesterday" in word:
        return _Atom(today - _ONE_DAY, today, *span, True, "other")
    hours = {"morning": (0, 12), "afternoon": (12, 18), "evening": (18, None)}
    first, last = next(v for k, v in hours.items() if k in word)
    until = None if last is None else today.replace(hour=last)
    return _Atom(today.replace(hour=first), until, *span, True, "other")


def _rolling(
    match: re.Match[str], now: dt.datetime, today: dt.datetime, span: tuple[int, int]
) -> _Atom | None:
    unit = _unit(match["unit"])
    word = match["rw"]
    calendar = word == "previous" or (word == "last" and not match["the"])
    if match["n"] is None and unit in ("week", "month", "quarter", "year") and calendar:
        return _period(match, today, span)
    n = 3 if match["n"] == "few" else (parse_number(match["n"]) if match["n"] else 1)
    if n is None or (len(match["unit"]) == 1 and not (match["n"] or "").isdigit()):
        return None  # "24h" and "3d" only after digits
    since = _back(now, n, unit)
    return None if since is None else _Atom(since, None, *span, True, "other")


def _unit(word: str) -> str:
    word = word.rstrip("s") if len(word) > 1 else word
    return _UNIT_SHORT.get(word, word)


def _back(now: dt.datetime, n: int, unit: str) -> dt.datetime | None:
    """``now`` minus ``n`` units: seconds in absolute time, days and months on the calendar."""
    wall = now.replace(tzinfo=None)
    try:
        if unit in _UNIT_SECONDS and now.tzinfo is None:
            return wall - dt.timedelta(seconds=n * _UNIT_SECONDS[unit])
        if unit in _UNIT_SECONDS:
            moment = now.astimezone(dt.UTC) - dt.timedelta(seconds=n * _UNIT_SECONDS[unit])
            return moment.astimezone(now.tzinfo).replace(tzinfo=None)
        if unit in _UNIT_DAYS:
            return _existing(wall - dt.timedelta(days=n * _UNIT_DAYS[unit]), now.tzinfo)
        months = wall.year * 12 + wall.month - 1 - n * _UNIT_MONTHS[unit]
        year, month = divmod(months, 12)
        day = min(wall.day, _month_length(year, month + 1))
        return _existing(wall.replace(year=year, month=month + 1, day=day), now.tzinfo)
    except (OverflowError, ValueError):
        return None


def _existing(wall: dt.datetime, zone: dt.tzinfo | None) -> dt.datetime:
    """``wall``, moved past a spring-forward gap if that wall-clock time does not exist."""
    if zone is None:
        return wall
    return wall.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _period(match: re.Match[str], today: dt.datetime, span: tuple[int, int]) -> _Atom:
    unit = match["pu"] or match["todate"] or match["bu"] or match["unit"] or ""
    unit = "weekend" if match["tw"] else unit
    unit = (
        unit.rstrip("s")
        or {"w": "week", "m": "month", "q": "quarter", "y": "year"}[(match["xtd"] or "y")[0]]
    )
    word = match["pw"] or match["rw"] or ("last" if "past" in (match["tw"] or "") else "this")
    last = word.split()[-1] in ("last", "previous", "past")
    monday = today - dt.timedelta(days=today.weekday())
    if unit == "weekend":
        saturday = monday + dt.timedelta(days=5)
        if last or today < saturday:
            saturday -= dt.timedelta(days=7)
        return _Atom(saturday, saturday + 2 * _ONE_DAY, *span, True, "other")
    if unit == "week":
        return _Atom(monday - 7 * _ONE_DAY if last else monday, monday if last else None,
                     *span, True, "other")  # fmt: skip
    size = {"month": 1, "quarter": 3, "year": 12}[unit]
    first_month = (today.month - 1) // size * size + 1
    start = today.replace(month=first_month, day=1)
    if not last:
        return _Atom(start, None, *span, True, "other")
    months = start.year * 12 + first_month - 1 - size
    return _Atom(start.replace(year=months // 12, month=months % 12 + 1), start, *span,
                 True, "other")  # fmt: skip


def _weekday(qualifier: str | None, word: str, today: dt.datetime, span: tuple[int, int]) -> _Atom:
    number = parse_weekday(word) or 0  # Monday is 0; the pattern lets only weekdays through
    if qualifier in (None, "this"):  # the most recent one, today included
        back = (today.weekday() - number) % 7
    else:  # "last monday": the most recent one before today
        back = (today.weekday() - number - 1) % 7 + 1
    day = today - dt.timedelta(days=back)
    abbreviated = len(word.rstrip(".")) <= 5 and not qualifier  # "sat", "thurs" need a cue
    return _Atom(day, day + _ONE_DAY, *span, True, "weekday", _STRONG_CUES if abbreviated else None)


def _ago(
    match: re.Match[str], now: dt.datetime, today: dt.datetime, span: tuple[int, int]
) -> _Atom | None:
    n = 1 if match["an"] in ("a", "an") else parse_number(match["an"])
    unit = _unit(match["au"])
    point = None if n is None else _back(now, n, unit)
    if point is None:
        return None
    if unit in _UNIT_SECONDS:
        return _Atom(point, None, *span, False, "other")
    day = point.replace(hour=0, minute=0)
    return _Atom(day, day + _ONE_DAY, *span, False, "other")


def _month_number(word: str) -> int:
    return parse_month(word) or 1  # the pattern only lets month names through


def _day_number(text: str) -> int | None:
    return parse_ordinal(text) if not text.isdigit() else int(text)


def _date(match: re.Match[str], today: dt.datetime, span: tuple[int, int]) -> _Atom | None:
    year: int | None
    if match["iso"]:
        year, month, day = int(match["iy"]), int(match["im"]), _day_number(match["id"])
    elif match["md"] or match["dm"]:
        month = _month_number(match["mdm"] or match["dmm"])
        day = _day_number(match["mdd"] or match["dmd"])
        year_text = match["mdy"] or match["dmy"]
        year = int(year_text) if year_text else None
    elif match["nth"]:
        return _nth(match["nd"], today, span)
    elif match["month"]:
        return _month(match, today, span)
    else:
        year = int(match["year"])
        start = dt.datetime(year, 1, 1)
        end = start.replace(year=year + 1)
        return _Atom(start, end, *span, False, "other", _YEAR_CUES)
    if day is None:
        return None
    for candidate in [year] if year else [today.year, today.year - 1]:
        try:
            date = dt.datetime(candidate, month, day)
        except ValueError:
            continue
        if year or date <= today:
            return _Atom(date, date + _ONE_DAY, *span, True, "other" if year else "date")
    return None


def _nth(ordinal: str, today: dt.datetime, span: tuple[int, int]) -> _Atom | None:
    day = parse_ordinal(ordinal)
    if day is None or not 1 <= day <= 31:
        return None
    month = today.year * 12 + today.month - 1
    for back in range(3):  # the most recent month that has this day
        year, index = divmod(month - back, 12)
        if day <= _month_length(year, index + 1):
            date = dt.datetime(year, index + 1, day)
            if date <= today:
                return _Atom(date, date + _ONE_DAY, *span, False, "other", _STRONG_CUES)
    return None


def _month(match: re.Match[str], today: dt.datetime, span: tuple[int, int]) -> _Atom:
    month = _month_number(match["mm"])
    year = int(match["my"]) if match["my"] else today.year - (month > today.month)
    start = dt.datetime(year, month, 1)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1)
    named = bool(match["mq"] or match["my"])
    return _Atom(start, end, *span, named, "other", None if named else _STRONG_CUES)
