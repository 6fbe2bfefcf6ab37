"""One function from a chat message to one typed request: rules first, an LLM when unsure.

Routing (``mode``):
- ``rules``: the offline rules only; never touches the network.
- ``llm``: always ask the LLM, with the rules' answer as the fallback.
- ``auto`` (default): the rules answer when they are confident or no LLM is configured;
  otherwise the LLM is asked and any failure falls back to the rules' answer.

The LLM is the :class:`~intents.toolcall.LLM` seam the caller passes (the assistant builds
one per process from its settings); without one, ``python -m intents``'s environment
(:meth:`~intents.toolcall.LLMConfig.from_env`) configures one for this call.
"""

from __future__ import annotations

from typing import Literal

from intents.context import Context
from intents.llm import parse_llm
from intents.models import ExportRequest, Intent
from intents.rules import RulesResult, parse_rules
from intents.toolcall import LLM, LLMConfig

Mode = Literal["rules", "llm", "auto"]

# Nobody types more in a chat box; the cap bounds the time a pasted novel can take.
MAX_MESSAGE_CHARS = 4_000


def parse(
    message: str,
    context: Context,
    *,
    mode: Mode = "auto",
    llm: LLM | None = None,
) -> ExportRequest:
    """How the assistant understands ``message`` in ``context``.

    >>> context = Context.at("2026-11-18T15:30:00")
    >>> parse("export this as a spreadsheet", context, mode="rules").format
    <Format.XLSX: 'xlsx'>
    """
    message = message[:MAX_MESSAGE_CHARS]
    rules = parse_rules(message, context)
    if mode == "rules":
        return rules.request
    if llm is None:
        with LLM(LLMConfig.from_env()) as own:
            return _routed(message, context, rules, mode, own)
    return _routed(message, context, rules, mode, llm)


def _routed(
    message: str, context: Context, rules: RulesResult, mode: Mode, llm: LLM
) -> ExportRequest:
    """The rules' answer when ``auto`` trusts them (or no LLM is configured), else the LLM's."""
    if mode == "auto" and (rules.confident or not llm.enabled):
        return rules.request
    answer = parse_llm(message, context, rules.request, llm).request
    if rules.request.mask and answer.intent in (Intent.EXPORT, Intent.SCHEDULE):
        # The tool schema has no masks: what the rules read must never be dropped silently.
        answer = answer.model_copy(update={"mask": {**rules.request.mask, **(answer.mask or {})}})
    return _wall_clock(answer, context)


def _wall_clock(request: ExportRequest, context: Context) -> ExportRequest:
    """Time windows as naive wall-clock times in the user's zone, whoever produced them."""
    changes = {}
    for key in ("since", "until"):
        value = getattr(request, key)
        if value is not None and value.tzinfo is not None:
            changes[key] = value.astimezone(context.zone).replace(tzinfo=None)
    return request.model_copy(update=changes) if changes else request
