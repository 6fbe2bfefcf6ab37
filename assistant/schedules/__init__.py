"""Scheduled exports: cron in the user's zone, fired exactly once, delivered by email or
webhook (:mod:`assistant.delivery`).

Holds the schedule models, cron arithmetic, the per-user service (over a
:class:`~assistant.scope.UserScope`) and the scheduler. No chat: the conversation's
schedule commands live in ``assistant.conversation``. May import ``exports``,
``questions``, ``scope`` and the floor.
"""

from assistant.schedules.cron import describe, next_fire
from assistant.schedules.models import (
    EmailDestination,
    RunInfo,
    ScheduleInfo,
    SchedulePatch,
    ScheduleSpec,
    WebhookDestination,
)

__all__ = [
    "EmailDestination",
    "RunInfo",
    "ScheduleInfo",
    "SchedulePatch",
    "ScheduleSpec",
    "WebhookDestination",
    "describe",
    "next_fire",
]
