"""Leases with fencing tokens: how workers on many machines run each export exactly once.

A message broker may deliver a task twice, and a worker may stall (a long GC pause, a
stopped VM) and wake up after another worker took its export over. So the store, not
the broker, decides who runs an export:

- :func:`claim` takes a ``queued`` export, or a ``running`` one whose lease ran out, in one
  conditional ``UPDATE``: it raises ``fence`` (the fencing token) and sets the lease.
  A finished export is never claimable, so a redelivered task does nothing.
- :func:`renew` extends the lease and records progress; it answers whether someone asked
  the export to stop. It names the fence, so a superseded worker learns at once
  (:class:`LeaseLost`) and stops.
- :func:`hold` locks the row for a final write (done, failed, cancelled) only while the
  fence still holds; the caller moves its file into place under that lock, so a stale
  worker can never put its file over the one the current holder published.

The owner's cap on running exports is checked in the same ``UPDATE`` that claims; on
PostgreSQL the owner's user row is locked first, so two workers claiming for one owner
at once take turns and each sees the other's claim. The session functions flush but do
not commit: the caller owns the transaction (and commits quickly: the locks are held
until then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from assistant.errors import LeaseLost
from assistant.store.models import Export, ExportStatus, User
from assistant.store.repo import AuditAction, audit, record_ended

__all__ = [
    "MAX_ATTEMPTS",
    "RUNNER",
    "Claim",
    "abandon_exhausted",
    "claim",
    "claimable",
    "hold",
    "release",
    "renew",
    "request_cancel",
    "stranded",
]

#: The ``runner`` of exports that workers claim through leases.
RUNNER = "celery"
#: Claims of one export before it is given up on (a worker died each time: a poison export).
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one export: every later write names ``fence``."""

    export_id: str
    owner_id: int
    fence: int
    worker: str
    reclaimed: bool  # taken over from a worker whose lease ran out


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    """Rows a worker may claim: the runner's, not given up on, queued or lease run out."""
    return and_(
        Export.runner == RUNNER,
        Export.attempts < MAX_ATTEMPTS,
        or_(
            Export.status == ExportStatus.QUEUED,
            and_(Export.status == ExportStatus.RUNNING, Export.lease_expires_at < now),
        ),
    )


def claimable(session: Session, now: dt.datetime, limit: int = 50) -> list[str]:
    """Ids of exports a worker could claim now, oldest first (the cap is not checked)."""
    return list(
        session.scalars(
            select(Export.id)
            .where(_claimable(now))
            .order_by(Export.created_at, Export.id)
            .limit(limit)
        )
    )


def stranded(
    session: Session, now: dt.datetime, *, queued_before: dt.datetime, cap: int
) -> list[str]:
    """Exports no worker will get to unless woken: leases run out, or tasks lost.

    Running exports whose lease ran out, and exports queued since before
    ``queued_before`` whose owner has fewer than ``cap`` running (one over the cap is
    simply waiting its turn), oldest first.
    """
    rows = session.execute(
        select(Export.id, Export.owner_id, Export.status, Export.created_at)
        .where(_claimable(now))
        .order_by(Export.created_at, Export.id)
        .limit(200)
    ).all()
    queued_owners = {row.owner_id for row in rows if row.status is ExportStatus.QUEUED}
    running: dict[int, int] = dict(
        session.execute(
            select(Export.owner_id, func.count())
            .where(
                Export.owner_id.in_(queued_owners),
                Export.status == ExportStatus.RUNNING,
                or_(Export.lease_expires_at.is_(None), Export.lease_expires_at >= now),
            )
            .group_by(Export.owner_id)
        ).all()
    )
    return [
        row.id
        for row in rows
        if row.status is ExportStatus.RUNNING
        or (row.created_at < queued_before and running.get(row.owner_id, 0) < cap)
    ]


def claim(
    session: Session,
    export_id: str,
    worker: str,
    now: dt.datetime,
    *,
    lease_seconds: float,
    cap: int | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Claim | None:
    """Claim ``export_id`` for ``worker``; None if it is not claimable now.

    Not claimable: finished, cancelled, held under a live lease, given up on, or (with
    ``cap``) its owner already has ``cap`` exports running under live leases. With a
    ``clock``, ``started_at`` is read from it once the claim went through (after any
    export it waited for had finished), so the recorded runs of one owner never overlap
    more than the cap; otherwise it is ``now``.
    """
    found = session.execute(
        select(Export.owner_id, Export.status).where(Export.id == export_id)
    ).one_or_none()
    if found is None:
        return None
    owner_id, was = found
    if cap is not None:
        # Claims for one owner take turns (PostgreSQL; SQLite runs one writer at a time).
        session.execute(select(User.id).where(User.id == owner_id).with_for_update())
    conditions = [Export.id == export_id, _claimable(now)]
    if cap is not None:
        other = aliased(Export)
        running = (
            select(func.count())
            .select_from(other)
            .where(
                other.owner_id == owner_id,
                other.status == ExportStatus.RUNNING,
                or_(other.lease_expires_at.is_(None), other.lease_expires_at >= now),
            )
            .scalar_subquery()
        )
        conditions.append(running < cap)
    claimed = session.execute(
        update(Export)
        .where(*conditions)
        .values(
            status=ExportStatus.RUNNING,
            fence=Export.fence + 1,
            attempts=Export.attempts + 1,
            worker=worker,
            lease_expires_at=now + dt.timedelta(seconds=lease_seconds),
            started_at=now,
            rows_done=0,
        )
        .returning(Export.fence)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if claimed is None:
        return None
    if clock is not None:
        session.execute(
            update(Export)
            .where(Export.id == export_id)
            .values(started_at=clock())
            .execution_options(synchronize_session=False)
        )
    reclaimed = was is ExportStatus.RUNNING
    if reclaimed:
        audit(
            session,
            AuditAction.EXPORT_RECLAIMED,
            user_id=owner_id,
            export_id=export_id,
            at=now,
            details={"worker": worker, "fence": claimed.fence},
        )
    session.flush()
    return Claim(export_id, owner_id, claimed.fence, worker, reclaimed)


def _held(holder: Claim) -> list[ColumnElement[bool]]:
    return [
        Export.id == holder.export_id,
        Export.fence == holder.fence,
        Export.status == ExportStatus.RUNNING,
    ]


def renew(
    session: Session,
    holder: Claim,
    now: dt.datetime,
    *,
    lease_seconds: float,
    rows_done: int,
    rows_total: int | None = None,
) -> bool:
    """Extend the lease and record progress; True if the export was asked to stop.

    Raises :class:`LeaseLost` when another worker holds it now, or it ended.
    """
    values: dict[str, object] = {
        "lease_expires_at": now + dt.timedelta(seconds=lease_seconds),
        "rows_done": rows_done,
    }
    if rows_total is not None:
        values["rows_total"] = rows_total
    renewed = session.execute(
        update(Export)
        .where(*_held(holder))
        .values(**values)
        .returning(Export.cancel_requested)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if renewed is None:
        raise LeaseLost(f"export {holder.export_id} is no longer held with fence {holder.fence}")
    return bool(renewed.cancel_requested)


def hold(session: Session, holder: Claim) -> Export:
    """Lock the export for its final write while ``holder``'s fence still holds it.

    The lock (a row lock on PostgreSQL, the write lock on SQLite) lasts until the caller
    commits, so a file moved into place before then cannot race a newer holder's.
    Raises :class:`LeaseLost` otherwise.
    """
    locked = session.execute(
        update(Export)
        .where(*_held(holder))
        .values(fence=Export.fence)  # a write that changes nothing, for its lock
        .returning(Export.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if locked is None:
        raise LeaseLost(f"export {holder.export_id} is no longer held with fence {holder.fence}")
    row = session.get(Export, holder.export_id, populate_existing=True)
    assert row is not None
    return row


def release(session: Session, holder: Claim) -> None:
    """Give the export back to the queue (a transient failure): another claim runs it."""
    row = hold(session, holder)
    row.status = ExportStatus.QUEUED
    row.worker = None
    row.lease_expires_at = None
    row.started_at = None
    row.rows_done = 0
    session.flush()


def request_cancel(session: Session, export_id: str, now: dt.datetime) -> bool:
    """Ask a worker-run export to stop; True if it was queued or running.

    A queued export is cancelled here and now; a running one is flagged, and its worker
    stops at the next batch (its lease renewal reads the flag) and removes its file.
    """
    # Re-read under the lock: the claims write past the session, so its copy may be old.
    row = session.get(Export, export_id, with_for_update=True, populate_existing=True)
    if row is None or row.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return False
    if row.status is ExportStatus.RUNNING:
        row.cancel_requested = True
    else:
        record_ended(session, row, ExportStatus.CANCELLED, "cancelled before it started", now)
    session.flush()
    return True


def abandon_exhausted(session: Session, now: dt.datetime) -> list[str]:
    """Fail the worker-run exports claimed ``MAX_ATTEMPTS`` times whose last lease ran out.

    Each of those claims ended with its worker gone (killed, out of memory): running it
    again would most likely kill another. Returns their ids.
    """
    rows = session.scalars(
        select(Export)
        .where(
            Export.runner == RUNNER,
            Export.attempts >= MAX_ATTEMPTS,
            or_(
                Export.status == ExportStatus.QUEUED,
                and_(Export.status == ExportStatus.RUNNING, Export.lease_expires_at < now),
            ),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        reason = f"gave up after {row.attempts} attempts: the worker running it stopped each time"
        record_ended(session, row, ExportStatus.FAILED, reason, now)
    session.flush()
    return [row.id for row in rows]
