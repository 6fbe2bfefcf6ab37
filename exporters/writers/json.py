"""Placeholder: the json writer is being written; exporting to json raises for now."""

from __future__ import annotations

from typing import Any

from exporters.formats import Format, FormatSpec
from exporters.options import JsonOptions


def _not_yet(*args: Any) -> None:
    raise NotImplementedError("the json writer is not written yet")


SPECS = (
    FormatSpec(Format.JSON, "application/octet-stream", "json", JsonOptions, _not_yet, "pending"),
)
