"""Everything a message is understood against: the clock, the zone, what came before.

Passed explicitly to :func:`intents.parse`; the parser keeps no state of its own.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from intents.models import ExportRequest, Preferences


class Context(BaseModel):
    """The situation a message arrives in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    now: dt.datetime = Field(description="the current instant, timezone-aware")
    timezone: str = Field("UTC", description="the user's IANA zone")
    has_result: bool = Field(True, description="whether a result is on screen")
    preferences: Preferences = Field(default_factory=Preferences)
    last_request: ExportRequest | None = Field(None, description="the previous export/schedule")
    pending: ExportRequest | None = Field(None, description="a request awaiting an answer")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("now")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_now(self) -> dt.datetime:
        """Wall-clock time in the user's zone, timezone-aware."""
        return self.now.astimezone(self.zone)

    @classmethod
    def at(cls, now: str | dt.datetime | None = None, tz: str = "UTC", **fields: object) -> Context:
        """A context at ``now`` (contract clock rules) in zone ``tz``.

        ``now`` without an offset is wall-clock time in ``tz``; with an offset it is
        converted to ``tz``; ``None`` is the real clock.

        >>> Context.at("2026-11-18T15:30:00", "Europe/Berlin").now.isoformat()
        '2026-11-18T15:30:00+01:00'
        """
        zone = ZoneInfo(tz)
        if now is None:
            moment = dt.datetime.now(zone)
        else:
            moment = dt.datetime.fromisoformat(now) if isinstance(now, str) else now
            moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
        return cls(now=moment.astimezone(zone), timezone=tz, **fields)
