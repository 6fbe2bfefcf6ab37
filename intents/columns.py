"""Which columns and how many rows: "only name and email", "without the notes column", "top 10".

Column lists are parsed word by word after a trigger ("only", "with columns", "leave
out"...): names are one to three words, separated by commas, "and", "&" or "/", and
the list stops at the first word that cannot be part of a name ("as", "to", "zipped",
a time word...). A list after "only"/"just" that does not say "columns" might be a
filter instead ("only paid orders"), so it is accepted only when it looks like names
and is reported as ``sure=False``.

Every finder takes the lower-cased message with already-understood parts blanked out
and returns the character span it used, so the caller can blank it in turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from intents.numbers import NUMBER, parse_number
from intents.vocabulary import words

__all__ = [
    "ColumnList",
    "Limit",
    "find_columns",
    "find_exclusions",
    "find_limit",
    "normalise_name",
    "parse_names",
]


def normalise_name(name: str) -> str:
    """A column name as the contract wants it: lower-case, spaces → ``_``, no quotes."""
    return "_".join(name.strip().strip("'\"`").lower().split())


@dataclass(frozen=True)
class ColumnList:
    names: list[str]
    span: tuple[int, int]
    sure: bool  # the user said "columns"/"fields", or used an unambiguous trigger


@dataclass(frozen=True)
class Limit:
    value: int
    span: tuple[int, int]
    before_noun: bool  # "top 5 products": part of a data question, not a row limit
    from_end: bool = False  # "the last 10 rows": the exporter keeps the first rows only


# Words that end a list of names: prepositions, format and delivery words, time words.
_STOP = words(
    """as to in into for from with without by every each per on at of please pls zipped zip
    gzip gzipped compressed compress then only also but except excluding where which that
    who whose sorted ordered grouped this it them these those rows row records record file
    files format csv tsv json jsonl excel xlsx pdf parquet markdown spreadsheet today
    yesterday tomorrow weekly daily monthly hourly since until before after last next now
    thanks thank is are was were be have has me us you i we export download save send
    schedule show give get make too again instead or not no than when if so just all
    everything one ones first top a an
    showed shown gave given found pulled ran got did asked results result data table
    output stuff lot everything inbox over across"""
)
_STAMPED = frozenset({"created", "updated", "deleted", "modified", "paid", "shipped", "signed"})
# Stop words that start a column name when a noun follows ("last login", "zip code").
_NAME_HEADS = frozenset({"first", "last", "zip", "top", "next", "from", "to", "due", "start"})
_NOT_AFTER_HEAD = _STOP | {"rows", "row", "records", "lines", "ones", "page", "time", "week",
                            "month", "year", "day", "days", "weeks", "months", "hours"}  # fmt: skip
_NOT_NAMES = frozenset({"columns", "column", "fields", "field", "cols", "col", "data", "stuff"})
_JOINERS = frozenset({"and", "&", "+", "plus", "/", "then", "followed by", "and then", "->", ">"})
_ORDERED = frozenset({"then", "followed by", "and then", "->", ">", "+"})
_COLUMN_WORD = regex.compile(r"\s*(?:columns?|fields?|cols?)\b")
_ONLY_AFTER = regex.compile(r"\s*(?:columns?|fields?)?\s*only\b")
_TOKENS = regex.compile(r"followed\s+by|and\s+then|->|[a-z0-9_][\w.#'-]*|,|&|\+|/|>")
_DELIVERY = frozenset({"me", "it", "this", "them", "to", "us", "the"})
_NOT_EXCLUDED = words(
    """compression zipping zip zipped gzip headers header formatting asking quotes quoting
    duplicates dupes nulls blanks empty blank index decimals delay emailing sending
    downloading exporting"""
)


def _parse_list(work: str, start: int) -> tuple[list[str], int] | None:
    """The names from ``start`` on, and where the last one ends; None if there are none."""
    items: list[list[str]] = []
    current: list[str] = []
    end = start
    tokens = list(_TOKENS.finditer(work, start, min(len(work), start + 200)))
    for index, token in enumerate(tokens):
        word = " ".join(token.group().split())
        if word == "," or word in _JOINERS:
            if current:
                items.append(current)
                current = []
            continue
        following = tokens[index + 1].group() if index + 1 < len(tokens) else ""
        if word == "the":
            if current:
                break
            continue
        previous = current[-1] if current else ""
        named = (
            (word in _NAME_HEADS and following.isalpha() and following not in _NOT_AFTER_HEAD)
            or (  # "first name", "last login", "zip code"
                word == "at"
                and previous in _STAMPED
                and not following[:1].isdigit()  # "created at"
            )
        )
        if not named and (word in _STOP or word in _NOT_NAMES or "'" in word):
            break
        if word in ("email", "mail") and following in _DELIVERY:
            break
        gap = work[tokens[index - 1].end() : token.start()] if index else ""
        if current and gap.strip():
            break  # two names not joined by "and" or a comma: a new clause starts here
        if len(current) == 3:
            return None
        current.append(word)
        end = token.end()
    if current:
        items.append(current)
    names = [normalise_name(" ".join(item)) for item in items]
    return (names, end) if names else None


def parse_names(work: str, start: int) -> tuple[list[str], int] | None:
    """The column names said from ``start`` on, and where the last ends (None: none)."""
    return _parse_list(work, start)


def _looks_like_filter(names: list[str]) -> bool:
    """ "only paid orders", "just Berlin": a single plural or proper noun, not column names."""
    if len(names) != 1:
        return False
    last = names[0].rsplit("_", 1)[-1]
    return last.endswith("s") and not last.endswith(("ss", "us", "status", "address", "sales"))


_ONLY_RE = regex.compile(
    r"\b(?:(?:with|keep|include|including|showing|containing|using)\s+)?(?:only|just)\s+"
    r"(?:the\s+)?(?:columns?\s+|fields?\s+)?"
)
_WITH_COLUMNS_RE = regex.compile(
    r"\b(?:(?:with|keep|include|including|select|choose|pick|containing|showing|using)\s+)?"
    r"(?:the\s+|these\s+|only\s+(?:the\s+)?|just\s+(?:the\s+)?)?"
    rf"(?:(?:{NUMBER})\s+)?(?:columns?|fields?)(?:\s+only)?\s*:?\s*"
)
_SELECT_RE = regex.compile(
    r"\b(?:(?P<verb>keep|include|select|pick|choose|limit(?:ed)?(?:\s+(?:it|this|that|them))?"
    r"\s+to|restrict(?:ed)?(?:\s+(?:it|this|that|them))?\s+to|narrow(?:\s+(?:it|this|that"
    r"|them))?(?:\s+down)?\s+to|trim(?:\s+(?:it|this|that|them))?(?:\s+down)?\s+to"
    r"|cut(?:\s+(?:it|this|that|them))?\s+down\s+to|reduce(?:\s+(?:it|this|that|them))?\s+to"
    r"|stick\s+to)|with)\s+(?:the\s+|just\s+(?:the\s+)?|only\s+(?:the\s+)?)?"
)
# A bare list at the start of a clause: "name, email and city as csv", "region + revenue".
_CLAUSE_START = regex.compile(r"(?:^|[,;:.!?(-])\s*(?=[a-z0-9_])")
_IN_ORDER = regex.compile(
    r"\s*[,(-]?\s*(?:(?:in\s+)?(?:that|this|the\s+same|exactly\s+that|this\s+exact"
    r"|that\s+exact)\s+order|in\s+order|(?:in\s+)?the\s+order\s+(?:i|we)\s+(?:gave|said"
    r"|listed|wrote)|left\s+to\s+right)\s*[)-]?"
)
_LIST_END = regex.compile(r"(?:\s+only\b)?\s*(?:$|[,;:.!?)-])")
_BEFORE_COLUMNS_RE = regex.compile(
    r"\b(?:export|download|save|send|email|mail|give\s+me|get\s+me|want|need)\s+"
    r"(?:me\s+)?(?:the\s+)?"
)


def find_columns(work: str) -> ColumnList | None:
    """The columns to keep: "only name and email", "with columns id, total".

    >>> find_columns("export only the name, city and revenue columns as json").names
    ['name', 'city', 'revenue']
    """
    for pattern, needs_word, sure in (
        (_WITH_COLUMNS_RE, False, True),
        (_ONLY_RE, False, False),
        (_SELECT_RE, True, True),
        (_BEFORE_COLUMNS_RE, True, True),
    ):
        for trigger in pattern.finditer(work):
            parsed = _parse_list(work, trigger.end())
            if parsed is None:
                continue
            names, end = parsed
            said = _COLUMN_WORD.match(work, end) or _ONLY_AFTER.match(work, end)
            ordered = len(names) > 1 and (
                _ordered(work[trigger.end() : end]) or _IN_ORDER.match(work, end) is not None
            )
            picked = ordered or (
                pattern is _SELECT_RE
                and len(names) > 1
                and bool(
                    trigger.group("verb")
                    or not work[: trigger.start()].strip(" ,")  # "json with a, b": it opens
                )
            )
            if needs_word and not said and not picked:
                continue
            if said:
                end = said.end()
            elif _looks_like_filter(names):
                continue
            sure = sure or bool(said) or len(names) > 1
            return ColumnList(names, (trigger.start(), _in_order_end(work, end)), sure)
    return _bare_list(work)


def _ordered(text: str) -> bool:
    """Whether a list states an order: "then", "followed by", "+", "->"."""
    return any(joiner in text.split() for joiner in _ORDERED) or "followed by" in text


def _in_order_end(work: str, end: int) -> int:
    """Where "..., in that order" after a list ends (``end`` when it is not there)."""
    found = _IN_ORDER.match(work, end)
    return found.end() if found else end


def _bare_list(work: str) -> ColumnList | None:
    """ "name + email + phone in that order", "region, revenue and margin": names alone.

    Only at the start of a clause, ending the clause, and only when the list cannot be
    data: an order is stated ("then", "followed by", "+", "in that order"), or there are
    three names or more, or no name is a plural ("orders and refunds" are tables).
    """
    for start in _CLAUSE_START.finditer(work):
        parsed = _parse_list(work, start.end())
        if parsed is None:
            continue
        names, end = parsed
        if len(names) < 2:
            continue
        ordered = _ordered(work[start.end() : end])
        in_order = _IN_ORDER.match(work, end)
        end = in_order.end() if in_order else end
        list_end = _LIST_END.match(work, end)
        if list_end is None:
            continue
        end = max(end, list_end.end() - 1) if "only" in list_end.group() else end
        plural = any(_looks_like_filter([name]) for name in names)
        if ordered or in_order or len(names) >= 3 or not plural:
            return ColumnList(names, (start.end(), end), sure=bool(ordered or in_order))
    return None


_EXCLUDE_RE = regex.compile(
    r"\b(?:(?:everything|all(?:\s+(?:of\s+)?(?:the\s+)?(?:columns?|fields?))?|every\s+(?:column"
    r"|field)|any\s+(?:column|field))\s+(?:but|except(?:\s+for)?|other\s+than|apart\s+from"
    r"|besides|save|minus|bar|barring|excluding|without)"
    r"|without|excluding|exclude|except(?:\s+for)?|other\s+than|apart\s+from|leave\s+out|leaving\s+out|leave\s+off"
    r"|omit(?:ting)?|minus|but\s+not|drop(?:ping)?|remove|removing|skip(?:ping)?|hide|hiding"
    r"|strip(?:ping)?\s+out|take\s+out|get\s+rid\s+of|ignore|ignoring|no"
    r"|(?:don'?t|do\s+not)\s+(?:include|export|show|add|send|need|want))"
    r"\s+(?:the\s+|any\s+|all\s+)?(?:columns?\s+|fields?\s+)?(?:called\s+|named\s+)?"
)
_COMMAND_PLACE = regex.compile(r"(?:^|[,;.!?-]|\b(?:and|then|please|pls|just))\s*$")
_WEAK_EXCLUDERS = ("no", "skip", "hide", "ignor", "don", "do ")


def find_exclusions(work: str) -> ColumnList | None:
    """The columns to leave out: "without the email column", "leave out phone and address".

    >>> find_exclusions("export this as xlsx but leave out phone and address").names
    ['phone', 'address']
    """
    for trigger in _EXCLUDE_RE.finditer(work):
        parsed = _parse_list(work, trigger.end())
        if parsed is None:
            continue
        names, end = parsed
        said = _COLUMN_WORD.match(work, end)
        if said:
            end = said.end()
        elif (
            trigger.group().startswith(_WEAK_EXCLUDERS)
            and not (
                trigger.group().startswith(("hide", "skip"))
                and _COMMAND_PLACE.search(work[: trigger.start()])
            )
        ) or any(name in _NOT_EXCLUDED or name.isdigit() for name in names):
            continue
        return ColumnList(names, (trigger.start(), end), sure=bool(said) or len(names) > 1)
    return None


_UNIT = r"(?:rows?|records?|lines?|entries|entry|results?|items?)"
_LIMIT_RE = regex.compile(
    rf"(?:\b(?:only|just)\s+)?(?:\bthe\s+)?(?:\bvery\s+)?\b(?P<first>first|top)\s+(?P<unit>row|record"
    rf"|line|entry|result)\b"
    rf"|(?:\b(?:only|just)\s+)?(?:\bthe\s+)?(?:\bvery\s+)?\b(?P<end>first|top|last|bottom)\s+"
    rf"(?P<n>{NUMBER})"
    rf"(?:\s+(?P<unit>{_UNIT})\b)?"
    rf"|(?:\b(?:only|just)\s+)?(?:\bthe\s+)?(?P<n>{NUMBER})\s+(?P<unit>{_UNIT})\b"
    rf"|\blimit(?:ed)?(?:\s+(?:it|them|this|that))?(?:\s+to)?(?:\s+the\s+first)?\s+(?P<n>{NUMBER})"
    rf"(?:\s+(?P<unit>{_UNIT})\b)?"
    rf"|\b(?:at\s+most|max(?:imum)?(?:\s+of)?|up\s+to|no\s+more\s+than|not\s+more\s+than"
    rf"|a\s+sample\s+of|sample(?:\s+of)?|cap(?:ped)?(?:\s+(?:it|this|that|them|the\s+\w+))?"
    rf"\s+(?:at|to)|(?:a\s+)?(?:limit|cap|ceiling|max(?:imum)?)\s+of|no\s+more\s+than)\s+"
    rf"(?P<n>{NUMBER})\s+(?P<unit>{_UNIT})\b"
)
_AFTER_UNIT = regex.compile(
    r"\s*(?:max(?:imum)?|tops|at\s+most|or\s+(?:less|fewer)|at\s+the\s+most|only|total)\b"
)
_AFTER_LIMIT = regex.compile(r"\s*(?P<word>[a-z][\w'-]*)")
_LIMIT_FOLLOWERS = words(
    """as to in into of for from with and or but only please zipped then rows records lines
    entries results items ones"""
)


def find_limit(work: str) -> Limit | None:
    """At most how many rows: "first 100 rows", "top 10", "first ten rows", "limit 20".

    >>> find_limit("export the first ten rows as csv").value
    10
    """
    for match in _LIMIT_RE.finditer(work):
        if match.group("first"):
            return Limit(1, match.span(), False)  # "the first row"
        text = match.group("n")
        value = parse_number(text)
        if value is None:
            continue
        if text.strip() == "one" and not match.group("unit"):
            continue  # "the first one": a choice, not a limit
        before_noun = False
        if not match.group("unit"):
            after = _AFTER_LIMIT.match(work, match.end())
            word = after.group("word") if after else ""
            before_noun = bool(word) and word not in _LIMIT_FOLLOWERS and word not in _STOP
        from_end = match.group("end") in ("last", "bottom")
        if from_end and not match.group("unit"):
            continue  # "the last 3 days": a time window
        end = match.end()
        if match.group("unit") and (after_unit := _AFTER_UNIT.match(work, end)):
            end = after_unit.end()  # "200 rows max"
        return Limit(value, (match.start(), end), before_noun, from_end)
    return None
