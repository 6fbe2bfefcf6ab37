"""One assistant per process: the store, the job runner and the source, shared by every user.

The API builds one :class:`Assistant` at start-up and asks it for a user's
:class:`~assistant.scope.UserScope` per request (or a chat
:class:`~assistant.conversation.Conversation`): all of them share one store engine (one
connection pool) and one job runner, so the per-user cap on running exports holds across
every conversation and request of the process. With ``ASSISTANT_BROKER_URL`` the runner
hands exports to Celery workers, whose claims hold the cap across every machine. Likewise
one export budget (``exports_per_minute`` per user, in Redis with a broker) is in every
scope it makes, so API exports, chat exports and schedules run now spend the same one. It
also holds the process's one LLM seam (:func:`build_llm`: the settings' key, endpoint,
model and timeout, and one client made on the first message that asks the model), which
it hands to every conversation, the scheduler and the API's queries.

    assistant = Assistant(settings)
    assistant.start()                       # migrate, recover from a crash, tidy files
    scope = assistant.scope(user_id)        # API calls: no chat messages kept
    run_question(scope, "show orders")
    assistant.close()                       # finish running exports, release the store

The terminal chat opens a conversation of its own with :func:`open_conversation`.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.conversation.engine import Conversation
from assistant.files.links import DEFAULT_PUBLIC_URL, download_url, mask_key, secret_key
from assistant.jobs import ExportBudget, InProcessRunner, JobEventRouter, JobRunner
from assistant.jobs.celery import CeleryRunner
from assistant.questions.runs import Mode
from assistant.scope import Clock, UserScope, utc_now
from assistant.settings import Settings
from assistant.source.datasource import DataSource
from assistant.store import (
    ConversationRecord,
    User,
    create_store_engine,
    get_owned,
    migrate,
    saved_timezone,
    session_factory,
)
from assistant.store.firsts import insert_missing
from assistant.store.recovery import Recovered, recover_at_start
from intents.toolcall import LLM, LLMConfig

__all__ = ["DEFAULT_PUBLIC_URL", "Assistant", "build_llm", "open_conversation", "secret_key"]


class Assistant:
    """The process-wide parts of the assistant, built once from ``settings``.

    ``llm`` replaces the seam :func:`build_llm` makes from the settings (tests pass one
    with a client of their own)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        mode: Mode = "auto",
        llm: LLM | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.mode: Mode = mode
        self.llm = build_llm(settings) if llm is None else llm
        self.store_engine = create_store_engine(settings.database_url)
        self.sessions = session_factory(self.store_engine)
        self.events = JobEventRouter()
        self.runner = _runner(settings, self.sessions, clock, self.events)
        self.source = DataSource.from_settings(settings, mask_key(settings))
        self.budget = ExportBudget.from_settings(settings)

    def start(self) -> Recovered:
        """Migrate the store, fail exports a crash interrupted, tidy the storage."""
        migrate(self.store_engine)
        return recover_at_start(self.settings, self.clock())

    def close(self) -> None:
        """Let running exports finish, then release the store, the LLM's client and the
        export budget's Redis connection."""
        self.runner.shutdown(wait=True)
        self.store_engine.dispose()
        self.llm.close()
        self.budget.close()

    def scope(self, user_id: int, conversation_id: str | None = None) -> UserScope:
        """User ``user_id``'s scope (in their saved zone), in ``conversation_id`` if given.

        Another user's conversation id answers like a missing one."""
        with self.sessions() as session:
            zone = saved_timezone(session, user_id) or "UTC"
            if conversation_id is not None:
                get_owned(session, ConversationRecord, conversation_id, user_id)
        return UserScope(
            self.settings,
            self.sessions,
            user_id,
            self.source,
            conversation_id=conversation_id,
            clock=self.clock,
            timezone=zone,
            runner=self.runner,
            events=self.events,
            budget=self.budget,
            asks_llm=self.mode != "rules" and self.llm.enabled,
        )

    def conversation(
        self, user_id: int, conversation_id: str | None = None, *, new: bool = False
    ) -> Conversation:
        """User ``user_id``'s conversation ``conversation_id``; a new one with ``new``."""
        if new:
            conversation_id = _new_conversation(self.sessions, user_id, self.clock)
        return Conversation(self.scope(user_id, conversation_id), mode=self.mode, llm=self.llm)

    def download_url(self, export_id: str, sha256: str, *, request_base: str | None = None) -> str:
        """A signed link to a finished export's file, served by the API (``serve``): at
        ``ASSISTANT_PUBLIC_URL``, else ``request_base``, else the default (logged)."""
        return download_url(self.settings, export_id, sha256, request_base=request_base)

    def user_id(self, name: str) -> int:
        """The id of user ``name``, created if missing."""
        with self.sessions.begin() as session:
            return _user(session, name).id


def open_conversation(
    settings: Settings,
    user: str = "local",
    *,
    conversation_id: str | None = None,
    clock: Clock = utc_now,
    timezone: str | None = None,
    mode: Mode = "auto",
    store_engine: Engine | None = None,
    runner: JobRunner | None = None,
    events: JobEventRouter | None = None,
    wait_for_exports: bool = False,
    llm: LLM | None = None,
    budget: ExportBudget | None = None,
) -> Conversation:
    """A conversation for ``user`` (created if missing): a new one, or ``conversation_id``.

    Without ``store_engine`` the conversation opens its own and disposes it on
    :meth:`Conversation.close`; likewise its job runner for background exports, unless
    ``runner`` is given, with the :class:`~assistant.jobs.JobEventRouter` it reports to as
    ``events`` (one runner for all conversations makes the per-user cap hold across them),
    and its LLM seam (:func:`build_llm`), unless ``llm`` is given. Exports it starts
    spend ``budget`` (default: ``exports_per_minute`` counted in this process only).
    The store must be migrated already. ``timezone`` defaults to the user's saved zone,
    else UTC.
    """
    if runner is not None and events is None:
        raise ValueError("pass the JobEventRouter the runner reports to as `events`")
    own = store_engine is None
    store = create_store_engine(settings.database_url) if store_engine is None else store_engine
    try:
        sessions = session_factory(store)
        with sessions.begin() as session:
            user_id = _user(session, user).id
            zone = timezone or saved_timezone(session, user_id) or "UTC"
            if conversation_id is not None:  # another user's answers like a missing one
                get_owned(session, ConversationRecord, conversation_id, user_id)
        if conversation_id is None:
            conversation_id = _new_conversation(sessions, user_id, clock)
    except BaseException:
        if own:
            store.dispose()
        raise
    events = events or JobEventRouter()
    scope = UserScope(
        settings,
        sessions,
        user_id,
        DataSource.from_settings(settings, mask_key(settings)),
        conversation_id=conversation_id,
        clock=clock,
        timezone=zone,
        runner=runner or _runner(settings, sessions, clock, events),
        events=events,
        wait_for_exports=wait_for_exports,
        budget=budget or ExportBudget.from_settings(settings, shared=False),
    )
    return Conversation(
        scope,
        mode=mode,
        llm=build_llm(settings) if llm is None else llm,
        store_engine=store if own else None,
        own_runner=runner is None,
        own_llm=llm is None,
    )


def build_llm(settings: Settings) -> LLM:
    """The LLM seam ``settings`` describe; disabled (rules only) without a key.

    Building it is free: its client, and the ``openai`` import, wait for the first
    message that asks the model."""
    key = settings.llm_api_key
    return LLM(
        LLMConfig(
            api_key=None if key is None else key.get_secret_value(),
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            timeout=settings.llm_timeout,
        )
    )


def _runner(
    settings: Settings, sessions: sessionmaker[Session], clock: Clock, events: JobEventRouter
) -> JobRunner:
    """Celery workers when the settings name a broker, else an in-process pool."""
    if settings.broker_url:
        return CeleryRunner(settings, sessions, clock=clock)
    return InProcessRunner.from_settings(settings, events)


def _user(session: Session, name: str) -> User:
    """The user ``name``, created on first use (two first uses at once: one row, no error)."""
    user = session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        insert_missing(session, User, name=name)
        user = session.scalars(select(User).where(User.name == name)).one()
    return user


def _new_conversation(sessions: sessionmaker[Session], user_id: int, clock: Clock) -> str:
    with sessions.begin() as session:
        row = ConversationRecord(owner_id=user_id, created_at=clock())
        session.add(row)
        session.flush()
        return row.id
