"""What the assistant answers: the reply object of ``docs/assistant-cli.md``.

One :class:`Reply` per message, whatever the face: the terminal chat prints it (or its
JSON), the API returns it, the UI replays it. Table cells are JSON-safe already
(:func:`json_safe`), so every face can serialise a reply without knowing the source's
types: decimals become strings (never lossy floats), dates and times ISO 8601 text.

>>> Reply(text="Hi").model_dump()["table"] is None
True
>>> json_safe(decimal.Decimal("1.10")), json_safe(dt.date(2026, 11, 18))
('1.10', '2026-11-18')
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from intents.vocabulary import FORMAT_LABELS

__all__ = ["ExportInfo", "Reply", "TablePreview", "cell_text", "json_safe"]

_ISO_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?"
)
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)\.\d+")

#: Formats by the names people know them ("xlsx": "Excel").
_FORMATS = {format.value: label for format, label in FORMAT_LABELS.items()}


class TablePreview(BaseModel):
    """The first rows of a result (at most the preview size) and the full row count."""

    model_config = ConfigDict(frozen=True)

    columns: list[str]
    rows: list[list[Any]]
    row_count: int | None


class ExportInfo(BaseModel):
    """An export as the chat shows it; ``path`` is absolute once the file is done.

    While it runs, ``rows_done`` of ``rows_total`` are through and ``eta_seconds`` (when
    known) estimates the rest at the rate so far; ``error`` says why it failed."""

    model_config = ConfigDict(frozen=True)

    id: str
    format: str
    status: str
    rows: int | None
    bytes: int | None
    sha256: str | None
    path: str | None
    file_name: str | None
    rows_done: int = 0
    rows_total: int | None = None
    eta_seconds: float | None = None
    error: str | None = None
    created_at: dt.datetime | None = None
    notes: list[str] = []  # what the file could not hold exactly (a column as text, ...)
    title: str | None = None  # what its rows answer: its query run's question

    def label(self, zone: dt.tzinfo = dt.UTC) -> str:
        """What a person calls it: its file's name, else its format, question and time
        ('CSV export of “orders from today”, 14:05'), never its id."""
        if self.file_name:
            return self.file_name
        kind = _FORMATS.get(self.format, self.format.upper())
        text = f"{kind} export of “{self.title}”" if self.title else f"{kind} export"
        if self.created_at is None:
            return text
        moment = self.created_at
        if moment.tzinfo is None:  # the store keeps UTC (naive on SQLite)
            moment = moment.replace(tzinfo=dt.UTC)
        return f"{text}, {moment.astimezone(zone):%H:%M}"


class Reply(BaseModel):
    """One answer: words, and optionally a table preview, an export and choices.

    ``sql`` is the SQL that ran for ``table``, as its query run recorded it (after the
    guard), so every table can show how it was made; ``choices`` are answers to a
    question, or whole questions the person may have meant, each sent as the next message
    when chosen."""

    model_config = ConfigDict(frozen=True)

    text: str
    table: TablePreview | None = None
    export: ExportInfo | None = None
    choices: list[str] | None = None
    sql: str | None = None


def json_safe(value: Any) -> Any:
    """A cell as JSON can carry it: Decimal → str, dates/times → ISO text, bytes → hex."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    return str(value)


def cell_text(value: Any, column: str = "") -> str:
    """A JSON-safe cell as a person reads it in a chat table (files and the API keep ISO
    text and exact decimals): times to the minute, numbers with thousands separators,
    ids as they are.

    >>> cell_text("2026-12-06T00:04:40"), cell_text(1234567), cell_text("1234.50")
    ('2026-12-06 00:04', '1,234,567', '1,234.50')
    >>> cell_text(10234, "order_id"), cell_text("01234"), cell_text(None), cell_text(True)
    ('10234', '01234', '', 'True')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    ident = column.lower() == "id" or column.lower().endswith("_id")
    if isinstance(value, int | float) and not ident:
        return f"{value:,}"
    if isinstance(value, str):
        if found := _ISO_TIME.fullmatch(value):
            return f"{found[1]} {found[2]}"
        if not ident and _DECIMAL.fullmatch(value):
            return f"{decimal.Decimal(value):,}"
    return str(value)
