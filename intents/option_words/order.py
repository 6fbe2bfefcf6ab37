"""Row order and column names, in words.

Sort: "sorted by name", "ordered by total descending", "by total, highest first", "sort
by country then city", "in descending order of revenue", "highest total first",
"newest first", "oldest to newest", "alphabetically" → ``sort``, a list of
``{"column": name, "descending": bool}``; a column of ``None`` with ``"pick": "date"``
(newest/oldest, chronological) or ``"pick": "text"`` (alphabetical) lets the assistant
choose the result's date or text column. The exporter streams rows as they come, so the
assistant applies the order to the query (see ``assistant/exports/said.py``).

A bare "sort by revenue" is a command about the data, not the file ("don't export yet,
just sort by revenue" asks for a query): only "sorted/ordered/ranked by", or "… and sort
it by" joined to an export, is read here.

Rename: "rename email to E-Mail", "email renamed to E-Mail", "call the email column
E-Mail", "email → E-Mail", "with email as E-Mail" (the new name quoted or capitalised)
→ ``rename`` ``{old: new}``, the new name in the user's spelling.
"""

from __future__ import annotations

from typing import Any

import regex

from intents.option_words.found import STOP, Reading, name_words, typo, value_at
from intents.vocabulary import find_formats, words

__all__ = ["find_rename", "find_sort"]

_COLUMN_STOP = STOP - {"date", "dates", "time", "times", "email"}
_KEY_STOP = _COLUMN_STOP | words(
    """newest latest oldest earliest highest lowest largest smallest biggest reverse
    alphabetically alphabetical chronologically chronological high low increasing
    decreasing descending ascending a-z z-a most least top bottom on"""
)
_HIGH = r"(?:highest|largest|biggest|greatest|most|high|big|large|newest|latest|most\s+recent|z)"
_LOW = r"(?:lowest|smallest|least|fewest|low|small|oldest|earliest|least\s+recent|a)"
_DESC = (
    rf"(?:{typo('descending')}|desc|{typo('decreasing')}|reversed?|(?:in\s+)?reverse\s+order"
    rf"|z\s*(?:-|to)\s*a|(?:from\s+)?{_HIGH}\s+to\s+{_LOW}|(?:the\s+)?{_HIGH}\s+(?:ones?\s+)?"
    r"(?:first|on\s+top|at\s+the\s+top))"
)
_ASC = (
    rf"(?:{typo('ascending')}|asc|{typo('increasing')}|a\s*(?:-|to)\s*z|(?:from\s+)?{_LOW}\s+to"
    rf"\s+{_HIGH}|(?:the\s+)?{_LOW}\s+(?:ones?\s+)?(?:first|on\s+top|at\s+the\s+top)"
    rf"|{typo('alphabetically')}|alphabetical|{typo('chronologically')}|chronological)"
)
_DIRECTION = regex.compile(
    rf"\s*,?\s*\(?\s*(?:in\s+)?(?:(?P<desc>{_DESC})|(?P<asc>{_ASC}))(?:\s+order)?\s*\)?(?![\w])"
)
_DIRECTION_WORD = regex.compile(
    rf"{typo('descending')}|{typo('ascending')}|{typo('decreasing')}|{typo('increasing')}"
    rf"|{typo('alphabetically')}|{typo('alphabetical')}|{typo('chronologically')}"
)
_JOIN = regex.compile(
    r"\s*(?:,\s*(?:and\s+)?(?:then\s+)?(?:by\s+)?|\s+(?:and\s+)?then\s+(?:by\s+)?|\s+and\s+(?:by\s+)?)"
)
_THE = regex.compile(r"\s*(?:the\s+)?")
_COLUMN_WORD = regex.compile(r"\s+(?:column|field|col)\b")
_NAME_PAIR = regex.compile(r"(?:first|last|full|display|user|company)\s+name\b")
_DATE_WORDS = {"newest": True, "latest": True, "most_recent": True, "recent": True}
_DATE_WORDS.update({"oldest": False, "earliest": False})
_DATE_WORD = regex.compile(r"(?:newest|latest|most\s+recent|recent|oldest|earliest)\b")
_NEGATED = regex.compile(r"\b(?:don'?t|do\s+not|not|no\s+need|before|later|yet|hold\s+off)\b")

_VERB = (
    r"(?:(?P<part>sorted|ordered|arranged|ranked|organi[sz]ed|sorting|ordering|re-?sorted)"
    r"|(?<=(?:^|[,;.!?(]|\band|\bthen|\bplease|\balso)\s*)(?P<imp>sort|order|re-?sort))"
)
_OBJECT = (
    r"(?:(?:it|them|this|that|these|everything|all|the\s+(?:rows|results|data|file|records"
    r"|lines|output|table|list|entries))\s+)?"
)
_SORT_BY = regex.compile(
    r"\bsort(?:ing)?(?:\s+order)?\s*[:=]\s*|\b(?:sort|row)\s+order\s+(?:by\s+)?"
    rf"|\b{_VERB}\s+{_OBJECT}(?:(?:in\s+)?(?P<dir>{_DESC}|{_ASC})(?:\s+order)?\s+)?"
    r"(?:by|on|according\s+to|using|after)\s+"
)
_ORDER_OF = regex.compile(
    rf"\b(?:in\s+)?(?:(?P<desc>{_DESC}|reverse)|(?P<asc>{_ASC}|numerical))\s+order\s+(?:of|by)\s+"
    rf"|\b(?:(?P<desc>{typo('descending')})|(?P<asc>{typo('ascending')}))\s+by\s+"
)
_BY_WITH_DIRECTION = regex.compile(r"\bby\s+")
_CHRONO = f"(?:{typo('chronologically')}|{typo('chronological')})"
_DATE_ORDER = regex.compile(
    rf"(?:\b{_VERB}\s+{_OBJECT})?(?:\b(?:with\s+)?(?:the\s+)?(?:(?P<desc>newest|latest|most\s+recent"
    r"|youngest|freshest)|(?P<asc>oldest|earliest|least\s+recent))\s+(?:[a-z]+\s+)?(?:first|on\s+top"
    r"|at\s+the\s+top)\b|(?:\bfrom\s+)?\b(?:(?P<desc>newest|latest|most\s+recent)\s+to\s+(?:oldest"
    r"|earliest)|(?P<asc>oldest|earliest)\s+to\s+(?:newest|latest|most\s+recent))\b"
    rf"|\b(?:in\s+)?(?:(?P<desc>reverse[- ]{_CHRONO})|(?P<asc>{_CHRONO}))(?:\s+order)?\b)"
)
_EXTREME_FIRST = regex.compile(
    r"\b(?:with\s+)?(?:the\s+)?(?:(?P<desc>highest|largest|biggest|greatest|most\s+expensive|top)"
    r"|(?P<asc>lowest|smallest|cheapest|least\s+expensive))\s+"
)
_ALPHABETICAL = regex.compile(
    rf"(?:\b{_VERB}\s+{_OBJECT})?(?:\b(?:in\s+)?(?:(?P<asc>alphabetical\s+order"
    rf"|{typo('alphabetically')}|a\s*(?:-|to)\s*z)|(?P<desc>reverse\s+alphabetical(?:ly)?(?:\s+order)?|z\s*(?:-|to)"
    r"\s*a))\b)(?:\s+(?:by|on)\s+)?"
)


def _key(work: str, start: int) -> tuple[dict[str, Any], int] | None:
    """One sort key at ``start``: a column and maybe its direction ("total descending")."""
    at = _THE.match(work, start)
    position = at.end() if at else start
    pair = _NAME_PAIR.match(work, position)
    if pair:
        name, end = pair.group().replace(" ", "_"), pair.end()
    else:
        named = name_words(work, position, _KEY_STOP, _DIRECTION_WORD)
        if named is None:
            word = _DATE_WORD.match(work, position)
            if word is None:
                return None
            desc = _DATE_WORDS["_".join(word.group().split())]
            return {"column": None, "descending": desc, "pick": "date"}, word.end()
        name, end = named
    column_word = _COLUMN_WORD.match(work, end)
    end = column_word.end() if column_word else end
    key: dict[str, Any] = {"column": name, "descending": False}
    direction = _DIRECTION.match(work, end)
    if direction and (direction.group("desc") or direction.group("asc")):
        key["descending"] = bool(direction.group("desc"))
        end = direction.end()
        key["said"] = True
    return key, end


def _keys(
    work: str, start: int, *, descending: bool | None = None, need_direction: bool = False
) -> tuple[list[dict[str, Any]], int] | None:
    """Sort keys from ``start`` on ("country then city desc"), and where they end."""
    keys: list[dict[str, Any]] = []
    end = position = start
    while (found := _key(work, position)) is not None:
        key, key_end = found
        said = key.pop("said", False) or key["column"] is None
        if need_direction and not said:
            break
        if descending is not None and not said:
            key["descending"] = descending
        keys.append(key)
        end = key_end
        joiner = _JOIN.match(work, end)
        if joiner is None or "  " in joiner.group():
            break  # no joiner, or one across words another grammar took
        position = joiner.end()
    return (keys, end) if keys else None


def _direction(found: regex.Match[str], group: str = "dir") -> bool | None:
    said = found.groupdict().get(group)
    if said:
        return bool(regex.fullmatch(_DESC, said.removeprefix("in ").strip()))
    if found.groupdict().get("desc"):
        return True
    if found.groupdict().get("asc"):
        return False
    return None


def find_sort(reading: Reading) -> None:
    """Read the sort order in ``reading``."""
    negated = bool(_NEGATED.search(reading.low))
    for found in reading.each(_SORT_BY):
        if found.group("imp") and negated:
            continue  # "don't export yet, just sort by revenue": a query
        ranked = (found.group("part") or "").startswith("rank")
        descending = _direction(found)
        keys = _keys(reading.work, found.end(), descending=True if ranked else descending)
        if keys is not None:
            reading.take((found.start(), keys[1]), options={"sort": keys[0]})
    for found in reading.each(_ORDER_OF):
        keys = _keys(reading.work, found.end(), descending=_direction(found))
        if keys is not None:
            reading.take((found.start(), keys[1]), options={"sort": keys[0]})
    for found in reading.each(_DATE_ORDER):
        if found.group("imp") and negated:
            continue
        sort = [{"column": None, "descending": bool(found.group("desc")), "pick": "date"}]
        reading.take(found.span(), options={"sort": sort})
    for found in reading.each(_EXTREME_FIRST):
        named = name_words(reading.work, found.end(), _KEY_STOP)
        first = named and regex.match(
            r"\s+(?:first|on\s+top|at\s+the\s+top)\b", reading.work[named[1] :]
        )
        if named and first:
            sort = [{"column": named[0], "descending": bool(found.group("desc"))}]
            reading.take((found.start(), named[1] + first.end()), options={"sort": sort})
    for found in reading.each(_ALPHABETICAL):
        if found.group("imp") and negated:
            continue
        descending = bool(found.group("desc"))
        if regex.search(r"\s(?:by|on)\s+$", found.group()):
            keys = _keys(reading.work, found.end(), descending=descending)
            if keys is not None:
                reading.take((found.start(), keys[1]), options={"sort": keys[0]})
            continue
        sort = [{"column": None, "descending": descending, "pick": "text"}]
        reading.take(
            (found.start(), found.start() + len(found.group().rstrip())), options={"sort": sort}
        )
    for found in reading.each(_BY_WITH_DIRECTION):
        keys = _keys(reading.work, found.end(), need_direction=True)
        if keys is not None:
            reading.take((found.start(), keys[1]), options={"sort": keys[0]})


_TO = regex.compile(r"\s*(?:->|→|=>)\s*|\s+(?:to|as|into|=)\s+")
_RENAME = regex.compile(
    r"\b(?:re-?name|re-?label|label|retitle)\s+(?:the\s+)?(?:(?:columns?|fields?|headers?)\s+)?"
    r"|\b(?:change|set|make)\s+(?:the\s+)?(?:headers?|headings?|column\s+(?:names?|headers?"
    r"|titles?))\s+(?:of\s+|for\s+)?(?:the\s+)?"
    r"|\b(?:call|label|name|title|head)\s+the\s+(?=[a-z0-9_ ]{1,40}?\s(?:column|field|header)\b)"
)
# A name starts where no name letter comes before it: searched from every letter of a long
# word, the pattern read the rest of the word each time (4,000 letters took 3 s).
_RENAMED = regex.compile(
    r"(?<![a-z0-9_])(?P<x>(?:[a-z0-9_]+\s+)?[a-z0-9_]+)(?:\s+(?:column|field|header))?\s+(?:should\s+be\s+"
    r"|to\s+be\s+|is\s+|being\s+)?(?:renamed|relabell?ed|retitled)(?:\s+(?:to|as|into))?\s+"
    r"|(?<![a-z0-9_])(?P<x>(?:[a-z0-9_]+\s+)?[a-z0-9_]+)\s+(?:column|field|header)\s+(?:should\s+be\s+|to\s+be\s+"
    r"|as\s+)?(?:called|named|labell?ed|titled|headed)\s+"
    r"|(?<![a-z0-9_])(?P<x>[a-z0-9_]+)\s*(?:->|→|=>)\s*"
)
_ZONE_AFTER = regex.compile(r"\s+time\b(?!\s*zone)")
_AS_PLACE = regex.compile(r"(?:^|\bwith|\band|[,;:(]|\bheaders?|\bcolumns?)\s*$")
_NOT_COLUMNS = words(
    """it this that them these those all everything data results result file rows one report
    table list export download me us here there same dates date times time timestamps nulls
    numbers decimals values"""
)
_AS_PAIR = regex.compile(r"\b(?P<x>[a-z0-9_]+)\s+as\s+")
_NOT_NAMES = regex.compile(
    r"(?:an?\s+|the\s+)?(?:attachment|file|download|link|zip|gzip|archive|backup|default|well"
    r"|usual|before|always|is|planned|discussed|requested|needed)\b"
)


def _new_name(reading: Reading, start: int, *, strict: bool) -> tuple[str, int] | None:
    """The new name at ``start``; ``strict``: only a quoted or capitalised one ("E-Mail")
    that is no format or delivery word ("email as CSV" is no rename)."""
    if _NOT_NAMES.match(reading.work, start):
        return None
    value = value_at(reading, start, cased=strict)
    if value is None:
        return None
    name, end = value
    if strict:
        quoted = reading.text[start] in "\"'`"
        if not (quoted or name[:1].isupper()) or (not quoted and find_formats(name.lower())):
            return None
    return name, end


def _pairs(reading: Reading, start: int, first: str | None) -> tuple[dict[str, str], int] | None:
    """ "email to E-Mail and name to Full Name" from ``start`` (``first``: old name read)."""
    work = reading.work
    renames: dict[str, str] = {}
    end = position = start
    while True:
        if first is None:
            named = name_words(work, position, _COLUMN_STOP)
            if named is None:
                break
            old, position = named
            column_word = _COLUMN_WORD.match(work, position)
            position = column_word.end() if column_word else position
            to = _TO.match(work, position)
            if to is None:
                break
            position = to.end()
        else:
            old, first = first, None
        value = _new_name(reading, position, strict=False)
        if value is None:
            break
        if _ZONE_AFTER.match(work, value[1]):
            break  # "converted to Berlin time": a time zone
        renames[old] = value[0]
        end = value[1]
        joiner = regex.match(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+)", work[end:])
        if joiner is None:
            break
        position = end + joiner.end()
    return (renames, end) if renames else None


def find_rename(reading: Reading) -> None:
    """Read column renames in ``reading``."""
    for found in reading.each(_RENAME):
        pairs = _pairs(reading, found.end(), None)
        if pairs is None and found.group().startswith(("call", "label", "name", "title", "head")):
            named = name_words(reading.work, found.end(), _COLUMN_STOP)
            column_word = named and _COLUMN_WORD.match(reading.work, named[1])
            if named and column_word:
                at = regex.match(r"\s*(?:as\s+)?", reading.work[column_word.end() :])
                start = column_word.end() + (at.end() if at else 0)
                pairs = _pairs(reading, start, named[0])
        if pairs is not None:
            reading.take((found.start(), pairs[1]), options={"rename": pairs[0]})
    for found in reading.each(_RENAMED):
        words = [w for w in found.group("x").split() if w not in _COLUMN_STOP]
        words = words[-2:] if len(words) == len(found.group("x").split()) else words[-1:]
        if not words or words[-1] in _NOT_COLUMNS:
            continue
        pairs = _pairs(reading, found.end(), "_".join(words))
        if pairs is not None:
            start = found.start("x") + found.group("x").rindex(words[0])
            reading.take((start, pairs[1]), options={"rename": pairs[0]})
    for found in reading.each(_AS_PAIR):
        old = found.group("x")
        if (
            old in _COLUMN_STOP
            or old in _NOT_COLUMNS
            or not _AS_PLACE.search(reading.work[: found.start()])
        ):
            continue
        value = _new_name(reading, found.end(), strict=True)
        if value is not None:
            reading.take((found.start(), value[1]), options={"rename": {old: value[0]}})
