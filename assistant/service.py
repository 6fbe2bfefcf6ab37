"""One assistant per process: the store, the job runner and the source, shared by every user.

The API builds one :class:`Assistant` at start-up and asks it for a
:class:`~assistant.engine.Conversation` per request: all of them share one store engine
(one connection pool) and one job runner, so the per-user cap on running exports holds
across every conversation and request of the process. With ``ASSISTANT_BROKER_URL`` the
runner hands exports to Celery workers, whose claims hold the cap across every machine.

    assistant = Assistant(settings)
    assistant.start()                       # migrate, recover from a crash, tidy files
    with assistant.conversation(user_id) as chat:   # API calls: no chat messages kept
        chat.query("show orders")
    assistant.close()                       # finish running exports, release the store
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from pathlib import Path

from sqlalchemy import select

from assistant.background import ExportEventRouter
from assistant.engine import Clock, Conversation, Mode
from assistant.jobs import InProcessRunner, JobRunner
from assistant.jobs.celery import CeleryRunner
from assistant.recovery import Recovered, recover_at_start
from assistant.settings import Settings
from assistant.signing import LinkSigner
from assistant.store import Conversation as ConversationRow
from assistant.store import (
    User,
    create_store_engine,
    get_owned,
    migrate,
    saved_timezone,
    session_factory,
)

__all__ = ["DEFAULT_PUBLIC_URL", "Assistant", "secret_key"]

#: Where `python -m assistant serve` listens by default: links point there unless
#: ``ASSISTANT_PUBLIC_URL`` says otherwise.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Assistant:
    """The process-wide parts of the assistant, built once from ``settings``."""

    def __init__(self, settings: Settings, *, clock: Clock = _utc_now, mode: Mode = "auto") -> None:
        self.settings = settings
        self.clock = clock
        self.mode: Mode = mode
        self.engine = create_store_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.events = ExportEventRouter()
        self.runner: JobRunner = (
            CeleryRunner(settings, self.sessions, clock=clock)
            if settings.broker_url
            else InProcessRunner.from_settings(settings, self.events)
        )

    def start(self) -> Recovered:
        """Migrate the store, fail exports a crash interrupted, tidy the storage."""
        migrate(self.engine)
        return recover_at_start(self.settings, self.clock())

    def close(self) -> None:
        """Let running exports finish, then release the store."""
        self.runner.shutdown(wait=True)
        self.engine.dispose()

    def conversation(
        self, user_id: int, conversation_id: str | None = None, *, new: bool = False
    ) -> Conversation:
        """User ``user_id``'s conversation ``conversation_id``; a new one with ``new``.

        Without either it serves API calls (queries, exports) and keeps no chat messages.
        Another user's conversation id answers like a missing one.
        """
        with self.sessions.begin() as session:
            zone = saved_timezone(session, user_id) or "UTC"
            if new:
                row = ConversationRow(owner_id=user_id, created_at=self.clock())
                session.add(row)
                session.flush()
                conversation_id = row.id
            elif conversation_id is not None:
                get_owned(session, ConversationRow, conversation_id, user_id)
        return Conversation(
            self.settings, self.sessions, user_id, conversation_id, clock=self.clock,
            timezone=zone, mode=self.mode, runner=self.runner, events=self.events,
        )  # fmt: skip

    def download_url(self, export_id: str, sha256: str) -> str:
        """A signed link to a finished export's file, served by the API (``serve``)."""
        signer = LinkSigner(secret_key(self.settings), self.settings.link_ttl_hours * 3600)
        base = (self.settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")
        return f"{base}/d/{signer.sign(export_id, sha256)}"

    def user_id(self, name: str) -> int:
        """The id of user ``name``, created if missing."""
        with self.sessions.begin() as session:
            user = session.scalars(select(User).where(User.name == name)).one_or_none()
            if user is None:
                user = User(name=name)
                session.add(user)
                session.flush()
            return user.id


def secret_key(settings: Settings) -> str:
    """The key that signs download links: the configured one, else one kept on disk.

    Generated once (0600, beside the files it guards) so links survive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.storage_dir) / ".secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".secret.{secrets.token_hex(4)}.part")
        temporary.write_text(secrets.token_urlsafe(48))
        temporary.chmod(0o600)
        # Linked, not renamed: of two processes starting at once the first wins, both agree.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        temporary.unlink()
    return path.read_text().strip()
