"""Placeholder: the xlsx writer is being written; exporting to xlsx raises for now."""

from __future__ import annotations

from typing import Any

from exporters.formats import Format, FormatSpec
from exporters.options import XlsxOptions


def _not_yet(*args: Any) -> None:
    raise NotImplementedError("the xlsx writer is not written yet")


SPECS = (
    FormatSpec(Format.XLSX, "application/octet-stream", "xlsx", XlsxOptions, _not_yet, "pending"),
)
