"""What a schedule is, as every face sees it: one set of pydantic models.

The API's body, the chat's "email me this every Monday" and the scheduler's stored row
all go through :class:`ScheduleSpec`; :class:`ScheduleInfo` is what they show back.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.errors import InvalidInput
from assistant.schedules.cron import check_cron
from intents.models import ExportRequest

__all__ = [
    "Destination",
    "EmailDestination",
    "RunInfo",
    "ScheduleInfo",
    "SchedulePatch",
    "ScheduleSpec",
    "WebhookDestination",
]

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class EmailDestination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["email"] = "email"
    to: str = Field(max_length=320, examples=["ana@example.com"])

    @field_validator("to")
    @classmethod
    def _address(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return value


class WebhookDestination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["webhook"] = "webhook"
    url: str = Field(max_length=2000, pattern=r"^https?://", examples=["https://example.com/hook"])
    secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        min_length=16,
        max_length=200,
        description="signs each delivery (X-Assistant-Signature); generated when not given",
    )


Destination = Annotated[EmailDestination | WebhookDestination, Field(discriminator="kind")]


def _cron(value: str | None) -> str | None:
    """A cron checked in a validator (a ValueError there becomes a 422 naming the field)."""
    if value is None:
        return None
    try:
        return check_cron(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Berlin") from None
    return value


class ScheduleSpec(BaseModel):
    """A new schedule: what to export (the stored request), when, and where to."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, examples=["Monday orders"])
    cron: str = Field(max_length=100, examples=["0 9 * * 1"])
    timezone: str = Field("UTC", max_length=64, examples=["Europe/Berlin"])
    request: ExportRequest = Field(
        description="the query (request.query, SQL or a question) and its export options",
        examples=[
            {
                "intent": "export",
                "format": "xlsx",
                "target": "query",
                "query": "SELECT * FROM orders",
            }
        ],
    )
    destination: Destination = Field(examples=[{"kind": "email", "to": "ana@example.com"}])
    active: bool = True
    only_new: bool = Field(
        False,
        description="send only the rows new since the last delivered run (the first run "
        "sends every row: the baseline); the same as request.only_new",
    )
    skip_empty: bool = Field(
        False, description="with only_new: send nothing when no row is new (run: skipped)"
    )

    _cron = field_validator("cron")(_cron)
    _tz = field_validator("timezone")(lambda value: _zone(value))

    @field_validator("request")
    @classmethod
    def _has_query(cls, value: ExportRequest) -> ExportRequest:
        if not value.query or value.format is None:
            raise ValueError("a scheduled request needs a query and a format")
        return value

    @model_validator(mode="after")
    def _only_new(self) -> ScheduleSpec:
        """``only_new`` and ``request.only_new`` are one option: either sets both."""
        if self.only_new != self.request.only_new:
            self.only_new = True
            self.request = self.request.model_copy(update={"only_new": True})
        return self


class SchedulePatch(BaseModel):
    """Changes to a schedule; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, examples=["Monday orders"])
    cron: str | None = Field(None, max_length=100, examples=["0 8 * * 1-5"])
    timezone: str | None = Field(None, max_length=64, examples=["Europe/Berlin"])
    destination: Destination | None = Field(
        None, examples=[{"kind": "webhook", "url": "https://example.com/hook"}]
    )
    active: bool | None = None

    _cron = field_validator("cron")(_cron)
    _tz = field_validator("timezone")(lambda value: None if value is None else _zone(value))


class RunInfo(BaseModel):
    due_at: dt.datetime
    status: str
    attempts: int
    rows: int | None = None
    bytes: int | None = None
    export_id: str | None = None
    error: str | None = None
    finished_at: dt.datetime | None = None


class ScheduleInfo(BaseModel):
    id: str
    name: str
    cron: str
    description: str = Field(examples=["every Monday at 09:00"])
    timezone: str
    request: ExportRequest
    destination: Destination
    active: bool
    only_new: bool = Field(False, description="only rows new since the last delivered run")
    skip_empty: bool = Field(False, description="nothing is sent when no row is new")
    next_run_at: dt.datetime | None
    question: str | None = Field(
        None,
        description="the question each run reads afresh, so a relative window ('today', "
        "'last week') is the run's own; null: request.query runs as stored",
    )
    window: str | None = Field(
        None,
        description="the question's time window in words, and what it is for the next run",
        examples=["“orders from today” — “today” as of each run (next run: from Mon 14 Dec)"],
    )
    next_sql: str | None = Field(
        None,
        description="the SQL the next run executes (as of now for a paused schedule)",
    )
    runs: list[RunInfo] = Field(default_factory=list, description="the latest runs, newest first")
