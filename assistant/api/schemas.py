"""The API's bodies: what comes in (``...Create``) and what goes out (``...Public``).

Input strings refuse NUL characters (no database stores them) and lone surrogates (no
UTF-8 form), and have sane lengths; outputs are typed so the OpenAPI document says
exactly what each route answers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from assistant.replies import TablePreview
from assistant.schedules import SchedulePatch, ScheduleSpec
from assistant.store import ExportStatus
from assistant.store.preferences import UserPreferences
from intents.models import ExportRequest, Format

#: A lone surrogate: what a JSON escape such as "\ud800" decodes to. It has no UTF-8 form,
#: so writing it to a file, a JSON column or a response would fail.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _no_nul(value: Any) -> Any:
    """Refuse NUL (no database stores it in text or JSON) and lone surrogates (no UTF-8
    form) anywhere in a value."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ValueError("text may not contain lone surrogates (\\ud800-\\udfff escapes)")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


#: Text without NUL characters; the pattern documents it in the OpenAPI schema.
Text = Annotated[str, Field(pattern=r"^[^\x00]*$")]
#: Free-form JSON (options), checked for NUL and lone surrogates all the way down.
Free = Annotated[dict[Text, Any], AfterValidator(_no_nul)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w-]+$")]


def _nul_free_request(request: ExportRequest) -> ExportRequest:
    _no_nul(request.model_dump(mode="json"))
    return request


def _nul_free_preferences(preferences: UserPreferences) -> UserPreferences:
    _no_nul(preferences.model_dump(mode="json"))
    return preferences


#: What ``PUT /api/preferences`` takes: the preferences, checked like every other input.
PreferencesUpdate = Annotated[UserPreferences, AfterValidator(_nul_free_preferences)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"
    warnings: list[str] | None = Field(
        None,
        description="what makes this deployment unsafe; only for callers named in "
        "ASSISTANT_ADMIN_USERS",
    )


class ChatCreate(_In):
    message: Text = Field(min_length=1, max_length=10_000, examples=["show orders from today"])
    conversation_id: Id | None = Field(
        None, description="continue this conversation", examples=["sWb3cY0bQ1Kx8hO2mZ7u5A"]
    )


class ExportPublic(BaseModel):
    """An export: its progress while it runs, its file once done."""

    id: str
    format: str = Field(examples=["xlsx"])
    status: ExportStatus
    rows_done: int = 0
    rows_total: int | None = None
    eta_seconds: float | None = Field(None, description="estimate while running")
    bytes: int | None = None
    sha256: str | None = None
    file_name: str | None = Field(None, examples=["orders-2026-11-18.xlsx"])
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    error: str | None = None
    download_url: str | None = Field(None, description="signed link, usable without a key")
    notes: list[str] = Field(
        default_factory=list, description="what the file could not hold exactly, in words"
    )


class ReplyExport(BaseModel):
    """The export attached to a chat reply (docs/assistant-cli.md, without ``path``)."""

    id: str
    format: str
    status: str
    rows: int | None
    bytes: int | None
    sha256: str | None
    file_name: str | None
    download_url: str | None = None
    notes: list[str] = Field(default_factory=list, description="what the file could not hold")


class ReplyPublic(BaseModel):
    text: str
    table: TablePreview | None = None
    export: ReplyExport | None = None
    choices: list[str] | None = Field(
        None, description="answers to the reply's question, or questions it may have meant"
    )
    sql: str | None = Field(
        None, description="the SQL that ran for table", examples=['SELECT * FROM "orders"']
    )


class ChatPublic(BaseModel):
    conversation_id: str
    reply: ReplyPublic


class QueryCreate(_In):
    """Exactly one of ``sql`` and ``question``."""

    sql: Text | None = Field(None, max_length=100_000, examples=["SELECT * FROM orders"])
    question: Text | None = Field(None, max_length=10_000, examples=["show orders from today"])

    @model_validator(mode="after")
    def _one(self) -> QueryCreate:
        if (self.sql is None) == (self.question is None):
            raise ValueError("give exactly one of sql and question")
        return self


class QueryPublic(BaseModel):
    id: str
    columns: list[str]
    rows: list[list[Any]] = Field(description="a preview: at most the configured rows")
    row_count: int | None
    sql: str = Field(description="the SQL that ran", examples=['SELECT * FROM "orders"'])


class ExportCreate(_In):
    """Exactly one of ``query_id`` and ``sql``."""

    query_id: Id | None = Field(
        None,
        description="a query run's id from POST /api/queries",
        examples=["Qh1Yl2vV9dTnq0cY5xk3Jw"],
    )
    sql: Text | None = Field(None, max_length=100_000, examples=["SELECT * FROM orders"])
    format: Format
    options: Free = Field(
        default_factory=dict, examples=[{"columns": ["name", "email"], "bom": True}]
    )
    dry_run: bool = Field(
        False, description="answer 200 with the export's plan; nothing is recorded or spent"
    )

    @model_validator(mode="after")
    def _one(self) -> ExportCreate:
        if (self.query_id is None) == (self.sql is None):
            raise ValueError("give exactly one of query_id and sql")
        return self


class BatchCreate(_In):
    """``query_ids``, or a window ``since`` (and ``until``) of the caller's query runs."""

    query_ids: list[Id] | None = Field(
        None,
        min_length=1,
        max_length=100,
        examples=[["Qh1Yl2vV9dTnq0cY5xk3Jw", "b7Xr0Zq4TmWc1nE8pLs2Kg"]],
    )
    since: dt.datetime | None = Field(
        None, description="every query run from then on", examples=["2026-11-01T00:00:00Z"]
    )
    until: dt.datetime | None = Field(
        None, description="up to then (default: now)", examples=["2026-11-18T00:00:00Z"]
    )
    format: Format
    bundle: Literal["zip", "workbook"] = Field(
        "zip", description="'workbook': one xlsx with a sheet per result (format xlsx)"
    )
    options: Free = Field(default_factory=dict, examples=[{"bom": True}])
    dry_run: bool = Field(
        False, description="answer 200 with the bundle's plan; nothing is recorded or spent"
    )

    @model_validator(mode="after")
    def _one(self) -> BatchCreate:
        if (self.query_ids is None) == (self.since is None):
            raise ValueError("give either query_ids or since (with an optional until)")
        if self.query_ids is not None and self.until is not None:
            raise ValueError("until goes with since, not with query_ids")
        if self.bundle == "workbook" and self.format is not Format.XLSX:
            raise ValueError("a workbook bundle needs format xlsx")
        return self


class PartPlanPublic(BaseModel):
    """One part of an export plan (a bundle has one per query run)."""

    name: str = Field(description="the part's question, or its SQL", examples=["orders"])
    rows: int = Field(description="rows the file will hold (before a format's own cap)")
    rows_estimated: bool = Field(
        description="rows are PostgreSQL's planner estimate: counting was slower than "
        "ASSISTANT_PLAN_COUNT_SECONDS"
    )
    bytes: int | None = Field(description="estimated file size; null when it cannot be told")
    bytes_per_row: float | None = Field(description="measured on the result's first rows")
    caps: list[str] = Field(description="what the format does beyond its size, in words")


class PlanPublic(BaseModel):
    """What an export would do (``"dry_run": true``): nothing is recorded or spent."""

    dry_run: Literal[True] = True
    format: str = Field(examples=["csv"])
    rows: int
    rows_estimated: bool
    bytes: int | None = Field(description="the parts' estimated sizes, summed")
    parts: list[PartPlanPublic]
    caps: list[str] = Field(description="limits of the export as a whole, in words")
    masked: list[str] = Field(description="what is masked, and how")
    confirm: bool = Field(
        description="over ASSISTANT_CONFIRM_EXPORT_ROWS or _BYTES (and within "
        "ASSISTANT_MAX_EXPORT_ROWS): the chat would ask first"
    )
    text: str = Field(
        description="the plan in words, as the chat says it",
        examples=["400 rows, about 29 KB as CSV."],
    )


class ExportPagePublic(BaseModel):
    items: list[ExportPublic]
    total: int
    page: int
    per_page: int


class TemplateCreate(_In):
    name: Text = Field(min_length=1, max_length=100, examples=["weekly-sales"])
    request: Annotated[ExportRequest, AfterValidator(_nul_free_request)] = Field(
        examples=[{"intent": "export", "format": "csv", "target": "query", "query": "show orders"}]
    )
    shared: bool = Field(False, description="other users may use it (never change it)")


class TemplatePublic(BaseModel):
    id: int
    name: str
    request: dict[str, Any]
    shared: bool
    mine: bool = Field(description="false for another user's shared template (read-only)")
    created_at: dt.datetime


#: The fields ``POST /api/exports`` names what to export with, taken by a schedule too.
_EXPORT_SHAPE = ("sql", "format", "options")


class ScheduleCreate(ScheduleSpec):
    """A new schedule: what to export as ``POST /api/exports`` takes it (``sql``,
    ``format``, ``options``) or as a stored ``request``; not both. Text is checked for NUL
    all the way down."""

    model_config = ConfigDict(json_schema_extra=lambda schema: _export_shape(schema))

    @model_validator(mode="before")
    @classmethod
    def _from_export_shape(cls, data: Any) -> Any:
        """``sql``, ``format`` and ``options`` become the stored request they mean."""
        if not isinstance(data, dict) or not any(
            key in data for key in (*_EXPORT_SHAPE, "query_id")
        ):
            return data
        if "request" in data:
            raise ValueError("give either sql, format and options, or request, not both")
        if "query_id" in data:
            raise ValueError(
                "a schedule runs its query again each time: give its sql, not a query_id"
            )
        request = {
            "intent": "export",
            "target": "query",
            "query": data.get("sql"),
            "format": data.get("format"),
            "options": data.get("options", {}),
        }
        rest = {key: value for key, value in data.items() if key not in _EXPORT_SHAPE}
        return rest | {"request": request}

    @model_validator(mode="after")
    def _clean(self) -> ScheduleCreate:
        _no_nul(self.model_dump(mode="json"))
        return self


class ScheduleUpdate(SchedulePatch):
    """Changes to a schedule; fields left out stay as they are."""

    @model_validator(mode="after")
    def _clean(self) -> ScheduleUpdate:
        _no_nul(self.model_dump(mode="json"))
        return self


def _export_shape(schema: dict[str, Any]) -> None:
    """The OpenAPI schema of :class:`ScheduleCreate`: ``request`` or the export's fields."""
    properties = schema["properties"]
    properties["sql"] = {
        "type": "string",
        "maxLength": 100_000,
        "description": "the query to run at each time, as in POST /api/exports",
        "examples": ["SELECT * FROM orders"],
    }
    properties["format"] = {
        "type": "string",
        "enum": [member.value for member in Format],
        "description": "the file format, as in POST /api/exports",
    }
    properties["options"] = {
        "type": "object",
        "description": "the format's options, as in POST /api/exports",
        "examples": [{"columns": ["name", "email"], "bom": True}],
    }
    schema["required"] = [name for name in schema.get("required", []) if name != "request"]
