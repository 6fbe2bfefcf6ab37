"""The assistant: conversations, store, jobs and the faces over them (see DESIGN.md).

``Conversation`` (and :func:`open_conversation`) is the one engine the terminal chat,
the API, the UI and the scheduler call. It is loaded on first use, so commands that do
not chat (``python -m assistant demo``) do not pay for SQLAlchemy and the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.engine import Conversation, open_conversation
    from assistant.replies import Reply

__all__ = ["Conversation", "Reply", "open_conversation"]


def __getattr__(name: str) -> Any:
    if name in ("Conversation", "open_conversation"):
        from assistant import engine

        return getattr(engine, name)
    if name == "Reply":
        from assistant.replies import Reply

        return Reply
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
