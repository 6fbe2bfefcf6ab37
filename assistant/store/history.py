"""The export history and its pages, and the narrow reads that polling a status costs.

:func:`exports_page` gives a page of whole rows; :func:`export_summaries_page` and
:func:`export_summary` give only what an export's public view shows
(:class:`ExportSummary`), on a session or a plain connection: a client polling an
export's status costs one prepared query, with none of the row's other columns and no
relationship. Another user's export answers exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

from assistant.errors import InvalidInput
from assistant.store.models import Export, ExportStatus
from assistant.store.repo import not_found

__all__ = [
    "EXPORT_SUMMARY_COLUMNS",
    "MAX_PER_PAGE",
    "ExportPage",
    "ExportSummary",
    "SummaryPage",
    "export_summaries_page",
    "export_summary",
    "exports_page",
]

MAX_PER_PAGE = 200

_Select = TypeVar("_Select", bound=Select[Any])


@dataclass(frozen=True)
class ExportPage:
    items: Sequence[Export]
    total: int
    page: int
    per_page: int


def exports_page(
    session: Session,
    owner_id: int,
    *,
    status: ExportStatus | None = None,
    format: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
    per_page: int = 20,
) -> ExportPage:
    """One page of the owner's export history, newest first (``since`` inclusive)."""
    where = _history(owner_id, status, format, since, until, page, per_page)
    total = session.scalar(select(func.count()).select_from(Export).where(*where)) or 0
    items = session.scalars(_newest_first(select(Export).where(*where), page, per_page)).all()
    return ExportPage(items=items, total=total, page=page, per_page=per_page)


def _history(
    owner_id: int,
    status: ExportStatus | None,
    format: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    page: int,
    per_page: int,
) -> list[ColumnElement[bool]]:
    """The filter of one page of the owner's history (``since`` inclusive)."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"page must be 1 or more and per_page between 1 and {MAX_PER_PAGE}.")
    where: list[ColumnElement[bool]] = [Export.owner_id == owner_id]
    if status is not None:
        where.append(Export.status == status)
    if format is not None:
        where.append(Export.format == format)
    if since is not None:
        where.append(Export.created_at >= since)
    if until is not None:
        where.append(Export.created_at < until)
    return where


def _newest_first(query: _Select, page: int, per_page: int) -> _Select:
    return (
        query.order_by(Export.created_at.desc(), Export.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What an export's public view shows, read alone (:data:`EXPORT_SUMMARY_COLUMNS`):
    a client polling an export's status costs one narrow query, with none of the row's
    other columns (its request, worker, lease) and no relationship."""

    id: str
    format: str
    status: ExportStatus
    rows_done: int
    rows_total: int | None
    bytes: int | None
    sha256: str | None
    file_name: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    expires_at: dt.datetime | None
    error: str | None
    notes: list[str] | None

    def eta_seconds(self, now: dt.datetime) -> float | None:
        """Seconds left while it runs, at its rate so far (None until that is known)."""
        if self.status is not ExportStatus.RUNNING or self.started_at is None:
            return None
        if not self.rows_done or self.rows_total is None:
            return None
        elapsed = (now - self.started_at).total_seconds()
        if elapsed <= 0:
            return None
        return round(max(0, self.rows_total - self.rows_done) * elapsed / self.rows_done, 1)


#: The columns of :class:`ExportSummary`, in its order.
EXPORT_SUMMARY_COLUMNS = tuple(getattr(Export, name) for name in ExportSummary.__dataclass_fields__)


# Built once: constructing a statement costs more than SQLite takes to answer it.
_SUMMARY = select(*EXPORT_SUMMARY_COLUMNS).where(
    Export.id == bindparam("export_id"), Export.owner_id == bindparam("owner_id")
)


def export_summary(store: Connection | Session, export_id: str, owner_id: int) -> ExportSummary:
    """Export ``export_id``'s summary when ``owner_id`` owns it; NotFound otherwise, in
    :func:`get_owned`'s words. Reads only; a plain connection (``engine.connect()``)
    answers it in about a third of a session's time."""
    found = store.execute(_SUMMARY, {"export_id": export_id, "owner_id": owner_id})
    row = found.one_or_none()
    if row is None:
        raise not_found(Export, export_id)
    return ExportSummary(*row)


@dataclass(frozen=True)
class SummaryPage:
    items: list[ExportSummary]
    total: int
    page: int
    per_page: int


def export_summaries_page(
    store: Connection | Session,
    owner_id: int,
    *,
    status: ExportStatus | None = None,
    format: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SummaryPage:
    """:func:`exports_page` as summaries: the owner's history, newest first."""
    where = _history(owner_id, status, format, since, until, page, per_page)
    total = store.execute(select(func.count()).select_from(Export).where(*where)).scalar() or 0
    rows = store.execute(
        _newest_first(select(*EXPORT_SUMMARY_COLUMNS).where(*where), page, per_page)
    ).all()
    return SummaryPage([ExportSummary(*row) for row in rows], total, page, per_page)
