"""The conversation engine: one message in, one :class:`~assistant.replies.Reply` out.

Every face (terminal chat, API, UI) calls :meth:`Conversation.handle`. The engine has a
:class:`~assistant.scope.UserScope` and composes the features over it; it keeps no state
between messages: what a message is understood against (the last result, the pending
clarification, the last export, the user's preferences) is recalled from the store each
time (:mod:`assistant.conversation.memory`). The flow::

    message ─► "yes" or "cancel" to the export plan's question? (confirming)
            ├► an answer to the chat's own question? (an address; download or email)
            │    (assistant.conversation.asking) ─► the pending request, completed
            ├► chat command? (assistant.conversation.commands) ─► its answer
            ├► a place we cannot send to? ("upload it to Dropbox") ─► said, with what we can
            └► intents.parse(Context from the store)
                 ─► act (assistant.conversation.acting): ask what is missing, show a
                    query's table, export (download or email) or schedule the result

Each message is answered over a :class:`~assistant.conversation.turn.Turn` (the scope,
what is recalled, the message and its time), the features' only context.

Build one with :func:`open_conversation` (settings, a user name) and close it when done.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from assistant.conversation.acting import act
from assistant.conversation.asking import answer_asked
from assistant.conversation.commands import find_command
from assistant.conversation.confirming import answer_confirmation
from assistant.conversation.elsewhere import place_named, refuse_place, without_place
from assistant.conversation.memory import Answer, Memory, Recall, transcript
from assistant.conversation.past import (
    PastConversation,
    delete_conversation,
    past_conversations,
    rename_conversation,
)
from assistant.conversation.templates import TemplateInfo, list_templates
from assistant.conversation.turn import Turn
from assistant.delivery import email_set_up
from assistant.errors import TooManyRequests
from assistant.exports.again import export_again, retry_export
from assistant.exports.records import export_status, exports_page_info, running_exports
from assistant.questions.runs import Mode, Ran, run_question
from assistant.replies import ExportInfo, Reply
from assistant.scope import UserScope
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.source.schema import Schema
from assistant.store import Message, Role
from assistant.store.preferences import UserPreferences, read_preferences, save_preferences
from exporters import UserFacingError
from intents import parse
from intents.toolcall import LLM

__all__ = ["Conversation"]

_log = logging.getLogger(__name__)


def _asks(message: str) -> bool:
    """Whether ``message`` opens with a question ("Which schedule do you mean? You have: …")."""
    first = next((mark for mark in message if mark in ".!?"), "")
    return first == "?"


class Conversation:
    """One user's conversation over the source database, persisted in the store.

    ``llm`` is the LLM seam that reads unclear messages and writes SQL (the process's
    one; a disabled seam for rules only); ``mode`` says when it is asked.
    ``store_engine``, ``own_runner`` and ``own_llm`` say what :meth:`close` releases: a
    store engine, a job runner and an LLM client opened for this conversation alone."""

    def __init__(
        self,
        scope: UserScope,
        *,
        mode: Mode = "auto",
        llm: LLM,
        store_engine: Engine | None = None,
        own_runner: bool = False,
        own_llm: bool = False,
    ) -> None:
        self.scope = scope
        self.mode: Mode = mode
        self.llm = llm
        self._store_engine = store_engine
        self._own_runner = own_runner
        self._own_llm = own_llm

    def close(self) -> None:
        """Finish the background exports it started, then release what it opened."""
        if self._own_runner and self.scope.runner is not None:
            self.scope.runner.shutdown(wait=True)
            self._own_runner = False
        if self._own_llm:
            self.llm.close()
            self._own_llm = False
        if self._store_engine is not None:
            self._store_engine.dispose()
            self._store_engine = None

    def __enter__(self) -> Conversation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the faces read ----------------------------------------------------------

    @property
    def id(self) -> str | None:
        return self.scope.conversation_id

    @property
    def user_id(self) -> int:
        return self.scope.user_id

    @property
    def settings(self) -> Settings:
        return self.scope.settings

    @property
    def source(self) -> DataSource:
        return self.scope.source

    @property
    def schema(self) -> Schema:
        """The source's tables, read once."""
        return self.scope.source.schema

    @property
    def timezone(self) -> str:
        return self.scope.timezone

    @property
    def zone(self) -> ZoneInfo:
        return self.scope.zone

    def export_status(self, export_id: str) -> ExportInfo:
        """One of this user's exports as it stands now (rows done and ETA while it runs)."""
        return export_status(self.scope, export_id)

    def exports(self, page: int = 1, per_page: int = 20) -> tuple[list[ExportInfo], int]:
        """One page of the user's export history, newest first, and the total count."""
        return exports_page_info(self.scope, page, per_page)

    def running_exports(self) -> int:
        """How many of the user's exports are running now (a queued one waits for them)."""
        return running_exports(self.scope)

    def past_conversations(self, limit: int = 10, offset: int = 0) -> list[PastConversation]:
        """The user's conversations with a message, newest first, titled by the name
        given to them, else by their first message."""
        return past_conversations(self.scope, limit, offset)

    def templates(self) -> list[TemplateInfo]:
        """The user's templates and those others shared, by name."""
        return list_templates(self.scope)

    def transcript(self) -> list[tuple[Role, str | Reply]]:
        """The conversation so far, oldest first, each reply as it was given."""
        return transcript(self.scope)

    def preferences(self) -> UserPreferences:
        """The user's saved preferences."""
        with self.scope.sessions() as session:
            return read_preferences(session, self.user_id)

    # -- what the faces do ------------------------------------------------------------

    def save_preferences(self, preferences: UserPreferences) -> UserPreferences:
        """Replace the user's saved preferences; the time zone applies from now on."""
        with self.scope.sessions.begin() as session:
            saved = save_preferences(session, self.user_id, preferences)
        if saved.timezone:
            self.scope = self.scope.replace(timezone=saved.timezone)
        return saved

    def cancel(self, export_id: str) -> bool:
        """Cancel a queued or running background export; True if there was one to cancel."""
        return self.scope.jobs.cancel(export_id)

    def retry(self, export_id: str | None = None) -> Reply:
        """Run a failed, cancelled, interrupted or expired export again (default: the latest)."""
        return retry_export(self.scope, export_id)

    def rename_conversation(self, conversation_id: str, title: str) -> PastConversation:
        """Title one of the user's conversations (1 to 200 printable characters)."""
        return rename_conversation(self.scope, conversation_id, title)

    def delete_conversation(self, conversation_id: str) -> None:
        """Delete one of the user's conversations and its messages; its exports, query
        runs and schedules stay. This one, deleted, takes no more messages."""
        delete_conversation(self.scope, conversation_id)

    def export_again(self, export_id: str) -> Reply:
        """A new export made as ``export_id`` was, with fresh data (any status)."""
        return export_again(self.scope, export_id)

    def query(self, question: str, *, also: str | None = None, sql: bool = False) -> Ran:
        """Run ``question`` (English or SQL) and record the run (see :func:`run_question`)."""
        return run_question(self.scope, question, also=also, sql=sql, mode=self.mode, llm=self.llm)

    def handle(self, message: str) -> Reply:
        """Answer ``message``; every failure a person can act on becomes words, not a trace."""
        if self.id is None:
            raise ValueError("this Conversation serves API calls only: open one with an id to chat")
        now = self.scope.clock()
        with self.scope.sessions.begin() as session:
            session.add(
                Message(conversation_id=self.id, role=Role.USER, content=message, created_at=now)
            )
        turn = Turn(self.scope, Recall(self.scope), message, now, self.mode, self.llm)
        try:
            answer = self._answer(turn)
        except TooManyRequests as exc:  # said as it is: how many, and how long to wait
            answer = Answer(reply=Reply(text=exc.message))
        except UserFacingError as exc:  # a question back is asked as one, not as a failure
            text = exc.message if _asks(exc.message) else f"Sorry, that did not work: {exc.message}"
            answer = Answer(reply=Reply(text=text))
        except Exception as exc:  # a bug: logged with its trace, said in words, chat goes on
            _log.exception("conversation %s could not answer %r", self.id, message)
            text = (
                f"Sorry, something went wrong on my side ({type(exc).__name__}). "
                "Try again, or ask something else."
            )
            answer = Answer(reply=Reply(text=text))
        reply = answer.reply or Reply(text="Could you say more?")
        memory = Memory.of(
            reply,
            pending=answer.pending,
            query_run_id=answer.query_run_id,
            schedule_id=answer.schedule_id,
            asked=answer.asked,
        )
        with self.scope.sessions.begin() as session:
            session.add(
                Message(
                    conversation_id=self.id,
                    role=Role.ASSISTANT,
                    content=reply.text,
                    payload=memory.payload(),
                    created_at=self.scope.clock(),
                )
            )
        return reply

    # -- answering --------------------------------------------------------------------

    def _answer(self, turn: Turn) -> Answer:
        confirmed = answer_confirmation(turn)  # "yes" / "cancel" to the export plan
        if confirmed is not None:
            return confirmed if confirmed.request is None else act(turn, confirmed.request)
        answered = answer_asked(turn)  # "ana@example.com" to "What address...?"
        if answered is not None:
            return act(turn, answered)
        found = find_command(turn.message)
        if found is not None:
            command, match = found
            answer = command.run(turn, match)
            return answer if answer.request is None else act(turn, answer.request)
        context = turn.context()
        place = place_named(turn.message)  # "upload it to Dropbox": said, never dropped
        if place is not None:
            rest = parse(without_place(turn.message), context, mode=self.mode, llm=self.llm)
            email = email_set_up(self.settings)
            return refuse_place(place, rest, context.has_result, email=email)
        return act(turn, parse(turn.message, context, mode=self.mode, llm=self.llm))
