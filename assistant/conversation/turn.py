"""One turn of a conversation: what answering one message may use, and nothing more.

The engine builds a :class:`Turn` per message and hands it to the chat commands and to
the steps that act on a request (:mod:`assistant.conversation.acting`): the user's scope,
what the conversation recalls, the message and its time, and how questions are read
(``mode`` and the process's LLM seam). Features never get the engine itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from assistant.conversation.memory import Asked, Recall
from assistant.questions.runs import Mode
from assistant.scope import UserScope
from assistant.store import Export
from assistant.store.preferences import read_preferences
from intents import Context, ExportRequest
from intents.toolcall import LLM

__all__ = ["Turn"]


@dataclass(frozen=True)
class Turn:
    """One message being answered for ``scope``'s user."""

    scope: UserScope
    recall: Recall
    message: str
    now: dt.datetime
    mode: Mode
    llm: LLM

    def context(self) -> Context:
        """What the intent parser reads the message against: the clock and zone, whether
        a result is on screen, the saved preferences, the last export's request and the
        request a question is pending on (but an address is the conversation's to read:
        "ana at work" is not a data question, and so is a "yes" to the export plan: any
        other message is a new one, not an answer completing the waiting export)."""
        scope, recall = self.scope, self.recall
        with scope.sessions() as session:
            preferences = read_preferences(session, scope.user_id)
            last = None
            if recall.export_id is not None:
                last = session.scalar(select(Export.request).where(Export.id == recall.export_id))
        return Context(
            now=self.now.astimezone(scope.zone),
            timezone=scope.timezone,
            has_result=recall.query_run_id is not None,
            preferences=preferences,
            last_request=None if last is None else ExportRequest.model_validate(last),
            pending=None if recall.asked in (Asked.ADDRESS, Asked.CONFIRM) else recall.pending,
        )
