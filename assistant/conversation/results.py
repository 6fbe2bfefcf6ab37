"""A result in words: what the chat says above a table.

- one value (one row, one column) with the reader's sentence: the sentence, the value in
  it ("There are 1,234 customers."); without one: "<title>: <value>.";
- one row of several columns: "<title>: one row." (the row itself is the table below);
- no rows, when a filter can be named: "No rows: there are none in “Brazil” (91 rows
  without that filter)."; else "<title>: 0 rows.";
- otherwise the size: "<title>: 1,234 rows, showing the first 50.";

then what the reader assumed, in one sentence ("I read “germny” as “Germany”.").

Values are written for people: integers with thousands separators, other numbers to two
decimals (Decimals exactly, without a detour through floats), dates as ISO dates, yes/no.

>>> value_text(1234), value_text(28.8666), value_text(decimal.Decimal("12345678901234567.891"))
('1,234', '28.87', '12,345,678,901,234,567.89')
>>> value_text(dt.date(2026, 11, 18)), value_text(True), value_text(0.0004)
('2026-11-18', 'yes', '0.0004')
>>> notes_text(("“germny” read as “Germany”", "“custmers” read as “customers”"))
'I read “germny” as “Germany” and “custmers” as “customers”.'
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from typing import Any

from assistant.questions.runs import Emptied, Ran

__all__ = ["notes_text", "result_text", "value_text"]

_READ_AS = re.compile(r"^(?P<said>.+?)\s+read\s+as\s+(?P<meant>.+)$", re.S)
_NO_VALUE = "there is no value (no rows matched, or none of them had one)"


def result_text(ran: Ran, emptied: Emptied | None = None) -> str:
    """The words above ``ran``'s table; ``emptied`` names the filter that left no rows."""
    shown, total = len(ran.table.rows), ran.table.row_count
    total = shown if total is None else total
    if total == 0 and emptied is not None:
        text = _emptied_text(emptied)
    elif ran.row is not None and len(ran.row) == 1:
        text = _one_value(ran, ran.row[0])
    elif ran.row is not None:
        text = f"{ran.title}: one row."
    else:
        more = f", showing the first {shown:,}" if shown < total else ""
        rows = "1 row" if total == 1 else f"{total:,} rows"
        text = f"{ran.title}: {rows}{more}."
    notes = notes_text(ran.notes)
    return f"{text} {notes}" if notes else text


def _one_value(ran: Ran, value: Any) -> str:
    """The reader's sentence with the value in it ("There are {} customers."), else
    "<title>: <value>."; a NULL is said to be no value."""
    if value is None:
        return f"{ran.title}: {_NO_VALUE}."
    if ran.said and "{}" in ran.said:
        return ran.said.replace("{}", value_text(value))
    if ran.said:  # a sentence without a place for the value: the value after it
        return f"{ran.said.rstrip('.')}: {value_text(value)}."
    return f"{ran.title}: {value_text(value)}."


def _emptied_text(emptied: Emptied) -> str:
    """ "No rows: there are none in “Brazil” (91 rows without that filter)." The probe's
    words follow "there are none", as the reader writes them ("in “Brazil”", "from this
    week", "with total over 100")."""
    text = f"No rows: there are none {emptied.probe.said}"
    if emptied.before is None:
        return f"{text}."
    rows = "1 row" if emptied.before == 1 else f"{emptied.before:,} rows"
    return f"{text} ({rows} without that filter)."


def value_text(value: Any) -> str:
    """One value for people: "1,234", "28.87" (never a float's detour for a Decimal: its
    digits are kept exactly, only rounded to cents), "2026-11-18", "yes"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | decimal.Decimal):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _number_text(value: float | decimal.Decimal) -> str:
    if not (value.is_finite() if isinstance(value, decimal.Decimal) else math.isfinite(value)):
        return str(value)
    if value == int(value):
        return f"{int(value):,}"
    if isinstance(value, decimal.Decimal) and abs(value) < decimal.Decimal("0.01"):
        return f"{value.normalize():f}"  # 0.0004 is not "0.00"
    if isinstance(value, float) and abs(value) < 0.01:
        return f"{value:.2g}"
    return f"{value:,.2f}"


def notes_text(notes: tuple[str, ...]) -> str | None:
    """What the reader assumed, in one sentence: "“germny” read as “Germany”" is said "I
    read “germny” as “Germany”"; other notes are said as written."""
    reads, others = [], []
    for note in (n.strip().rstrip(".") for n in notes):
        read = _READ_AS.match(note)
        if read:
            reads.append(f"{read['said']} as {read['meant']}")
        elif note:
            others.append(note)
    parts = ([f"I read {_and(reads)}"] if reads else []) + others
    if not parts:
        return None
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
