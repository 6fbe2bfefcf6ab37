"""The words a question reader knows without any schema: stems, synonyms, filler, grammar.

Schema names and question words meet as *stems* (Snowball's English stemmer: "shipped"
and "ShipCountry" share "ship", "categories" and "Category" share "categori"), after
synonyms are folded onto one *canonical* stem: "clients", "customers" and a table named
``Client`` all read as ``custom``. The synonym groups are common business nouns, not any
one database's names.

Words are of three sorts: *filler* the reader may drop without changing the meaning
("please", "do we have", "our"), *grammar* it reads (comparisons, aggregates,
superlatives), and content words that must name a table, a column or a value: anything
else is unknown, and an unknown word makes the reader ask rather than guess.

>>> split_name("UnitsInStock"), split_name("order_date"), split_name("Order Details")
(('units', 'in', 'stock'), ('order', 'date'), ('order', 'details'))
>>> canonical("clients") == canonical("Customer"), canonical("staff") == canonical("employees")
(True, True)
"""

from __future__ import annotations

import functools
import re

import snowballstemmer

__all__ = [
    "AGGREGATES",
    "FILLER",
    "MEASURE_OF",
    "SUPERLATIVES",
    "canonical",
    "canonical_stem",
    "split_name",
    "stem",
]

_STEMMER = snowballstemmer.stemmer("english")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def split_name(name: str) -> tuple[str, ...]:
    """The words of a schema name in any style: PascalCase, camelCase, snake_case, spaces."""
    words: list[str] = []
    for part in re.split(r"[\W_]+", name):
        words += [w.lower() for w in _CAMEL.findall(part)]
    return tuple(words)


@functools.cache
def stem(word: str) -> str:
    """One word's stem ("categories" → "categori"); irregular plurals first."""
    word = word.lower()
    return str(_STEMMER.stemWord(_IRREGULAR.get(word, word)))


_IRREGULAR = {"people": "person", "men": "man", "women": "woman", "children": "child",
              "salespeople": "salesperson", "classes": "class", "kids": "kid",
              "staff": "staff", "data": "data", "goods": "good", "sales": "sale"}  # fmt: skip

# Groups of words (or phrases) that name the same thing; the first is the canonical one.
_SYNONYMS = (
    "customer client buyer patron purchaser account",
    "employee staff worker personnel person colleague staffer",
    "product item good merchandise article ware sku",
    "supplier vendor provider supply",
    "shipper carrier courier haulier",
    "order purchase",
    "category group",
    "invoice bill",
    "price cost priced costs costing tuition fee fees fare",
    "salary wage wages pay earn earns earning earnings compensation",
    "duration length runtime milliseconds seconds",
    "department dept division",
    "description desc",
    "quantity qty",
    "country nation",
    "city town",
    "title position job role",
    "birth born birthday",
    "hire hired joined",
    "phone telephone",
    "stock inventory",
    "freight shipping postage",
    "ship destination shipped",
    "company firm business",
    "student pupil learner kid attendee trainee",
    "teacher instructor lecturer tutor faculty professor educator",
    "course class module lesson",
    "artist musician band singer",
    "song track tune",
    "salesperson rep salesman saleswoman",
)
_PHRASES = {  # several words for one
    "shipping company": "shipper", "shipping companies": "shipper", "delivery company":
    "shipper", "freight company": "shipper", "staff member": "employee", "team member":
    "employee", "line item": "order detail", "order line": "order detail", "order item":
    "order detail", "job title": "title", "date of birth": "birth date", "unit price": "price",
    "sales rep": "salesperson", "sales representative": "salesperson",
}  # fmt: skip
_CANON = {stem(w): stem(group.split()[0]) for group in _SYNONYMS for w in group.split()}
PHRASES = {tuple(stem(w) for w in k.split()): tuple(stem(w) for w in v.split())
           for k, v in _PHRASES.items()}  # fmt: skip


# Tables people call by a neighbouring name when the schema has no table of the first:
# "orders" in a shop that keeps invoices, "staff" in a school that keeps teachers.
_RELATED = {
    "order": "invoice sale transaction", "invoice": "order sale", "sale": "order invoice",
    "employee": "teacher salesperson", "teacher": "employee", "salesperson": "employee",
    "customer": "member subscriber", "product": "article",
}  # fmt: skip


def related(word: str) -> tuple[str, ...]:
    """Canonical stems of the tables ``word`` may mean when none is named by it."""
    near = _RELATED.get(next((k for k in _RELATED if canonical(k) == word), ""), "")
    return tuple(canonical(w) for w in near.split())


def canonical(word: str) -> str:
    """A word's stem with synonyms folded: "clients" and "customers" → "custom"."""
    return canonical_stem(stem(word))


def canonical_stem(stemmed: str) -> str:
    """A stem with synonyms folded (for stems already made: stemming is not idempotent)."""
    return _CANON.get(stemmed, stemmed)


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLER = words(
    """a an the this that these those some any all every each of to for from with on in at
    by about as into onto over please pls plz kindly can could would will shall should may
    might must you u i me my mine we us our ours your yours they them their it its he she
    his her him do does did done doing have has had having is are was were be been being am
    there here what whats what's which who whom whose where how hey hi hello ok okay thanks
    thank just also so then now currently ever very really still altogether overall total
    show shows showing list listing display give gimme get got getting find fetch pull see
    view tell let lets let's bring want wanted need needed like would'd i'd know look
    looking make made use used using run work works working based located situated live
    lives living came come comes went go goes going placed place receive received
    get handled handle handles processed took take taken carried carry carries deal dealt
    total whole entire full complete everything anything things thing one ones stuff
    table tables data database db record records row rows entry entries info information
    details detail list lists please currently presently today's set sheet our across
    out yes yeah exactly again both either only including include includes included
    named called known say and or but select up out offer offers offered teach teaches
    taught taking takes attend attends attending belong belongs hold holds provide provides
    issue issued issues look after serve serves served support supports manage manages
    managed lead leads led supervise supervises write wrote written
    perform performs record recorded release released came come work worth paid pay number
    run runs running ran
    no nr # kind kinds type types quick question asap thanks thx cheers urgently hello hey
    tanks ty"""
)
"""Words dropped without changing what is asked (some, like "total", are read first)."""

FUNCTION = words("""the a an this that these those our my your their its his her we us you they
    it in on at of to for from with by any all some every each what which who there here""")
"""Filler that is never a value, even after "<column> is"."""

FIXABLE = words("""show list display give find fetch please what which how many tell where
    thanks thank question quick hello could would there""")
"""Filler a typo may be read as ("shwo" → "show"); any other near-filler word is unknown,
since dropping a misspelt content word ("lots" is one letter from "lets") is a guess."""

VALUE_WORDS = {"autumn": "fall", "fall": "autumn", "maths": "mathematics",
               "math": "mathematics", "bio": "biology", "chem": "chemistry", "phys": "physics",
               "st": "saint", "saint": "st", "mt": "mount", "ft": "fort"}  # fmt: skip
"""Words people use for a word the data may spell otherwise, tried when a value is not found."""

GENERIC = words("charge charges cost costs amount amounts value values fee fees figure figures")
"""Nouns that only say "a quantity of" after a column: "freight charge", "freight cost"."""

# Aggregates as said: the word, and the SQL function it asks for.
AGGREGATES = {
    "total": "sum", "sum": "sum", "altogether": "sum", "combined": "sum", "overall": "sum",
    "average": "avg", "avg": "avg", "mean": "avg", "typical": "avg",
    "maximum": "max", "max": "max", "minimum": "min", "min": "min",
}  # fmt: skip

# Superlatives: (direction, what they order by). "price" and "time" are roles a column can
# play; None means the column said next to it ("the biggest freight").
SUPERLATIVES: dict[str, tuple[str, str | None]] = {
    "expensive": ("desc", "price"), "priciest": ("desc", "price"), "cheapest": ("asc", "price"),
    "cheap": ("asc", "price"), "costliest": ("desc", "price"),
    "recent": ("desc", "time"), "recently": ("desc", "time"), "latest": ("desc", "time"),
    "newest": ("desc", "time"), "last": ("desc", "time"), "first": ("asc", "time"),
    "earliest": ("asc", "time"), "oldest": ("asc", "age"), "youngest": ("desc", "age"),
    "longest": ("asc", "tenure"), "newest hire": ("desc", "tenure"),
    "biggest": ("desc", None), "largest": ("desc", None), "highest": ("desc", None),
    "greatest": ("desc", None), "most": ("desc", None), "top": ("desc", None),
    "best": ("desc", None), "smallest": ("asc", None), "lowest": ("asc", None),
    "least": ("asc", None), "fewest": ("asc", None), "bottom": ("asc", None),
    "worst": ("asc", None), "heaviest": ("desc", None), "lightest": ("asc", None),
}  # fmt: skip

# Money words point at a price-like column ("over $50", "under 8 dollars").
CURRENCY = words("$ € £ ¥ dollar dollars usd euro euros eur pound pounds gbp yen bucks")

# "sales", "revenue": price × quantity (× (1 − discount)) on a line table, else a total.
MEASURE_OF = words("sale sales revenue revenues turnover takings income")

# Comparisons said in words, longest first when matched; "than" after an adjective too.
COMPARISONS = {
    "more than": ">", "greater than": ">", "higher than": ">", "larger than": ">",
    "bigger than": ">", "over": ">", "above": ">", "exceeding": ">", "in excess of": ">",
    "at least": ">=", "no less than": ">=", "minimum of": ">=", "or more": ">=",
    "less than": "<", "fewer than": "<", "lower than": "<", "smaller than": "<",
    "under": "<", "below": "<", "cheaper than": "<", "more expensive than": ">",
    "at most": "<=", "no more than": "<=", "up to": "<=", "or less": "<=", "or fewer": "<=",
    "maximum of": "<=", "equal to": "=", "equals": "=", "exactly": "=",
    ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=", "!=": "!=", "<>": "!=",
}  # fmt: skip

NEGATIONS = words("not no never without haven't hasn't isn't aren't wasn't weren't don't "
                  "doesn't didn't unshipped non yet")  # fmt: skip
PLURALS = words("people children men women staff personnel goods data")
TIME_UNITS = {"year": "year", "yearly": "year", "annually": "year", "month": "month",
              "monthly": "month", "day": "day", "daily": "day", "week": "week",
              "weekly": "week", "quarter": "quarter", "quarterly": "quarter"}  # fmt: skip
TIME_WORDS = words("""yesterday today tomorrow tonight monday tuesday wednesday thursday
    friday saturday sunday january february march april june july august september october
    november december weekend quarter fortnight""")
"""Time words mended when one letter off ("yesterdy"); the time parser reads the rest."""

SYNONYM_WORDS = frozenset(w for group in _SYNONYMS for w in group.split())
"""Every word of the synonym groups, as written (for typos: "custmers" → "customers")."""
