"""Templates by chat: "save this as template weekly-sales", "export with template weekly-sales".

A template is a named :class:`~intents.ExportRequest` that re-asks its question: it keeps
the last result's question (so using it later reads fresh data, through the guard again)
and the last export's format and options in this conversation. Using one is an export of
target ``query``; a template of another user that was shared is found too
(:func:`~assistant.store.find_template`), and never changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from assistant.conversation.memory import Answer, Recall
from assistant.conversation.words import LABELS
from assistant.errors import InvalidInput
from assistant.replies import Reply
from assistant.scope import UserScope
from assistant.store import (
    Export,
    Preference,
    QueryRun,
    find_template,
    own_template,
    visible_templates,
)
from intents import ExportRequest, Format, Intent, Target

__all__ = ["SAVE", "USE", "TemplateInfo", "list_templates", "save_template", "use_template"]

_NAME = r"[\"“']?([\w][\w.-]{0,99})[\"”']?"
SAVE = re.compile(
    r"\bsave\s+(?:this|it|that)?\s*as\s+(?:a\s+)?template\s+(?:called\s+|named\s+)?" + _NAME, re.I
)
USE = re.compile(
    r"\b(?:export|run|use)\s+(?:it\s+)?(?:with|using|from)?\s*(?:the\s+)?template\s+"
    r"(?:called\s+|named\s+)?" + _NAME,
    re.I,
)


def save_template(scope: UserScope, recall: Recall, name: str) -> str:
    """Save the last result's question (with the last export's settings) as ``name``."""
    with scope.sessions.begin() as session:
        run_id = recall.query_run_id
        run = None if run_id is None else session.get(QueryRun, run_id)
        if run is None or not run.question:
            raise InvalidInput(
                "There is no result to save yet. Ask a question first, then "
                "say “save this as template NAME”."
            )
        export_id = recall.export_id
        last = None
        if export_id is not None:
            last = session.scalar(select(Export.request).where(Export.id == export_id))
        base = (
            ExportRequest(intent=Intent.EXPORT)
            if last is None
            else (ExportRequest.model_validate(last))
        )
        request = base.model_copy(
            update={
                "target": Target.QUERY,
                "query": run.question,
                "clarify": None,
                "choices": None,
                "since": None,
                "until": None,
            }
        )
        data = request.model_dump(mode="json")
        own_template(session, scope.user_id, name, data).request = data
    what = f"“{run.question}”" + (f" as {request.format.value}" if request.format else "")
    return f"Saved template “{name}”: {what}. Say “export with template {name}” to run it again."


def use_template(scope: UserScope, name: str) -> Answer:
    """Export with template ``name``; without a saved format, ask for one first.

    Another user's shared template is found too; a missing one is NotFound."""
    with scope.sessions() as session:
        request = ExportRequest.model_validate(find_template(session, scope.user_id, name).request)
        default = session.scalar(
            select(Preference.default_format).where(Preference.owner_id == scope.user_id)
        )
    if request.format is not None:
        return Answer(request=request)
    if default is not None:
        return Answer(request=request.model_copy(update={"format": Format(default)}))
    choices = list(LABELS.values())
    question = f"Which format would you like: {', '.join(choices)}?"
    asking = request.model_copy(update={"clarify": question, "choices": choices})
    return Answer(reply=Reply(text=question, choices=choices), pending=asking)


@dataclass(frozen=True)
class TemplateInfo:
    """A template as a face lists it; ``mine`` is False for another user's shared one."""

    name: str
    shared: bool
    mine: bool
    request: ExportRequest


def list_templates(scope: UserScope) -> list[TemplateInfo]:
    """The user's templates and those others shared, by name."""
    with scope.sessions() as session:
        return [
            TemplateInfo(
                t.name,
                t.shared,
                t.owner_id == scope.user_id,
                ExportRequest.model_validate(t.request),
            )
            for t in visible_templates(session, scope.user_id)
        ]
