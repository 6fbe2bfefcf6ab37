"""What one browser session remembers: typed turns, replayed on every run.

Streamlit runs the page script from the top on every interaction, so the page keeps no
state of its own: :func:`init_state` puts one :class:`ChatState` in ``st.session_state``
the first time and hands back the same object afterwards. Callbacks append turns to it;
rendering only replays them. The conversation itself (messages, results, exports) lives
in the store, so a turn keeps the engine's :class:`~assistant.replies.Reply` as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import streamlit as st

from assistant import Reply

__all__ = [
    "PAST_PAGE",
    "AssistantTurn",
    "ChatState",
    "Notice",
    "Turn",
    "UserTurn",
    "init_state",
]

_KEY = "chat"
#: Past conversations the sidebar lists at first, and adds with each "Show more".
PAST_PAGE = 10


@dataclass(frozen=True)
class UserTurn:
    """What the person typed or clicked."""

    text: str


@dataclass(frozen=True)
class AssistantTurn:
    """The engine's reply, exactly as it answered."""

    reply: Reply


Turn: TypeAlias = UserTurn | AssistantTurn


@dataclass(frozen=True)
class Notice:
    """A message about the page itself (a saved preference, a failed action), shown once."""

    level: Literal["success", "error"]
    text: str


@dataclass
class ChatState:
    """The session's conversation id, its turns, the sidebar's page of history, how many
    past conversations it lists and which one it asks about deleting."""

    conversation_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    history_page: int = 1
    conversations_shown: int = PAST_PAGE
    deleting: str | None = None  # the conversation whose "Delete …?" is asked
    notices: list[Notice] = field(default_factory=list)

    def take_notices(self) -> list[Notice]:
        """The notices not shown yet; each is shown once."""
        notices, self.notices = self.notices, []
        return notices


def init_state() -> ChatState:
    """This session's state, created on its first run."""
    if _KEY not in st.session_state:
        st.session_state[_KEY] = ChatState()
    state: ChatState = st.session_state[_KEY]
    return state
