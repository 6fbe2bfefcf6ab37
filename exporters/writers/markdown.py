"""Placeholder: the markdown writer is being written; exporting to markdown raises for now."""

from __future__ import annotations

from typing import Any

from exporters.formats import Format, FormatSpec
from exporters.options import MarkdownOptions


def _not_yet(*args: Any) -> None:
    raise NotImplementedError("the markdown writer is not written yet")


SPECS = (
    FormatSpec(
        Format.MARKDOWN,
        "application/octet-stream",
        "markdown",
        MarkdownOptions,
        _not_yet,
        "pending",
    ),
)
