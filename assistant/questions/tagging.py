"""Tagging a question: every word gets one meaning, or is left unknown.

Left to right, the longest reading wins at each word: a time phrase (``intents.timewords``),
a phrase of grammar ("how many", "at least", "for each", "most recent"), a table or column
named in any naming style or by a synonym, a value the data holds (through the source's
value index: "munich" → ``München``), a number, or filler. Words left over get a second
look: a value that starts with them ("sales reps" → ``Sales Representative``), then one
typo away from a word the reader knows or a value. What is still unknown stays
:attr:`Kind.UNKNOWN`, and the reader asks about it instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from assistant.questions import lexicon as lx
from assistant.questions.catalog import Catalog
from assistant.questions.grammar import GRAMMAR, LONGEST, Item, Kind
from assistant.questions.naming import Vocabulary, named_at
from assistant.questions.naming import vocabulary as vocabulary_of
from assistant.source.values import ValueHit, ValueIndex, fold
from intents.numbers import parse_number
from intents.timewords import Window, find_window

__all__ = ["Item", "Kind", "tag"]  # Item and Kind: from grammar, for the readers


_TOKEN = re.compile(
    r"'[^']+'|\"[^\"]+\"|[$€£¥]|[<>!]=|<>|[<>=]|\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?|[^\W\d_][\w'’.@+-]*"
)
_CURRENCY_AFTER = lx.CURRENCY


@dataclass
class _Text:
    original: str
    tokens: list[re.Match[str]]
    low: list[str]
    fixed: dict[int, str] = field(default_factory=dict)  # time words mended, by token

    def said(self, start: int, end: int) -> str:
        return self.original[self.tokens[start].start() : self.tokens[end - 1].end()]


def tag(question: str, catalog: Catalog, values: ValueIndex, now: dt.datetime) -> list[Item]:
    """The question as items, in order, covering every token."""
    original = question.replace("’", "'")
    tokens = list(_TOKEN.finditer(original))
    low = [_plain(t[0]) for t in tokens]
    text = _Text(original, tokens, low)
    items: list[Item] = []
    times = _times(text, now)
    vocabulary = vocabulary_of(catalog)
    i = 0
    while i < len(tokens):
        value = _value(text, i, values, exact=True) if times else None
        if value is not None and any(i <= t < value.end for t in times) and value.end - i > 1:
            items.append(value)  # "Fall 2023", "May Day": a value, not a time
            i = value.end
            continue
        if i in times:
            end, window = times[i]
            items.append(Item(Kind.TIME, i, end, text.said(i, end), window))
            fixes = [(text.said(k, k + 1), text.fixed[k]) for k in range(i, end) if k in text.fixed]
            if fixes:  # said back: "I read “yesterdy” as “yesterday”"
                items[-1].extra["fixes"] = fixes
                items[-1].extra["note"] = "; ".join(f"I read “{a}” as “{b}”" for a, b in fixes)
            i = end
            continue
        item = _read(text, i, catalog, vocabulary, values)
        items.append(item)
        i = item.end
    return _second_look(text, items, catalog, vocabulary, values)


def _plain(token: str) -> str:
    word = token.lower().strip("'\"") if token[:1] not in "'\"" else token.lower()
    if word.endswith("'s") and word not in lx.FILLER:
        word = word[:-2]  # "davolio's" → "davolio"
    return word.rstrip(".") if len(word) > 2 else word


def _times(text: _Text, now: dt.datetime) -> dict[int, tuple[int, Window]]:
    """Time phrases, by the token they start at: (the token after them, the window).
    Time words one letter off ("yesterdy", "tomorow") are read as themselves."""
    lowered, spans = _time_words_fixed(text)
    found: dict[int, tuple[int, Window]] = {}
    offset = 0
    while offset < len(lowered):
        window = find_window(lowered[offset:], now)
        if window is None:
            break
        start, end = window.span[0] + offset, window.span[1] + offset
        covered = [k for k, (a, b) in enumerate(spans) if a < end and b > start]
        if covered:
            found[covered[0]] = (covered[-1] + 1, window)
        offset = end
    return found


def _time_words_fixed(text: _Text) -> tuple[str, list[tuple[int, int]]]:
    """The lower-cased question with misspelt time words mended, and each token's span in
    it; a mended word is noted on the text for the reply."""
    lowered = text.original.lower()
    pieces, spans, last = [], [], 0
    for k, token in enumerate(text.tokens):
        word = text.low[k]
        fixed = None
        if len(word) >= 5 and word.isalpha() and word not in lx.TIME_WORDS:
            near = [w for w in lx.TIME_WORDS if OSA.distance(word, w, score_cutoff=1) <= 1]
            fixed = near[0] if len(near) == 1 else None
        pieces.append(lowered[last : token.start()])
        begin = sum(len(p) for p in pieces)
        pieces.append(fixed or lowered[token.start() : token.end()])
        spans.append((begin, begin + len(pieces[-1])))
        last = token.end()
        if fixed is not None:
            text.fixed[k] = fixed
    pieces.append(lowered[last:])
    return "".join(pieces), spans


def _read(
    text: _Text, i: int, catalog: Catalog, vocabulary: Vocabulary, values: ValueIndex
) -> Item:
    """The longest reading at token ``i``: grammar, schema, value, number or filler."""
    best: Item | None = None
    for n in range(min(LONGEST, len(text.low) - i), 0, -1):
        words = tuple(text.low[i : i + n])
        if words in GRAMMAR:
            kind, data = GRAMMAR[words]
            best = Item(kind, i, i + n, text.said(i, i + n), data)
            if i > 0 and text.low[i - 1] == "the":  # "the youngest": one of them
                best.extra["the"] = True
            break
    schema = named_at(text.low, i, text.said, catalog, vocabulary)
    if schema is not None and (
        best is None
        or schema.end > best.end
        or _names_column(best, schema, text, i, catalog, vocabulary)
    ):
        best = schema
    value = _value(text, i, values, exact=True)
    weak = best is not None and best.extra.get("weak", False)
    if value is None and weak and best is not None and best.kind is Kind.TABLE:
        value = _value(text, i, values, exact=False)  # "sales reps": Sales Representative
        value = value if value is not None and value.end >= best.end else None
    if value is not None and (best is None or value.end > best.end or weak):
        best = value  # "open tickets": a value before a column that only shares a word
    if best is not None:
        return best
    word = text.low[i]
    number = _number(text, i)
    if number is not None:
        return number
    if word in lx.FILLER or not re.search(r"\w", word):
        return Item(Kind.FILLER, i, i + 1, text.said(i, i + 1))
    return Item(Kind.UNKNOWN, i, i + 1, text.said(i, i + 1))


def _names_column(
    grammar: Item,
    schema: Item,
    text: _Text,
    i: int,
    catalog: Catalog,
    vocabulary: Vocabulary,
) -> bool:
    """A word that is both grammar and a column's name ("total") names the column unless a
    column follows it ("total freight")."""
    if schema.end != grammar.end:
        return False
    if grammar.kind is Kind.UNIT:  # "year 12": a column called year, not "each year"
        return grammar.end < len(text.low) and _number(text, grammar.end) is not None
    if grammar.kind is not Kind.AGGREGATE:
        return False
    if grammar.end >= len(text.low):
        return True
    after = named_at(text.low, grammar.end, text.said, catalog, vocabulary)
    return after is None and text.low[grammar.end] not in lx.MEASURE_OF


def _value(
    text: _Text, i: int, values: ValueIndex, *, exact: bool, filler: bool = False
) -> Item | None:
    """A value the data holds, named by the words at ``i`` (longest first); with
    ``filler``, one word that is filler elsewhere ("status is paid")."""
    for n in range(min(5, len(text.low) - i), 0, -1):
        raw = text.low[i : i + n]
        edges = raw[-1] in lx.FILLER or (raw[0] in lx.FILLER and not (raw[0] == "the" and n > 1))
        if (edges or all(w in lx.FILLER for w in raw)) and not (filler and n == 1):
            continue
        if re.fullmatch(r"[\d$€£.,]+", raw[0]):
            continue
        said = re.sub(r"'s$", "", text.said(i, i + n).strip("'\"?!.,"))
        if n == 1 and len(fold(said)) < 2:
            continue
        hits = values.find(said) if exact else values.prefixed(said)
        if not hits and exact and any(w in lx.VALUE_WORDS for w in raw):  # "autumn" → Fall
            hits = values.find(" ".join(lx.VALUE_WORDS.get(w, w) for w in raw))
        if hits:
            return Item(Kind.VALUE, i, i + n, said, hits)
    return None


def _number(text: _Text, i: int) -> Item | None:
    word = text.low[i]
    money = word in ("$", "€", "£", "¥")
    k = i + 1 if money else i
    if k >= len(text.low):
        return None
    token = re.sub(r"(?:st|nd|rd|th)$", "", text.low[k]).replace(",", "")
    try:
        number: float | int = int(token)
    except ValueError:
        try:
            number = float(token)
        except ValueError:
            parsed = parse_number(token)
            if parsed is None:
                return None
            number = parsed
    end = k + 1
    if end < len(text.low) and text.low[end] in _CURRENCY_AFTER:
        money, end = True, end + 1
    return Item(Kind.NUMBER, i, end, text.said(i, end), number, money=money)


def _second_look(
    text: _Text,
    items: list[Item],
    catalog: Catalog,
    vocabulary: Vocabulary,
    values: ValueIndex,
) -> list[Item]:
    """Unknown words again: values that start with them, then typos of known words."""
    out: list[Item] = []
    k = 0
    while k < len(items):
        item = items[k]
        said_for_column = item.kind is Kind.FILLER and item.text.lower() not in lx.FUNCTION
        if item.kind is Kind.CONTAINS and not (out and out[-1].kind is Kind.COLUMN):
            item.kind = Kind.FILLER  # "I'd like …": "like" compares only after a column
        if out and out[-1].kind is Kind.CONTAINS:  # "subject contains refund": as written
            contained = _literal(text, items, k, out)
            if contained is not None:
                out.append(contained)
                while k < len(items) and items[k].start < contained.end:
                    k += 1
                continue
        if item.kind is not Kind.UNKNOWN and not said_for_column:
            out.append(item)
            k += 1
            continue
        literal = _literal(text, items, k, out)
        if literal is not None and item.kind is Kind.FILLER:  # "status is paid"
            found = _value(text, item.start, values, exact=True, filler=True)
            literal = found if found is not None else literal
        elif item.kind is Kind.FILLER:
            out.append(item)
            k += 1
            continue
        if literal is not None:
            out.append(literal)
            while k < len(items) and items[k].start < literal.end:
                k += 1
            continue
        value = None
        for back in range(min(3, len(out)), 0, -1):  # "sales support agents": a value
            starts = out[-back:]  # that starts with words read as something else
            if any(i.kind not in (Kind.MEASURE, Kind.COLUMN, Kind.UNKNOWN) for i in starts):
                continue
            value = _value(text, starts[0].start, values, exact=False)
            if value is not None and value.end > item.start:
                del out[-back:]
                break
            value = None
        value = value or _value(text, item.start, values, exact=False)
        if value is not None:
            out.append(value)
            while k < len(items) and items[k].start < value.end:
                k += 1
            continue
        out.append(_typo(text, item, catalog, vocabulary, values))
        k += 1
    return out


_SAYS = {"is", "=", "equals", "equal", "to", "was", "named", "called", ":"}
_BOUNDARY = {"and", "or", ",", "but", "where", "sorted", "ordered", "limit"}


def _literal(text: _Text, items: list[Item], k: int, before: list[Item]) -> Item | None:
    """A value said for a column, as written, though the data does not hold it (yet):
    "where email is b@example.com", "subject contains refund", "city is x'); --"."""
    said_is = bool(before) and before[-1].kind is Kind.FILLER and before[-1].text.lower() in _SAYS
    if not said_is and not (before and before[-1].kind in (Kind.CONTAINS, Kind.NEGATION)):
        return None
    back = [i for i in before if not (i.kind is Kind.FILLER and i.text.lower() in _SAYS)]
    negated = bool(back) and back[-1].kind is Kind.NEGATION
    if negated:
        back = back[:-1]
    if not back or back[-1].kind not in (Kind.COLUMN, Kind.CONTAINS):
        return None
    op = "contains" if back[-1].kind is Kind.CONTAINS else "="
    start = items[k].start
    end = start + 1
    while end < len(text.low) and text.low[end] not in _BOUNDARY:
        end += 1
    said = text.said(start, end).strip().strip("'\"")
    return Item(Kind.LITERAL, start, end, said, ("!=" if negated else op, said))


_SQL_WORDS = {"select", "insert", "update", "delete", "create", "values"}


def _known_words(catalog: Catalog) -> dict[str, str]:
    """Words of the schema, the grammar and the filler, for typos: word → itself."""
    known = {w: w for phrase in GRAMMAR for w in phrase if len(w) >= 3}
    known.update({w: w for w in lx.FIXABLE if len(w) >= 4})
    # "handeld" → handled; never "lots" → "lets", nor "SELEC" → a query read as English
    known.update({w: w for w in lx.FILLER if len(w) >= 6 and w not in _SQL_WORDS})
    for entity in catalog.entities:
        for name in (entity.name, *(f.name for f in entity.fields)):
            for word in lx.split_name(name):
                known[word] = word
                known.setdefault(word + "s", word + "s")
    for word in lx.SYNONYM_WORDS:
        known.setdefault(word, word)
        plural = word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
        known.setdefault(plural, plural)
    return known


_NOT = re.compile(r"^(?:non-?|un|in|im|dis)(?=[a-z]{4})")


def _negative(text: _Text, item: Item, catalog: Catalog, vocabulary: Vocabulary) -> Item | None:
    """ "inactive", "undelivered", "non-vip": a column's name with a negative prefix."""
    cut = _NOT.match(text.low[item.start])
    if cut is None:
        return None
    tokens = list(text.low)
    tokens[item.start] = tokens[item.start][cut.end() :]
    found = named_at(tokens, item.start, text.said, catalog, vocabulary)
    if found is None or found.kind is not Kind.COLUMN or found.extra.get("weak"):
        return None
    found.text, found.extra["negated"] = item.text, True
    return found


def _typo(
    text: _Text, item: Item, catalog: Catalog, vocabulary: Vocabulary, values: ValueIndex
) -> Item:
    """An unknown word one or two edits from a known word (read as that) or a value."""
    word = text.low[item.start]
    if len(word) < 4 or not word.isalpha():
        return item
    negative = _negative(text, item, catalog, vocabulary)
    if negative is not None:
        return negative
    limit = 1 if len(word) < 8 else 2
    known = _known_words(catalog)
    near = [k for k in known if abs(len(k) - len(word)) <= limit
            and OSA.distance(word, k, score_cutoff=limit) <= limit]  # fmt: skip
    if near:
        near.sort(key=lambda k: (OSA.distance(word, k), abs(len(k) - len(word)), -len(k)))
        fixed = near[0]
        tokens = list(text.low)
        tokens[item.start] = fixed
        again = _Text(text.original, text.tokens, tokens)
        read = _read(again, item.start, catalog, vocabulary, ValueIndex.empty())
        if read.kind is not Kind.UNKNOWN and read.end >= item.start + 1:
            read.fixed, read.text = fixed, item.text
            return read
    keys = {e.name: {f.name for f in e.fields if f is e.key or f.words[-1] == "id"}
            for e in catalog.entities}  # fmt: skip
    hits: list[ValueHit] = [
        h for h in values.near(re.sub(r"'s$", "", word)) if h.column not in keys[h.table]
    ]
    if hits and len(word) >= 5:
        best = min(h.distance for h in hits)
        item = Item(Kind.VALUE, item.start, item.end, item.text,
                    [h for h in hits if h.distance == best])  # fmt: skip
        item.fixed = str(item.data[0].values[0]).strip()
    return item
