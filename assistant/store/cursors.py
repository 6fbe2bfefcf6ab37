"""Where "only new rows" left off: one cursor per user-and-query, or per schedule.

A cursor names the column that says a row is new (``cursor_column``: a creation time or
an increasing key) and the key that breaks ties on it (``key_column``), and keeps the
last delivered pair ``(last_value, last_key)``: the next export holds only rows after it.

Values are kept as the database wrote them as text (``CAST(... AS TEXT)``), with their
kind (``int`` or ``text``) so they are written back into SQL as they compare there.

``pending_*`` is the range an export was made for and not yet delivered: a schedule's
retry after a failed delivery sends the same file and then moves the cursor, so the
cursor only moves in the transaction that records the delivery (or, for a download, the
finished export). A failure halfway moves nothing: the next run sends those rows again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.base import ID_LENGTH, NOW, Base, owner_column, utcnow

__all__ = ["ExportCursor"]


class ExportCursor(Base):
    """The last delivered position of one user's query, or of one schedule."""

    __tablename__ = "export_cursors"
    __table_args__ = (UniqueConstraint("owner_id", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = owner_column()
    # "query:<sha256 of the SQL>" or "schedule:<id>": what the cursor follows.
    scope_key: Mapped[str] = mapped_column(String(100))
    schedule_id: Mapped[str | None] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    cursor_column: Mapped[str] = mapped_column(String(200))
    key_column: Mapped[str] = mapped_column(String(200))
    value_kind: Mapped[str] = mapped_column(String(8))
    key_kind: Mapped[str] = mapped_column(String(8))
    last_value: Mapped[str | None] = mapped_column(Text)
    last_key: Mapped[str | None] = mapped_column(Text)
    pending_value: Mapped[str | None] = mapped_column(Text)
    pending_key: Mapped[str | None] = mapped_column(Text)
    pending_export_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=NOW)
