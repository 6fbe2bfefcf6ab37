"""Schedules by chat: "email me this as Excel every weekday at 7", "show my schedules",
"pause the Monday report", "resume it", "delete it".

A new schedule stores the SQL of the result it names (the last result, or the query the
same message asks for), never the rows, so each run reads fresh data through the guard.
When that SQL came from a question with a relative window ("orders from today"), the
schedule also keeps the question and each run reads it again: its own today
(:mod:`assistant.schedules.windows`).
"It" is the schedule the conversation last spoke about; otherwise words of the message
("Monday", "orders", "csv") pick the one schedule whose name and timing they match.

>>> bool(LIST.search("show my schedules")), CHANGE.search("pause the Monday report")[1]
(True, 'pause')
>>> CHANGE.search("delete it")[2], CHANGE.search("export the report") is None
('it', True)
"""

from __future__ import annotations

import re

from assistant.conversation.memory import Answer
from assistant.errors import InvalidInput
from assistant.replies import Reply
from assistant.schedules import service
from assistant.schedules.cron import check_cron
from assistant.schedules.models import EmailDestination, ScheduleInfo, SchedulePatch, ScheduleSpec
from assistant.schedules.windows import reading_of
from assistant.scope import UserScope
from assistant.store import QueryRun, User
from intents import ExportRequest, Target

__all__ = [
    "CHANGE",
    "LIST",
    "change_schedule",
    "list_schedules",
    "pick_schedule",
    "schedule_from_chat",
    "when_text",
]

LIST = re.compile(
    r"^\W*(?:show|list|what are)\s+(?:me\s+)?(?:all\s+)?(?:my\s+|the\s+)?"
    r"(?:scheduled exports|schedules|reports)\W*$",
    re.I,
)
CHANGE = re.compile(
    r"^\W*(pause|stop|resume|restart|unpause|delete|remove)\s+(?:the\s+|my\s+|that\s+)?"
    r"(it|that|.*?(?:schedule|report|scheduled export)s?)\W*$",
    re.I,
)
_FILLER = {
    "the",
    "my",
    "schedule",
    "schedules",
    "report",
    "reports",
    "scheduled",
    "export",
    "it",
    "that",
}
_VERBS = {"pause": False, "stop": False, "resume": True, "restart": True, "unpause": True}


def schedule_from_chat(scope: UserScope, request: ExportRequest, run: QueryRun) -> Answer:
    """Store a schedule for ``run``'s SQL as ``request`` asks; "it" means it from now on.

    A window the question named ("today") stays relative: the schedule keeps the question
    when the reader wrote the SQL from it (:func:`~assistant.schedules.windows.reading_of`)."""
    to = request.email or _email_of(scope)
    if to is None:
        raise InvalidInput(
            "Which address should I email it to? Say it with the schedule, "
            "like “email this to ana@example.com every Monday at 9”."
        )
    assert request.cron is not None and request.format is not None
    stored = request.model_copy(
        update={
            "target": Target.QUERY,
            "query": run.sql,
            "since": None,
            "until": None,
            "clarify": None,
            "choices": None,
            "cron": None,
            "email": None,
        }
    )
    cron = check_cron(request.cron)  # said in words when it never fires, not a trace
    spec = ScheduleSpec(
        name=f"{run.question or 'Query'} as {request.format.value}",
        cron=cron,
        timezone=scope.timezone,
        request=stored,
        destination=EmailDestination(to=to),
    )
    reading = reading_of(scope, run.question, run.sql, run.created_at)
    info = service.create(scope, spec, reading=reading)
    when = when_text(info, scope)
    text = (
        f"Scheduled “{info.name}”: emailed to {to} {info.description} ({info.timezone}). "
        f"First run: {when}."
    )
    if info.window is not None:
        text += f" Window: {info.window}."
    return Answer(reply=Reply(text=text), schedule_id=info.id)


def list_schedules(scope: UserScope) -> Reply:
    found = service.list_all(scope)
    if not found:
        return Reply(
            text="You have no scheduled exports. Say, for example, “email me this "
            "as Excel every Monday at 9” after a result."
        )
    lines = []
    for schedule in found:
        state = f"next {when_text(schedule, scope)}" if schedule.active else "paused"
        lines.append(f"- “{schedule.name}”, {schedule.description} ({schedule.timezone}), {state}")
        if schedule.window is not None:
            lines.append(f"  window: {schedule.window}")
        if schedule.next_sql is not None:
            lines.append(f"  next SQL: {' '.join(schedule.next_sql.split())}")
    return Reply(text="Your scheduled exports:\n" + "\n".join(lines))


def change_schedule(scope: UserScope, verb: str, words: str, recent: str | None) -> Answer:
    """Pause, resume or delete the schedule ``words`` name ("it": the ``recent`` one)."""
    target = pick_schedule(scope, words, recent)
    verb = verb.lower()
    if verb in ("delete", "remove"):
        service.delete(scope, target.id)
        return Answer(reply=Reply(text=f"Deleted the schedule “{target.name}”."))
    info = service.update(scope, target.id, SchedulePatch(active=_VERBS[verb]))
    said = f"Resumed: next run {when_text(info, scope)}." if info.active else "Paused."
    text = f"{said} (“{info.name}”, {info.description})"
    return Answer(reply=Reply(text=text), schedule_id=info.id)


def pick_schedule(scope: UserScope, words: str, recent: str | None) -> ScheduleInfo:
    """The one schedule ``words`` name ("it": ``recent``); InvalidInput listing them else."""
    found = service.list_all(scope)
    if words.lower() in ("it", "that") and recent is not None:
        for schedule in found:
            if schedule.id == recent:
                return schedule
    wanted = set(re.findall(r"\w+", words.lower())) - _FILLER
    matches = [s for s in found if wanted <= _words(f"{s.name} {s.description}")]
    if len(matches) == 1:
        return matches[0]
    if not found:
        raise InvalidInput("You have no scheduled exports.")
    names = "; ".join(f"“{s.name}” ({s.description})" for s in found)
    raise InvalidInput(f"Which schedule do you mean? You have: {names}.")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _email_of(scope: UserScope) -> str | None:
    with scope.sessions() as session:
        user = session.get(User, scope.user_id)
        return None if user is None else user.email


def when_text(info: ScheduleInfo, scope: UserScope) -> str:
    """The schedule's next run in the user's zone ("Thu 19 Nov 2026, 09:00")."""
    if info.next_run_at is None:
        return "not scheduled"
    return info.next_run_at.astimezone(scope.zone).strftime("%a %d %b %Y, %H:%M")
