"""The assistant's settings: one validated class, read from ``ASSISTANT_*`` variables.

Embedded defaults make ``make run`` enough: SQLite for the store, the bundled demo
database as the source, files under ``var/exports``, the in-process job pool (Celery
workers when ``ASSISTANT_BROKER_URL`` names a Redis), and
rules-only intents unless ``OPENAI_API_KEY`` is set. Build it with :func:`load_settings`
(never at import) and pass it down.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # The HTTP API
    secret_key: str | None = Field(
        None,
        description="signs download links; default: a random key kept in <storage_dir>/.secret",
    )
    public_url: str | None = Field(
        None, description="where download links point (default: the host a request came to)"
    )
    link_ttl_hours: float = Field(24.0, gt=0, description="how long a download link works")
    exports_per_minute: int = Field(10, ge=1, description="export requests per user per minute")
    max_body_bytes: int = Field(1 << 20, ge=1024, description="largest request body accepted")
    max_export_rows: int = Field(10_000_000, ge=1, description="largest export allowed")
    cleanup_interval_seconds: float = Field(300.0, gt=0, description="expiry sweep period")
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
    scheduler_interval_seconds: float = Field(15.0, gt=0, description="how often it looks")
    schedule_retry_seconds: float = Field(60.0, gt=0, description="first retry's wait")

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


def load_settings() -> Settings:
    """Settings from the environment (``ASSISTANT_*``), embedded defaults otherwise."""
    return Settings()
