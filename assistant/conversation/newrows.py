"""The chat's "only new rows": the export of what is new since the user's last one.

::

    export_new(turn, request, run)
      ├─ no obvious column says a row is new ─► "Which column says a row is new:
      │     created_at or id?" with the columns as choices (Asked.CURSOR)
      ├─ nothing new ─► "No new orders since your last export (after …)." (nothing spent)
      └─ the file, and what it holds: the baseline the first time ("First export of
         these rows: 830 orders; next time only rows after …"), else the range

The answer to the question is read by :func:`answer_cursor` (a column name, "the first
one"); the request then runs again with that column.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from assistant.conversation.memory import Answer, Asked
from assistant.conversation.turn import Turn
from assistant.exports.background import file_text
from assistant.exports.delta import Choices
from assistant.exports.newrows import cursor_for, export_new_rows, plan_delta
from assistant.replies import ExportInfo, Reply
from assistant.store import QueryRun
from intents import Destination, ExportRequest, Target

__all__ = ["answer_cursor", "ask_cursor", "export_new"]

_ORDINALS = {"first": 0, "1": 0, "1st": 0, "second": 1, "2": 1, "2nd": 1, "third": 2, "3": 2}


#: Emails a finished export and says so (``acting.send_file``): (turn, export, to, title).
Send = Callable[[Turn, ExportInfo, str, str], Reply]


def export_new(turn: Turn, request: ExportRequest, run: QueryRun, send: Send) -> Answer:
    """Export ``run``'s rows new since the user's last export of the same query; emailed
    with ``send`` when the request says so (the cursor has moved by then: the file is
    made whole and stays in the history even when the mail fails, as the reply says)."""
    delta = plan_delta(turn.scope, run.sql, named=request.cursor_column)
    if isinstance(delta, Choices):
        return _asked(request, delta)
    if delta.empty:
        return Answer(reply=Reply(text=delta.said(0)))
    spent = dataclasses.replace(turn, scope=turn.scope.spend_export())
    made = export_new_rows(spent.scope, request, run, delta, turn.now)
    assert made.export is not None
    # The range is in the export's notes (its record, the API); the reply says it once.
    shown = [note for note in made.export.notes if note != delta.range_note()]
    info = made.export.model_copy(update={"notes": shown})
    said = made.said()
    if request.destination is Destination.EMAIL and request.email is not None:
        title = run.question or made.export.file_name or "Your export"
        sent = send(turn, made.export, request.email, title)
        return Answer(reply=sent.model_copy(update={"text": f"{sent.text} {said}"}))
    text = f"{file_text(info, request)} {said}"
    return Answer(reply=Reply(text=text, export=made.export))


def ask_cursor(turn: Turn, request: ExportRequest, run: QueryRun) -> Answer | None:
    """Before an only-new schedule of ``run`` is stored: which column says a row is new,
    when that is not obvious (None: nothing to ask)."""
    if not request.only_new:
        return None
    chosen = cursor_for(turn.scope, run.sql, request.cursor_column)
    return _asked(request, chosen) if isinstance(chosen, Choices) else None


def _asked(request: ExportRequest, choices: Choices) -> Answer:
    question, columns = choices.question(), list(choices.columns)
    pending = request.model_copy(
        update={"target": Target.LAST_RESULT, "query": None, "clarify": question,
                "choices": columns, "cursor_column": None}
    )  # fmt: skip
    return Answer(reply=Reply(text=question, choices=columns), pending=pending, asked=Asked.CURSOR)


def answer_cursor(message: str, pending: ExportRequest) -> ExportRequest | None:
    """``pending`` with the column ``message`` chooses ("created_at", "created at", "the
    first one"); None when it names none of the choices."""
    choices = pending.choices or []
    low = message.strip().lower().rstrip(".!")
    said = re.sub(r"[\s-]+", "_", re.sub(r"^(?:by|use|the|column|go\s+with)\s+", "", low))
    named = [c for c in choices if c.lower() == said or c.lower() == low]
    if not named:
        words = set(re.findall(r"\w+", low))
        named = [c for c in choices if c.lower() in words]
    if len(named) != 1:
        ordinal = re.match(r"^(?:the\s+)?(\w+)(?:\s+one)?$", low)
        index = _ORDINALS.get(ordinal.group(1)) if ordinal else None
        if index is None or index >= len(choices):
            return None
        named = [choices[index]]
    return pending.model_copy(update={"cursor_column": named[0], "clarify": None, "choices": None})
