"""A cron that never fires (30 February, 31 April) is refused wherever a schedule is made.

croniter accepts such a cron as well formed and then raises when asked for its next
time; before this, that was a 500 on the API and an apology in the chat.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assistant import Conversation
from assistant.conversation.scheduling import schedule_from_chat
from assistant.errors import InvalidInput
from assistant.schedules.cron import check_cron, next_fire
from assistant.store import QueryRun, Schedule
from intents import ExportRequest, Format, Intent

NEVER = ["0 0 30 2 *", "0 0 31 4 *", "0 9 31 2,4,6,9,11 *", "0 0 30-31 2 *"]


@pytest.mark.parametrize("cron", NEVER)
def test_a_cron_that_never_fires_is_refused_saying_so(cron: str) -> None:
    with pytest.raises(InvalidInput, match="never fires") as refused:
        check_cron(cron)
    assert repr(cron) in refused.value.message and "31 April" in refused.value.message


@pytest.mark.parametrize("cron", ["0 0 29 2 *", "0 0 30 2 1", "0 0 31 * *", "0 0 31 12 *"])
def test_rare_and_weekday_crons_still_fire(cron: str) -> None:
    """29 February is rare but real; with a weekday, cron fires on either (30 Feb or Monday)."""
    assert check_cron(cron) == cron
    after = dt.datetime(2097, 3, 1, tzinfo=dt.UTC)  # 2100 is no leap year: 8 years to wait
    assert next_fire(cron, ZoneInfo("UTC"), after) > after


def test_a_stored_cron_that_never_fires_is_an_error_in_words() -> None:
    with pytest.raises(InvalidInput, match="never fires"):
        next_fire("0 0 30 2 *", ZoneInfo("Europe/Berlin"), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_the_chat_says_a_schedule_never_fires_and_stores_none(chat: Conversation) -> None:
    chat.handle("show orders")
    with chat.scope.sessions() as session:
        run = session.scalars(select(QueryRun).order_by(QueryRun.created_at.desc())).first()
    assert run is not None
    request = ExportRequest(
        intent=Intent.SCHEDULE, format=Format.CSV, cron="0 0 30 2 *", email="ana@example.com"
    )
    with pytest.raises(InvalidInput, match="never fires"):
        schedule_from_chat(chat.scope, request, run)
    with chat.scope.sessions() as session:
        assert session.scalars(select(Schedule)).all() == []
