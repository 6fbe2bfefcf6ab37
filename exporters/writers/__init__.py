"""Built-in format writers, one module each, registered through the public registry.

Each module exposes ``SPECS``: the :class:`~exporters.formats.FormatSpec` values it
provides. Adding a format means adding a module and listing it here.
"""

from exporters.formats import register
from exporters.writers import csv, json, jsonl, markdown, parquet, pdf, xlsx

for _module in (csv, json, jsonl, parquet, xlsx, pdf, markdown):
    for _spec in _module.SPECS:
        register(_spec)
