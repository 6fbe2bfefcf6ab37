"""Scheduled exports: cron in the user's zone, fired exactly once, delivered by email or
webhook (:mod:`assistant.delivery`)."""

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
