"""From what a message says to a request: the format to use and the question to ask.

Shared by the fresh parse (``rules``) and by follow-ups and answers (``followup``), so a
request is completed the same way however it came about: one clarifying question at a
time, the most basic first (what to export, then the format, then when to run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from intents.context import Context
from intents.cues import Scan
from intents.models import ExportRequest, Format, Intent, Target
from intents.vocabulary import (
    FORMAT_LABELS,
    FORMAT_QUESTION,
    FormatHit,
    Slot,
    unsupported_question,
)

__all__ = [
    "DESTINATION_CHOICES",
    "TARGET_QUESTION",
    "WHEN_QUESTION",
    "FormatChoice",
    "RulesResult",
    "ask",
    "choose_format",
    "default_target",
    "destination_question",
]

TARGET_QUESTION = (
    "There is no result on screen yet. What should I export: the answer to a question "
    '(for example "orders from Berlin"), your past results ("everything from today") '
    "or this conversation?"
)
DESTINATION_CHOICES = ["Download", "Email"]
WHEN_QUESTION = 'When should it run? For example "every Monday at 9am" or "daily at 18:00".'
_ALL_CHOICES = list(FORMAT_LABELS.values())


@dataclass(frozen=True)
class RulesResult:
    """The rules' reading of a message; ``confident=False`` invites a second opinion.

    The router asks an LLM (when one is configured) when the rules are not confident and
    keeps ``request`` as the fallback.
    """

    request: ExportRequest
    confident: bool


@dataclass(frozen=True)
class FormatChoice:
    """The format a message asks for, or the question to ask when it is not clear."""

    format: Format | None = None
    options: dict[str, Any] = field(default_factory=dict)
    question: str | None = None  # two formats offered, or one we cannot make
    choices: list[str] | None = None

    @property
    def named(self) -> bool:
        """Whether the message said anything about a format at all."""
        return self.format is not None or self.question is not None


def _join_or(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def choose_format(scan: Scan) -> FormatChoice:
    """The one format asked for; a question when two are offered or one cannot be made.

    A format named in a slot ("as csv", "a spreadsheet") wins over one merely mentioned
    ("convert this csv to excel" → Excel); negated ones ("not csv") never count.
    """
    hits = [hit for hit in scan.formats if not hit.negated]
    said = scan.options.options  # options in words (#16): carried whatever the format
    pool = [hit for hit in hits if hit.slot >= Slot.ARTICLE] or [
        hit for hit in hits if hit.format is not None
    ]
    supported: list[FormatHit] = []
    for hit in pool:
        if hit.format is not None and all(hit.format != seen.format for seen in supported):
            supported.append(hit)
    if len(supported) == 1:
        return FormatChoice(supported[0].format, {**dict(supported[0].options), **said})
    if len(supported) > 1:
        labels = [FORMAT_LABELS[hit.format] for hit in supported if hit.format is not None]
        return FormatChoice(
            options=dict(said),
            question=f"Which one would you like: {_join_or(labels)}?",
            choices=labels,
        )
    unsupported = [hit for hit in pool if hit.format is None]
    if unsupported:
        return FormatChoice(
            options=dict(said),
            question=unsupported_question(unsupported[0]),
            choices=_ALL_CHOICES,
        )
    return FormatChoice(scan.options.implies, dict(said))  # "with semicolons": a CSV


def destination_question(place: str) -> str:
    """What to say when asked to deliver somewhere we cannot ("Slack", "S3")."""
    return (
        f"I can't deliver files to {place}. I can offer the file as a download or send it "
        "by email: which would you like?"
    )


def ask(
    request: ExportRequest,
    context: Context,
    choice: FormatChoice | None = None,
    *,
    elsewhere: str | None = None,
) -> ExportRequest:
    """``request`` with ``clarify``/``choices`` set to the one question still open (or none).

    The order: what to export, then a destination we cannot deliver to (``elsewhere``,
    named back), then the format. A saved default format stands in for a format nobody
    named; a format question from ``choice`` (ambiguous or impossible format) is asked
    even then.
    """
    question: str | None = None
    choices: list[str] | None = None
    update: dict[str, object] = {}
    if request.intent in (Intent.EXPORT, Intent.SCHEDULE):
        if request.target is None:
            question = TARGET_QUESTION
        elif elsewhere is not None:
            question, choices = destination_question(elsewhere), list(DESTINATION_CHOICES)
            if request.format is None and context.preferences.default_format is not None:
                update["format"] = context.preferences.default_format
        elif choice is not None and choice.question:
            question, choices = choice.question, choice.choices
            update["format"] = None
        elif request.format is None and context.preferences.default_format is not None:
            update["format"] = context.preferences.default_format
        elif request.format is None:
            question, choices = FORMAT_QUESTION, list(_ALL_CHOICES)
        if question is None and request.intent is Intent.SCHEDULE and request.cron is None:
            question = WHEN_QUESTION
    update.update(clarify=question, choices=choices)
    return request.model_copy(update=update)


def default_target(context: Context) -> Target | None:
    """What "it" means when nothing else was named: the result on screen, if there is one."""
    return Target.LAST_RESULT if context.has_result else None
