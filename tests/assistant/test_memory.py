"""A reply's memory is read back as it was stored, an unfinished export included."""

from __future__ import annotations

from assistant.conversation.memory import Asked, Memory
from assistant.replies import ExportInfo, Reply
from intents import ExportRequest

QUEUED = ExportInfo(id="e1", format="csv", status="queued", rows=None, bytes=None,
                    sha256=None, path=None, file_name=None)  # fmt: skip


def test_a_queued_export_and_a_question_round_trip() -> None:
    pending = ExportRequest(intent="export", clarify="What address should I send it to?")
    memory = Memory.of(Reply(text="x", export=QUEUED), pending=pending, asked=Asked.ADDRESS)
    payload = memory.payload()
    assert "table" not in payload and payload["asked"] == "address"
    assert Memory.model_validate(payload) == memory


def test_a_payload_stored_without_the_exports_empty_fields_still_reads() -> None:
    stored = {"export": {"id": "e1", "format": "csv", "status": "queued", "rows_done": 0}}
    assert Memory.model_validate(stored).export == QUEUED
