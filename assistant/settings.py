"""The assistant's settings: one validated class, read from ``ASSISTANT_*`` variables.

Embedded defaults make ``make run`` enough: SQLite for the store, the bundled demo
database as the source, files under ``var/exports``, the in-process job pool (Celery
workers when ``ASSISTANT_BROKER_URL`` names a Redis), and
rules-only intents unless ``OPENAI_API_KEY`` is set. Build it with :func:`load_settings`
(never at import) and pass it down.

The LLM's settings keep the names OpenAI's own tools read: ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` (no prefix), then ``ASSISTANT_LLM_MODEL`` and
``ASSISTANT_LLM_TIMEOUT``. Empty values count as unset. The process turns them into its
one LLM seam (``assistant.process.build_llm``); the key is a ``SecretStr``, so it shows
as ``**********`` in a repr, a log line or a dump. In code, name them as in the
environment: ``Settings(OPENAI_API_KEY="sk-...", OPENAI_BASE_URL=..., llm_timeout=5)``.
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: The model asked when ``ASSISTANT_LLM_MODEL`` is not set.
DEFAULT_LLM_MODEL = "gpt-4o-mini"
#: Seconds to wait for the LLM when ``ASSISTANT_LLM_TIMEOUT`` is not set: enough for a
#: small local model on a CPU to read the prompt (a hosted one answers in a few).
DEFAULT_LLM_TIMEOUT = 120.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True)

    database_url: str = Field("sqlite:///var/assistant.db", description="the store")
    source_url: str = Field("sqlite:///var/demo.db", description="the data people ask about")
    storage_dir: Path = Field(Path("var/exports"), description="where export files live")
    broker_url: str | None = Field(None, description="Redis URL for Celery workers")
    smtp_url: str | None = Field(None, description="smtp://user:pass@host:port for email")
    preview_rows: int = Field(50, ge=1, le=10_000, description="rows shown in the chat")
    inline_export_rows: int = Field(10_000, ge=0, description="larger exports run in background")
    max_running_exports_per_user: int = Field(2, ge=1)
    file_ttl_hours: float = Field(24.0, gt=0, description="how long export files are kept")
    query_timeout_seconds: float = Field(60.0, gt=0)
    # The value index the question reader finds "munich" in (assistant.source.values)
    value_index_max_bytes: int = Field(
        64 << 20, ge=0, description="memory the source's value index may hold; columns beyond "
        "it are left out",
    )  # fmt: skip
    value_index_background_rows: int = Field(
        250_000, ge=0, description="a source with more rows is indexed in a background thread"
    )
    # The HTTP API
    secret_key: str | None = Field(
        None,
        description="signs download links; default: a random key kept in <storage_dir>/.secret",
    )
    public_url: str | None = Field(
        None, description="where download links point (default: the host a request came to)"
    )
    link_ttl_hours: float = Field(24.0, gt=0, description="how long a download link works")
    # Masking (assistant.source.policy): columns always masked in exports, deliveries, the
    # chat preview; inline `*email*=partial,birth_*=year,ssn=drop` or a .toml/.json path.
    mask_policy: str = Field(
        "", description="column patterns always masked (pattern=kind list, or a TOML/JSON file)"
    )
    exports_per_minute: int = Field(10, ge=1, description="export requests per user per minute")
    max_body_bytes: int = Field(1 << 20, ge=1024, description="largest request body accepted")
    key_cache_seconds: float = Field(
        5.0, ge=0, description="how long an API process trusts a key it verified before asking "
        "the store again: a revoked key stops working within this (0: every request asks)",
    )  # fmt: skip
    max_export_rows: int = Field(10_000_000, ge=1, description="largest export allowed")
    # The export plan (assistant.exports.plan): asked to confirm over either threshold
    confirm_export_rows: int = Field(
        100_000, ge=0, description="a chat export of more rows asks to confirm first"
    )
    # 100 MB: above what an email attachment or a quick download holds, and far beyond
    # what a person reads, so worth a "yes" before minutes of work; below it, just run.
    confirm_export_bytes: int = Field(
        100_000_000, ge=0, description="a chat export estimated larger asks to confirm first"
    )
    plan_count_seconds: float = Field(
        5.0, gt=0, description="a dry run's count on PostgreSQL; slower: the planner's estimate"
    )
    cleanup_interval_seconds: float = Field(300.0, gt=0, description="expiry sweep period")
    # Fair share (assistant.api.fair): heavy requests on their own pool, a few per user
    max_queries_per_user: int = Field(
        3, ge=1, description="queries, chat turns, schedule runs a user may run at once (429 over)"
    )
    heavy_threads: int = Field(
        16, ge=1, description="threads for heavy requests, apart from the light routes' pool"
    )
    # Workers (with broker_url): Celery on Redis; the store's leases make each export run once
    queue: str = Field("assistant-exports", min_length=1, description="the Celery queue")
    worker_concurrency: int = Field(2, ge=1, description="exports one worker runs at once")
    lease_seconds: float = Field(
        30.0, gt=0, description="a silent worker's export is taken over after this"
    )
    visibility_timeout_seconds: float = Field(
        12 * 3600.0, gt=0, description="the broker redelivers an unacknowledged task after "
        "this: keep it above the longest export",
    )  # fmt: skip
    # Scheduled exports
    scheduler: bool = Field(True, description="run the scheduler inside `serve`")
    # Deployment safety
    dev_mode: bool = Field(
        False, description="development: start even with a weak ASSISTANT_SECRET_KEY"
    )
    admin_users: str = Field(
        "", description="comma-separated user names shown deployment warnings in /api/health"
    )
    scheduler_interval_seconds: float = Field(15.0, gt=0, description="how often it looks")
    schedule_retry_seconds: float = Field(60.0, gt=0, description="first retry's wait")
    # The LLM (optional): asked when the rules are unsure, and to write SQL; none without a key.
    # The key and endpoint are read from their OpenAI names only, in code too
    # (``Settings(OPENAI_API_KEY=...)``): accepting the field names would also make pydantic-
    # settings read ASSISTANT_LLM_API_KEY, a second name for one secret.
    llm_api_key: SecretStr | None = Field(
        None, validation_alias="OPENAI_API_KEY", description="enables the LLM; never logged"
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias="OPENAI_BASE_URL",
        description="any OpenAI-compatible endpoint (default: OpenAI's)",
    )
    llm_model: str = Field(DEFAULT_LLM_MODEL, min_length=1, description="the model asked")
    llm_timeout: float = Field(
        DEFAULT_LLM_TIMEOUT,
        gt=0,
        allow_inf_nan=False,
        description="seconds to wait for an LLM answer (a local model on a CPU is slow)",
    )

    # --- Time limits (exporters.sources.limits): a query's first rows, a whole export ---
    # ASSISTANT_QUERY_TIMEOUT_SECONDS (query_timeout_seconds, above) bounds the wait for a
    # query's first rows, and a preview; this bounds a whole export, writing included, so
    # a large background export may stream for long after its first rows came.
    export_timeout_seconds: float = Field(
        3600.0, gt=0, description="seconds one export may take in all (its first rows must "
        "come within ASSISTANT_QUERY_TIMEOUT_SECONDS)",
    )  # fmt: skip
    # --- end of time limits ---

    # --- Outbound requests (webhooks): only public addresses, unless named here ---
    # A comma list of host names and/or CIDRs (``hooks.intranet, 10.20.0.0/16``) that
    # webhooks may reach although private: for intranet deployments. Empty: public only.
    outbound_allow_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="private hosts or CIDRs webhooks may reach (comma list; default none)"
    )

    @field_validator("outbound_allow_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # The environment gives one string; code may give a list. Entries are kept
        # lowercased, without a trailing dot, so "Hooks.Intranet." names hooks.intranet.
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        entries = tuple(str(item).strip().lower().rstrip(".") for item in items)
        for entry in entries:
            if "/" in entry:
                try:
                    ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(f"{entry!r} is not a CIDR like 10.20.0.0/16") from None
        return tuple(entry for entry in entries if entry)

    # --- end of outbound requests ---

    # --- Email delivery (assistant.delivery): the message as sent, not the file ---
    # base64 makes a file a third larger, so a 10 MB file is a 13.5 MB message; a mail
    # server refuses messages over its own limit. Larger ones go with the link alone.
    mail_attach_max_bytes: int = Field(
        10 * 2**20, ge=1024, description="largest email, encoded, sent with the file attached "
        "(default 10 MB); a larger file is sent as a download link",
    )  # fmt: skip
    # --- end of email delivery ---

    @field_validator("llm_api_key", "llm_base_url", "llm_model", "llm_timeout", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # `OPENAI_API_KEY=` in a .env or a CI file means "no LLM", as it always has.
        if isinstance(value, str):
            if not value.strip():
                raise PydanticUseDefault()
            return value.strip()
        return value

    @model_validator(mode="before")
    @classmethod
    def _openai_names_only(cls, data: Any) -> Any:
        # Without this, Settings(llm_api_key=...) would be dropped silently (extra="ignore").
        if isinstance(data, dict):
            named = sorted(_BY_ALIAS.keys() & data.keys())
            if named:
                names = ", ".join(f"{_BY_ALIAS[name]}=..." for name in named)
                raise ValueError(f"give {', '.join(named)} by its variable name: {names}")
        return data

    @model_validator(mode="after")
    def _redelivery_after_takeover(self) -> Settings:
        # Redis redelivering a task while its worker still renews the lease is harmless
        # (the claim refuses it) but a sign the timeout is far too short for exports.
        if self.visibility_timeout_seconds <= self.lease_seconds:
            raise ValueError(
                "visibility_timeout_seconds must be longer than lease_seconds (and than "
                "the longest export)"
            )
        return self


_BY_ALIAS = {"llm_api_key": "OPENAI_API_KEY", "llm_base_url": "OPENAI_BASE_URL"}


def load_settings() -> Settings:
    """Settings from the environment (``ASSISTANT_*``), embedded defaults otherwise."""
    return Settings()
