"""Chat commands: what the chat does before a message goes to the intent parser.

Each command is one :class:`Command` entry: the pattern that finds it in a message and a
function of (turn, match) that answers it (a :class:`~assistant.conversation.turn.Turn`:
the user's scope, what the chat recalls, the time), the way formats hang off the
exporter's registry. Commands are tried in order; the first that matches answers, and a
message no command matches goes to :func:`intents.parse`. Adding one is one entry here.

>>> [command.name for command in COMMANDS]
['save preference', 'save template', 'use template', 'retry', 'list schedules', \
'change schedule', 'send now', 'cancel']
>>> found = find_command("please retry export 3f9a1c2b")
>>> found[0].name, found[1][1]
('retry', '3f9a1c2b')
>>> find_command("show orders from today") is None
True
>>> bool(RETRY.search("retry")), RETRY.search("please retry export 3f9a1c2b")[1]
(True, '3f9a1c2b')
>>> RETRY.search("export the retry counts") is None
True
>>> bool(CANCEL.search("cancel the export")), CANCEL.search("stop export 3f9a1c2b")[1]
(True, '3f9a1c2b')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.conversation import scheduling, templates
from assistant.conversation.memory import Answer
from assistant.conversation.sending import SEND_NOW, send_now
from assistant.conversation.turn import Turn
from assistant.conversation.words import LABELS, format_named, preference
from assistant.exports.again import cancel_export, retry_export
from assistant.replies import Reply
from assistant.store import preferences_for

__all__ = ["COMMANDS", "Command", "find_command"]

Match = re.Match[str]

RETRY = re.compile(
    r"^\W*(?:please\s+)?(?:retry|try\s+again|run\s+it\s+again)"
    r"(?:\s+(?:the\s+)?(?:last\s+|failed\s+)?export)?(?:\s+([\w-]{6,32}))?\W*$",
    re.I,
)
CANCEL = re.compile(
    r"^\W*(?:please\s+)?(?:cancel|stop|abort)\s+(?:the\s+|my\s+|that\s+)?(?:last\s+)?"
    r"(?:export|download)(?:\s+([\w-]{6,32}))?\W*$",
    re.I,
)


@dataclass(frozen=True)
class Command:
    """One chat command: ``find`` returns its match in a message (or None), ``run`` answers."""

    name: str
    find: Callable[[str], Match | None]
    run: Callable[[Turn, Match], Answer]


def _save_preference(turn: Turn, found: Match) -> Answer:
    format = format_named(found[1])
    with turn.scope.sessions.begin() as session:
        preferences_for(session, turn.scope.user_id).default_format = format.value
    text = f"Done: your exports will be {LABELS[format]} unless you say otherwise."
    return Answer(reply=Reply(text=text))


def _save_template(turn: Turn, found: Match) -> Answer:
    return Answer(reply=Reply(text=templates.save_template(turn.scope, turn.recall, found[1])))


def _use_template(turn: Turn, found: Match) -> Answer:
    return templates.use_template(turn.scope, found[1])


def _retry(turn: Turn, found: Match) -> Answer:
    return Answer(reply=retry_export(turn.scope, found[1]))


def _list_schedules(turn: Turn, found: Match) -> Answer:
    return Answer(reply=scheduling.list_schedules(turn.scope))


def _change_schedule(turn: Turn, found: Match) -> Answer:
    return scheduling.change_schedule(turn.scope, found[1], found[2], turn.recall.schedule_id)


def _cancel(turn: Turn, found: Match) -> Answer:
    return Answer(reply=cancel_export(turn.scope, found[1]))


COMMANDS: tuple[Command, ...] = (
    Command("save preference", preference, _save_preference),
    Command("save template", templates.SAVE.search, _save_template),
    Command("use template", templates.USE.search, _use_template),
    Command("retry", RETRY.search, _retry),
    Command("list schedules", scheduling.LIST.search, _list_schedules),
    Command("change schedule", scheduling.CHANGE.search, _change_schedule),
    Command("send now", SEND_NOW.search, send_now),
    Command("cancel", CANCEL.search, _cancel),
)


def find_command(message: str) -> tuple[Command, Match] | None:
    """The first command ``message`` matches, with its match; None for everything else."""
    for command in COMMANDS:
        found = command.find(message)
        if found is not None:
            return command, found
    return None
