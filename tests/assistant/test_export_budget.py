"""The chat's words when the export budget is spent (issue 18): how many, how long to
wait, and nothing queued or recorded; an emailed export counts once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from assistant import Conversation, open_conversation
from assistant.jobs.budget import ExportBudget
from assistant.jobs.rates import RateLimiter
from assistant.settings import Settings
from assistant.store import Export
from tests.assistant.conftest import NOW
from tests.assistant.mailbox import Mailbox, mailbox, save_address, with_mail

__all__ = ["mailbox"]  # the fixture, used here


class Ticks:
    """The budget's clock, in seconds, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def ana(settings: Settings, mailbox: Mailbox, ticks: Ticks) -> Iterator[Conversation]:
    """Ana's conversation with a budget of 2 exports a minute, and email set up."""
    mailing = with_mail(settings, mailbox)
    save_address(mailing, "ana", "ana@shop.example")
    budget = ExportBudget(RateLimiter(2, 60.0, clock=ticks), 2)
    with open_conversation(mailing, "ana", clock=lambda: NOW, mode="rules",
                           budget=budget) as conversation:  # fmt: skip
        yield conversation


def _exports(chat: Conversation) -> int:
    with chat.scope.sessions() as session:
        return session.scalar(select(func.count()).select_from(Export)) or 0


def test_the_chat_says_how_long_to_wait_and_records_nothing(
    ana: Conversation, ticks: Ticks, mailbox: Mailbox
) -> None:
    ana.handle("show customers")  # a question costs nothing
    assert ana.handle("export this as csv").text.startswith("Here is your file")
    emailed = ana.handle("email me this as csv")  # the file and its email: one export
    assert emailed.text.startswith("Sent ") and len(mailbox.messages()) == 1
    ticks.now = 18.0
    refused = ana.handle("export this as xlsx")
    assert refused.text == (
        "You have started 2 exports in the last minute; try again in 42 seconds."
    )
    assert refused.export is None and _exports(ana) == 2
    again = ana.handle("send it now")  # the last file emailed again is work started too
    assert again.text.startswith("You have started 2 exports") and len(mailbox.messages()) == 1
    ticks.now = 60.0  # the first export left the window
    assert ana.handle("export this as xlsx").text.startswith("Here is your file")
    assert _exports(ana) == 3


def test_a_column_asked_about_counts_nothing(ana: Conversation, ticks: Ticks) -> None:
    """ "Which column do you mean by “nme”?" is a question back, not an export: asked twice,
    the budget of 2 still makes both files after it."""
    ana.handle("show customers")
    for _ in range(2):
        asked = ana.handle("export only nme as csv")
        assert asked.text.startswith("Which column do you mean by “nme”?"), asked.text
    assert _exports(ana) == 0
    assert ana.handle("export only name as csv").text.startswith("Here is your file")
    assert ana.handle("export this as json").text.startswith("Here is your file")
    refused = ana.handle("export this as xlsx")
    assert refused.text.startswith("You have started 2 exports in the last minute")
    assert _exports(ana) == 2
