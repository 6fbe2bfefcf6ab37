"""Placeholder: the pdf writer is being written; exporting to pdf raises for now."""

from __future__ import annotations

from typing import Any

from exporters.formats import Format, FormatSpec
from exporters.options import PdfOptions


def _not_yet(*args: Any) -> None:
    raise NotImplementedError("the pdf writer is not written yet")


SPECS = (
    FormatSpec(Format.PDF, "application/octet-stream", "pdf", PdfOptions, _not_yet, "pending"),
)
