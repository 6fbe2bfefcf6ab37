"""The grammar a question reader knows: what kinds of words there are, and the phrases of each.

Phrases are matched on lower-cased words, longest first ("how many", "at least", "for
each", "most recently", "with the company the longest").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from assistant.questions import lexicon as lx

__all__ = ["GRAMMAR", "LONGEST", "Item", "Kind"]


class Kind(enum.Enum):
    TIME = "time"  # data: Window
    NUMBER = "number"  # data: float | int; money: said with a currency
    COMPARE = "compare"  # data: "<", ">=", ...
    BETWEEN = "between"
    COUNT = "count"
    AGGREGATE = "aggregate"  # data: "sum" | "avg" | "min" | "max"
    SUPERLATIVE = "superlative"  # data: (direction, role or None)
    GROUP = "group"  # per, each, by, for each
    UNIT = "unit"  # data: "year" | "month" | ... (time unit)
    NEGATION = "negation"
    HAVING = "having"  # with, has, having: a column that is present
    VERSUS = "versus"
    QUESTION = "question"  # data: which | what | who | when
    SORT = "sort"  # sorted by
    TABLE = "table"  # data: Entity
    COLUMN = "column"  # data: list[Field], best first
    VALUE = "value"  # data: list[ValueHit]
    MEASURE = "measure"  # "sales", "revenue"
    EMPTY = "empty"  # null, empty, missing
    TRUTH = "truth"  # data: True | False
    CONTAINS = "contains"
    LITERAL = "literal"  # data: (op, text): a value said for a column, as written
    WHERE = "where"  # where, whose: a condition follows
    SOLD = "sold"  # sold, sells, bought: the quantity of a line table
    DIRECTION = "direction"  # data: True for descending
    LIMIT = "limit"  # "limit", "only": the number after it is a row limit
    FILLER = "filler"
    UNKNOWN = "unknown"


@dataclass
class Item:
    kind: Kind
    start: int  # first token
    end: int  # one past the last token
    text: str  # as the person wrote it
    data: Any = None
    money: bool = False
    fixed: str | None = None  # a typo's correction, said back in the reply
    plural: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


GRAMMAR: dict[tuple[str, ...], tuple[Kind, Any]] = {}


def _add(kind: Kind, phrases: str | list[str], data: Any = None) -> None:
    for phrase in phrases.split("|") if isinstance(phrases, str) else phrases:
        GRAMMAR[tuple(phrase.split())] = (kind, data)


_add(Kind.COUNT, "counted|tally|how many|number of|count of|count|total number of|# of|quantity of")
for _word, _func in lx.AGGREGATES.items():
    _add(Kind.AGGREGATE, _word, _func)
_add(Kind.AGGREGATE, "on average|in average", "avg")
_add(Kind.AGGREGATE, "how much|the sum of|sum of|in total", "sum")
for _phrase, _op in lx.COMPARISONS.items():
    _add(Kind.COMPARE, _phrase, _op)
_add(Kind.BETWEEN, "between")
for _phrase, _sup in lx.SUPERLATIVES.items():
    _add(Kind.SUPERLATIVE, _phrase, _sup)
_add(Kind.SUPERLATIVE, "most recent|most recently|latest|the latest", ("desc", "time"))
_add(Kind.SUPERLATIVE, "most expensive|priciest", ("desc", "price"))
_add(Kind.SUPERLATIVE, "least expensive", ("asc", "price"))
_add(Kind.SUPERLATIVE, "the most|most of|the most of", ("desc", None))
_add(Kind.SUPERLATIVE, "the least|the fewest", ("asc", None))
_add(Kind.SUPERLATIVE, "with the company the longest|here the longest", ("asc", "tenure"))
_add(Kind.SUPERLATIVE, "the longest", ("desc", "duration"))
_add(Kind.SUPERLATIVE, "the shortest", ("asc", "duration"))
_add(Kind.GROUP, "per|each|every|by|for each|for every|in each|grouped by|group by|"
         "broken down by|split by|breakdown by|across each")  # fmt: skip
_add(Kind.NEGATION, [*sorted(lx.NEGATIONS), "out of", "not yet", "yet to be", "still not"])
_add(Kind.HAVING, "with|with a|with an|having|that have|that has|which have|which has|have|has"
         "|still have|still has|have any|has any|with any")  # fmt: skip
_add(Kind.VERSUS, "vs|vs.|versus|compared to|compared with|against")
_add(Kind.QUESTION, "which|what|who|when|whom|what's|whats|who's")
_add(Kind.SORT, "sorted by|ordered by|order by|sort by|sorted|ranked by")
_add(Kind.DIRECTION, "desc|descending|highest first|biggest first|largest first|newest first"
         "|latest first|most recent first|z to a|reverse", True)  # fmt: skip
_add(Kind.DIRECTION, "asc|ascending|lowest first|smallest first|oldest first|earliest first"
         "|a to z|alphabetically|alphabetical", False)  # fmt: skip
_add(Kind.LIMIT, "limit|limit to|limited to|only|just|at most|no more than")
_add(Kind.WHERE, "where|whose|wherein|such that")
_add(Kind.SOLD, "sold|sell|sells|selling|bought|buy|buys|purchased|shipped out")
_add(Kind.SUPERLATIVE, "longest serving|longest-serving|most senior|longest tenure",
     ("asc", "tenure"))  # fmt: skip
_add(Kind.SUPERLATIVE, "longest|longer", ("desc", "duration"))
_add(Kind.SUPERLATIVE, "shortest|shorter", ("asc", "duration"))
_add(Kind.EMPTY, "null|empty|missing|blank|none|unknown|not set")
_add(Kind.TRUTH, "true", True)
_add(Kind.TRUTH, "false", False)
_add(Kind.CONTAINS, "contains|containing|contain|like|includes|including|mentions|mentioning")
for _word, _unit in lx.TIME_UNITS.items():
    _add(Kind.UNIT, _word, _unit)
for _word in lx.MEASURE_OF:
    _add(Kind.MEASURE, _word)
LONGEST = max(len(k) for k in GRAMMAR)
