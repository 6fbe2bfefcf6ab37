"""The exporter core: guarded SQL in, typed Arrow batches through, exact files out.

>>> import pyarrow as pa, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "n.jsonl"
>>> export(pa.table({"n": [1, 2]}), out, "jsonl").rows
2
"""

from exporters.bundle import BundlePart, BundleResult, export_bundle
from exporters.core import CancelToken, ExportResult, Progress, Restartable, export
from exporters.errors import (
    BadInput,
    DestinationError,
    EncodingFailed,
    ExportCancelled,
    ExporterError,
    ExportTimeout,
    InvalidQuery,
    OptionError,
    QueryRejected,
    QueryTimeout,
    SourceError,
    SourceUnavailable,
    TypesChanged,
    UnknownColumn,
    UserFacingError,
)
from exporters.formats import (
    Format,
    FormatSpec,
    WriteContext,
    WriteSummary,
    get_format,
    register,
    registered_formats,
)
from exporters.guard import CheckedQuery, check_query
from exporters.masking import MaskKind
from exporters.options import CommonOptions, parse_options
from exporters.sources import QueryStream, TimeLimits, count_rows, estimate_rows, open_query
from exporters.text import TextResult, export_text
from exporters.workbook import Sheet, SheetSummary, WorkbookResult, export_workbook

__all__ = [
    "BadInput",
    "BundlePart",
    "BundleResult",
    "CancelToken",
    "CheckedQuery",
    "CommonOptions",
    "DestinationError",
    "EncodingFailed",
    "ExportCancelled",
    "ExportResult",
    "ExportTimeout",
    "ExporterError",
    "Format",
    "FormatSpec",
    "InvalidQuery",
    "MaskKind",
    "OptionError",
    "Progress",
    "QueryRejected",
    "QueryStream",
    "QueryTimeout",
    "Restartable",
    "Sheet",
    "SheetSummary",
    "SourceError",
    "SourceUnavailable",
    "TextResult",
    "TimeLimits",
    "TypesChanged",
    "UnknownColumn",
    "UserFacingError",
    "WorkbookResult",
    "WriteContext",
    "WriteSummary",
    "check_query",
    "count_rows",
    "estimate_rows",
    "export",
    "export_bundle",
    "export_text",
    "export_workbook",
    "get_format",
    "open_query",
    "parse_options",
    "register",
    "registered_formats",
]
