"""The shared scorer's comparison rule, copied so the tests need nothing outside the repo.

Copied from ``../shared/tools/score_questions.py`` (``normalise``, ``_number`` and
``same_result``, with its constants), unchanged in behaviour: a result is right when the
row counts agree and every gold column maps one-to-one onto a predicted column with the
same multiset of normalised values, the projected rows equal the gold rows as a multiset
(row order ignored, extra predicted columns fine). Numbers round to 2 decimals, text is
stripped and case-folded, a midnight date-time counts as its date, bytes compare as hex.

    >>> same_result([(1, "Berlin")], [("berlin", 1.0, "x")], ["id", "city"], ["c", "i", "x"])
    (True, 'right')
"""

from __future__ import annotations

import math
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_ASSIGNMENTS = 20000
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MIDNIGHT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?")
CENT = Decimal("0.01")


def normalise(value: Any) -> Any:
    """One cell as compared."""
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, int | float):
        return _number(float(value))
    text = str(value).strip()
    if NUMBER.fullmatch(text):
        return _number(float(text))
    midnight = MIDNIGHT.fullmatch(text)
    if midnight:
        return midnight[1]
    return text.casefold()


def _number(number: float) -> Any:
    if not math.isfinite(number):
        return str(number)
    cents = Decimal(repr(round(number, 6))).quantize(CENT, rounding=ROUND_HALF_UP)
    return float(cents) + 0.0  # + 0.0 turns -0.0 into 0.0


def same_result(
    gold: list[tuple[Any, ...]],
    got: list[tuple[Any, ...]],
    gold_columns: list[str],
    got_columns: list[str],
) -> tuple[bool, str]:
    """Whether ``got`` answers like ``gold``; and why not."""
    if len(gold) != len(got):
        return False, f"{len(got)} rows, expected {len(gold)}"
    g = [tuple(normalise(v) for v in row) for row in gold]
    p = [tuple(normalise(v) for v in row) for row in got]
    width = len(gold_columns)
    g_cols = [Counter(row[i] for row in g) for i in range(width)]
    p_cols = [Counter(row[j] for row in p) for j in range(len(got_columns))]
    candidates = []
    for i in range(width):
        options = [j for j in range(len(got_columns)) if p_cols[j] == g_cols[i]]
        if not options:
            return False, f"no column holds the values of gold column {gold_columns[i]!r}"
        candidates.append(options)
    want = Counter(g)
    order = sorted(range(width), key=lambda i: len(candidates[i]))
    chosen: dict[int, int] = {}
    tried = 0

    def search(k: int) -> bool:
        nonlocal tried
        if k == width:
            tried += 1
            projected = Counter(tuple(row[chosen[i]] for i in range(width)) for row in p)
            return projected == want
        i = order[k]
        for j in candidates[i]:
            if j in chosen.values():
                continue
            chosen[i] = j
            if search(k + 1):
                return True
            del chosen[i]
            if tried >= MAX_ASSIGNMENTS:
                return False
        return False

    if search(0):
        return True, "right"
    return False, "the columns hold the right values but not in the same rows"
