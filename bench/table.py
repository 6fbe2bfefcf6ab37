"""The benchmark table of ../shared/PEERS.md: `orders`, N rows x 10 mixed columns, in SQLite."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    created_at DATETIME NOT NULL,
    order_date DATE NOT NULL,
    customer TEXT NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(10, 2) NOT NULL,
    discount DECIMAL(4, 2),
    note TEXT
)
"""

_NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    'O"Brien, Pat',
    "Line\nBreak Ltd",
    "Дмитрий Иванов",
    "王小明",
    "山田太郎",
    "Zoë Saldaña",
    "Łukasz, Nowak",
    "Émile Zola",
]
_STATUS = ["new", "paid", "shipped", "delivered", "cancelled", "refunded"]
_NOTES = [None, None, None, '=HYPERLINK("x")', "+49 30 123", "gift wrap", "leave at door", ""]


def build(path: Path, rows: int, seed: int = 42) -> Path:
    """Create (or replace) the table at ``path``; deterministic for a given seed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1)
    with sqlite3.connect(path) as db:
        db.execute(SCHEMA)

        def generate() -> Iterator[tuple[object, ...]]:
            for i in range(1, rows + 1):
                at = start + dt.timedelta(seconds=rng.randrange(0, 60 * 60 * 24 * 690))
                name = _NAMES[rng.randrange(len(_NAMES))]
                disc = None if rng.random() < 0.3 else round(rng.random() * 0.5, 2)
                yield (
                    i,
                    at.isoformat(sep=" "),
                    at.date().isoformat(),
                    f"{name} #{i % 997}",
                    f"user{i}@example.com",
                    _STATUS[i % 6],
                    rng.randrange(1, 50),
                    round(rng.random() * 500, 2),
                    disc,
                    _NOTES[i % len(_NOTES)],
                )

        db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?)", generate())
    return path


def row_count(path: Path) -> int | None:
    """Rows in ``orders`` at ``path``, or None when there is no such table."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return int(db.execute("SELECT count(*) FROM orders").fetchone()[0])
    except sqlite3.Error:
        return None


def ensure(path: Path, rows: int, source: Path | None = None) -> Path:
    """Reuse ``path`` if it holds ``rows`` rows; else copy the first rows of ``source``.

    Copying gives the same rows ``build(path, rows)`` would (same seed, same order) without
    generating them again; with no big enough ``source`` it builds.
    """
    if row_count(path) == rows:
        return path
    if source is None or (row_count(source) or 0) < rows:
        return build(path, rows)
    path.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(SCHEMA)
        db.execute("ATTACH DATABASE ? AS source", (str(source),))
        db.execute("INSERT INTO orders SELECT * FROM source.orders WHERE id <= ?", (rows,))
    return path
