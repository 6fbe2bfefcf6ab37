"""The bundled demo database: a small shop in SQLite, seeded, full of values that break exporters.

Four tables (``customers``, ``products``, ``orders``, ``order_items``) with declared
column types the source maps to Arrow: INTEGER/BIGINT, DECIMAL(p,s), REAL, DATE,
DATETIME, BOOLEAN, TEXT. The same ``seed``, ``rows`` and ``today`` always give the same
rows, so tests and screenshots can rely on them::

    >>> import tempfile
    >>> path = build_demo(Path(tempfile.mkdtemp()) / "demo.db", 500, today=dt.date(2026, 11, 18))
    >>> path.name
    'demo.db'

How values are stored, and why:

- DECIMAL columns have NUMERIC affinity, so SQLite turns any text like ``'12.30'`` into
  the number 12.3 (or 12 for ``'12.00'``); an exact text form cannot be kept. Amounts are
  therefore computed in integer cents and bound as ``cents / 100``: at most 12 significant
  digits, so the stored double rounds back to the exact decimal at the declared scale.
- DATETIME is naive local time as ``'YYYY-MM-DD HH:MM:SS'``, DATE is ``'YYYY-MM-DD'``,
  BOOLEAN is 0/1.

What the data guarantees (rates are per row, drawn from a ``random.Random(seed)``):

- Orders span the year ending on ``today`` (the anchor day): about 2% fall on the anchor
  day (never later than ``until``: a demo built today holds no orders from later today)
  and 5% on the six days before it (at least 10 each), the rest on earlier days, more
  on weekdays and in recent months. Order ids increase with ``created_at``; each order
  belongs to a customer who had signed up by then; ``total`` is the sum of its items less
  ``discount`` (a percentage, NULL on ~72% of orders), rounded to the cent.
- Every tenth order (ids 10, 20, ...) is placed by a Berlin customer (ids 1, 11, 21, ...
  live in Berlin), so "orders from Berlin today" has rows at any size.
- Customers 1-8 are a fixed showcase: accents, double quotes, a comma, Cyrillic, Chinese,
  Japanese, Korean, a newline; the first two hold 2**53 + 1 and 2**63 - 1 loyalty points.
  Other names: ~84% Latin with accents, ~8% Cyrillic, ~8% CJK, ~3% "Last, First", ~1% a
  quoted nickname; ~0.5% of loyalty points exceed 2**53.
- ``notes``/``note``: NULL (~55% / ~70%), empty string (~10% / ~8%), otherwise one of
  ``demo_values.NOTES``: formulas (``=``, ``+``, ``-``, ``@``, tab), commas, quotes, LF
  and CRLF, Cyrillic, CJK, emoji, whitespace only and the text ``'NULL'``, in equal shares.
- ~1.5% of customers have a NULL city and ~0.5% an empty one; ~1% have no email.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import secrets
import sqlite3
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from assistant.errors import InvalidInput
from assistant.settings import Settings
from assistant.source.demo_values import (
    ADJECTIVES,
    BIG_POINTS,
    CITIES,
    CJK,
    CYRILLIC,
    DISCOUNT_BP,
    FRESH,
    HOUR_WEIGHTS,
    ITEM_COUNTS,
    LATIN,
    NOTES,
    PRODUCTS,
    QUANTITIES,
    RECENT,
    SETTLED,
    SHIPPED,
    SHOWCASE,
    SPECIAL_PRODUCTS,
)

DEFAULT_ROWS = 50_000
DEFAULT_SEED = 20261118
DEFAULT_PATH = Path("var/demo.db")
#: The source settings name when they name none: the demo, built on first use.
DEFAULT_SOURCE_URL = f"sqlite:///{DEFAULT_PATH.as_posix()}"
_CHUNK = 20_000  # orders generated and inserted per executemany round

Row = tuple[object, ...]
T = TypeVar("T")

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    city TEXT,
    country TEXT,
    signed_up_at DATETIME NOT NULL,
    birth_date DATE,
    is_vip BOOLEAN NOT NULL,
    lifetime_value DECIMAL(12,2) NOT NULL,  -- sum of totals of orders not cancelled/refunded
    loyalty_points BIGINT NOT NULL,
    notes TEXT
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price DECIMAL(10,2) NOT NULL,
    weight_kg REAL,  -- NULL for gift cards
    in_stock BOOLEAN NOT NULL,
    added_on DATE NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    created_at DATETIME NOT NULL,
    order_date DATE NOT NULL,
    status TEXT NOT NULL,
    city TEXT,
    total DECIMAL(12,2) NOT NULL,
    discount DECIMAL(5,2),  -- percent off; NULL when none
    shipped BOOLEAN NOT NULL,
    note TEXT
);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(10,2) NOT NULL
);
"""
_INDEXES = """
CREATE INDEX orders_created_at ON orders(created_at);
CREATE INDEX orders_customer_id ON orders(customer_id);
CREATE INDEX order_items_order_id ON order_items(order_id);
"""

_N_PRODUCTS = 200
_CUSTOMER_DAYS = 3 * 365
_ORDER_DAYS = 365
_UNDECOMPOSABLE = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "ß": "ss"})


def build_demo(
    path: Path | str = DEFAULT_PATH,
    rows: int = DEFAULT_ROWS,
    *,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    until: dt.time | None = None,
) -> Path:
    """Build the demo database at ``path`` and return it; only a finished file is ever there.

    ``until`` is the latest time of day on the anchor day: nothing is stamped later.
    By default it is the time of the build when the anchor is the current date (the
    demo never holds orders from later today), else the day's end.

    The database is written to a temporary file beside ``path`` and renamed into place,
    so a crash or an interrupt leaves the previous file (or none), never half a database.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InvalidInput(f"rows must be a whole number of at least 1, not {rows!r}")
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder; give a file path such as {target / 'demo.db'}")
    # A fresh name beside the target (same file system, so the rename is atomic), created
    # with open(..., "x") rather than mkstemp so it gets the usual permissions, not 0600.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.open("x").close()
    except OSError as exc:
        blocking = next((f for f in target.parents if f.exists() and not f.is_dir()), None)
        reason = f"{blocking} is a file, not a folder" if blocking else exc.strerror or str(exc)
        raise InvalidInput(f"cannot create {target}: {reason}") from exc
    try:
        anchor = today or dt.date.today()
        if until is None and anchor == dt.date.today():
            until = dt.datetime.now().time()
        _Generator(rows, seed, anchor, until).write(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


class _Generator:
    """One build: the random stream, the anchor day and the sizes derived from ``rows``."""

    def __init__(self, rows: int, seed: int, today: dt.date, until: dt.time | None) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
        self.rows = rows
        self.today = today
        # The anchor day's moments are squeezed into [00:00, until]: none in the future.
        self.day_seconds = (
            86_400 if until is None else until.hour * 3600 + until.minute * 60 + until.second + 1
        )
        self.n_customers = max(100, rows // 10)
        # "HH:MM:SS" for every second of a day: formatting 1M timestamps becomes a lookup.
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]

    def write(self, path: Path) -> None:
        """Fill a fresh file in one transaction with journaling off: fast, and all or nothing."""
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(SCHEMA)
            db.execute("BEGIN")
            products, prices = self._products()
            db.executemany("INSERT INTO products VALUES (?,?,?,?,?,?,?,?)", products)
            customers, signups = self._customers()
            cents = self._orders(db, customers, signups, prices)
            db.executemany(
                "INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                ((*c[:8], v / 100, *c[8:]) for c, v in zip(customers, cents, strict=True)),
            )
            db.execute("COMMIT")
            db.executescript(_INDEXES)
        finally:
            db.close()

    def _moments(self, n: int, span_days: int) -> tuple[list[str], list[int]]:
        """``n`` sorted moments in ``span_days`` days ending on the anchor day.

        Returns the days as ISO strings and the moments as seconds since the first midnight.
        """
        rng = self.rng
        first = self.today - dt.timedelta(days=span_days - 1)
        days = [(first + dt.timedelta(days=i)).isoformat() for i in range(span_days)]
        n_today = min(n, max(10, n // 50))
        n_week = min(n - n_today, max(10, n // 20))
        older = span_days - 7
        # More orders on weekdays and in recent months, as in a growing shop.
        weights = [
            (0.6 if (first + dt.timedelta(days=i)).weekday() >= 5 else 1.0) * (1 + i / span_days)
            for i in range(older)
        ]
        picked = rng.choices(range(older), weights, k=n - n_today - n_week)
        picked += [older + int(rng.random() * 6) for _ in range(n_week)]
        picked += [span_days - 1] * n_today
        hours = rng.choices(range(24), HOUR_WEIGHTS, k=n)
        seconds = sorted(
            self._by_now(d, h * 3600 + int(rng.random() * 3600), span_days)
            for d, h in zip(picked, hours, strict=True)
        )
        return days, seconds

    def _by_now(self, day: int, second: int, span_days: int) -> int:
        """The moment ``second`` into ``day``; on the anchor day, scaled to end by ``until``."""
        if day == span_days - 1:
            second = second * self.day_seconds // 86_400
        return day * 86_400 + second

    def _products(self) -> tuple[list[Row], list[int]]:
        """The catalogue (a fixed size) and each product's price in cents."""
        rng = self.rng
        specs = list(SPECIAL_PRODUCTS)
        while len(specs) < _N_PRODUCTS:
            category = rng.choice(sorted(PRODUCTS))
            _, (low, high), (light, heavy), nouns = PRODUCTS[category]
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns.split())} {len(specs) + 1}"
            price = rng.randint(low, high) * 100 + rng.choice([-1, -51, 0, -5])
            specs.append((name, category, max(price, 99), round(rng.uniform(light, heavy), 3)))
        rows: list[Row] = []
        for i, (name, category, price, weight) in enumerate(specs, start=1):
            code = PRODUCTS[category][0] if category in PRODUCTS else "GC"
            # ~10% EAN-13 codes with a leading zero, which spreadsheets like to strip.
            sku = f"0{400_000_000_000 + i * 7919:012d}" if rng.random() < 0.1 else f"{code}-{i:05d}"
            added = (self.today - dt.timedelta(days=rng.randrange(30, 1460))).isoformat()
            in_stock = int(rng.random() < 0.88)
            rows.append((i, sku, name, category, price / 100, weight, in_stock, added))
        return rows, [spec[2] for spec in specs]

    def _customers(self) -> tuple[list[Row], list[int]]:
        """Customers, oldest first, without ``lifetime_value``; and their signup moments."""
        rng = self.rng
        days, seconds = self._moments(self.n_customers, _CUSTOMER_DAYS)
        seconds[0] = 0  # someone has signed up before the first order
        cities = [c[:2] for c in CITIES]
        weights = [c[2] for c in CITIES]
        rows: list[Row] = []
        for i, at in enumerate(seconds, start=1):
            name = SHOWCASE[i - 1] if i <= len(SHOWCASE) else self._name()
            roll = rng.random()
            if i % 10 == 1:
                city, country = "Berlin", "Germany"
            elif roll < 0.015:
                city, country = None, None
            elif roll < 0.02:
                city, country = "", ""
            else:
                city, country = rng.choices(cities, weights)[0]
            local = ".".join(filter(None, map(_ascii, name.replace(",", " ").split())))
            domain = rng.choice(["com", "org", "net"])
            email = None if rng.random() < 0.01 else f"{local or 'customer'}{i}@example.{domain}"
            age = dt.timedelta(days=rng.randrange(18 * 365, 90 * 365))
            birth = None if rng.random() < 0.1 else (self.today - age).isoformat()
            points = BIG_POINTS[i - 1] if i <= len(BIG_POINTS) else self._points()
            signed_up = f"{days[at // 86_400]} {self.times[at % 86_400]}"
            vip = int(rng.random() < 0.06)
            note = self._note(0.55, 0.10)
            rows.append((i, name, email, city, country, signed_up, birth, vip, points, note))
        return rows, seconds

    def _orders(
        self, db: sqlite3.Connection, customers: list[Row], signups: list[int], prices: list[int]
    ) -> list[int]:
        """Insert orders and their items in chunks; return each customer's lifetime cents."""
        rng, pick, rand = self.rng, self._pick, self.rng.random
        days, seconds = self._moments(self.rows, _ORDER_DAYS)
        shift = (_CUSTOMER_DAYS - _ORDER_DAYS) * 86_400  # order clock -> signup clock
        known = 0  # customers signed up by the current order; orders come in time order
        lifetime = [0] * len(customers)
        products = range(len(prices))
        popularity = list(itertools.accumulate(1 / (rank + 1) for rank in products))
        item_id = 0
        for start in range(0, self.rows, _CHUNK):
            orders: list[Row] = []
            items: list[Row] = []
            for order_id in range(start + 1, min(start + _CHUNK, self.rows) + 1):
                at = seconds[order_id - 1]
                while known < len(signups) and signups[known] <= at + shift:
                    known += 1
                if order_id % 10 == 0:  # a Berlin customer: ids 1, 11, 21, ...
                    customer = 10 * int(rand() * ((known - 1) // 10 + 1)) + 1
                else:
                    customer = int(rand() * known) + 1
                subtotal = 0
                n_items = pick(ITEM_COUNTS)
                for product in rng.choices(products, cum_weights=popularity, k=n_items):
                    quantity = pick(QUANTITIES)
                    subtotal += quantity * prices[product]
                    item_id += 1
                    items.append((item_id, order_id, product + 1, quantity, prices[product] / 100))
                bp = None if rand() < 0.72 else pick(DISCOUNT_BP)
                total = subtotal if bp is None else subtotal - (subtotal * bp + 5000) // 10_000
                day = at // 86_400
                age = _ORDER_DAYS - 1 - day
                status = pick(FRESH if age == 0 else RECENT if age <= 3 else SETTLED)
                if status not in ("cancelled", "refunded"):
                    lifetime[customer - 1] += total
                created = f"{days[day]} {self.times[at % 86_400]}"
                discount = None if bp is None else bp / 100
                shipped = int(status in SHIPPED)
                city = customers[customer - 1][3]
                note = self._note(0.70, 0.08)
                orders.append((order_id, customer, created, days[day], status, city,
                               total / 100, discount, shipped, note))  # fmt: skip
            db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?)", orders)
            db.executemany("INSERT INTO order_items VALUES (?,?,?,?,?)", items)
        return lifetime

    def _pick(self, table: Sequence[T]) -> T:
        """``rng.choice`` without its overhead: this runs a few times per order."""
        return table[int(self.rng.random() * len(table))]

    def _name(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return rng.choice(CJK)
        firsts, lasts = CYRILLIC if roll < 0.16 else LATIN
        first, last = rng.choice(firsts.split()), rng.choice(lasts.split())
        roll = rng.random()
        if roll < 0.03:
            return f"{last}, {first}"
        if roll < 0.04:
            return f'{first} "{rng.choice(["Bo", "Kiki", "Doc", "Max"])}" {last}'
        return f"{first} {last}"

    def _points(self) -> int:
        if self.rng.random() < 0.005:
            return self.rng.randrange(2**53, 2**63)
        return self.rng.randrange(0, 50_000)

    def _note(self, null_rate: float, empty_rate: float) -> str | None:
        roll = self.rng.random()
        if roll < null_rate:
            return None
        if roll < null_rate + empty_rate:
            return ""
        return self._pick(NOTES)


def _ascii(text: str) -> str:
    """Lower-case ASCII letters of ``text`` (accents dropped) for email addresses."""
    plain = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    plain = plain.encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def prepare_source(settings: Settings) -> None:
    """Build the bundled demo source when it is the configured one and missing."""
    if settings.source_url == DEFAULT_SOURCE_URL and not DEFAULT_PATH.exists():
        build_demo(DEFAULT_PATH, DEFAULT_ROWS)
