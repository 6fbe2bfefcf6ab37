"""Built-in format writers, one module each, registered through the public registry.

Each module exposes ``SPECS``: the :class:`~exporters.formats.FormatSpec` values it
provides. Adding a format means adding a module and listing it in :data:`MODULES`. A
module is imported, and its specs registered, when one of its formats is first looked
up: a CSV export does not load the XLSX, PDF, Markdown and JSON writers (~20 ms of
every start-up).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable

from exporters.formats import Format, register

#: Each built-in format's module in this package.
MODULES = {
    Format.CSV: "csv",
    Format.TSV: "csv",
    Format.JSON: "json",
    Format.JSONL: "jsonl",
    Format.PARQUET: "parquet",
    Format.XLSX: "xlsx",
    Format.PDF: "pdf",
    Format.MARKDOWN: "markdown",
}
_loaded: set[str] = set()
_lock = threading.RLock()  # two first look-ups at once register the specs once


def load(formats: Iterable[Format]) -> None:
    """Register the built-in writers of ``formats``, each module's once."""
    with _lock:
        for name in dict.fromkeys(MODULES[f] for f in formats if f in MODULES):
            if name not in _loaded:
                module = importlib.import_module(f"{__name__}.{name}")
                for spec in module.SPECS:
                    register(spec)
                _loaded.add(name)
