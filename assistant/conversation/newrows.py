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

from assistant.conversation.memory import Answer, Asked
from assistant.conversation.turn import Turn
from assistant.exports.background import file_text
from assistant.exports.delta import Choices
from assistant.exports.newrows import export_new_rows, plan_delta
from assistant.replies import Reply
from assistant.store import QueryRun
from intents import ExportRequest, Target

__all__ = ["answer_cursor", "export_new"]

_ORDINALS = {"first": 0, "1": 0, "1st": 0, "second": 1, "2": 1, "2nd": 1, "third": 2, "3": 2}


def export_new(turn: Turn, request: ExportRequest, run: QueryRun) -> Answer:
    """Export ``run``'s rows new since the user's last export of the same query."""
    delta = plan_delta(turn.scope, run.sql, named=request.cursor_column)
    if isinstance(delta, Choices):
        question = delta.question()
        choices = list(delta.columns)
        pending = request.model_copy(
            update={"target": Target.LAST_RESULT, "query": None, "clarify": question,
                    "choices": choices, "cursor_column": None}
        )  # fmt: skip
        reply = Reply(text=question, choices=choices)
        return Answer(reply=reply, pending=pending, asked=Asked.CURSOR)
    if delta.empty:
        return Answer(reply=Reply(text=delta.said(0)))
    spent = dataclasses.replace(turn, scope=turn.scope.spend_export())
    made = export_new_rows(spent.scope, request, run, delta, turn.now)
    assert made.export is not None
    # The range is in the export's notes (its record, the API); the reply says it once.
    shown = [note for note in made.export.notes if note != delta.range_note()]
    info = made.export.model_copy(update={"notes": shown})
    text = f"{file_text(info, request)} {delta.said(made.export.rows or 0)}"
    return Answer(reply=Reply(text=text, export=made.export))


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
