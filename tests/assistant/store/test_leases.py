"""Leases with fencing tokens: each worker-run export is claimed by one worker at a time,
a superseded worker learns it at once, and the owner's cap holds under contention."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.store import AuditEntry, Export, ExportStatus, User, requeue
from assistant.store.leases import (
    MAX_ATTEMPTS,
    RUNNER,
    Claim,
    LeaseLost,
    abandon_exhausted,
    claim,
    claimable,
    hold,
    release,
    renew,
    request_cancel,
    stranded,
)
from tests.assistant.store.conftest import NOW

LEASE = 60.0
LEASE_DELTA = dt.timedelta(seconds=LEASE)
AFTER = LEASE_DELTA + dt.timedelta(seconds=1)  # a lease taken at t has run out at t + AFTER
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def _export(
    session: Session,
    owner: User,
    status: ExportStatus = ExportStatus.QUEUED,
    *,
    runner: str | None = RUNNER,
    created_at: dt.datetime = NOW - HOUR,
    **fields: object,
) -> Export:
    export = Export(
        owner_id=owner.id,
        request={"intent": "export"},
        format="csv",
        status=status,
        runner=runner,
        created_at=created_at,
    )
    for name, value in fields.items():
        setattr(export, name, value)
    session.add(export)
    session.commit()
    return export


def _row(session: Session, export_id: str) -> Export:
    """The export as the database has it now (not the session's remembered copy)."""
    session.expire_all()
    row = session.get(Export, export_id)
    assert row is not None
    return row


def _state(session: Session, export_id: str) -> tuple[Any, ...]:
    row = _row(session, export_id)
    return (
        row.status,
        row.fence,
        row.attempts,
        row.worker,
        row.lease_expires_at,
        row.started_at,
        row.rows_done,
        row.rows_total,
        row.cancel_requested,
        row.error,
        row.finished_at,
    )


def _audits(session: Session) -> list[tuple[Any, ...]]:
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(e.action, e.export_id, e.user_id, e.rows, e.details, e.at) for e in entries]


def _claim(
    session: Session, export: Export, worker: str, at: dt.datetime, cap: int | None = None
) -> Claim | None:
    got = claim(session, export.id, worker, at, lease_seconds=LEASE, cap=cap)
    session.commit()
    return got


def test_claim_takes_a_queued_export_and_a_live_lease_keeps_it(session: Session, ana: User) -> None:
    export = _export(session, ana, rows_done=3)

    holder = _claim(session, export, "host-a:1", NOW)
    assert holder == Claim(export.id, ana.id, 1, "host-a:1", reclaimed=False)
    row = _row(session, export.id)
    assert (row.status, row.fence, row.worker, row.attempts) == (
        ExportStatus.RUNNING,
        1,
        "host-a:1",
        1,
    )
    assert (row.lease_expires_at, row.started_at, row.rows_done) == (NOW + LEASE_DELTA, NOW, 0)

    before = _state(session, export.id)
    assert _claim(session, export, "host-b:2", NOW + LEASE_DELTA / 2) is None
    assert _claim(session, export, "host-a:1", NOW + LEASE_DELTA / 2) is None  # a redelivery too
    assert _state(session, export.id) == before
    assert _audits(session) == []


def test_claim_of_an_unknown_export_is_none(session: Session, ana: User) -> None:
    assert claim(session, "no-such-export", "host-a:1", NOW, lease_seconds=LEASE) is None


@pytest.mark.parametrize("status", [ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.CANCELLED])
def test_a_finished_export_is_never_claimed(
    session: Session, ana: User, status: ExportStatus
) -> None:
    export = _export(
        session, ana, status, fence=1, attempts=1, worker="host-a:1", finished_at=NOW - MINUTE
    )
    before = _state(session, export.id)
    assert _claim(session, export, "host-b:2", NOW) is None
    assert _claim(session, export, "host-b:2", NOW + 10 * HOUR) is None
    assert _state(session, export.id) == before
    assert _audits(session) == []


def test_an_export_run_in_process_is_never_claimed(session: Session, ana: User) -> None:
    queued = _export(session, ana, runner=None)
    running = _export(session, ana, ExportStatus.RUNNING, runner=None, lease_expires_at=NOW - HOUR)
    before = [_state(session, queued.id), _state(session, running.id)]
    assert _claim(session, queued, "host-b:2", NOW) is None
    assert _claim(session, running, "host-b:2", NOW) is None
    assert [_state(session, queued.id), _state(session, running.id)] == before
    assert claimable(session, NOW) == []


def test_an_expired_lease_is_reclaimed_with_a_higher_fence(session: Session, ana: User) -> None:
    export = _export(session, ana)
    first = _claim(session, export, "host-a:1", NOW)
    assert first is not None

    later = NOW + AFTER
    second = _claim(session, export, "host-b:2", later)
    assert second == Claim(export.id, ana.id, 2, "host-b:2", reclaimed=True)
    row = _row(session, export.id)
    assert (row.status, row.worker, row.attempts, row.fence) == (
        ExportStatus.RUNNING,
        "host-b:2",
        2,
        2,
    )
    assert (row.lease_expires_at, row.started_at) == (later + LEASE_DELTA, later)
    assert _audits(session) == [
        ("export_reclaimed", export.id, ana.id, None, {"worker": "host-b:2", "fence": 2}, later)
    ]


def test_renew_extends_the_holders_lease_and_refuses_a_superseded_one(
    session: Session, ana: User
) -> None:
    export = _export(session, ana)
    stale = _claim(session, export, "host-a:1", NOW)
    assert stale is not None
    later = NOW + AFTER
    holder = _claim(session, export, "host-b:2", later)
    assert holder is not None

    before = _state(session, export.id)
    with pytest.raises(LeaseLost):
        renew(session, stale, later + MINUTE, lease_seconds=LEASE, rows_done=99, rows_total=100)
    session.commit()
    assert _state(session, export.id) == before

    assert not renew(session, holder, later + MINUTE, lease_seconds=LEASE, rows_done=10,
                     rows_total=100)  # fmt: skip
    session.commit()
    row = _row(session, export.id)
    assert (row.lease_expires_at, row.rows_done, row.rows_total) == (
        later + MINUTE + LEASE_DELTA,
        10,
        100,
    )
    # Past the old lease's end the renewed lease still holds: nobody else can claim.
    assert _claim(session, export, "host-c:3", later + AFTER) is None

    assert request_cancel(session, export.id, later + 2 * MINUTE)
    session.commit()
    assert renew(session, holder, later + 2 * MINUTE, lease_seconds=LEASE, rows_done=20)
    session.commit()
    row = _row(session, export.id)
    assert (row.status, row.rows_done, row.rows_total, row.cancel_requested) == (
        ExportStatus.RUNNING,
        20,
        100,
        True,
    )


def test_hold_is_only_for_the_current_holder_of_a_running_export(
    session: Session, ana: User
) -> None:
    export = _export(session, ana)
    stale = _claim(session, export, "host-a:1", NOW)
    holder = _claim(session, export, "host-b:2", NOW + AFTER)
    assert stale is not None and holder is not None

    with pytest.raises(LeaseLost):
        hold(session, stale)
    session.rollback()

    row = hold(session, holder)
    assert (row.id, row.status, row.fence, row.worker) == (
        export.id,
        ExportStatus.RUNNING,
        2,
        "host-b:2",
    )
    row.status = ExportStatus.DONE
    row.finished_at = NOW + AFTER + MINUTE
    row.worker = None
    session.commit()

    for worker in (holder, stale):
        with pytest.raises(LeaseLost):
            hold(session, worker)
        with pytest.raises(LeaseLost):
            renew(session, worker, NOW + 2 * AFTER, lease_seconds=LEASE, rows_done=1)
        session.rollback()
    assert _row(session, export.id).status is ExportStatus.DONE
    assert _claim(session, export, "host-c:3", NOW + 10 * HOUR) is None


def test_release_puts_the_export_back_and_the_fence_keeps_rising(
    session: Session, ana: User
) -> None:
    export = _export(session, ana)
    holder = _claim(session, export, "host-a:1", NOW)
    assert holder is not None
    renew(session, holder, NOW + MINUTE, lease_seconds=LEASE, rows_done=50, rows_total=80)

    release(session, holder)
    session.commit()
    row = _row(session, export.id)
    assert (row.status, row.worker, row.lease_expires_at, row.started_at, row.rows_done) == (
        ExportStatus.QUEUED,
        None,
        None,
        None,
        0,
    )
    assert (row.fence, row.attempts) == (1, 1)
    assert claimable(session, NOW + MINUTE) == [export.id]
    with pytest.raises(LeaseLost):  # released: the old holder no longer holds it
        renew(session, holder, NOW + MINUTE, lease_seconds=LEASE, rows_done=60)
    session.rollback()

    again = _claim(session, export, "host-b:2", NOW + 2 * MINUTE)
    assert again == Claim(export.id, ana.id, 2, "host-b:2", reclaimed=False)
    with pytest.raises(LeaseLost):
        release(session, holder)
    session.rollback()
    release(session, again)
    session.commit()
    third = _claim(session, export, "host-c:3", NOW + 3 * MINUTE)
    assert third is not None and third.fence == 3
    assert _row(session, export.id).attempts == 3
    assert _audits(session) == []


def test_request_cancel(session: Session, ana: User) -> None:
    queued = _export(session, ana)
    running = _export(session, ana)
    done = _export(session, ana, ExportStatus.DONE)
    holder = _claim(session, running, "host-a:1", NOW)
    assert holder is not None

    assert request_cancel(session, queued.id, NOW + MINUTE)
    session.commit()
    row = _row(session, queued.id)
    assert (row.status, row.finished_at, row.worker, row.cancel_requested) == (
        ExportStatus.CANCELLED,
        NOW + MINUTE,
        None,
        False,
    )
    assert row.error == "cancelled before it started"
    assert _claim(session, queued, "host-b:2", NOW + 2 * MINUTE) is None

    assert request_cancel(session, running.id, NOW + MINUTE)
    session.commit()
    row = _row(session, running.id)
    assert (row.status, row.cancel_requested, row.worker, row.finished_at) == (
        ExportStatus.RUNNING,
        True,
        "host-a:1",
        None,
    )

    before = _state(session, done.id)
    assert not request_cancel(session, done.id, NOW + MINUTE)
    assert not request_cancel(session, queued.id, NOW + MINUTE)  # already cancelled
    assert not request_cancel(session, "no-such-export", NOW + MINUTE)
    session.commit()
    assert _state(session, done.id) == before
    assert _audits(session) == [("export_cancelled", queued.id, ana.id, 0, None, NOW + MINUTE)]


def test_the_owner_cap_counts_live_leases_only(session: Session, ana: User, bo: User) -> None:
    first, second, third = (_export(session, ana, created_at=NOW - i * MINUTE) for i in range(3))
    theirs = _export(session, bo)

    assert _claim(session, first, "host-a:1", NOW, cap=2) is not None
    assert _claim(session, second, "host-a:2", NOW, cap=2) is not None
    assert _claim(session, third, "host-a:3", NOW, cap=2) is None
    assert _row(session, third.id).status is ExportStatus.QUEUED
    assert _claim(session, theirs, "host-a:4", NOW, cap=2) is not None
    assert _claim(session, third, "host-a:3", NOW, cap=3) is not None  # a higher cap lets it

    # Once their leases ran out, running exports no longer count toward the cap.
    later = NOW + AFTER
    fourth = _export(session, ana)
    assert _claim(session, fourth, "host-b:1", later, cap=2) is not None
    assert _claim(session, first, "host-b:2", later, cap=2) is not None  # a reclaim: 2 live now
    assert _claim(session, second, "host-b:3", later, cap=2) is None
    assert _row(session, second.id).worker == "host-a:2"


def test_exports_running_in_process_count_toward_the_cap(session: Session, ana: User) -> None:
    _export(session, ana, ExportStatus.RUNNING, runner=None)
    export = _export(session, ana)
    assert _claim(session, export, "host-a:1", NOW, cap=1) is None
    assert _claim(session, export, "host-a:1", NOW, cap=2) is not None


def test_the_cap_holds_when_workers_claim_at_once(
    sessions: sessionmaker[Session], session: Session, ana: User
) -> None:
    exports = [_export(session, ana, created_at=NOW - i * MINUTE) for i in range(8)]
    barrier = threading.Barrier(len(exports))
    results: list[Claim | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(export_id: str, worker: str) -> None:
        try:
            with sessions() as own:
                barrier.wait(timeout=30)
                got = claim(own, export_id, worker, NOW, lease_seconds=LEASE, cap=2)
                own.commit()
            with lock:
                results.append(got)
        except BaseException as error:  # reported below, in the test's thread
            with lock:
                errors.append(error)

    threads = [
        threading.Thread(target=work, args=(export.id, f"host-{i}:1"))
        for i, export in enumerate(exports)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    won = [got for got in results if got is not None]
    assert (len(results), len(won)) == (8, 2)
    running = session.scalars(
        select(Export.id).where(Export.status == ExportStatus.RUNNING).order_by(Export.id)
    ).all()
    assert running == sorted(got.export_id for got in won)
    assert all(got.fence == 1 for got in won)


def test_an_export_claimed_max_attempts_times_is_given_up_on(session: Session, ana: User) -> None:
    export = _export(session, ana)
    at = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        holder = _claim(session, export, f"host-{attempt}:1", at)
        assert holder is not None and holder.fence == attempt
        # The worker dies: nothing is renewed, and the lease runs out.
        assert abandon_exhausted(session, at + LEASE_DELTA) == []
        at += AFTER

    assert _row(session, export.id).attempts == MAX_ATTEMPTS
    assert _claim(session, export, "host-9:1", at) is None
    assert claimable(session, at) == []
    assert _row(session, export.id).worker == f"host-{MAX_ATTEMPTS}:1"

    assert abandon_exhausted(session, at) == [export.id]
    session.commit()
    row = _row(session, export.id)
    assert (row.status, row.finished_at, row.worker, row.lease_expires_at) == (
        ExportStatus.FAILED,
        at,
        None,
        None,
    )
    assert row.error is not None and f"gave up after {MAX_ATTEMPTS} attempts" in row.error
    reclaims = [entry for entry in _audits(session) if entry[0] == "export_reclaimed"]
    assert len(reclaims) == MAX_ATTEMPTS - 1
    assert _audits(session)[-1] == (
        "export_failed",
        export.id,
        ana.id,
        None,
        {"error": row.error},
        at,
    )
    assert abandon_exhausted(session, at + HOUR) == []
    assert _claim(session, export, "host-9:1", at + HOUR) is None


def test_a_live_lease_is_not_given_up_on(session: Session, ana: User) -> None:
    export = _export(session, ana, attempts=MAX_ATTEMPTS - 1)
    holder = _claim(session, export, "host-a:1", NOW)
    assert holder is not None
    assert abandon_exhausted(session, NOW + MINUTE) == []
    session.commit()
    assert _row(session, export.id).status is ExportStatus.RUNNING
    assert abandon_exhausted(session, NOW + AFTER) == [export.id]


def test_claimable_and_stranded(session: Session, ana: User, bo: User) -> None:
    ana_old = _export(session, ana, created_at=NOW - 3 * HOUR)
    ana_new = _export(session, ana, created_at=NOW - MINUTE)
    _export(session, ana, ExportStatus.RUNNING, created_at=NOW - 5 * HOUR,
            lease_expires_at=NOW + MINUTE, fence=1, attempts=1)  # fmt: skip
    bo_expired = _export(session, bo, ExportStatus.RUNNING, created_at=NOW - 2 * HOUR,
                         lease_expires_at=NOW - MINUTE, fence=1, attempts=1)  # fmt: skip
    bo_old = _export(session, bo, created_at=NOW - 90 * MINUTE)
    # Never claimable: finished, run in process, or given up on.
    _export(session, ana, ExportStatus.DONE, created_at=NOW - 6 * HOUR)
    _export(session, ana, runner=None, created_at=NOW - 6 * HOUR)
    _export(session, bo, attempts=MAX_ATTEMPTS, created_at=NOW - 6 * HOUR)

    assert claimable(session, NOW) == [ana_old.id, bo_expired.id, bo_old.id, ana_new.id]
    assert claimable(session, NOW, limit=2) == [ana_old.id, bo_expired.id]

    before = NOW - HOUR
    assert stranded(session, NOW, queued_before=before, cap=2) == [
        ana_old.id,
        bo_expired.id,
        bo_old.id,
    ]
    # Ana is at a cap of 1 (her live lease); Bo's expired one does not count.
    assert stranded(session, NOW, queued_before=before, cap=1) == [bo_expired.id, bo_old.id]
    assert stranded(session, NOW, queued_before=NOW - 4 * HOUR, cap=2) == [bo_expired.id]


def test_requeue_resets_attempts_and_the_cancel_request_but_keeps_the_fence(
    session: Session, ana: User
) -> None:
    export = _export(session, ana)
    assert _claim(session, export, "host-a:1", NOW) is not None
    holder = _claim(session, export, "host-b:2", NOW + AFTER)
    assert holder is not None
    session.expire_all()  # as a fresh request's session would: claims bypass its copies
    assert request_cancel(session, export.id, NOW + AFTER + MINUTE)
    session.commit()
    row = hold(session, holder)
    row.status = ExportStatus.CANCELLED
    row.finished_at = NOW + AFTER + MINUTE
    session.commit()

    requeue(_row(session, export.id))
    session.commit()
    row = _row(session, export.id)
    assert (row.status, row.attempts, row.cancel_requested, row.fence, row.lease_expires_at) == (
        ExportStatus.QUEUED,
        0,
        False,
        2,
        None,
    )
    again = _claim(session, export, "host-c:3", NOW + 2 * AFTER)
    assert again == Claim(export.id, ana.id, 3, "host-c:3", reclaimed=False)
    assert not renew(session, again, NOW + 2 * AFTER, lease_seconds=LEASE, rows_done=0)
    with pytest.raises(LeaseLost):
        renew(session, holder, NOW + 2 * AFTER, lease_seconds=LEASE, rows_done=0)


def test_request_cancel_reads_the_row_afresh_not_the_sessions_old_copy(
    session: Session, ana: User
) -> None:
    """The claim writes past the session: a cancel in the same session must still see
    the export running (and flag it), not the queued copy the session remembers."""
    export = _export(session, ana)
    assert session.get(Export, export.id) is not None  # the session now holds it queued
    assert claim(session, export.id, "host-a:1", NOW, lease_seconds=LEASE) is not None
    session.commit()
    assert request_cancel(session, export.id, NOW + MINUTE)
    session.commit()
    row = _row(session, export.id)
    assert (row.status, row.cancel_requested) == (ExportStatus.RUNNING, True)
