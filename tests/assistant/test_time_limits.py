"""A background export may outlast the query limit; the chat warns what a format will do.

The export's writer is made slow by a runner listener that sleeps on each progress event
(one per batch of 16,384 rows), so the export lasts past the limit on any machine.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import update

from assistant import Conversation, open_conversation
from assistant.jobs import InProcessRunner, JobEvent, JobEventKind, JobEventRouter
from assistant.settings import Settings
from assistant.source.demo import build_demo
from assistant.store import Export, ExportStatus, QueryRun, create_store_engine, session_factory
from tests.assistant.conftest import NOW

ORDERS = 40_000  # three batches


@pytest.fixture(scope="module")
def orders_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("limits") / "demo.db", ORDERS, today=NOW.date())


def _export(settings: Settings, limits: dict[str, float]) -> Export:
    """Ana's export of every order as XLSX, in the background, its writer slowed."""
    settings = settings.model_copy(update={"inline_export_rows": 20, **limits})
    router = JobEventRouter()

    def slow(event: JobEvent) -> None:
        router(event)
        if event.kind is JobEventKind.progress:
            time.sleep(0.6)  # one per batch: 1.2 s or more in all

    runner = InProcessRunner(on_event=slow)
    try:
        with open_conversation(
            settings, "ana", clock=lambda: NOW, mode="rules", runner=runner, events=router
        ) as chat:
            assert chat.handle("show orders").table is not None
            reply = chat.handle("export this as xlsx")
            assert reply.export is not None and "background" in reply.text
    finally:
        runner.shutdown(wait=True)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            row = session.get(Export, reply.export.id)
            assert row is not None
            session.expunge(row)
            return row
    finally:
        engine.dispose()


def test_a_background_export_outlasts_the_query_limit(settings: Settings, orders_db: Path) -> None:
    settings = settings.model_copy(update={"source_url": f"sqlite:///{orders_db}"})
    started = time.monotonic()
    row = _export(settings, {"query_timeout_seconds": 1.0, "export_timeout_seconds": 60})
    assert time.monotonic() - started > 1.2
    assert row.status is ExportStatus.DONE, row.error
    assert row.rows_done == ORDERS


def test_the_export_limit_names_its_setting(settings: Settings, orders_db: Path) -> None:
    settings = settings.model_copy(update={"source_url": f"sqlite:///{orders_db}"})
    row = _export(settings, {"query_timeout_seconds": 5.0, "export_timeout_seconds": 0.5})
    assert row.status is ExportStatus.FAILED
    assert "the export took longer than 0.5 seconds (ASSISTANT_EXPORT_TIMEOUT_SECONDS)" in (
        row.error or ""
    )


def _claim_rows(settings: Settings, rows: int) -> None:
    """The run on screen says it has ``rows`` rows (counting millions here would be slow)."""
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            session.execute(update(QueryRun).values(row_count=rows))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("format", "rows", "warning"),
    [
        ("xlsx", 3_060_840,
         "That is 3,060,840 rows, so I am exporting it in the background. Starting now. "
         "Excel holds 1,048,576 rows per sheet, so the file will have 3 sheets."),
        ("pdf", 250_000,
         "That is 250,000 rows, so I am exporting it in the background. Starting now. "
         "The PDF shows the first 100,000 rows (max_rows); CSV or Parquet keeps them all."),
        ("csv", 3_060_840,
         "That is 3,060,840 rows, so I am exporting it in the background. Starting now."),
    ],
)  # fmt: skip
def test_the_chat_warns_up_front_what_the_format_will_do(
    settings: Settings, blocked: Conversation, format: str, rows: int, warning: str
) -> None:
    blocked.handle("show customers")
    _claim_rows(settings, rows)
    # Over 100,000 rows the export plan asks first, saying what the format will do
    # (issue 21); the warning is said again as the export starts.
    asked = blocked.handle(f"export this as {format}")
    assert asked.choices == ["Export", "Cancel"] and asked.export is None
    assert asked.text.startswith(f"Export {rows:,} rows (about ")
    note = warning.split("Starting now.")[1].strip()
    assert note in asked.text
    reply = blocked.handle("yes")
    assert reply.export is not None and reply.export.status == "queued"
    assert reply.text == warning
    assert blocked.cancel(reply.export.id)
