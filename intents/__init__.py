"""Turns chat messages into typed requests (see docs/intents-cli.md).

The request model (:mod:`intents.models`) and the context load at once; the parser
(:func:`parse`, with its rules and the LLM client) loads on first use, so a process that
only reads stored requests (an export worker) never loads it.

>>> from intents import Context, parse
>>> parse("export this as csv", Context.at("2026-11-18T15:30:00"), mode="rules").format
<Format.CSV: 'csv'>
"""

from typing import TYPE_CHECKING, Any

from intents.context import Context
from intents.models import (
    Compression,
    Destination,
    ExportRequest,
    Format,
    Intent,
    Preferences,
    Target,
)

if TYPE_CHECKING:
    from intents.parsing import parse

__all__ = [
    "Compression",
    "Context",
    "Destination",
    "ExportRequest",
    "Format",
    "Intent",
    "Preferences",
    "Target",
    "parse",
]


def __getattr__(name: str) -> Any:
    if name == "parse":
        from intents.parsing import parse

        return parse
    raise AttributeError(f"module 'intents' has no attribute {name!r}")
