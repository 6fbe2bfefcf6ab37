"""The conversation engine: one message in, one :class:`~assistant.replies.Reply` out.

Every face (terminal chat, API, UI, scheduler) calls :meth:`Conversation.handle`. The
engine keeps no state in memory between messages: what a message is understood against
(the last result, the pending clarification, the last export request, the user's
preferences) is read back from the store each time, so a conversation survives a
restart and two faces can share one. The flow::

    message ─► preference? ─► intents.parse(Context from the store)
                 ├─ query ──► translate ─► DataSource.preview ─► table + QueryRun
                 ├─ clarify ► question + choices, kept as the pending request
                 ├─ export ─► re-run the SQL through DataSource.open ─► exporters.export
                 └─ help/unknown ─► what it can do, with the source's real tables

Build one with :func:`open_conversation` (settings, a user name) and close it when done.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.background import ExportEventRouter, export_query_run
from assistant.chatwords import LABELS, help_text, preferred_format
from assistant.control import CANCEL, RETRY, cancel_export, export_again, retry_export
from assistant.errors import AssistantError, InvalidInput
from assistant.exporting import export_info
from assistant.history import export_past
from assistant.jobs import InProcessRunner, JobRunner
from assistant.jobs.celery import CeleryRunner
from assistant.preferences import UserPreferences, read_preferences, save_preferences
from assistant.questions import CannotAnswer, SchemaAnswer, Translation, translate
from assistant.replies import ExportInfo, Reply, TablePreview, json_safe
from assistant.schedules.chat import (
    CHANGE,
    LIST,
    change_schedule,
    list_schedules,
    schedule_from_chat,
)
from assistant.schema import Schema, introspect
from assistant.settings import Settings
from assistant.source import DataSource
from assistant.sqlwriter import with_llm
from assistant.store import (
    AuditAction,
    Export,
    Message,
    Preference,
    QueryRun,
    Role,
    User,
    audit,
    create_store_engine,
    exports_page,
    get_owned,
    preferences_for,
    saved_timezone,
    session_factory,
    visible_templates,
)
from assistant.store import Conversation as ConversationRow
from assistant.templates import SAVE, USE, save_template, template_request
from exporters import ExporterError
from intents import Context, ExportRequest, Format, Intent, Target, parse

__all__ = [
    "Clock",
    "Conversation",
    "Ran",
    "TemplateInfo",
    "Unanswerable",
    "open_conversation",
]

_log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
Mode = Literal["rules", "llm", "auto"]
# Replies searched for the last result: older ones are out of the chat's reach.
_LOOKBACK = 100


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Unanswerable(InvalidInput):
    """Not a question over the data (or not one understood); the message says what is."""

    code = "cannot_answer"


@dataclass(frozen=True)
class TemplateInfo:
    """A template as a face lists it; ``mine`` is False for another user's shared one."""

    name: str
    shared: bool
    mine: bool
    request: ExportRequest


@dataclass(frozen=True)
class Ran:
    """A query that ran: its recorded run, the preview table and a title for it."""

    run: QueryRun
    table: TablePreview
    title: str


class Conversation:
    """One user's conversation over the source database, persisted in the store."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        user_id: int,
        conversation_id: str | None,
        *,
        clock: Clock = _utc_now,
        timezone: str = "UTC",
        mode: Mode = "auto",
        engine: Engine | None = None,
        runner: JobRunner | None = None,
        events: ExportEventRouter | None = None,
        wait_for_exports: bool = False,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.user_id = user_id
        self.id = conversation_id
        self.clock = clock
        self.timezone = timezone
        self.mode: Mode = mode
        self.source = DataSource(
            settings.source_url,
            preview_rows=settings.preview_rows,
            timeout=settings.query_timeout_seconds,
        )
        self._engine = engine  # owned: disposed by close()
        self._runner = runner
        if runner is not None and events is None:
            raise ValueError("pass the ExportEventRouter the runner reports to as `events`")
        self.events = events or ExportEventRouter()
        self._own_runner = False  # a runner made here is shut down by close()
        # Background exports answer "queued" at once, unless the face waits (chat --json).
        self.wait_for_exports = wait_for_exports
        self._schema: Schema | None = None
        # The query run the message being handled made: the next "export this" reads it
        # back from the reply's payload (timestamps may tie; message ids never do).
        self._ran: str | None = None
        # What else the reply should remember (the schedule it spoke about, for "it").
        self._said: dict[str, Any] = {}

    def close(self) -> None:
        """Finish the background exports it started, then release what it opened."""
        if self._runner is not None and self._own_runner:
            self._runner.shutdown(wait=True)
            self._runner = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Conversation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema(self) -> Schema:
        """The source's tables, read once per conversation."""
        if self._schema is None:
            self._schema = introspect(self.settings.source_url)
        return self._schema

    @property
    def runner(self) -> JobRunner:
        """The job runner for background exports, unless one was given: Celery workers
        when the settings name a broker, else an in-process pool."""
        if self._runner is None:
            self._runner = (
                CeleryRunner(self.settings, self.sessions, clock=self.clock)
                if self.settings.broker_url
                else InProcessRunner(
                    per_owner=self.settings.max_running_exports_per_user, on_event=self.events
                )
            )
            self._own_runner = True
        return self._runner

    def cancel(self, export_id: str) -> bool:
        """Cancel a queued or running background export; True if there was one to cancel."""
        return self.runner.cancel(export_id)

    def export_status(self, export_id: str) -> ExportInfo:
        """One of this user's exports as it stands now (rows done and ETA while it runs)."""
        with self.sessions() as session:
            return export_info(get_owned(session, Export, export_id, self.user_id), self)

    def exports(self, page: int = 1, per_page: int = 20) -> tuple[list[ExportInfo], int]:
        """One page of the user's export history, newest first, and the total count."""
        with self.sessions() as session:
            found = exports_page(session, self.user_id, page=page, per_page=per_page)
            return [export_info(row, self) for row in found.items], found.total

    def templates(self) -> list[TemplateInfo]:
        """The user's templates and those others shared, by name."""
        with self.sessions() as session:
            return [
                TemplateInfo(
                    t.name,
                    t.shared,
                    t.owner_id == self.user_id,
                    ExportRequest.model_validate(t.request),
                )
                for t in visible_templates(session, self.user_id)
            ]

    def transcript(self) -> list[tuple[Role, str | Reply]]:
        """The conversation so far, oldest first: what the user said, and each reply as
        it was given (its table preview, export and choices as they were then)."""
        with self.sessions() as session:
            messages = session.scalars(
                select(Message).where(Message.conversation_id == self.id).order_by(Message.id)
            ).all()
        said: list[tuple[Role, str | Reply]] = []
        for message in messages:
            if message.role is Role.USER:
                said.append((Role.USER, message.content))
                continue
            payload = message.payload or {}
            parts = {key: payload.get(key) for key in ("table", "export", "choices")}
            said.append((Role.ASSISTANT, Reply.model_validate({"text": message.content, **parts})))
        return said

    def preferences(self) -> UserPreferences:
        """The user's saved preferences."""
        with self.sessions() as session:
            return read_preferences(session, self.user_id)

    def save_preferences(self, preferences: UserPreferences) -> UserPreferences:
        """Replace the user's saved preferences; the time zone applies from now on."""
        with self.sessions.begin() as session:
            saved = save_preferences(session, self.user_id, preferences)
        if saved.timezone:
            self.timezone = saved.timezone
        return saved

    def retry(self, export_id: str | None = None) -> Reply:
        """Run a failed, cancelled, interrupted or expired export again (default: the latest)."""
        return retry_export(self, export_id)

    def export_again(self, export_id: str) -> Reply:
        """A new export made as ``export_id`` was, with fresh data (any status)."""
        return export_again(self, export_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dialect(self) -> str:
        return "postgres" if self.settings.source_url.startswith("postgres") else "sqlite"

    def handle(self, message: str) -> Reply:
        """Answer ``message``; every failure a person can act on becomes words, not a trace."""
        if self.id is None:
            raise ValueError("this Conversation serves API calls only: open one with an id to chat")
        now = self.clock()
        with self.sessions.begin() as session:
            session.add(
                Message(conversation_id=self.id, role=Role.USER, content=message, created_at=now)
            )
        pending: ExportRequest | None = None
        self._ran = None
        self._said = {}
        try:
            reply, pending = self._answer(message, now)
        except (AssistantError, ExporterError) as exc:
            reply = Reply(text=f"Sorry, that did not work: {getattr(exc, 'message', exc)}")
        except Exception as exc:  # a bug: logged with its trace, said in words, chat goes on
            _log.exception("conversation %s could not answer %r", self.id, message)
            reply = Reply(text=f"Sorry, something went wrong on my side ({type(exc).__name__}). "
                          "Try again, or ask something else.")  # fmt: skip
        payload: dict[str, Any] = reply.model_dump(mode="json", exclude={"text"})
        if pending is not None:
            payload["pending"] = pending.model_dump(mode="json")
        if self._ran is not None:
            payload["query_run_id"] = self._ran
        payload.update(self._said)
        with self.sessions.begin() as session:
            session.add(
                Message(
                    conversation_id=self.id,
                    role=Role.ASSISTANT,
                    content=reply.text,
                    payload=payload,
                    created_at=self.clock(),
                )
            )
        return reply

    # -- understanding ----------------------------------------------------------------

    def _answer(self, message: str, now: dt.datetime) -> tuple[Reply, ExportRequest | None]:
        saved = self._maybe_save_preference(message)
        if saved is not None:
            return saved, None
        found = SAVE.search(message)
        if found:
            return Reply(text=save_template(self, found[1])), None
        found = USE.search(message)
        if found:
            return self._use_template(found[1], now)
        found = RETRY.search(message)
        if found:
            return retry_export(self, found[1]), None
        if LIST.search(message):
            return list_schedules(self), None
        found = CHANGE.search(message)
        if found:
            with self.sessions() as session:
                recent = self.latest(session, "schedule_id")
            reply, self._said = change_schedule(self, found[1], found[2], recent)
            return reply, None
        found = CANCEL.search(message)
        if found:
            return cancel_export(self, found[1]), None
        context = self._context(now)
        request = parse(message, context, mode=self.mode)
        if not request.ready:
            choices = request.choices or None
            return Reply(text=request.clarify or "Could you say more?", choices=choices), request
        if request.intent is Intent.QUERY:
            return self._query(message, now, also=request.query), None
        if request.intent is Intent.EXPORT:
            return self._export(request, now), None
        if request.intent is Intent.SCHEDULE:
            return self._schedule(request, now), None
        return Reply(text=help_text(self.schema)), None

    def _schedule(self, request: ExportRequest, now: dt.datetime) -> Reply:
        """Schedule the last result (or the query this message asks for)."""
        shown = None
        if request.target is Target.QUERY and request.query:
            shown = self._query(request.query, now)
            if shown.table is None:
                return shown
        with self.sessions() as session:
            run = self._last_run(session) if self._ran is None else session.get(QueryRun, self._ran)
        if run is None:
            return Reply(text="Ask for a result first (like “show orders from today”), then "
                         "say how often to send it.")  # fmt: skip
        reply, self._said = schedule_from_chat(self, request, run)
        return reply if shown is None else reply.model_copy(
            update={"text": f"{shown.text} {reply.text}", "table": shown.table})  # fmt: skip

    def _use_template(self, name: str, now: dt.datetime) -> tuple[Reply, ExportRequest | None]:
        """Export with a saved template; without a saved format, ask for one first."""
        request = template_request(self, name)
        if request.format is None:
            with self.sessions() as session:
                default = session.scalar(
                    select(Preference.default_format).where(Preference.owner_id == self.user_id)
                )
            if default is None:
                choices = list(LABELS.values())
                question = f"Which format would you like: {', '.join(choices)}?"
                asking = request.model_copy(update={"clarify": question, "choices": choices})
                return Reply(text=question, choices=choices), asking
            request = request.model_copy(update={"format": Format(default)})
        return self._export(request, now), None

    def _context(self, now: dt.datetime) -> Context:
        with self.sessions() as session:
            preferences = read_preferences(session, self.user_id)
            has_result = self._last_run(session) is not None
            pending = self._pending(session)
            last_export = self.latest(session, "export")
            last = None
            if isinstance(last_export, dict):
                last = session.scalar(select(Export.request).where(Export.id == last_export["id"]))
        return Context(
            now=now.astimezone(self.zone),
            timezone=self.timezone,
            has_result=has_result,
            preferences=preferences,
            last_request=None if last is None else ExportRequest.model_validate(last),
            pending=pending,
        )

    def _payloads(self, session: Session) -> list[dict[str, Any]]:
        """The payloads of the latest replies, newest first."""
        found = session.scalars(
            select(Message.payload)
            .where(Message.conversation_id == self.id, Message.role == Role.ASSISTANT)
            .order_by(Message.id.desc())
            .limit(_LOOKBACK)
        )
        return [payload or {} for payload in found]

    def latest(self, session: Session, key: str) -> Any:
        """The newest reply payload's value for ``key`` (None when no recent reply has it)."""
        return next((p[key] for p in self._payloads(session) if p.get(key)), None)

    def _pending(self, session: Session) -> ExportRequest | None:
        """The request the last reply asked about, if the last reply asked something."""
        payloads = self._payloads(session)[:1]
        if not payloads or not payloads[0].get("pending"):
            return None
        return ExportRequest.model_validate(payloads[0]["pending"])

    def _last_run(self, session: Session) -> QueryRun | None:
        """The last result shown in this conversation (the target of "export this")."""
        run_id = self.latest(session, "query_run_id")
        return None if run_id is None else session.get(QueryRun, run_id)

    def _maybe_save_preference(self, message: str) -> Reply | None:
        """Save the default format for "always give me Excel", "my default is csv"."""
        format = preferred_format(message)
        if format is None:
            return None
        with self.sessions.begin() as session:
            preferences_for(session, self.user_id).default_format = format.value
        return Reply(text=f"Done: your exports will be {LABELS[format]} unless you say otherwise.")

    # -- doing ------------------------------------------------------------------------

    def query(self, question: str, *, also: str | None = None, sql: bool = False) -> Ran:
        """Run ``question`` (English or SQL) and record the run; the API's and chat's query.

        ``also`` is the parser's wording, tried when only that reads; ``sql`` runs
        ``question`` as SQL without translating it. Raises
        :class:`Unanswerable` when it is not a question over the data, and the exporter's
        errors (``QueryRejected`` for a query that would write...) when the database
        refuses it; a refused run is recorded with its error all the same.
        """
        now = self.clock()
        if sql:  # SQL as typed: the guard and the database judge it, no translating
            return self._run(question, Translation(question, "Your query"), now)
        answer = translate(question, self.schema, now, dialect=self.dialect)
        if self.mode != "rules":  # an LLM, when configured, writes the SQL; else the rules'
            answer = with_llm(
                answer, question, self.schema, self.dialect, now.astimezone(self.zone)
            )
        if isinstance(answer, CannotAnswer) and also and also != question:
            second = translate(also, self.schema, now, dialect=self.dialect)
            answer, question = (answer, question) if isinstance(second, CannotAnswer) else (
                second, also)  # fmt: skip
        if isinstance(answer, CannotAnswer | SchemaAnswer):
            raise Unanswerable(answer.reply)
        return self._run(question, answer, now)

    def _run(self, question: str, answer: Translation, now: dt.datetime) -> Ran:
        """Preview ``answer``'s SQL and record the run (with its error if it fails)."""
        run = QueryRun(
            owner_id=self.user_id, conversation_id=self.id, question=question, sql=answer.sql,
            created_at=now,
        )  # fmt: skip
        try:
            preview = self.source.preview(answer.sql)
        except ExporterError as exc:
            run.error = str(exc)
            self._save_run(run)
            raise
        run.sql = preview.query.sql
        run.columns = preview.columns
        run.row_count = preview.row_count
        run.duration_ms = round(preview.duration_ms)
        self._save_run(run)
        table = TablePreview(
            columns=preview.columns,
            rows=[[json_safe(cell) for cell in row] for row in preview.rows],
            row_count=preview.row_count,
        )
        return Ran(run=run, table=table, title=answer.title)

    def _query(self, question: str, now: dt.datetime, *, also: str | None = None) -> Reply:
        """The chat's answer to a question: the table and its size in words."""
        try:
            ran = self.query(question, also=also)
        except Unanswerable as exc:
            return Reply(text=exc.message)
        except ExporterError as exc:
            return Reply(text=f"I could not run that query: {exc}")
        self._ran = ran.run.id
        shown, total = len(ran.table.rows), ran.table.row_count or 0
        more = f", showing the first {shown}" if shown < total else ""
        rows = "1 row" if total == 1 else f"{total:,} rows"
        return Reply(text=f"{ran.title}: {rows}{more}.", table=ran.table)

    def _save_run(self, run: QueryRun) -> None:
        with self.sessions.begin() as session:
            session.add(run)
            session.flush()
            audit(
                session, AuditAction.QUERY_RUN, user_id=self.user_id, query_run_id=run.id,
                rows=run.row_count, at=run.created_at,
                details={"error": run.error} if run.error else None,
            )  # fmt: skip

    def _export(self, request: ExportRequest, now: dt.datetime) -> Reply:
        shown = None
        if request.target is Target.QUERY and request.query:
            shown = self._query(request.query, now)
            if shown.table is None:
                return shown
        elif request.target in (Target.HISTORY, Target.CONVERSATION):
            return export_past(self, request, now)
        with self.sessions() as session:
            # A query this message ran is not in a saved reply yet: use it directly.
            run = self._last_run(session) if self._ran is None else session.get(QueryRun, self._ran)
        if run is None:
            return Reply(text="There is no result to export yet. Ask a question first, "
                         "like “show orders from today”.")  # fmt: skip
        assert request.format is not None  # a ready export request names its format
        reply = export_query_run(self, request, run, now)
        if shown is None:
            return reply
        return reply.model_copy(update={"text": f"{shown.text} {reply.text}", "table": shown.table})


def open_conversation(
    settings: Settings,
    user: str = "local",
    *,
    conversation_id: str | None = None,
    clock: Clock = _utc_now,
    timezone: str | None = None,
    mode: Mode = "auto",
    engine: Engine | None = None,
    runner: JobRunner | None = None,
    events: ExportEventRouter | None = None,
    wait_for_exports: bool = False,
) -> Conversation:
    """A conversation for ``user`` (created if missing): a new one, or ``conversation_id``.

    Without ``engine`` the conversation opens its own store engine and disposes it on
    :meth:`Conversation.close`; likewise its job runner for background exports, unless
    ``runner`` is given, with the :class:`ExportEventRouter` it reports to as ``events``
    (one runner for all conversations makes the per-user cap hold across them). The store
    must be migrated already. ``timezone`` defaults to the user's saved zone, else UTC.
    """
    own = engine is None
    store = create_store_engine(settings.database_url) if engine is None else engine
    try:
        sessions = session_factory(store)
        with sessions.begin() as session:
            row = session.scalars(select(User).where(User.name == user)).one_or_none()
            if row is None:
                row = User(name=user)
                session.add(row)
                session.flush()
            user_id = row.id
            zone = timezone or saved_timezone(session, user_id) or "UTC"
            if conversation_id is None:
                conversation = ConversationRow(owner_id=user_id, created_at=clock())
                session.add(conversation)
                session.flush()
                conversation_id = conversation.id
            else:  # another user's conversation answers like a missing one
                get_owned(session, ConversationRow, conversation_id, user_id)
    except BaseException:
        if own:
            store.dispose()
        raise
    return Conversation(
        settings, sessions, user_id, conversation_id, clock=clock, timezone=zone, mode=mode,
        engine=store if own else None, runner=runner, events=events,
        wait_for_exports=wait_for_exports,
    )  # fmt: skip
