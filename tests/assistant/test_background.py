"""Exports over ``inline_export_rows`` go to the job runner; their rows follow its events."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant import Conversation, open_conversation
from assistant.jobs import InProcessRunner
from assistant.settings import Settings
from assistant.store import (
    AuditEntry,
    Export,
    ExportStatus,
    create_store_engine,
    session_factory,
)
from tests.assistant.conftest import NOW


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with a tiny inline limit: exports go to the background."""
    return settings.model_copy(update={"inline_export_rows": 20, "max_running_exports_per_user": 1})


def _export(settings: Settings, export_id: str) -> tuple[Export, list[str]]:
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            row = session.get(Export, export_id)
            assert row is not None
            actions = session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.export_id == export_id)
                .order_by(AuditEntry.id)
            ).all()
            return row, list(actions)
    finally:
        engine.dispose()


def test_a_large_export_runs_in_the_background(settings: Settings) -> None:
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        assert chat.handle("show orders from today").table is not None
        small = chat.handle("export this as csv")  # 10 rows: inline
        assert small.export is not None and small.export.status == "done"
        chat.handle("show customers")
        reply = chat.handle("export this as csv")
        assert reply.export is not None and reply.export.status in ("queued", "running")
        assert "background" in reply.text
    # Closing the conversation waited for the job; the row says how it went.
    row, actions = _export(settings, reply.export.id)
    assert row.status is ExportStatus.DONE and row.rows_done == row.rows_total == 100
    assert row.started_at is not None and row.finished_at is not None
    path = settings.storage_dir / (row.file_path or "")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert actions == ["export_created", "export_done"]


def test_the_json_face_waits_for_the_file(settings: Settings) -> None:
    with open_conversation(
        settings, "ana", clock=lambda: NOW, mode="rules", wait_for_exports=True
    ) as chat:
        chat.handle("show customers")
        reply = chat.handle("export this as json")
    assert reply.export is not None and reply.export.status == "done"
    assert reply.export.rows == 100 and Path(reply.export.path or "").is_file()


def test_a_cancelled_export_leaves_no_file(settings: Settings, blocked: Conversation) -> None:
    blocked.handle("show customers")
    reply = blocked.handle("export this as xlsx")
    assert reply.export is not None and reply.export.status == "queued"
    assert blocked.cancel(reply.export.id)
    row, actions = _export(settings, reply.export.id)
    assert row.status is ExportStatus.CANCELLED and row.file_path is None
    assert actions == ["export_created", "export_cancelled"]
    assert not (settings.storage_dir / reply.export.id).exists()


def test_cancel_the_export_in_words(settings: Settings, blocked: Conversation) -> None:
    blocked.handle("show customers")
    queued = blocked.handle("export this as csv").export
    assert queued is not None and queued.status == "queued"
    reply = blocked.handle("cancel the export")
    assert reply.text.startswith("Cancelling CSV export of “show customers”, ")
    assert queued.id not in reply.text
    assert blocked.export_status(queued.id).status == "cancelled"
    assert "nothing to cancel" in blocked.handle("cancel the export").text
    assert "already cancelled" in blocked.handle(f"cancel export {queued.id}").text
    assert not (settings.storage_dir / queued.id).exists()


def test_a_runner_needs_its_router(settings: Settings) -> None:
    runner = InProcessRunner()
    try:
        with pytest.raises(ValueError, match="JobEventRouter"):
            open_conversation(settings, "ana", runner=runner)
    finally:
        runner.shutdown()
