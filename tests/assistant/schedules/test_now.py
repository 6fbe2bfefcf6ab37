"""A user's schedule fired now from their scope (the chat's "send it now")."""

from __future__ import annotations

import pytest

from assistant.errors import NotFound
from assistant.process import Assistant
from assistant.schedules import service
from assistant.schedules.now import run_schedule_now
from tests.assistant.schedules.test_scheduler import (
    Clock,
    Outbox,
    _chat,
    _spec,
    assistant,
    clock,
    settings,
)

__all__ = ["assistant", "clock", "settings"]  # the fixtures, used here


def test_fires_once_now_through_the_scheduler_and_records_the_run(
    assistant: Assistant, clock: Clock
) -> None:
    chat = _chat(assistant)
    made = service.create(chat.scope, _spec("0 9 * * 1"))
    outbox = Outbox()
    info, run = run_schedule_now(chat.scope, made.id, mode="rules", llm=assistant.llm,
                                 deliver=outbox)  # fmt: skip
    assert (run.status, run.rows, run.due_at) == ("done", 100, clock.now)
    [(schedule_id, export, link)] = outbox.sent
    assert schedule_id == made.id and export.rows == 100 and "/d/" in link
    assert info.next_run_at == made.next_run_at


def test_another_users_schedule_answers_like_a_missing_one(assistant: Assistant) -> None:
    mine = service.create(_chat(assistant).scope, _spec("0 9 * * 1"))
    theirs = assistant.conversation(assistant.user_id("eve"), new=True)
    with pytest.raises(NotFound):
        run_schedule_now(theirs.scope, mine.id, mode="rules", llm=assistant.llm, deliver=Outbox())


def test_a_failed_delivery_is_recorded_for_a_retry(assistant: Assistant) -> None:
    chat = _chat(assistant)
    made = service.create(chat.scope, _spec("0 9 * * 1"))
    _, run = run_schedule_now(chat.scope, made.id, mode="rules", llm=assistant.llm,
                              deliver=Outbox(failures=1))  # fmt: skip
    assert run.status == "retrying" and run.error == "the mail server did not answer"
