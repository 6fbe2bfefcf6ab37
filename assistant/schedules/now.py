"""One schedule fired now for its owner: the chat's "send it now".

The same path as ``POST /api/schedules/{id}/run``: :meth:`Scheduler.run_now` claims an
occurrence, runs the schedule's query, exports it and delivers it where the schedule
says, recording the run (and retrying it later when the export or the delivery failed).
It spends the user's export budget and is refused while the schedule runs already.
Only the parts come from the user's scope instead of the process: its store, clock, data
source and settings (SMTP, link signing), and the question reader the chat uses.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from assistant.files.links import download_url
from assistant.questions.runs import Mode
from assistant.schedules import service
from assistant.schedules.deliver import Deliverer, check_email_set_up
from assistant.schedules.models import RunInfo, ScheduleInfo
from assistant.schedules.scheduler import Deliver, Scheduler
from assistant.scope import Clock, UserScope
from intents.toolcall import LLM

__all__ = ["ScopeParts", "run_schedule_now"]


class ScopeParts:
    """What the scheduler needs of the process, for one user's own schedules."""

    def __init__(self, own: UserScope, mode: Mode, llm: LLM) -> None:
        self.own = own
        self.sessions: sessionmaker[Session] = own.sessions
        self.clock: Clock = own.clock
        self.mode: Mode = mode
        self.llm = llm

    def scope(self, user_id: int, conversation_id: str | None = None) -> UserScope:
        if user_id != self.own.user_id:  # the service checked the owner before firing
            raise PermissionError("a user's scope fires only that user's schedules")
        # As the process's scheduler does: the run is recorded outside any conversation.
        return self.own.replace(conversation_id=conversation_id)

    def download_url(self, export_id: str, sha256: str, *, request_base: str | None = None) -> str:
        base = request_base or self.own.link_base  # the chat's API request, if any
        return download_url(self.own.settings, export_id, sha256, request_base=base)


def run_schedule_now(
    scope: UserScope,
    schedule_id: str,
    *,
    mode: Mode,
    llm: LLM,
    deliver: Deliver | None = None,
) -> tuple[ScheduleInfo, RunInfo]:
    """Fire the user's schedule ``schedule_id`` once now; the schedule and how the run went.

    ``deliver`` defaults to the settings' email and webhook delivery. Another user's
    schedule answers like a missing one (:class:`~assistant.errors.NotFound`); a spent
    budget is :class:`~assistant.errors.TooManyRequests`, a run under way a
    :class:`~assistant.errors.Conflict`, an email schedule without a mail server (for the
    default ``deliver``) :class:`~assistant.errors.EmailNotSetUp`, nothing run."""
    info = service.get(scope, schedule_id)
    if deliver is None:
        check_email_set_up(scope.settings, info.destination)
    parts = ScopeParts(scope, mode, llm)
    fired = Scheduler(parts, deliver or Deliverer(scope.settings)).run_now(schedule_id)
    return service.get(scope, schedule_id), service.run_info(scope, schedule_id, fired.run_id)
