r"""How the page words numbers, sizes, times and format names; presentation only.

>>> human_bytes(0), human_bytes(1536), human_bytes(5 * 1024**3)
('0 B', '1.5 KB', '5.0 GB')
>>> rows_text(1), rows_text(12345), eta_text(42.4), eta_text(150)
('1 row', '12,345 rows', 'about 42 s left', 'about 3 min left')
>>> format_label("xlsx"), format_label("zip")
('Excel', 'ZIP')
>>> print(plain("customer_id *total*"))
customer\_id \*total\*
>>> plain("Try:\n- one") == "Try:  \n\\- one"
True
>>> redacted("postgresql://ana:secret@db/shop")
'postgresql://ana:***@db/shop'
>>> source_label("sqlite:///var/demo.db"), source_label("postgresql+psycopg://ana:pw@db:5432/shop")
('SQLite · demo.db', 'PostgreSQL · shop on db')
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assistant import LABELS
from intents import Format

__all__ = [
    "eta_text",
    "format_label",
    "human_bytes",
    "local_time",
    "plain",
    "redacted",
    "rows_text",
    "source_label",
]

# Characters Markdown would act on: escaped so the engine's words show exactly as written.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def human_bytes(size: int | None) -> str:
    """A file size as people read it (binary units, one decimal)."""
    if size is None:
        return "size unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def rows_text(rows: int | None) -> str:
    """``1 row``, ``12,345 rows``."""
    if rows is None:
        return "rows unknown"
    return "1 row" if rows == 1 else f"{rows:,} rows"


def eta_text(seconds: float | None) -> str:
    """What is left of a running export, roughly; empty while the rate is unknown."""
    if seconds is None:
        return ""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    return f"about {math.ceil(seconds / 60)} min left"


def format_label(format: str) -> str:
    """The name people know a format by (``Excel`` for ``xlsx``)."""
    try:
        return LABELS[Format(format)]
    except ValueError:
        return format.upper()


def local_time(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """``2026-11-18 15:30`` in the user's zone; the store keeps UTC (naive on SQLite)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def plain(text: str) -> str:
    """``text`` escaped for ``st.markdown``: column names like ``customer_id`` stay intact,
    and each line stays a line."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")


def redacted(url: str) -> str:
    """A database URL safe to show: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def source_label(url: str) -> str:
    """The source database in a few words: its kind and name (the URL is in the tooltip)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return redacted(url)
    kind = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(parsed.get_backend_name())
    name = (
        Path(parsed.database or "").name
        if parsed.get_backend_name() == "sqlite"
        else (parsed.database or "")
    )
    where = f" on {parsed.host}" if parsed.host else ""
    return f"{kind or parsed.get_backend_name()} · {name or 'in memory'}{where}"
