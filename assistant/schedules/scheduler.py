"""The scheduler: fires each schedule's occurrences exactly once, retries, records.

:meth:`Scheduler.tick` does one pass (tests drive it with an injected clock);
:meth:`Scheduler.start` runs passes on a thread every ``interval`` seconds. Any number of
schedulers may share a store:

- **Claim.** An occurrence is claimed by inserting its ``schedule_runs`` row; the unique
  ``(schedule_id, due_at)`` lets exactly one insert win, on SQLite and PostgreSQL alike.
- **Downtime.** After downtime only the latest missed occurrence runs (once), and the next
  run time moves past now.
- **Retries.** A failed run (query, export or delivery) is retried with exponential backoff
  (``retry_seconds`` × 2ⁿ) up to ``ATTEMPTS`` times; a retry is taken with a conditional
  update, so two schedulers never both take it. A retry after a failed delivery reuses the
  export it already made. The last failure is recorded on the run and said in the
  schedule's conversation, where the user reads it.
- **Run now.** :meth:`Scheduler.run_now` (``POST /api/schedules/{id}/run``, the chat's
  "send it now") is work the owner starts now: it spends their export budget, like an
  export from the API or the chat, and is refused (:class:`~assistant.errors.Conflict`)
  while another run of the schedule is claimed or running. Occurrences fired at their
  cron time, and retries, do not spend it: they are the owner's standing order, bounded
  by the cron already, and refusing one would lose a report because of an unrelated burst
  of downloads.
- **Only new rows.** A schedule with ``only_new`` sends the rows after its own cursor;
  the cursor moves in the transaction that records the run done, after the delivery
  (:mod:`~assistant.schedules.only_new`). With ``skip_empty`` a run with nothing new
  sends nothing and is recorded ``skipped``.
- **Windows.** A schedule made from a question with a relative window ("orders from
  today") reads the question again for each occurrence, as of its due time in the
  schedule's zone (:mod:`~assistant.schedules.windows`); other schedules run their
  stored query.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import Conflict, NotFound
from assistant.exports.records import export_info
from assistant.exports.writing import run_export
from assistant.questions.runs import Mode
from assistant.replies import ExportInfo
from assistant.schedules.cron import latest_due, next_fire
from assistant.schedules.models import ScheduleInfo
from assistant.schedules.only_new import new_rows_export, settle_run
from assistant.schedules.service import schedule_info
from assistant.schedules.windows import Reading, run_occurrence
from assistant.scope import Clock, UserScope
from assistant.store import (
    ConversationRecord,
    Export,
    ExportStatus,
    Message,
    QueryRun,
    Role,
    RunStatus,
    Schedule,
    ScheduleRun,
    process_identity,
)
from exporters import UserFacingError
from intents.models import ExportRequest, Target
from intents.toolcall import LLM

__all__ = ["ALREADY_RUNNING", "ATTEMPTS", "Deliver", "Scheduler"]

_log = logging.getLogger(__name__)

#: Tries per occurrence (the first and two retries).
ATTEMPTS = 3
#: A run claimed or running for longer than this was left by a process that died: it no
#: longer keeps the schedule from being run now.
STALE_RUN = dt.timedelta(hours=1)
ALREADY_RUNNING = "This schedule is already running; try again when this run is done."
JUST_SENT = "That schedule was sent a moment ago; try again in a moment."

#: Sends a finished export where its schedule says: (schedule, export, signed link, the
#: occurrence it was made for).
Deliver = Callable[[ScheduleInfo, ExportInfo, str, dt.datetime], None]


@dataclass(frozen=True)
class Fired:
    """What one pass did with one run (for logs and tests)."""

    schedule_id: str
    due_at: dt.datetime
    status: RunStatus
    attempts: int
    run_id: int


class Parts(Protocol):
    """What the scheduler needs of the process (:class:`assistant.process.Assistant`)."""

    sessions: sessionmaker[Session]
    clock: Clock
    mode: Mode
    llm: LLM

    def scope(self, user_id: int, conversation_id: str | None = None) -> UserScope: ...

    def download_url(
        self, export_id: str, sha256: str, *, request_base: str | None = None
    ) -> str: ...


class Scheduler:
    """Fires due schedules of ``assistant``'s store and delivers them with ``deliver``."""

    def __init__(
        self,
        assistant: Parts,
        deliver: Deliver,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        retry_seconds: float = 60.0,
    ) -> None:
        self.assistant = assistant
        self.deliver = deliver
        self.clock = clock or assistant.clock
        self.retry_seconds = retry_seconds
        self.identity = process_identity()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- running -----------------------------------------------------------------------

    def start(self, interval: float = 15.0) -> None:
        """Run :meth:`tick` every ``interval`` seconds on a daemon thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:  # a failed pass is retried next time; the app goes on
                    _log.exception("the scheduler's pass failed")
                self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def tick(self) -> list[Fired]:
        """One pass: claim and run due occurrences, then due retries."""
        now = self.clock()
        fired = [self._run(run_id) for run_id in self._claim_due(now)]
        fired += [self._run(run_id) for run_id in self._take_retries(now)]
        return fired

    def run_now(self, schedule_id: str, *, link_base: str | None = None) -> Fired:
        """Fire one occurrence of ``schedule_id`` now (``POST /api/schedules/{id}/run``).

        Spends the owner's export budget (:class:`~assistant.errors.TooManyRequests`) and
        is refused while another run of it is under way (:class:`Conflict`); either way
        nothing is claimed or recorded. ``link_base``: the host the API request came to,
        where the delivered link points unless ``ASSISTANT_PUBLIC_URL`` is set (a later
        retry has no request: it uses the setting or the default)."""
        with self.assistant.sessions() as session:
            owner = session.scalar(select(Schedule.owner_id).where(Schedule.id == schedule_id))
        if owner is None:
            raise NotFound(f"There is no schedule {schedule_id}; list your schedules.")
        run_id = self._claim_now(schedule_id, self.clock(), self.assistant.scope(owner))
        return self._run(run_id, link_base)

    # -- claiming ----------------------------------------------------------------------

    def _claim_due(self, now: dt.datetime) -> list[int]:
        with self.assistant.sessions() as session:
            due = session.execute(
                select(Schedule.id, Schedule.cron, Schedule.timezone, Schedule.next_run_at)
                .where(Schedule.active.is_(True), Schedule.next_run_at <= now)
                .order_by(Schedule.next_run_at)
            ).all()
        claimed = []
        for schedule_id, cron, timezone, next_run_at in due:
            assert next_run_at is not None  # selected by next_run_at <= now
            zone = ZoneInfo(timezone)
            occurrence = latest_due(cron, zone, next_run_at, now) or next_run_at
            run_id = self._claim(schedule_id, occurrence)
            with self.assistant.sessions.begin() as session:  # the same value from any scheduler
                session.execute(
                    update(Schedule)
                    .where(Schedule.id == schedule_id, Schedule.next_run_at == next_run_at)
                    .values(next_run_at=next_fire(cron, zone, now))
                )
            if run_id is not None:
                claimed.append(run_id)
        return claimed

    def _claim(self, schedule_id: str, due_at: dt.datetime) -> int | None:
        """Insert the occurrence's run; None when another scheduler inserted it first."""
        try:
            with self.assistant.sessions.begin() as session:
                run = ScheduleRun(schedule_id=schedule_id, due_at=due_at, status=RunStatus.CLAIMED,
                                  claimed_by=self.identity)  # fmt: skip
                session.add(run)
                session.flush()
                return run.id
        except IntegrityError:
            return None

    def _claim_now(self, schedule_id: str, now: dt.datetime, owner: UserScope) -> int:
        """Insert a run due now unless one of the schedule's runs is live; spend the
        owner's budget in the same transaction, so a refusal leaves no run behind."""
        live = select(ScheduleRun.id).where(
            ScheduleRun.schedule_id == schedule_id,
            ScheduleRun.status.in_((RunStatus.CLAIMED, RunStatus.RUNNING)),
            func.coalesce(ScheduleRun.started_at, ScheduleRun.due_at) > now - STALE_RUN,
        )
        table = ScheduleRun.__table__.c
        values = select(
            literal(schedule_id, table.schedule_id.type),
            literal(now, table.due_at.type),
            literal(RunStatus.CLAIMED, table.status.type),
            literal(self.identity, table.claimed_by.type),
        ).where(~exists(live))
        columns = ["schedule_id", "due_at", "status", "claimed_by"]
        try:
            with self.assistant.sessions.begin() as session:
                # PostgreSQL: run-nows of one schedule take turns on its row, so the check
                # below sees a run the other just committed. SQLite runs one writer at a
                # time and the INSERT is the transaction's first statement, so its check
                # and its insert are one step there.
                session.execute(
                    select(Schedule.id).where(Schedule.id == schedule_id).with_for_update()
                )
                run_id: int | None = session.scalar(
                    insert(ScheduleRun).from_select(columns, values).returning(ScheduleRun.id)
                )
                if run_id is None:
                    raise Conflict(ALREADY_RUNNING)
                owner.spend_export()  # TooManyRequests rolls the claim back
                return run_id
        except IntegrityError:  # a run due this very instant exists (a pinned clock)
            raise Conflict(JUST_SENT) from None

    def _take_retries(self, now: dt.datetime) -> list[int]:
        with self.assistant.sessions() as session:
            waiting = session.execute(
                select(ScheduleRun.id, ScheduleRun.attempts).where(
                    ScheduleRun.status == RunStatus.RETRYING, ScheduleRun.next_attempt_at <= now
                )
            ).all()
        taken = []
        for run_id, attempts in waiting:
            with self.assistant.sessions.begin() as session:
                won = session.execute(
                    update(ScheduleRun)
                    .where(
                        ScheduleRun.id == run_id,
                        ScheduleRun.status == RunStatus.RETRYING,
                        ScheduleRun.attempts == attempts,
                    )
                    .values(status=RunStatus.CLAIMED, claimed_by=self.identity)
                )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                taken.append(run_id)
        return taken

    # -- running one -------------------------------------------------------------------

    def _run(self, run_id: int, link_base: str | None = None) -> Fired:
        now = self.clock()
        with self.assistant.sessions.begin() as session:
            run = session.get(ScheduleRun, run_id)
            assert run is not None
            schedule = session.get(Schedule, run.schedule_id)
            assert schedule is not None
            run.status = RunStatus.RUNNING
            run.attempts += 1
            run.started_at = now
            info = schedule_info(session, schedule)
            owner, conversation_id, made = (
                schedule.owner_id,
                schedule.conversation_id,
                run.export_id,
            )
            reading = Reading.stored(schedule.question, schedule.dialect)
            due_at, attempts = run.due_at, run.attempts
        try:
            if (export := self._export(owner, info, made, reading, due_at)) is None:
                return _skipped(self, info, due_at, attempts, run_id)  # only new: none new
            with self.assistant.sessions.begin() as session:  # a retry reuses this export
                run = session.get(ScheduleRun, run_id)
                assert run is not None
                run.export_id = export.id
            assert export.sha256 is not None
            link = self.assistant.download_url(export.id, export.sha256, request_base=link_base)
            self.deliver(info, export, link, due_at)
        except Exception as exc:  # every failure is recorded on the run, none stops the loop
            _log.warning("schedule %s run %s failed (attempt %d): %s", info.id, run_id,
                         attempts, exc)  # fmt: skip
            status = self._failed(run_id, attempts, exc, info, conversation_id)
            return Fired(info.id, due_at, status, attempts, run_id)
        with self.assistant.sessions.begin() as session:
            run = session.get(ScheduleRun, run_id)
            assert run is not None
            run.status = RunStatus.DONE
            run.rows, run.bytes, run.error = export.rows, export.bytes, None
            run.finished_at = self.clock()
            settle_run(session, owner, info, export.id, run.finished_at)  # only new rows
        return Fired(info.id, due_at, RunStatus.DONE, attempts, run_id)

    def _export(self, owner: int, info: ScheduleInfo, made: str | None,
                reading: Reading | None, due_at: dt.datetime) -> ExportInfo | None:  # fmt: skip
        """The run's export: the one a failed delivery left, else a fresh one (of the
        question ``reading`` read as of ``due_at``, else of the stored query).

        Made under a spent scope: a run now was counted when it was claimed, and runs at
        their cron time and retries are not counted (see the module's docstring)."""
        scope = self.assistant.scope(owner).spent()
        if made is not None:
            with self.assistant.sessions() as session:
                row = session.get(Export, made)
                if row is not None and row.status is ExportStatus.DONE:
                    return export_info(row, scope)
        request = info.request
        ran = run_occurrence(scope, request.query or "", reading, due_at, ZoneInfo(info.timezone),
                             mode=self.assistant.mode, llm=self.assistant.llm)  # fmt: skip
        done = request.model_copy(update={"target": Target.LAST_RESULT})
        return _write(scope, info, ExportRequest.model_validate(done), ran.run, self.clock())

    def _failed(
        self,
        run_id: int,
        attempts: int,
        exc: Exception,
        info: ScheduleInfo,
        conversation_id: str | None,
    ) -> RunStatus:
        text = exc.message if isinstance(exc, UserFacingError) else str(exc)
        message = text or type(exc).__name__
        now = self.clock()
        with self.assistant.sessions.begin() as session:
            run = session.get(ScheduleRun, run_id)
            assert run is not None
            run.error = message
            if attempts < ATTEMPTS:
                run.status = RunStatus.RETRYING
                wait = self.retry_seconds * 2 ** (attempts - 1)
                run.next_attempt_at = now + dt.timedelta(seconds=wait)
                return RunStatus.RETRYING
            run.status = RunStatus.FAILED
            run.finished_at = now
            if conversation_id is not None and _still_there(session, conversation_id):
                session.add(Message(
                    conversation_id=conversation_id, role=Role.ASSISTANT, created_at=now,
                    content=f"Your scheduled export “{info.name}” failed after {attempts} "
                    f"attempts: {message}",
                    payload={"schedule_id": info.id},
                ))  # fmt: skip
        return RunStatus.FAILED


def _still_there(session: Session, conversation_id: str) -> bool:
    """Whether the schedule's conversation, where its failure is said, exists (the user
    may have deleted it), kept from being deleted until this transaction ends."""
    found = session.scalar(
        select(ConversationRecord.id)
        .where(ConversationRecord.id == conversation_id)
        .with_for_update(key_share=True)
    )
    return found is not None


def _write(scope: UserScope, info: ScheduleInfo, request: ExportRequest, run: QueryRun,
           now: dt.datetime) -> ExportInfo | None:  # fmt: skip
    """The run's file: of every row, or of the new ones only (None: none is new and the
    schedule skips empty runs)."""
    if request.only_new:
        return new_rows_export(scope, info, request, run, now)
    return run_export(scope, request, run, now)


def _skipped(scheduler: Scheduler, info: ScheduleInfo, due_at: dt.datetime, attempts: int,
             run_id: int) -> Fired:  # fmt: skip
    """Record the run skipped: only new rows, none new, and the schedule skips empty runs."""
    with scheduler.assistant.sessions.begin() as session:
        run = session.get(ScheduleRun, run_id)
        assert run is not None
        run.status, run.rows, run.error = RunStatus.SKIPPED, 0, None
        run.finished_at = scheduler.clock()
    return Fired(info.id, due_at, RunStatus.SKIPPED, attempts, run_id)
