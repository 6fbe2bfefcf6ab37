"""Recurrence words to a cron expression: "every Monday at 9" -> "0 9 * * 1".

``find_schedule`` reads the parts of a schedule wherever they stand in the message
("at 5pm every Friday", "every Friday, ... at 5pm") with one pattern compiled at import:

- a *frequency*: "every/each (other|N) <unit or weekdays>", "daily", "weekly", "hourly",
  "on a weekly basis", "once a week", "twice a day";
- *days*: weekday names, lists and ranges ("Mon, Wed and Fri", "Monday to Friday"),
  "weekdays", "weekends";
- *days of the month*: "the 1st/15th of every month", "first of the month";
- *times*: "at 9", "9am", "21:00", "7:30", "noon", "midnight", "half past 8",
  "at 7 in the evening", and parts of the day ("every morning", "Friday evenings");
- *minutes past the hour* for hourly runs: "hourly at :30", "every hour at quarter
  past", "on the half hour", "at 20 past the hour".

A recurrence word must be there (a frequency, a plural weekday such as "mondays" or
"weekdays", or "of every month"); days and times alone ("on Monday at 9") are not a
schedule. Phrases that only look like one are refused:

- "every"/"each" before a noun that is not a time ("every invoice", "each customer");
- aggregation: "by/per/in/of each month", "orders per day", and "for each month" unless
  a time or weekday follows ("schedule it for every Monday", "for every day at 9");
- a recurrence limited to a past stretch: "every Monday in October", "each day last week";
- "daily/weekly/..." as an adjective of data ("daily revenue", "weekly signups"): it
  counts only before a delivery noun ("a daily report", "a weekly csv"), a function word
  ("send it daily at 9", "daily please") or the end, or when a time is also stated;
- "since/from/after the first of the month" is a time window, not a day of the month.

Choices (the contract fixes only "at 7" = 07:00, noon and midnight; each is tested):

- No time stated: 09:00 (``DEFAULT_HOUR``); "morning" 09:00, "afternoon" 14:00,
  "evening" 18:00, "night"/"nightly" 22:00. A bare hour with evening/afternoon/night
  ("every evening at 7") is read in the afternoon half (19:00).
- Weekly with no day: Monday. Monthly with no day: the 1st. Yearly: 1 January.
  Quarterly: the 1st of Jan/Apr/Jul/Oct. "every weekend" fires on Saturday and Sunday.
- Standard cron cannot say "every 2 weeks", "every other Monday", "biweekly", "every 3
  days", "the first Monday of the month" or "the last day of the month": the nearest cron
  comes with ``exact=False`` (weekly on the named day or Monday; ``*/N`` days of the
  month; the 1st at the stated time), so the caller can tell the user or ask. "twice a
  day" (09:00 and 21:00) and "twice a week" (Mon, Thu) are inexact guesses too.
- "every N minutes" with N not dividing 60 is ``*/N`` (restarts each hour), inexact;
  N >= 60 becomes hours. "every 2 hours from 8am" is ``0 8-23/2 * * *``.
- "at 9 and 5": a smaller bare hour later in a list is the afternoon one (9:00, 17:00).
- "every day except weekends", "every day but Sunday" take those days out.

``find_schedule`` does not judge intent: "how many orders do we get every day?" states a
recurrence all the same; the caller decides whether the message asks for a schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intents.cron import DEFAULT_HOUR, POD_HOURS, Reading, cron_fields, read_minute_past
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
    parse_number,
    parse_ordinal,
    parse_weekday,
)

__all__ = ["DEFAULT_HOUR", "Recurrence", "find_schedule"]


@dataclass(frozen=True)
class Recurrence:
    """A recurring time as standard 5-field cron in the user's zone (Sunday = 0)."""

    cron: str
    span: tuple[int, int]  # the schedule phrase around its recurrence word
    exact: bool = True  # False: cron cannot say it; ``cron`` is the nearest it can
    pieces: tuple[tuple[int, int], ...] = field(default=())  # every part read, anywhere


_PERIODS = frozenset(("minute", "min", "hour", "hr", "day", "week", "month", "quarter", "year"))
_WORKDAYS = frozenset(range(1, 6))
_WEEKEND = frozenset((0, 6))
_ADVERBS = {"hourly": ("hour", 1), "daily": ("day", 1), "nightly": ("day", 1),
            "weekly": ("week", 1), "biweekly": ("week", 2), "fortnightly": ("week", 2),
            "monthly": ("month", 1), "bimonthly": ("month", 2), "semimonthly": ("semi", 1),
            "quarterly": ("month", 3), "yearly": ("year", 1), "annually": ("year", 1),
            "annual": ("year", 1)}  # fmt: skip
# After "daily/weekly/...", these words keep it a recurrence; any other word makes it an
# adjective of data ("daily revenue").
_DELIVERY_NOUNS = frozenset((
    "report", "reports", "digest", "summary", "summaries", "email", "emails", "e-mail", "mail",
    "update", "updates", "export", "exports", "snapshot", "snapshots", "dump", "dumps",
    "backup", "backups", "file", "files", "extract", "extracts", "newsletter", "csv", "tsv",
    "json", "jsonl", "ndjson", "parquet", "excel", "xlsx", "xls", "spreadsheet", "spreadsheets",
    "pdf", "pdfs", "markdown", "md", "sheet", "workbook", "copy", "copies", "delivery",
    "schedule", "job", "run", "recap", "basis", "overview",
))  # fmt: skip
_FUNCTION_WORDS = frozenset((
    "at", "on", "in", "by", "to", "please", "and", "or", "via", "as", "from", "for", "starting",
    "beginning", "until", "till", "with", "me", "us", "it", "this", "that", "them", "thanks",
    "thank", "then", "so", "but", "going", "onwards", "now", "every", "each", "around",
    "before", "after", "if", "into", "except", "excluding", "only", "sharp", "through",
    "without", "including", "too", "instead", "automatically", "forward",
))  # fmt: skip
_E = r"(?!\w)"


_DAYWORD = rf"(?:{WEEKDAYS}|(?:week|work|business|working)[\s-]?days?{_E}|weekends?{_E})"
_DAYLIST = (
    rf"{_DAYWORD}(?:\s*(?:,\s*(?:and\s+|&\s+)?|and|or|&|/|to|through|thru|till|until|-|–)"
    rf"\s*(?:on\s+)?{_DAYWORD})*"
)
_ORDINALS = rf"(?:{ORDINAL}|last)(?:\s*(?:,|and|&)\s*(?:the\s+)?(?:{ORDINAL}|last))*"
_NOT_AN_HOUR = (
    r"(?!\s*(?:%|percent|euros?|dollars?|usd|eur|gbp|pounds?|rows?|records?|items?|lines?"
    r"|results?|people|users|orders?|units?|pieces?|k|x|times|minutes?|hours?|days?|past)(?!\w))"
)
_PARTS = re.compile(
    rf"""(?<![\w'])(?:
    (?P<basis>on\s+an?\s+(?P<bw>hourly|daily|nightly|weekly|bi-?weekly|fortnightly|monthly
        |quarterly|yearly|annual)\s+basis)
    |(?P<every>(?P<ew>every|each|once\s+(?:a|an|per|every)|twice\s+(?:a|an|per|every)
        |(?:three|3)\s+times\s+(?:a|an|per))\s+(?:single\s+)?
        (?:(?P<other>other|second|alternate)\s+)?(?:(?P<en>{NUMBER})\s+)?
        (?P<eu>{_DAYLIST}|minutes?|mins?|hours?|hrs?|half\s+(?:an\s+)?hour
        |quarter\s+(?:of\s+an\s+)?hour|days?|nights?|mornings?|afternoons?|evenings?
        |weeks?|fortnights?|months?|quarters?|years?)(?!\w|['’]s))
    |(?P<adv>hourly|daily|nightly|weekly|bi-?weekly|fortnightly|monthly|bi-?monthly
        |semi-?monthly|quarterly|yearly|annually){_E}
    |(?P<nthday>(?:(?:every|each|on)\s+)?(?:the\s+)?(?:{ORDINAL}|last)\s+(?P<nthwd>{WEEKDAY})
        \s+(?:of|in)\s+(?:the|each|every|a)\s+month{_E})
    |(?P<dom>(?:on\s+|every\s+|each\s+)?(?:the\s+)?(?P<domlist>{_ORDINALS})(?:\s+day)?\s+of
        \s+(?:the|each|every|every\s+single|a)\s+month{_E})
    |(?P<edge>(?:on\s+|at\s+)?(?:the\s+)?(?P<edgew>start|beginning|end)\s+of
        \s+(?:the|each|every)\s+month{_E})
    |(?P<dom2>on\s+the\s+(?P<dom2list>{_ORDINALS}))
    |(?P<days>(?:on\s+)?(?P<daylist>{_DAYLIST})(?:\s+(?P<dpod>mornings|afternoons|evenings
        |nights){_E})?)
    |(?P<time>(?:(?:(?P<tcue>at|@|by|around|about|from|after|before|until|since)\s+)?
        (?P<clock>{CLOCK})|(?:at|@|by|around|about)\s+(?P<bare>{BARE_HOUR}){_NOT_AN_HOUR})
        (?P<more>(?:\s*(?:,|and|&)\s*(?:at\s+)?{BARE_HOUR}{_NOT_AN_HOUR}(?![:.]?\d))*))
    |(?P<pod>(?:in\s+the\s+)?(?P<podw>morning|afternoon|evening|night)s?{_E})
    )""",
    re.VERBOSE,
)
# Every schedule holds one of these; most messages hold none and are done after one scan.
_TRIGGER = re.compile(
    r"every|each|ly(?!\w)|basis|once|twice|times|days|ends|month|weekday|ings|nights"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*(?:-|–|to|through|thru|till|until)\s*[a-z]"
)
# "revenue by/per/in each month" aggregates; so does "for each month", unless a time or a
# weekday follows ("schedule it for every monday", "for every day at 9").
_AGGREGATE = re.compile(r"(?<![\w'])(?:by|per|in|of|across|over|during)\s+\Z")
_FOR = re.compile(r"(?<![\w'])for\s+\Z")
_EXCEPT = re.compile(
    r"(?<![\w'])(?:except|excluding|but(?:\s+not)?|other\s+than|apart\s+from|not)\s+(?:on\s+)?\Z"
)
_MORE_HOUR = re.compile(rf"(?<![\w:.])(?:{BARE_HOUR})")
# "the daily report" names a thing; "a daily report" asks for a recurring one.
_DETERMINER = re.compile(
    r"(?<![\w'])(?:the|this|that|these|those|my|our|your|his|her|their|last|yesterday's"
    r"|today's)\s+\Z"
)
_WINDOW_CUE = re.compile(r"(?<![\w'])(?:since|from|after|before|until|till|through|starting)\s+\Z")
_PAST_TAIL = re.compile(
    rf"\s+(?:(?:in|during|of|for|from|since|over|throughout)\s+(?:the\s+)?)?"
    rf"(?:{MONTH}|(?:last|past|previous|this)\s+(?:week|month|quarter|year|\d+|few)"
    rf"|(?:19|20)\d\d(?!\d)|q[1-4]){_E}"
)
_NEXT_WORD = re.compile(r"[\s,]*([\w'-]+)?")
_GAP = re.compile(
    r"[\s,;:]*(?:(?:and|on|at|in\s+the|from|starting|except|excluding|but|but\s+not|not)\b[\s,]*)?"
)
_DAY_RANGE = re.compile(r"\w\.?\s*(?:-|–|to|through|thru|till|until)\s*\w")
_DAY_TOKEN = re.compile(rf"(?P<day>{_DAYWORD})|(?P<to>to|through|thru|till|until|-|–)")


def find_schedule(text: str) -> Recurrence | None:
    """The recurrence the (lower-cased) ``text`` states, as cron; ``None`` if it states none.

    >>> find_schedule("email me this as a pdf every monday at 9am").cron
    '0 9 * * 1'
    >>> find_schedule("show me daily revenue") is None
    True
    """
    if not _TRIGGER.search(text):
        return None
    matches = list(_PARTS.finditer(text))
    reading = Reading()
    for match in matches:
        if match["time"]:
            _time(match, reading)
    for match in matches:
        if not match["time"]:
            _part(match, text, reading)
    if not reading.anchors:
        return None
    if reading.freq == "hour" and not reading.times:
        read_minute_past(text, reading)
    return _recurrence(reading, text)


def _time(match: re.Match[str], reading: Reading) -> None:
    clock = parse_clock(match["clock"] or match["bare"])
    if clock is None:
        return
    if match["tcue"] in ("from", "after", "before", "until", "since"):
        reading.starts.append(clock)  # "since 9am" is a window; "every 2 hours from 8am"
        return
    reading.times.append(clock)
    reading.used.append(match.span())
    previous = clock.hour
    for extra in re.findall(_MORE_HOUR, match["more"] or ""):
        more = parse_clock(extra)
        if more is not None:  # "at 9 and 5": a smaller bare hour in a list is afternoon
            later = not more.explicit and more.hour < previous and more.hour < 12
            reading.times.append(Clock(more.hour + 12 * later, more.minute, True))
            previous = more.hour


def _part(match: re.Match[str], text: str, reading: Reading) -> None:
    span = match.span()
    before = text[max(0, span[0] - 16) : span[0]]
    if match["basis"] or match["adv"]:
        word = (match["bw"] or match["adv"]).replace("-", "")
        if match["adv"] and not _adverb_is_recurrence(text, span, reading):
            return
        _set_freq(reading, *_ADVERBS[word], span)
        reading.pod = reading.pod or ("night" if word == "nightly" else None)
    elif match["every"]:
        if _AGGREGATE.search(before) or _PAST_TAIL.match(text, span[1]):
            return
        periodic = match["eu"].split()[0].rstrip("s") in _PERIODS
        if _FOR.search(before) and periodic and not reading.times:
            return
        _every(match, reading, span)
    elif match["nthday"]:  # "the first monday of the month": cron can only say weekly
        reading.days |= _days(match["nthwd"])
        reading.exact = False
        _set_freq(reading, "week", 1, span)
    elif match["dom"] or match["edge"]:
        if _WINDOW_CUE.search(before):
            return
        edge = match["edgew"]
        if edge:
            reading.doms.append(1 if edge in ("start", "beginning") else "last")
        else:
            reading.doms += _ordinals(match["domlist"])
        reading.anchors.append(span)
        reading.used.append(span)
    elif match["dom2"]:
        reading.extra_doms += _ordinals(match["dom2list"])
        reading.used.append(span)
    elif match["days"]:
        if _WINDOW_CUE.search(before) or _PAST_TAIL.match(text, span[1]):
            return
        words = match["daylist"]
        if _EXCEPT.search(before):
            reading.excluded |= _days(words)
            reading.used.append(span)
            return
        plural = match["dpod"] or any(
            w.endswith("s") and w not in ("tues", "weds", "thurs") for w in words.split()
        )
        ranged = bool(reading.times) and bool(_DAY_RANGE.search(words))
        reading.days |= _days(words)
        reading.pod = reading.pod or (match["dpod"] or "").rstrip("s") or None
        reading.used.append(span)
        if plural or ranged:  # "mondays", "weekdays", "monday to friday at 8"
            reading.anchors.append(span)
    elif match["pod"]:
        reading.pod = reading.pod or match["podw"]
        reading.used.append(span)


def _adverb_is_recurrence(text: str, span: tuple[int, int], reading: Reading) -> bool:
    """ "daily" before a data noun ("daily revenue") is an adjective, not a schedule."""
    if reading.times:
        return True
    following = _NEXT_WORD.match(text, span[1])
    word = following[1] if following else None
    if word is None or word in _FUNCTION_WORDS:
        return True
    named = _DETERMINER.search(text[max(0, span[0] - 16) : span[0]])
    return word in _DELIVERY_NOUNS and not named


def _set_freq(reading: Reading, freq: str, n: int, span: tuple[int, int]) -> None:
    if reading.freq is None or (reading.freq, reading.n) == ("day", 1):
        reading.freq, reading.n = freq, n
    reading.anchors.append(span)
    reading.used.append(span)


def _every(match: re.Match[str], reading: Reading, span: tuple[int, int]) -> None:
    n = parse_number(match["en"]) if match["en"] else (2 if match["other"] else 1)
    if not n:
        return
    lead = match["ew"]
    reading.per = 2 if lead.startswith("twice") else 3 if "times" in lead else 1
    unit = " ".join(match["eu"].split())
    if unit[:4] in ("minu", "min", "mins"):
        _set_freq(reading, "minute", n, span)
    elif unit.startswith(("half", "quarter ")):
        _set_freq(reading, "minute", n * (30 if unit.startswith("half") else 15), span)
    elif unit.startswith(("hour", "hr")):
        _set_freq(reading, "hour", n, span)
    elif unit in ("day", "days"):
        _set_freq(reading, "day", n, span)
    elif unit.rstrip("s") in POD_HOURS:
        _set_freq(reading, "day", n, span)
        reading.pod = unit.rstrip("s")
    elif unit.startswith(("week", "fortnight")) and unit.rstrip("s") in ("week", "fortnight"):
        _set_freq(reading, "week", n * (2 if unit.startswith("f") else 1), span)
    elif unit.startswith(("month", "quarter", "year")):
        freq = "year" if unit.startswith("year") else "month"
        _set_freq(reading, freq, n * (3 if unit.startswith("quarter") else 1), span)
    else:
        reading.days |= _days(unit)
        _set_freq(reading, "week", n, span)


def _days(words: str) -> set[int]:
    """Weekday numbers (Sunday = 0) in a list such as "mon, wed and fri" or "mon-fri"."""
    found: set[int] = set()
    previous: int | None = None
    ranging = False
    for token in _DAY_TOKEN.finditer(words):
        if token["to"]:
            ranging = previous is not None
            continue
        weekday = parse_weekday(token["day"])
        if weekday is not None:
            day = (weekday + 1) % 7  # cron counts from Sunday = 0
            if ranging and previous is not None:
                found |= {(previous + i) % 7 for i in range((day - previous) % 7 + 1)}
            found.add(day)
            previous = day
        else:
            found |= _WEEKEND if token["day"].startswith("weekend") else _WORKDAYS
            previous = None
        ranging = False
    return found


def _ordinals(words: str) -> list[int | str]:
    values: list[int | str] = []
    for word in re.split(r"\s*(?:,|and|&)\s*(?:the\s+)?", words.strip()):
        value = "last" if word == "last" else parse_ordinal(word)
        if value is not None and (value == "last" or 1 <= int(value) <= 31):
            values.append(value)
    return values


def _recurrence(reading: Reading, text: str) -> Recurrence:
    cron = cron_fields(reading)
    return Recurrence(cron, _span(reading, text), reading.exact, tuple(sorted(reading.used)))


def _span(reading: Reading, text: str) -> tuple[int, int]:
    """The run of adjacent parts around the first recurrence word."""
    parts = sorted(reading.used)
    anchor = min(reading.anchors)
    clusters: list[list[int]] = []
    for start, end in parts:
        if clusters and (start <= clusters[-1][1] or _GAP.fullmatch(text, clusters[-1][1], start)):
            clusters[-1][1] = max(clusters[-1][1], end)
        else:
            clusters.append([start, end])
    for start, end in clusters:
        if start <= anchor[0] < end:
            return start, end
    return anchor
