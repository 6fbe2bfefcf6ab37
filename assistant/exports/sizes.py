"""What a format will do with a result too large for it, said before the export starts.

A background export of 3 million rows takes minutes; finding only then that Excel split
it over 3 sheets, or that the PDF drew the first 100,000 rows, is too late to choose
another format. The run's row count is known when the export is asked for, and each
format says what it does beyond its natural size (:meth:`exporters.FormatSpec.size_note`):
this module turns that into the sentence the chat adds to "That is 3,060,840 rows, so I
am exporting it in the background".

The count is the query run's (a ``limit`` said in chat lowers it); a source that changed
since may give a few rows more or less, so the sentence speaks of "this result".
"""

from __future__ import annotations

from assistant.exports.writing import options_for
from assistant.scope import UserScope
from assistant.store import QueryRun
from exporters import ExporterError, get_format, parse_options
from intents.models import ExportRequest

__all__ = ["size_note", "size_warning"]


def size_warning(scope: UserScope, request: ExportRequest, run: QueryRun) -> str:
    """ "Excel holds 1,048,576 rows per sheet, so the file will have 3 sheets." — or ''
    when the file holds every row as asked. (The reply it joins says the row count.)"""
    if request.format is None or run.row_count is None:
        return ""
    rows = run.row_count if request.limit is None else min(run.row_count, request.limit)
    return size_note(scope, request, rows)


def size_note(scope: UserScope, request: ExportRequest, rows: int) -> str:
    """What ``request``'s format does with ``rows`` rows (a sentence), or ''."""
    if request.format is None:
        return ""
    spec = get_format(request.format)
    try:
        note = spec.size_note(rows, parse_options(spec.options, options_for(scope, request)))
    except ExporterError:  # options the export itself will refuse, saying why
        return ""
    return f"{note[0].upper()}{note[1:]}." if note else ""
