"""One worker's part: claim an export from the store, write its file, publish it once.

:class:`ExportWorker` is the body of the Celery task; it needs nothing but the export id,
because everything else (the query, the format, the owner's options and zone) is in the
store. Each export it runs goes:

1. **claim** (:func:`assistant.store.leases.claim`): a new fence, a lease, the owner's
   cap checked in the same statement. Not claimable (done, cancelled, held by a live
   worker, owner at the cap) means the task does nothing: redelivery is harmless.
2. **write** into a folder of its own, ``<id>/.attempt-<fence>/``, while a heartbeat
   renews the lease and records progress (after batches, and at least every second).
   The renewal also reads the cancel flag, so a cancelled export stops at the next
   batch after it; a
   renewal that finds another fence means this worker was superseded, and it stops too.
3. **publish** under the row's lock (:func:`assistant.store.leases.hold`): the file is
   moved to ``<id>/<name>`` and the row marked done in one transaction, only while the
   fence still holds. A stale worker's file is thrown away, never put over the new one.

Whatever happens, the attempt folder is removed on the way out; the attempts it
superseded (a killed worker's half-written temporary) go once its file is published.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import AssistantError, LeaseLost
from assistant.exports.writing import write_file
from assistant.files.links import mask_key
from assistant.files.names import export_folder
from assistant.files.storage import LocalStorage, Storage
from assistant.scope import UserScope
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.store import (
    Export,
    ExportStatus,
    Preference,
    QueryRun,
    create_store_engine,
    leases,
    process_identity,
    record_done,
    record_ended,
    session_factory,
)
from assistant.store.leases import Claim
from exporters import CancelToken, ExportCancelled, ExporterError, ExportResult, Progress
from intents.models import ExportRequest

__all__ = ["ExportWorker", "Outcome", "OutcomeKind"]

_log = logging.getLogger(__name__)

#: Renewals from the batches are at least this far apart (a store write each).
BATCH_RENEWAL_SECONDS = 0.1


class OutcomeKind(StrEnum):
    done = "done"
    failed = "failed"
    cancelled = "cancelled"
    skipped = "skipped"  # not claimable: finished, held by a live worker, or owner at cap
    superseded = "superseded"  # another worker took it over: nothing written


@dataclass(frozen=True)
class Outcome:
    export_id: str
    kind: OutcomeKind
    detail: str | None = None

    def __str__(self) -> str:
        return f"{self.export_id}: {self.kind}" + (f" ({self.detail})" if self.detail else "")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ExportWorker:
    """Runs the exports of ``runner="celery"`` from the store, under leases."""

    def __init__(
        self,
        settings: Settings,
        *,
        identity: str | None = None,
        storage: Storage | None = None,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self.settings = settings
        self.now = clock
        self.identity = identity or process_identity()
        self.storage = storage or LocalStorage(settings.storage_dir)
        self.engine = create_store_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.source = DataSource.from_settings(settings, mask_key(settings))

    def close(self) -> None:
        self.engine.dispose()

    # -- claiming ----------------------------------------------------------------------

    def run(self, export_id: str) -> Outcome:
        """Claim ``export_id`` and run it; ``skipped`` if it is not claimable now."""
        holder = self._claim(export_id)
        if holder is None:
            return Outcome(export_id, OutcomeKind.skipped)
        return self._run(holder)

    def drain(self, stopping: Callable[[], bool] = lambda: False) -> list[Outcome]:
        """Claim and run the oldest claimable exports, one after another, until none is
        (or ``stopping()`` says the worker is shutting down: the rest stay queued).

        After each export an owner's cap has room again, so the exports it held back run
        here: a task whose own export was skipped still leaves no work stranded.
        """
        outcomes = []
        while not stopping() and (holder := self._claim_next()) is not None:
            outcomes.append(self._run(holder))
        return outcomes

    def _claim(self, export_id: str) -> Claim | None:
        with self.sessions.begin() as session:
            return leases.claim(
                session,
                export_id,
                self.identity,
                self.now(),
                lease_seconds=self.settings.lease_seconds,
                cap=self.settings.max_running_exports_per_user,
                clock=self.now,
            )

    def _claim_next(self) -> Claim | None:
        with self.sessions() as session:
            candidates = leases.claimable(session, self.now())
        for export_id in candidates:
            holder = self._claim(export_id)
            if holder is not None:
                return holder
        return None

    # -- running -----------------------------------------------------------------------

    def _run(self, holder: Claim) -> Outcome:
        export_id = holder.export_id
        _log.info(
            "export %s claimed (fence %d%s)",
            export_id,
            holder.fence,
            ", taken over" if holder.reclaimed else "",
        )
        attempt = export_folder(self.settings.storage_dir, export_id) / f".attempt-{holder.fence}"
        attempt.mkdir(exist_ok=True)
        try:
            outcome = self._write_and_publish(holder, attempt)
        finally:
            shutil.rmtree(attempt, ignore_errors=True)
        _log.info("export %s", outcome)
        return outcome

    def _write_and_publish(self, holder: Claim, attempt: Path) -> Outcome:
        export_id = holder.export_id
        with self.sessions() as session:
            row = session.get(Export, export_id)
            assert row is not None
            run = None if row.query_run_id is None else session.get(QueryRun, row.query_run_id)
            saved = session.get(Preference, row.owner_id)
            session.expunge_all()
        if run is None:
            return self._end(holder, ExportStatus.FAILED, "the query it exports was deleted")
        scope = UserScope(
            self.settings,
            self.sessions,
            row.owner_id,
            self.source,
            conversation_id=row.conversation_id,
            clock=self.now,
            timezone=(saved.timezone if saved else None) or "UTC",
        )
        cancel = CancelToken()
        with _Heartbeat(self, holder, cancel) as heartbeat:
            try:
                result = write_file(
                    scope,
                    ExportRequest.model_validate(row.request),
                    run,
                    row.created_at,
                    attempt,
                    progress=heartbeat.progress,
                    cancel=cancel,
                )
            except ExportCancelled:
                if heartbeat.lost is not None:
                    return Outcome(export_id, OutcomeKind.superseded, str(heartbeat.lost))
                return self._end(holder, ExportStatus.CANCELLED, "cancelled while it ran")
            except (ExporterError, AssistantError, OSError) as exc:
                return self._end(holder, ExportStatus.FAILED, str(exc))
            except SQLAlchemyError:
                raise  # the store is away: Celery retries, or the lease lapses and another runs it
            except Exception as exc:  # a bug: running it again would fail the same way
                _log.exception("export %s failed unexpectedly", export_id)
                reason = f"an unexpected error ({type(exc).__name__}); it was logged"
                return self._end(holder, ExportStatus.FAILED, reason)
        return self._publish(holder, result)

    def _publish(self, holder: Claim, result: ExportResult) -> Outcome:
        """Move the file into place and mark the export done, only while the fence holds."""
        ttl = dt.timedelta(hours=self.settings.file_ttl_hours)
        try:
            with self.sessions.begin() as session:
                row = leases.hold(session, holder)
                path, rows = result.path, result.rows
                self.storage.publish(path, f"{holder.export_id}/{path.name}")
                record_done(
                    session,
                    row,
                    path.name,
                    rows,
                    result.bytes,
                    result.sha256,
                    self.now(),
                    ttl,
                    result.notes,
                )
        except LeaseLost as lost:
            return Outcome(holder.export_id, OutcomeKind.superseded, str(lost))
        self._remove_earlier_attempts(path.parent.parent, holder.fence)
        return Outcome(holder.export_id, OutcomeKind.done, f"{rows} rows, fence {holder.fence}")

    @staticmethod
    def _remove_earlier_attempts(folder: Path, fence: int) -> None:
        """What superseded attempts left (a killed worker's temporary file): their
        fences can no longer write, so nothing of theirs will ever be published."""
        for attempt in folder.glob(".attempt-*"):
            number = attempt.name.removeprefix(".attempt-")
            if number.isdigit() and int(number) < fence:
                shutil.rmtree(attempt, ignore_errors=True)

    def _end(self, holder: Claim, status: ExportStatus, reason: str) -> Outcome:
        """Record a failure or a cancellation, only while the fence holds."""
        try:
            with self.sessions.begin() as session:
                row = leases.hold(session, holder)
                record_ended(session, row, status, reason, self.now())
        except LeaseLost as lost:
            return Outcome(holder.export_id, OutcomeKind.superseded, str(lost))
        kind = OutcomeKind.cancelled if status is ExportStatus.CANCELLED else OutcomeKind.failed
        return Outcome(holder.export_id, kind, reason)


class _Heartbeat:
    """While an export runs: renew its lease with the latest progress after its batches
    (at most every ``BATCH_RENEWAL_SECONDS``), and from a thread of its own when no batch
    came for ``lease_seconds / 4`` (at most a second), so a slow query or a long batch
    never lets the lease lapse. A renewal that finds the export asked to stop, or held
    by another fence, fires the cancel token: the export stops at its next batch."""

    def __init__(self, worker: ExportWorker, holder: Claim, cancel: CancelToken) -> None:
        self.worker = worker
        self.holder = holder
        self.cancel = cancel
        self.lost: LeaseLost | None = None
        self.rows_done = 0
        self.rows_total: int | None = None
        self._interval = min(1.0, worker.settings.lease_seconds / 4)
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-renewal", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def progress(self, step: Progress) -> None:
        """The exporter's progress callback, after each batch: renews at once unless the
        last renewal is recent, so a cancel is seen within a tenth of a second."""
        self.rows_done, self.rows_total = step.rows_done, step.rows_total
        if time.monotonic() - self._last >= BATCH_RENEWAL_SECONDS:
            self.beat()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            if time.monotonic() - self._last >= self._interval:
                self.beat()

    def beat(self) -> None:
        with self._lock:
            self._last = time.monotonic()
            self._renew()

    def _renew(self) -> None:
        worker = self.worker
        try:
            with worker.sessions.begin() as session:
                stop = leases.renew(
                    session,
                    self.holder,
                    worker.now(),
                    lease_seconds=worker.settings.lease_seconds,
                    rows_done=self.rows_done,
                    rows_total=self.rows_total,
                )
        except LeaseLost as lost:
            self.lost = lost
            stop = True
        except Exception:  # the store is away: the lease may lapse, and the fence decides
            _log.exception("could not renew the lease of export %s", self.holder.export_id)
            return
        if stop:
            self.cancel.cancel()
