"""Reading one question: each step finds its phrase, adds its part of the query and blanks
the words out, so no two steps read the same words and what is left was not understood.

The steps, in order:

1. a question about the schema ("what tables are there?", "what's in orders?");
2. the table: the leftmost words naming one exactly, as singular or plural, else one typo
   away;
3. "how many" / "count";
4. time words, on the time column named just before them ("customers who signed up this
   week" → signed_up_at), else the table's main one (see ``sql``);
5. "top 5" / "the 10 latest" / "biggest", said before the table;
6. "by <column>": a sort, or a grouping after "count" or with "per";
7. "where/with/whose <column> <op> <value>" clauses, joined by "and";
8. boolean columns named anywhere ("vip", "in stock", "not shipped");
9. a bare word before the table or after "that are", as a value of the status-like
   (status, category, type...) or place-like (city, country, region...) text columns:
   "paid orders", "Berlin orders";
10. "from/in/at <Value>" in the place-like columns or, without one, in any text column.

A bare value may not be grammar ("where", "by"...) nor the name of a table or column.
Words left over that are not filler make a :class:`CannotAnswer`: a question back is
better than a wrong table. Values with "and" or commas need quotes: ``'Bosnia and
Herzegovina'``. Text compares ignoring case (``lower(col) = lower('x')``; SQLite's
``lower`` folds ASCII letters only).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

from sqlglot import exp

from assistant.questions import sql
from assistant.questions.replies import (
    Answer,
    Translation,
    cannot,
    columns_reply,
    no_table,
    tables_reply,
    title,
)
from assistant.questions.sql import Query
from assistant.source.schema import Column, Schema, Table
from intents.numbers import NUMBER, parse_number
from intents.timewords import find_window
from intents.vocabulary import words

_TABLES_Q = re.compile(
    r"^(?:(?:what|which)\s+(?:tables|data|information|info)\b|what\s+do\s+you\s+have|(?:list|show)"
    r"\s+(?:me\s+)?(?:all\s+|the\s+)*tables$|tables$|what\s+can\s+i\s+ask|what(?:'s|\s+is)\s+in"
    r"\s+(?:the|this|your)\s+(?:database|db)|describe\s+(?:the\s+)?(?:database|schema|db)|schema$)"
)
_COLUMNS_Q = re.compile(
    r"^(?:what(?:'s|\s+is)\s+in|describe|(?:list\s+|show\s+(?:me\s+)?)?(?:the\s+)?(?:columns|"
    r"fields)\s+(?:of|in)|what\s+(?:columns|fields)\s+(?:does|do|are\s+in|is\s+in|has|have|in)"
    r"|tell\s+me\s+about|structure\s+of)\s+(?:the\s+)?(?P<t>[\w ]+?)(?:\s+table)?(?:\s+have"
    r"|\s+has|\s+contain)?$|^(?P<t2>\w+)\s+(?:columns|fields)$"
)
_LEAD = re.compile(r"\b(?:where|with|whose|having|and|but|if)\s+(?:the\s+|a\s+|an\s+|its\s+)?")
_OPS = {
    "!=": "!=", "<>": "!=", ">=": ">=", "<=": "<=", "==": "=", "=": "=", ">": ">", "<": "<",
    "is not": "!=", "isn't": "!=", "not": "!=", "is at least": ">=", "at least": ">=",
    "is at most": "<=", "at most": "<=", "is over": ">", "over": ">", "is above": ">",
    "above": ">", "is more than": ">", "more than": ">", "is greater than": ">",
    "greater than": ">", "is under": "<", "under": "<", "is below": "<", "below": "<",
    "is less than": "<", "less than": "<", "is": "=", "equals": "=", "equal to": "=",
    "is equal to": "=", "of": "=", "contains": "contains", "containing": "contains",
    "like": "contains", "includes": "contains", "is after": ">", "after": ">",
    "is before": "<", "before": "<", "": "=",
}  # fmt: skip
_VALUE = (
    r"(?P<val>'[^']*'|\"[^\"]*\"|[^\s'\"]\S*(?: \S+)*?)(?=\s{2,}|\s*,|\s+(?:and|but|where|with"
    r"|or|sorted|ordered|order|by|limit)\s|\s*$)"
)
_OP = re.compile(
    r"\s*(?P<op>" + "|".join(re.escape(o) for o in sorted(_OPS, key=len, reverse=True) if o)
    + r")?(?(op)(?:\s+|(?<=[=<>])\s*)|\s)" + _VALUE
)  # fmt: skip
_BETWEEN = re.compile(r"\s+(?:is\s+)?between\s+(?P<lo>\S+)\s+and\s+(?P<hi>\S+)(?=\s|$)")
_ADJ = {
    "top": ("size", True), "bottom": ("size", False), "biggest": ("size", True),
    "largest": ("size", True), "highest": ("size", True), "most expensive": ("size", True),
    "greatest": ("size", True), "smallest": ("size", False), "lowest": ("size", False),
    "cheapest": ("size", False), "least expensive": ("size", False), "latest": ("time", True),
    "newest": ("time", True), "most recent": ("time", True), "recent": ("time", True),
    "last": ("time", True), "oldest": ("time", False), "earliest": ("time", False),
    "first": ("time", False),
}  # fmt: skip
_ADJS = "|".join(sorted(_ADJ, key=len, reverse=True))
_TOP = re.compile(
    rf"(?:\b(?P<a1>{_ADJS})\s+)?(?:(?P<n>{NUMBER})\s+)?(?:(?P<a2>{_ADJS})\s+)?(?:(?:rows|records"
    r"|entries)\s+(?:of|from|in)\s+)?(?:the\s+)?(?<![\w'-])(?P<mod>[\w'-]+\s+)?$"
)
_SORT = re.compile(
    r"\b(?:(?:sorted|ordered|order|sort)\s+by|by|(?P<per>per|for\s+each|each|grouped\s+by|group"
    r"\s+by)|with\s+the\s+(?P<adj>highest|biggest|largest|lowest|smallest|most|least))\s+"
)
_DESC = re.compile(r"\s*(?P<d>desc|descending|asc|ascending|highest\s+first|lowest\s+first"
                   r"|newest\s+first|oldest\s+first)\b")  # fmt: skip
_COUNT = re.compile(r"\b(?:how\s+many|(?:the\s+)?(?:total\s+)?number\s+of|count(?:\s+of)?)\b")
_LIMIT = re.compile(rf"\b(?:limit(?:ed)?\s+(?:to\s+)?|only\s+)(?P<n>{NUMBER})(?:\s+rows)?\b")
_PLACE = re.compile(
    r"\b(?:from|in|at) (?:the )?(?P<val>'[^']*'|\"[^\"]*\"|[^\s'\"]\S*(?: \S+)*?)(?=\s{2,}|$)"
)
_ALSO = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_BEFORE_TIME = re.compile(r"(?:\s+(?:is|was|were|are|=|on|in|during))?\s*$")
_ADJ_WORDS = sorted({word for phrase in _ADJ for word in phrase.split()})
_NOT_STATUS = re.compile(rf"{NUMBER}|{'|'.join(_ADJ_WORDS)}|expensive")
_FILLER = words(
    """show me us list display give get find fetch pull see view the a an all every of table
    tables data rows records entries please pls can could would you i want need like to what
    which are is were was there for just some from in on at with our my your database db made
    placed created recorded entered that who have has had do does so far now hey hi ok okay
    and return select tell how about any everything each row their them these those let's
    lets bring up be been many what's whats"""
)
# Words that are never (part of) a bare value: "orders where status" is not a city.
_GRAMMAR = words(
    """where with whose which who that and or but by per each sorted ordered order sort since
    until till before after is are was were not how many what show list give top limit count
    number today yesterday week month year day days weeks between from"""
)
_WORD = re.compile(r"[\w']+")


class Reader:
    """One question over ``schema``: lower-cased text, understood parts blanked out."""

    def __init__(self, text: str, schema: Schema, now: dt.datetime, dialect: str) -> None:
        self.original = " ".join(text.replace("’", "'").split()).rstrip("?!. ")
        self.text = self.original.lower()
        self.same = len(self.text) == len(self.original)  # else values come lower-cased
        self.schema, self.now, self.dialect = schema, now, dialect
        self.where: list[exp.Expr] = []

    def take(self, start: int, end: int) -> None:
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def value(self, start: int, end: int) -> str:
        """A value as the user spelled it, without surrounding quotes."""
        return (self.original if self.same else self.text)[start:end].strip().strip("'\"")

    def read(self) -> Answer:
        if _TABLES_Q.search(self.text):
            return tables_reply(self.schema)
        asked = _COLUMNS_Q.search(self.text)
        described = self.schema.table(asked["t"] or asked["t2"]) if asked else None
        if described is not None:
            return columns_reply(described)
        found = self._find_table()
        if found is None:
            words = [w for w in _WORD.findall(self.text) if w not in _FILLER]
            return cannot(self.schema, no_table(words, self.schema))
        table, (start, end), singular, typo = found
        if typo and self.same:  # the title spells the table right: "show custmers" → "Customers"
            named = title(
                f"{self.original[:start]}{table.name.replace('_', ' ')}{self.original[end:]}"
            )
        else:
            named = title(self.original)
        self.take(start, end)
        query = Query(table)
        for match in _COUNT.finditer(self.text):
            query.count = True
            self.take(*match.span())
        problem = (
            self._window(table)
            or self._top(query, start, singular)
            or self._sort(query)
            or self._clauses(table)
        )
        if problem is None:
            self._flags(table, start)
            self._place(table)
            left = [w for w in _WORD.findall(self.text) if w not in _FILLER]
            if not left:
                return Translation(query.build(self.where, self.dialect), named)
            problem = f"I read “{table.name}” but not “{' '.join(left)}”."
        return cannot(self.schema, problem)

    def _find_table(self) -> tuple[Table, tuple[int, int], bool, bool] | None:
        """The leftmost words naming a table, where they are, whether they were singular and
        whether they held a typo."""
        words = list(_WORD.finditer(self.text))
        for typos in (False, True):
            for i in range(len(words)):
                for n in (3, 2, 1):
                    run = words[i : i + n]
                    if len(run) < n or not _adjacent(run) or (n == 1 and run[0][0] in _FILLER):
                        continue
                    said = "_".join(w[0] for w in run)
                    table = self.schema.table(said, typos=typos)
                    if table is not None:
                        singular = not said.endswith("s") and table.name.lower().endswith("s")
                        return table, (run[0].start(), run[-1].end()), singular, typos
        return None

    def _column_at(self, table: Table, start: int) -> tuple[Column, int] | None:
        """The column named by the one to three words at ``start``, and where they end."""
        words = list(_WORD.finditer(self.text[start : start + 80]))[:3]
        for n in (3, 2, 1):
            run = words[:n]
            if len(run) == n and run[0].start() == 0 and _adjacent(run):
                column = table.column("_".join(w[0] for w in run))
                if column is not None:
                    return column, start + run[-1].end()
        return None

    def _window(self, table: Table) -> str | None:
        window = find_window(self.text, self.now)
        if window is None:
            return None
        start, end = window.span
        head = _BEFORE_TIME.sub("", self.text[:start])
        words = list(_WORD.finditer(head))[-3:]
        column = None
        for k in range(len(words)):  # the longest run of words naming a time column
            if _adjacent(words[k:]):
                column = sql.time_named(table, "_".join(w[0] for w in words[k:]))
            if column is not None:
                lead = re.search(r"\b(?:where|with|whose|who|that|which)\s+$",
                                 head[: words[k].start()])  # fmt: skip
                start = lead.start() if lead else words[k].start()
                break
        column = column or sql.time_column(table)
        if column is None:
            return f"“{table.name}” has no date or time column, so I cannot filter it by time."
        self.take(start, end)
        self.where.extend(sql.in_window(column, window, self.now))
        return None

    def _top(self, query: Query, table_start: int, singular: bool) -> str | None:
        """ "top 5", "the 10 latest", "biggest": an order and a limit, said before the table
        (one other word may sit between: "top 5 paid orders")."""
        match = _TOP.search(self.text[:table_start].rstrip() + " ")
        if match is None or not (match["a1"] or match["a2"] or match["n"]):
            return None
        self.take(
            match.start(), match.start("mod") if match["mod"] else min(match.end(), table_start)
        )
        adjective = match["a2"] or match["a1"]
        query.limit = parse_number(match["n"]) if match["n"] else None
        if adjective:
            what, query.descending = _ADJ[adjective]
            table = query.table
            query.order = sql.size_column(table) if what == "size" else sql.time_column(table)
            query.limit = query.limit or (1 if singular else 10)
            if query.order is None and what == "time":
                return f"“{table.name}” has no date or time column to sort by."
        return None

    def _sort(self, query: Query) -> str | None:
        """ "by total", "sorted by name desc", "with the highest total"; after a count, "by
        status" groups instead; "limit 10"."""
        for match in list(_SORT.finditer(self.text)):
            found = self._column_at(query.table, match.end())
            if found is None:
                continue
            column, end = found
            self.take(match.start(), end)
            if query.count or match["per"]:
                query.count, query.group = True, column
                continue
            query.order = column
            if match["adj"]:
                query.descending = match["adj"] in ("highest", "biggest", "largest", "most")
                query.limit = query.limit or 1
            direction = _DESC.match(self.text, end)
            if direction:
                query.descending = direction["d"].startswith(("desc", "highest", "newest"))
                self.take(*direction.span())
            elif query.descending is None:  # numbers and times biggest first, text A to Z
                query.descending = column.kind not in ("text", "other")
        limit = _LIMIT.search(self.text)
        if limit:
            query.limit = parse_number(limit["n"])
            self.take(*limit.span())
        if query.order is None and query.descending is not None:
            name = query.table.name
            return f"Say which column to sort “{name}” by, as in “top 5 {name} by <column>”."
        return None

    def _clauses(self, table: Table) -> str | None:
        """ "where country is Germany", "with total over 100", "and total between 1 and 9"."""
        for lead in list(_LEAD.finditer(self.text)):
            found = self._column_at(table, lead.end())
            if found is None:
                continue
            column, end = found
            between = _BETWEEN.match(self.text, end)
            match = between or _OP.match(self.text, end)
            if match is None:
                continue
            if between:
                parts = [(">=", between.span("lo")), ("<=", between.span("hi"))]
            elif match["op"] or lead[0].startswith(("with", "whose")):
                parts = [(_OPS[match["op"] or ""], match.span("val"))]  # "with status paid"
            else:
                continue
            for op, span in parts:
                condition = sql.condition(column, op, self.value(*span), self.now)
                if isinstance(condition, str):
                    return condition
                self.where.append(condition)
            self.take(lead.start(), match.end())
        return None

    def _flags(self, table: Table, table_start: int) -> None:
        """Boolean columns named anywhere ("vip", "in stock"), then one word before the
        table or after "that are" as a value of the status- or place-like columns."""
        for n in (2, 1):
            words = list(re.finditer(r"[\w'-]+", self.text))
            for i in range(len(words) - n + 1):
                run = words[i : i + n]
                if _adjacent(run) and not any(w[0] in ("the", "from", "at") for w in run):
                    test = sql.flag(table, "_".join(w[0] for w in run))
                    if test is not None:
                        self.where.append(test)
                        self.take(run[0].start(), run[-1].end())
        texts = [c for c in table.columns if c.kind == "text"]
        named = [c for c in texts if c.name in sql.STATUS_COLUMNS or _is_place(c)]
        before = re.search(r"(?<![\w'-])([\w'-]+)\s+$", self.text[:table_start])
        after = re.search(r"\b(?:that|which|who)\s+(?:are|is|were|was)\s+([\w'-]+)", self.text)
        for match in (before, after):
            if match and named and self._is_value([match[1]]):
                self.where.append(sql.any_equal(named, [self.value(*match.span(1))]))
                self.take(*match.span())

    def _place(self, table: Table) -> None:
        """ "from Berlin", "in 'New York'", "from Berlin or Hamburg"."""
        match = _PLACE.search(self.text)
        texts = [c for c in table.columns if c.kind == "text"]
        if match is None or not texts:
            return
        start, end = match.span("val")
        if match["val"][0] in "'\"":
            values = [self.value(start, end)]
        else:  # "Berlin and Hamburg", "Berlin, Hamburg or Köln": any of them
            cuts = [0, *(i for m in _ALSO.finditer(match["val"]) for i in m.span()), end - start]
            parts = [(start + a, start + b) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
            if not all(self._is_value(self.text[a:b].split()) for a, b in parts):
                return
            values = [self.value(a, b) for a, b in parts]
        places = [c for c in texts if _is_place(c)]
        self.where.append(sql.any_equal(places or texts, values))
        self.take(*match.span())

    def _is_value(self, words: list[str]) -> bool:
        """Words that may be a value: not grammar, not the name of a table or a column."""
        if (
            not words
            or words[0] in _FILLER
            or (len(words) == 1 and _NOT_STATUS.fullmatch(words[0]))
        ):
            return False
        return not any(
            word in _GRAMMAR
            or self.schema.table(word, typos=False) is not None
            or any(t.column(word, typos=False) is not None for t in self.schema.tables)
            for word in words
        )


def _is_place(column: Column) -> bool:
    return any(p in column.name.lower() for p in sql.PLACE_COLUMNS)


def _adjacent(words: list[re.Match[str]]) -> bool:
    """Consecutive words one space apart (so never across a blanked-out part)."""
    return bool(words) and all(b.start() - a.end() == 1 for a, b in itertools.pairwise(words))
