"""What a chat message can mean: one typed request, shared by every face.

``ExportRequest`` is the intent parser's output, the API body, the scheduler's stored
request and the UI's state. Its ``intent`` says what kind of request it is; the other
fields say what to export and how. A request with ``clarify`` set cannot be acted on
yet: the assistant asks that question (offering ``choices``) and the answer completes it.

>>> ExportRequest(intent="export", format="csv", target="last_result").ready
True
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exporters.formats import Format, get_format
from exporters.masking import MaskKind

__all__ = [
    "LAST_RUNS",
    "REQUEST_OPTIONS",
    "Compression",
    "Destination",
    "ExportRequest",
    "Format",
    "Intent",
    "MaskKind",
    "Preferences",
    "Target",
]

#: "the last 3 results": how many of the user's latest query runs a history export bundles.
LAST_RUNS = "last_runs"
#: Keys of ``ExportRequest.options`` that are no exporter option: ``sort`` (the assistant
#: orders the query's rows), ``unsupported`` (asks that cannot be done, said in the reply)
#: and ``last_runs`` (which runs a history export holds).
REQUEST_OPTIONS = frozenset({"sort", "unsupported", LAST_RUNS})


class Intent(StrEnum):
    EXPORT = "export"  # make a file now
    SCHEDULE = "schedule"  # make a file on a recurring schedule
    QUERY = "query"  # a data question, answered with a table
    HELP = "help"  # a question about the assistant itself
    UNKNOWN = "unknown"  # greetings, off-topic, nothing to act on


class Target(StrEnum):
    LAST_RESULT = "last_result"  # the result on screen: "this", "it", "these rows"
    QUERY = "query"  # new data the same message asks for
    HISTORY = "history"  # several past results: "everything from today"
    CONVERSATION = "conversation"  # the chat transcript itself


class Destination(StrEnum):
    DOWNLOAD = "download"
    EMAIL = "email"


class Compression(StrEnum):
    ZIP = "zip"
    GZIP = "gzip"


def _normalise_name(name: str) -> str:
    return "_".join(name.strip().lower().split())


class ExportRequest(BaseModel):
    """One understood message. Every field is present in its JSON form (the contract)."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    intent: Intent
    format: Format | None = Field(None, description="file format asked for, if any")
    target: Target | None = Field(None, description="what is exported")
    query: str | None = Field(None, description="the data question, in the user's words")
    since: dt.datetime | None = Field(None, description="history window start (local, inclusive)")
    until: dt.datetime | None = Field(None, description="history window end (local, exclusive)")
    columns: list[str] | None = Field(None, description="only these columns, in this order")
    exclude_columns: list[str] | None = Field(None, description="columns to leave out")
    limit: int | None = Field(None, ge=0, description="at most this many rows")
    compression: Compression | None = None
    destination: Destination = Destination.DOWNLOAD
    email: str | None = Field(None, description="an address named in the message")
    cron: str | None = Field(None, description="5-field cron, in the user's zone (schedules)")
    clarify: str | None = Field(None, description="a question to ask before acting")
    choices: list[str] | None = Field(None, description="answers offered for `clarify`")
    options: dict[str, Any] = Field(
        default_factory=dict, description="further format options (e.g. delimiter)"
    )
    only_new: bool = Field(
        False, description="only the rows new since the last export of the same data"
    )
    cursor_column: str | None = Field(
        None, description="with only_new: the column that says a row is new (else chosen)"
    )
    confirmed: bool = Field(
        False, description="the user confirmed the export plan (a large export asked back)"
    )
    # "mask the emails", "pseudonymise the names": column as said -> how. ``none`` is
    # "unmasked", which an admin's policy overrides (the reply says so). Not in the LLM
    # tool schema: the rules' masks are kept when the LLM reads a message.
    mask: dict[str, MaskKind] | None = Field(
        None, description="columns (as said) to mask: partial, hash, year, drop or none"
    )

    @field_validator("mask")
    @classmethod
    def _mask_names(cls, value: dict[str, MaskKind] | None) -> dict[str, MaskKind] | None:
        if not value:
            return None
        return {_normalise_name(name): kind for name, kind in value.items() if name.strip()}

    @field_validator("columns", "exclude_columns")
    @classmethod
    def _names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [_normalise_name(name) for name in value if name.strip()]
        return names or None

    @property
    def ready(self) -> bool:
        """Whether the request can be acted on without asking anything."""
        return self.clarify is None

    def export_options(self) -> dict[str, Any]:
        """The exporter core's options for this request (see docs/exporters-cli.md).

        :data:`REQUEST_OPTIONS`, and options said in chat that the format does not take
        (a delimiter for an Excel file), are not passed on; the reply names the latter.
        """
        taken = get_format(self.format).options.model_fields if self.format else None
        options: dict[str, Any] = {
            key: value
            for key, value in self.options.items()
            if key not in REQUEST_OPTIONS and (taken is None or key in taken)
        }
        if self.columns:
            options["columns"] = self.columns
        if self.exclude_columns:
            options["exclude"] = self.exclude_columns
        if self.limit is not None:
            options["limit"] = self.limit
        if self.compression is not None and self.format is not Format.PARQUET:
            options["compression"] = self.compression.value
        return options

    def contract_json(self) -> dict[str, Any]:
        """The JSON object of docs/intents-cli.md (datetimes without an offset)."""
        data = self.model_dump(mode="json")
        for key in ("since", "until"):
            value = getattr(self, key)
            data[key] = None if value is None else value.replace(tzinfo=None).isoformat()
        return data


class Preferences(BaseModel):
    """What a user saved: a default format and per-format options."""

    model_config = ConfigDict(extra="forbid")

    default_format: Format | None = None
    options: dict[Format, dict[str, Any]] = Field(default_factory=dict)
