"""Turns chat messages into typed requests (see contracts/intents.md).

>>> from intents import Context, parse
>>> parse("export this as csv", Context.at("2026-11-18T15:30:00"), mode="rules").format
<Format.CSV: 'csv'>
"""

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
from intents.parse import parse

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
