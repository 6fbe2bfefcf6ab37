"""The export plan in the chat: said before a large export runs, confirmed with a word.

::

    carry_out ─► plan_first(turn, request, parts)
                   ├─ confirmed already, a schedule, or one small file (no more rows
                   │     than ASSISTANT_INLINE_EXPORT_ROWS and the confirm threshold: it
                   │     is written about as fast as its plan is measured) ─► None: go on
                   ├─ over ASSISTANT_CONFIRM_EXPORT_ROWS / _BYTES ─► the question
                   │     "Export 3,060,840 rows (about 410 MB as CSV)?" (Export / Cancel),
                   │     the request pending (Asked.CONFIRM); nothing recorded or spent
                   └─ below ─► the plan, whose line the export's reply carries

    next message ─► answer_confirmation(turn)
                   ├─ "Export", "yes", "go ahead", "ok do it" ─► the pending request, confirmed:
                   │     it runs exactly as asked
                   ├─ "Cancel", "no", "never mind" ─► "Cancelled: nothing was exported."
                   └─ anything else ─► None: a message of its own

>>> [reads_confirmation(said) for said in ("yes please", "Go ahead!", "cancle", "no thanks")]
[True, True, False, False]
>>> [reads_confirmation(said) for said in ("export it as pdf instead", "do not", "do it")]
[None, False, True]
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import OSA

from assistant.conversation.memory import Answer, Asked
from assistant.conversation.turn import Turn
from assistant.exports.bundles import runs_asked
from assistant.exports.plan import CONFIRM, DECLINE, ExportPlan, PlanPart, plan_export
from assistant.replies import Reply
from assistant.store import QueryRun
from intents import ExportRequest, Format, Intent, Target
from intents.vocabulary import words

__all__ = ["answer_confirmation", "history_parts", "plan_first", "reads_confirmation", "run_part"]

CANCELLED = "Cancelled: nothing was exported."

#: Words a confirmation is made of; one of the firm ones must be there.
_YES = words(
    "yes yeah yep yup y sure ok okay k go ahead do it export proceed confirm confirmed "
    "please fine continue run start that's right correct thanks thank you absolutely the this "
    "that one file"
)
_FIRM_YES = words(
    "yes yeah yep yup y sure ok okay go export proceed confirm confirmed continue run "
    "start absolutely fine do"
)
_NO = words(
    "no nope nah n cancel it don't dont do not stop abort never mind nevermind forget "
    "skip thanks thank you please leave export the this that one file"
)
_FIRM_NO = words("no nope nah n cancel don't dont not stop abort nevermind never skip")


def _words(message: str) -> list[str]:
    text = message.lower().replace("’", "'")
    return re.findall(r"[a-z']+", text)


def _known(word: str, vocabulary: frozenset[str]) -> str | None:
    """``word`` as the vocabulary spells it: exactly, or one typo off for longer words."""
    if word in vocabulary:
        return word
    if len(word) >= 4:
        near = [known for known in vocabulary if len(known) >= 4 and OSA.distance(word, known) <= 1]
        if len(near) == 1:
            return near[0]
    return None


def _all_of(said: list[str], vocabulary: frozenset[str], firm: frozenset[str]) -> bool:
    known = [_known(word, vocabulary) for word in said]
    return bool(said) and all(known) and any(word in firm for word in known)


def reads_confirmation(message: str) -> bool | None:
    """True for a yes, False for a no, None for a message of its own."""
    said = _words(message)
    if len(said) > 6:  # a sentence of its own, not an answer
        return None
    if _all_of(said, _NO, _FIRM_NO):
        return False
    if _all_of(said, _YES, _FIRM_YES):
        return True
    return None


def answer_confirmation(turn: Turn) -> Answer | None:
    """The answer to the plan's question, when the last reply asked it and this is one."""
    pending = turn.recall.pending
    if turn.recall.asked is not Asked.CONFIRM or pending is None:
        return None
    said = turn.message.strip()
    yes = True if said == CONFIRM else False if said == DECLINE else reads_confirmation(said)
    if yes is None:
        return None
    if not yes:
        return Answer(reply=Reply(text=CANCELLED))
    return Answer(request=pending.model_copy(update={"confirmed": True}))


def plan_first(
    turn: Turn, request: ExportRequest, parts: Sequence[PlanPart], shown: Reply | None = None
) -> tuple[ExportPlan | None, Answer | None]:
    """The export's plan, and the question to ask before it runs when it is large.

    ``shown`` is the reply of a question the same message asked ("export all orders as
    csv"): the question joins it, and the pending request then means its result."""
    if request.intent is not Intent.EXPORT or request.confirmed or not parts:
        return None, None
    settings = turn.scope.settings
    rows = sum(part.rows or 0 for part in parts)
    if len(parts) == 1 and rows <= min(settings.inline_export_rows, settings.confirm_export_rows):
        return None, None  # written at once: about as quick as measuring its plan would be
    zipped = request.target is Target.HISTORY and request.format is not Format.XLSX
    plan = plan_export(turn.scope, request, parts, zipped=zipped)
    if not plan.asks(settings):
        return plan, None
    pending = request
    if request.target is Target.QUERY:  # the result just shown is what "yes" exports
        pending = request.model_copy(update={"target": Target.LAST_RESULT, "query": None})
    question = plan.question()
    reply = Reply(text=question, choices=[CONFIRM, DECLINE])
    if shown is not None:
        reply = shown.model_copy(
            update={"text": f"{shown.text} {question}", "choices": [CONFIRM, DECLINE]}
        )
    return plan, Answer(reply=reply, pending=pending, asked=Asked.CONFIRM)


def run_part(run: QueryRun) -> PlanPart:
    """A query run as the plan counts it (its row count is exact: the preview counted it)."""
    return PlanPart(run.question or run.sql, run.sql, run.row_count)


def history_parts(turn: Turn, request: ExportRequest) -> list[PlanPart]:
    """The parts of a history bundle: each run of the window, numbered as the ZIP's files."""
    if request.target is not Target.HISTORY:
        return []
    runs = runs_asked(turn.scope, request)
    return [
        PlanPart(f"{index:02d} {run.question or run.sql}", run.sql, run.row_count)
        for index, run in enumerate(runs, start=1)
    ]
