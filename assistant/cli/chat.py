"""The terminal face: ``python -m assistant chat`` and ``users create`` (docs/assistant-cli.md).

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

from assistant.errors import InvalidInput
from assistant.process import open_conversation
from assistant.replies import Reply, cell_text
from assistant.scope import Clock
from assistant.settings import Settings, load_settings
from assistant.source.demo import prepare_source
from assistant.store import migrate
from assistant.store.recovery import Recovered, recover_at_start

__all__ = ["pinned_clock", "prepare", "render", "run_chat"]


def prepare(settings: Settings) -> Recovered:
    """Migrate the store, recover from a crash, and build the demo source if it is missing."""
    migrate(settings.database_url)
    recovered = recover_at_start(settings)
    prepare_source(settings)
    return recovered


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
    clock = pinned_clock(now, tz or "UTC")
    settings = load_settings()
    recovered = prepare(settings)
    lines = stdin or sys.stdin
    conversation = open_conversation(
        settings, user, clock=clock, timezone=tz, wait_for_exports=json_mode
    )
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
            console.print(
                f"{count} export(s) were interrupted when the assistant last stopped; "
                "say 'retry' to run the latest again."
            )
        console.print("Ask about your data, or type 'help'. Ctrl-D ends the chat.")
        while True:
            try:
                message = console.input("[bold]you>[/bold] ")
            except EOFError:
                return
            if message.strip():
                render(conversation.handle(message), console)


def render(reply: Reply, console: Console) -> None:
    """A reply on a terminal: its words, its table preview and SQL, its file, its choices."""
    console.print(reply.text, markup=False, highlight=False)
    if reply.table is not None:
        columns = reply.table.columns
        table = Table(*columns)
        for row in reply.table.rows:
            table.add_row(
                *(cell_text(cell, name) for cell, name in zip(row, columns, strict=False))
            )
        console.print(table)
    if reply.sql:
        console.print(f"sql: {reply.sql}", style="dim", markup=False, highlight=False)
    if reply.export is not None and reply.export.path:
        console.print(f"saved: {reply.export.path}", markup=False)
    if reply.choices:
        console.print("choices: " + " · ".join(reply.choices), markup=False)
