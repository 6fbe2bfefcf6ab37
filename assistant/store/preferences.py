"""A user's saved defaults: the default format, per-format options and the time zone.

Every face reads and writes them through :class:`UserPreferences` (the API's
``GET/PUT /api/preferences`` body, the UI's sidebar, the chat's "always give me Excel").
Saved options are checked against the exporter's options model for their format when
they are saved, so a bad delimiter is refused then, not at the next export. Only how a
format writes can be saved (delimiter, BOM, pretty, sheet name...): which columns or
rows to export belongs to each request. At export time the request's own options win
over the saved ones (:func:`export_options`).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from assistant.errors import InvalidInput
from assistant.store import Preference, preferences_for
from exporters import ExporterError, get_format, parse_options
from intents.models import ExportRequest, Format, Preferences

__all__ = [
    "PER_REQUEST",
    "UserPreferences",
    "export_options",
    "parse_preferences",
    "read_preferences",
    "save_preferences",
]

_log = logging.getLogger(__name__)

#: Options that pick rows and columns: part of a request, never a saved default.
PER_REQUEST = frozenset({"columns", "exclude", "rename", "limit", "compression", "generated_at"})


class UserPreferences(Preferences):
    """What a user saved (the intent layer's :class:`~intents.Preferences` and a time
    zone); unset fields fall back to the product's defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_format: Format | None = Field(
        None, description="used when a request names no format", examples=["xlsx"]
    )
    options: dict[Format, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-format writer options, applied unless a request says otherwise",
        examples=[{"csv": {"delimiter": ";", "bom": True}}],
    )
    timezone: str | None = Field(
        None, description="IANA zone for 'today' and 'this week'", examples=["Europe/Berlin"]
    )

    @field_validator("options")
    @classmethod
    def _valid_options(cls, value: dict[Format, dict[str, Any]]) -> dict[Format, dict[str, Any]]:
        for format, options in value.items():
            per_request = sorted(PER_REQUEST & set(options))
            if per_request:
                raise ValueError(
                    f"{format.value}: {', '.join(per_request)} belong to each export, "
                    "not to saved preferences"
                )
            try:
                parse_options(get_format(format).options, options)
            except ExporterError as exc:
                raise ValueError(f"{format.value}: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name like Europe/Berlin"
            ) from None
        return value


def read_preferences(session: Session, user_id: int) -> UserPreferences:
    """The user's saved preferences (empty ones when nothing was saved).

    Saved options an upgraded exporter no longer accepts are dropped (and logged), so an
    old preference can never stop the user's exports."""
    row = session.get(Preference, user_id)
    if row is None:
        return UserPreferences()
    saved = {"default_format": row.default_format, "timezone": row.timezone}
    try:
        return UserPreferences.model_validate({**saved, "options": row.options or {}})
    except ValidationError as exc:
        _log.warning("ignoring user %s's saved export options: %s", user_id, exc)
        return UserPreferences.model_validate(saved)


def save_preferences(
    session: Session, user_id: int, preferences: UserPreferences
) -> UserPreferences:
    """Replace the user's preferences with ``preferences`` (already validated)."""
    row = preferences_for(session, user_id)
    row.default_format = preferences.default_format
    row.options = {format.value: dict(options) for format, options in preferences.options.items()}
    row.timezone = preferences.timezone
    return preferences


def parse_preferences(data: dict[str, Any]) -> UserPreferences:
    """``data`` as :class:`UserPreferences`, or InvalidInput saying what is wrong."""
    try:
        return UserPreferences.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        raise InvalidInput(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None


def export_options(saved: UserPreferences, request: ExportRequest) -> dict[str, Any]:
    """The exporter options for ``request``: the saved ones for its format, then its own."""
    assert request.format is not None
    return {**saved.options.get(request.format, {}), **request.export_options()}
