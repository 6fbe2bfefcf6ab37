"""Time zones and date formats, in words.

Zone: "in Berlin time", "times in UTC", "timezone Europe/Berlin", "in Eastern time", "in
CET", "in my local time" → ``timezone`` (an IANA name; "local" is the user's zone). A
city counts only next to "time"/"timezone" or after "times in" ("orders from Berlin" is
a filter); a zone name we do not know after "timezone" is an unsupported ask.

Date format: "dates as dd.mm.yyyy" → ``datetime_format`` ``%d.%m.%Y``; "yyyy-mm-dd
hh:mm", "MM/DD/YY" likewise (``mm`` next to hours or seconds is minutes); a strftime
pattern is taken as written; "US dates" → ``%m/%d/%Y``, "European dates" →
``%d.%m.%Y``, "UK dates" → ``%d/%m/%Y``, "ISO dates" → ``iso``, "unix timestamps" →
``%s``. The exporter applies one pattern to dates and timestamps alike.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

import regex

from exporters.datetime_pattern import parse_pattern
from intents.option_words.found import Reading
from intents.vocabulary import words

__all__ = ["find_date_format", "find_zone", "strftime_of", "zone_names"]

_AREAS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
_NOT_PLACES = words(
    """factory christmas easter wake midway truk yap chuuk casey davis palmer troll mawson
    vostok syowa rothera macquarie mcmurdo current busingen"""
)
_ALIASES: dict[str, str] = {
    "utc": "UTC", "zulu": "UTC", "universal": "UTC", "gmt": "GMT", "cet": "CET",
    "cest": "CET", "central european": "CET", "eet": "EET", "eest": "EET",
    "eastern european": "EET", "wet": "WET", "western european": "WET",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York", "east coast": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "west coast": "America/Los_Angeles",
    "hawaii": "Pacific/Honolulu", "alaska": "America/Anchorage", "bst": "Europe/London",
    "uk": "Europe/London", "british": "Europe/London", "ist": "Asia/Kolkata",
    "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "jst": "Asia/Tokyo",
    "japan": "Asia/Tokyo", "japanese": "Asia/Tokyo", "kst": "Asia/Seoul", "korea": "Asia/Seoul",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "new zealand": "Pacific/Auckland",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "china": "Asia/Shanghai",
    "chinese": "Asia/Shanghai", "beijing": "Asia/Shanghai", "germany": "Europe/Berlin",
    "german": "Europe/Berlin", "france": "Europe/Paris", "french": "Europe/Paris",
    "spain": "Europe/Madrid", "italy": "Europe/Rome", "netherlands": "Europe/Amsterdam",
    "dutch": "Europe/Amsterdam", "ireland": "Europe/Dublin", "portugal": "Europe/Lisbon",
    "poland": "Europe/Warsaw", "sweden": "Europe/Stockholm", "norway": "Europe/Oslo",
    "denmark": "Europe/Copenhagen", "finland": "Europe/Helsinki", "swiss": "Europe/Zurich",
    "switzerland": "Europe/Zurich", "austria": "Europe/Vienna", "belgium": "Europe/Brussels",
    "greece": "Europe/Athens", "turkey": "Europe/Istanbul", "russia": "Europe/Moscow",
    "moscow": "Europe/Moscow", "brazil": "America/Sao_Paulo", "israel": "Asia/Jerusalem",
    "uae": "Asia/Dubai", "south africa": "Africa/Johannesburg",
    "argentina": "America/Argentina/Buenos_Aires",
    "mexico": "America/Mexico_City", "são paulo": "America/Sao_Paulo",
}  # fmt: skip
_ABBREVIATIONS = (
    "utc|gmt|cet|cest|eet|eest|wet|est|edt|pst|pdt|cst|cdt|mst|mdt|jst|ist|aest|aedt|bst|sgt"
    "|hkt|kst|nzst|nzdt|awst"
)


@functools.cache
def zone_names() -> dict[str, str]:
    """Every way to name a zone here → its IANA name: "berlin", "new york", "europe/berlin"."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        area, _, place = zone.partition("/")
        if zone.lower() not in _NOT_PLACES:
            names[zone.lower()] = zone
        if area in _AREAS and place:
            key = place.rsplit("/", 1)[-1].replace("_", " ").lower()
            if key not in _NOT_PLACES:
                names.setdefault(key, zone)
    names.update(_ALIASES)
    return names


@functools.cache
def _zone_patterns() -> list[regex.Pattern[str]]:
    spelled = sorted(zone_names(), key=len, reverse=True)
    zone = "(?P<z>" + "|".join(regex.escape(name).replace(r"\ ", r"\s+") for name in spelled) + ")"
    clock = r"(?:time(?:\s*zone)?|timezone|tz|times?|timestamps?)"
    times = r"(?:times?|timestamps?|date[- ]?times?|dates?\s+and\s+times?|hours|clock\s+times?)"
    return [
        regex.compile(
            rf"(?:\b(?:convert(?:ed)?\s+(?:the\s+)?)?{times}\s+)?"
            r"(?:\b(?:in|using|use|to|into|with|per|as|at|for)\s+(?:(?:my|our|the)\s+)?(?:own\s+)?"
            r"(?:local\s+)?time\s*zone\b|\b(?:in|using|as)\s+(?:my|our)\s+(?:own\s+)?(?:local\s+)?"
            r"time\b|\b(?:in\s+)?local\s+times?\b)"
        ),
        regex.compile(
            rf"\b(?:(?:convert(?:ed)?|show|display|give|put|write)\s+(?:the\s+|all\s+)?)?{times}"
            r"\s+(?:in|as|to|converted\s+to|shown\s+in"
            rf"|displayed\s+in|expressed\s+in|relative\s+to|for|using)\s+(?:the\s+)?(?<![\w/-]){zone}"
            rf"(?![\w/])(?:\s+{clock}\b)?"
        ),
        regex.compile(
            rf"(?:\bconvert(?:ed)?\s+(?:(?:the\s+)?{times}\s+)?)?(?:(?:in|using|to|into|with|per|as|at"
            rf"|for)\s+)?(?:the\s+)?(?<![\w/-]){zone}(?:'s)?\s+(?:local\s+|standard\s+|daylight\s+"
            rf"|summer\s+)?{clock}\b(?!\s*(?:window|frame|period|range|span|slot|off)\b)"
        ),
        regex.compile(
            rf"\b(?:time\s*zone|timezone|tz)\s*(?:=|:|of|to|is|as|set\s+to|should\s+be|in)?\s*"
            rf"(?:the\s+)?(?<![\w/-]){zone}(?![\w/])(?:\s+time\b)?"
        ),
        regex.compile(
            rf"\b(?:in|to|as|using)\s+(?P<z>{_ABBREVIATIONS})(?![\w/])(?!\s*(?:format|style|dates?)\b)"
            r"|(?<![\w/-])(?P<z>utc|gmt|cet|cest)(?![\w/])(?!\s*(?:format|style|dates?)\b)"
        ),
        regex.compile(
            r"(?<![\w/])(?P<z>(?:africa|america|asia|atlantic|australia|europe|indian|pacific|etc)"
            r"/[a-z_+-]+(?:/[a-z_+-]+)?)(?![\w/])"
        ),
        regex.compile(
            r"\b(?:time\s*zone|timezone)\s*(?:=|:|of|to|is|set\s+to|should\s+be)?\s*"
            r"(?P<unknown>(?!(?:the|it|this|that|and|as|please|for|of|to|in)\b)[a-z][\w/+-]{2,})"
        ),
    ]


def find_zone(reading: Reading) -> None:
    """Read the time zone in ``reading``."""
    names = zone_names()
    patterns = _zone_patterns()
    for found in reading.each(patterns[0]):
        reading.take(found.span(), options={"timezone": reading.zone})
    for pattern in patterns[1:]:
        for found in reading.each(pattern):
            said = found.groupdict().get("z") or found.groupdict().get("unknown") or ""
            zone = names.get(" ".join(said.split()))
            if zone is not None:
                reading.take(found.span(), options={"timezone": zone})
            elif found.groupdict().get("unknown") or "/" in said:
                ask = f"time zone {said!r} (name a city or an IANA zone such as Europe/Berlin)"
                reading.take(found.span(), unsupported=ask)


_WORD_SHAPE = r"(?:day|month|year)(?:[/.-](?:day|month|year)){1,2}"
_WORD_PIECES = {"day": "dd", "month": "mm", "year": "yyyy"}
_PIECE = r"(?:yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss)"
_SEP = r"(?:[./\-:]|,?\s|t)"
_SHAPE = rf"{_PIECE}(?:{_SEP}{_PIECE}){{1,6}}(?:\s?(?:am/pm|am|pm|tt))?"
_PATTERN = rf"(?<![\w%])(?P<p>{_SHAPE}|{_WORD_SHAPE})(?![\w])"
_STRFTIME = r"(?P<f>%-?[a-z](?:[^\s\"'%]*%-?[a-z])*[^\s\"'%,]*)"
_QUOTED = rf"(?P<q>[\"'`]){_STRFTIME}[\"'`]|(?P<q>[\"'`]){_PATTERN}[\"'`]"
_NOUN = (
    r"(?:dates?|date[- ]?times?|timestamps?|times?|date\s+formats?|datetime\s+formats?"
    r"|date\s+and\s+time|date/time|datetime_format)"
)
_STYLE = (
    r"(?P<s>iso(?:[- ]?8601)?|us|u\.s\.?|american|european|eu|german|uk|british|french|dutch"
    r"|international|unix|epoch|posix)"
)
_TIME_NOUN = r"(?:timestamps?|date[- ]?times?|dates?\s+and\s+times?|seconds|times?)"
_EXAMPLE = regex.compile(
    r"(?:\b(?:the\s+)?(?:dates?|date\s+columns?|timestamps?|days?)\s+(?:(?:formatted|written|shown"
    r"|printed)\s+)?(?:like|as|e\.g\.)|\b(?:formatted|written)\s+like)\s+(?:e\.g\.\s+)?"
    r"(?P<x>\d{1,4}(?P<sep>[./-])\d{1,2}(?P=sep)\d{1,4})(?![\w/.-])"
)
_DATE_FORMATS = [
    regex.compile(
        rf"\b{_NOUN}\s*(?:format(?:ted)?|style)?\s*(?:as|in|like|to|=|:|with|using)?\s*(?:the\s+)?"
        rf"(?:format\s+)?(?:{_QUOTED}|{_STRFTIME}|{_PATTERN})(?:\s+(?:format|style))?"
    ),
    regex.compile(
        rf"\b(?:in|as|with|using)\s+(?:the\s+)?(?:{_QUOTED}|{_PATTERN})(?:\s+(?:format|style))?"
    ),
    regex.compile(
        rf"\b(?P<n>{_TIME_NOUN}|dates?)\s+(?:in|as|like|to)\s+(?:the\s+)?{_STYLE}"
        r"(?:[- ](?:style|format|notation|seconds|timestamps?|time))?\b"
    ),
    regex.compile(
        rf"\b(?:in\s+|with\s+|using\s+|as\s+)?(?:the\s+)?{_STYLE}[- ](?:style\s+)?"
        rf"(?P<n>{_TIME_NOUN}|dates?|date\s+formats?)\b(?:\s+format)?"
    ),
    regex.compile(
        rf"\b(?:in|as)\s+(?:the\s+)?{_STYLE}[- ](?:date[- ])?(?:format|style|notation)\b"
    ),
    regex.compile(r"\b(?:in\s+)?(?P<s>iso[- ]?8601)\b"),
    regex.compile(_PATTERN),
]
_STYLES: dict[str, tuple[str, str]] = {
    "iso": ("iso", "iso"),
    "us": ("%m/%d/%Y", "%m/%d/%Y %I:%M %p"),
    "european": ("%d.%m.%Y", "%d.%m.%Y %H:%M"),
    "uk": ("%d/%m/%Y", "%d/%m/%Y %H:%M"),
    "dutch": ("%d-%m-%Y", "%d-%m-%Y %H:%M"),
    "unix": ("%s", "%s"),
}
_STYLE_NAMES = {"american": "us", "u.s.": "us", "u.s": "us", "eu": "european", "german": "european"}
_STYLE_NAMES.update(british="uk", french="uk", international="iso", epoch="unix", posix="unix")
_PIECE_RE = regex.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|am/pm|am|pm|tt")
_DIRECTIVES = {
    "yyyy": "%Y", "yy": "%y", "mmmm": "%B", "mmm": "%b", "dddd": "%A", "ddd": "%a",
    "dd": "%d", "d": "%-d", "ss": "%S", "am/pm": "%p", "am": "%p", "pm": "%p", "tt": "%p",
}  # fmt: skip


def strftime_of(shape: str, typed: str) -> str | None:
    """A strftime pattern for a shape such as ``dd.mm.yyyy hh:mm`` (None: not a date shape).

    >>> strftime_of("dd.mm.yyyy hh:mm", "DD.MM.YYYY HH:mm")
    '%d.%m.%Y %H:%M'
    >>> strftime_of("day/month/year", "day/month/year")
    '%d/%m/%Y'
    """
    if regex.fullmatch(_WORD_SHAPE, shape):
        shape = typed = regex.sub(r"[a-z]+", lambda word: _WORD_PIECES[word.group()], shape)
    pieces = list(_PIECE_RE.finditer(shape))
    kinds = {piece.group()[0] for piece in pieces if piece.group()[0] in "ymdh"}
    if len(kinds) < 2 or not any(len(piece.group()) > 1 for piece in pieces):
        return None
    java = "MM" in typed and "mm" in typed  # MM month, mm minutes
    twelve = any(piece.group() in ("am/pm", "am", "pm", "tt") for piece in pieces)
    out: list[str] = []
    position = 0
    for piece in pieces:
        out.append(shape[position : piece.start()].replace("t", "T"))
        word = piece.group()
        if word[0] == "m" and len(word) <= 2:
            before = shape[max(0, piece.start() - 4) : piece.start()]
            after = shape[piece.end() : piece.end() + 3]
            minutes = bool(regex.search(r"h+:$", before) or regex.match(r":s", after))
            if java:
                minutes = typed[piece.start() : piece.end()].islower()
            letter = "%M" if minutes else "%m"
            out.append(letter if word == "mm" else letter.replace("%", "%-"))
        elif word[0] == "h":
            letter = "%I" if twelve else "%H"
            out.append(letter if len(word) == 2 else letter.replace("%", "%-"))
        else:
            out.append(_DIRECTIVES[word])
        position = piece.end()
    out.append(shape[position:])
    return "".join(out)


def _date_format(reading: Reading, found: regex.Match[str]) -> str | None:
    groups = found.groupdict()
    if groups.get("f"):
        return reading.text[found.start("f") : found.end("f")].rstrip(".!?")
    if groups.get("p"):
        typed = reading.text[found.start("p") : found.end("p")]
        return strftime_of(groups["p"], typed)
    style = (groups.get("s") or "").replace(" ", "").replace("-", "")
    if style.startswith("iso"):
        return "iso"
    if style == "us" and not (
        reading.text[found.start("s") : found.end("s")] == "US"
        or regex.search(
            r"\b(?:with|in|as|using|use)\s+(?:the\s+)?$", reading.work[: found.start("s")]
        )
    ):
        return None  # "send us dates": a pronoun
    key = _STYLE_NAMES.get(style, style)
    if key not in _STYLES:
        return None
    noun = groups.get("n") or ""
    zone_after = regex.match(r"\s+time\b", reading.work[found.end() :])
    said_time = noun in ("time", "times") or found.group().endswith("time")
    if key != "unix" and (said_time or zone_after):
        return None  # "in German time", "ISO dates in German time": a zone
    with_time = bool(regex.search(r"time|stamp|second", noun))
    return _STYLES[key][1 if with_time else 0]


def example_format(example: str) -> str | None:
    """The strftime pattern an example date is written in (None: it could be two).

    >>> example_format("31.12.2026"), example_format("2026-12-31"), example_format("1/2/2026")
    ('%d.%m.%Y', '%Y-%m-%d', None)
    """
    first, sep, second, _, third = regex.split(r"([./-])", example)
    if len(first) == 4:
        return f"%Y{sep}%m{sep}%d"
    year = "%Y" if len(third) == 4 else "%y"
    if int(first) > 12 or (sep in ".-" and int(second) <= 12):
        return f"%d{sep}%m{sep}{year}"
    if int(second) > 12:
        return f"%m{sep}%d{sep}{year}"
    return None


def find_date_format(reading: Reading) -> None:
    """Read the date format in ``reading``."""
    for found in reading.each(_EXAMPLE):
        pattern_text = example_format(found.group("x"))
        if pattern_text is None:
            ask = f"dates like {found.group('x')} (say dd/mm/yyyy or mm/dd/yyyy)"
            reading.take(found.span(), unsupported=ask)
        else:
            reading.take(found.span(), options={"datetime_format": pattern_text})
    for pattern in _DATE_FORMATS:
        for found in reading.each(pattern):
            pattern_text = _date_format(reading, found)
            if pattern_text is None:
                continue
            if pattern_text != "iso":
                try:
                    parse_pattern(pattern_text)
                except ValueError as exc:
                    ask = f"the date format {pattern_text!r} ({exc})"
                    reading.take(found.span(), unsupported=ask)
                    continue
            reading.take(found.span(), options={"datetime_format": pattern_text})
