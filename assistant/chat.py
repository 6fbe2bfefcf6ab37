"""The terminal face: ``python -m assistant chat`` and ``users create`` (contracts/assistant.md).

It only parses input, calls :meth:`Conversation.handle` and renders the reply: one JSON
object per input line with ``--json``, a prompt with ``rich`` tables on a terminal. The
store is migrated first and the demo source is built when it is the default and missing.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.table import Table

from assistant.demo import DEFAULT_PATH, DEFAULT_ROWS, build_demo
from assistant.engine import Clock, open_conversation
from assistant.errors import InvalidInput
from assistant.recovery import Recovered, recover_at_start
from assistant.replies import Reply
from assistant.settings import Settings, load_settings
from assistant.store import create_store_engine, create_user_with_key, migrate, session_factory

__all__ = ["create_user", "pinned_clock", "prepare", "prepare_source", "render", "run_chat"]

DEFAULT_SOURCE_URL = f"sqlite:///{DEFAULT_PATH.as_posix()}"


def prepare(settings: Settings) -> Recovered:
    """Migrate the store, recover from a crash, and build the demo source if it is missing."""
    migrate(settings.database_url)
    recovered = recover_at_start(settings)
    prepare_source(settings)
    return recovered


def prepare_source(settings: Settings) -> None:
    """Build the bundled demo source when it is the configured one and missing."""
    if settings.source_url == DEFAULT_SOURCE_URL and not DEFAULT_PATH.exists():
        build_demo(DEFAULT_PATH, DEFAULT_ROWS)


def pinned_clock(now: str | None, tz: str) -> Clock:
    """The real clock, or ``now`` pinned (without an offset: wall-clock time in ``tz``)."""
    zone = _zone(tz)
    if now is None:
        return lambda: dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(now)
    except ValueError:
        message = f"--now must be a date and time like 2026-11-18T15:30:00, not {now!r}"
        raise InvalidInput(message) from None
    fixed = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)
    return lambda: fixed


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"--tz must be an IANA zone like Europe/Berlin, not {tz!r}") from None


def run_chat(
    user: str, *, json_mode: bool, now: str | None, tz: str | None, stdin: TextIO | None = None
) -> None:
    """Chat as ``user`` until the end of input."""
    from assistant.cli import BadInput

    try:
        clock = pinned_clock(now, tz or "UTC")
    except InvalidInput as exc:
        raise BadInput(exc.message) from exc
    settings = load_settings()
    recovered = prepare(settings)
    lines = stdin or sys.stdin
    try:
        conversation = open_conversation(
            settings, user, clock=clock, timezone=tz, wait_for_exports=json_mode
        )
    except InvalidInput as exc:
        raise BadInput(exc.message) from exc
    with conversation:
        if json_mode:
            for line in lines:
                if line.strip():
                    reply = conversation.handle(line.rstrip("\n"))
                    print(json.dumps(reply.model_dump(mode="json"), ensure_ascii=False))
                    sys.stdout.flush()
            return
        console = Console()
        if recovered.interrupted:
            count = len(recovered.interrupted)
            console.print(f"{count} export(s) were interrupted when the assistant last stopped; "
                          "say 'retry' to run the latest again.")  # fmt: skip
        console.print("Ask about your data, or type 'help'. Ctrl-D ends the chat.")
        while True:
            try:
                message = console.input("[bold]you>[/bold] ")
            except EOFError:
                return
            if message.strip():
                render(conversation.handle(message), console)


def render(reply: Reply, console: Console) -> None:
    """A reply on a terminal: its words, its table preview, its file, its choices."""
    console.print(reply.text, markup=False, highlight=False)
    if reply.table is not None:
        table = Table(*reply.table.columns)
        for row in reply.table.rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        console.print(table)
    if reply.export is not None and reply.export.path:
        console.print(f"saved: {reply.export.path}", markup=False)
    if reply.choices:
        console.print("choices: " + " · ".join(reply.choices), markup=False)


def create_user(name: str, email: str | None) -> str:
    """Create (or find) user ``name`` and return one new API key (migrating first)."""
    from assistant.cli import BadInput

    settings = load_settings()
    migrate(settings.database_url)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            _, key = create_user_with_key(session, name, email)
    except InvalidInput as exc:
        raise BadInput(exc.message) from exc
    finally:
        engine.dispose()
    return key
