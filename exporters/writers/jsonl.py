"""Placeholder: the jsonl writer is being written; exporting to jsonl raises for now."""

from __future__ import annotations

from typing import Any

from exporters.formats import Format, FormatSpec
from exporters.options import JsonlOptions


def _not_yet(*args: Any) -> None:
    raise NotImplementedError("the jsonl writer is not written yet")


SPECS = (
    FormatSpec(
        Format.JSONL, "application/octet-stream", "jsonl", JsonlOptions, _not_yet, "pending"
    ),
)
