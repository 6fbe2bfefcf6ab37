"""Export files under storage: where one goes, what it is called, and its store row.

An export's file lives at ``storage_dir/<export id>/<file name>``: the id folder keeps two
exports of the same name apart and lets cleanup remove one export whole. The name says
what and when (``orders-2026-11-18.xlsx``); the extension comes from the exporter
registry, never from a table here, and compression adds ``.zip`` or ``.gz``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path, PurePath

from exporters import get_format
from intents.models import Compression, Format

__all__ = [
    "OCTET_STREAM",
    "export_folder",
    "export_path",
    "file_name",
    "media_type_for",
    "stem_for",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def stem_for(tables: list[str], day: dt.date) -> str:
    """``orders-2026-11-18``: the query's first table (``result`` if none) and the day.

    >>> stem_for(["orders", "customers"], dt.date(2026, 11, 18))
    'orders-2026-11-18'
    """
    name = _UNSAFE.sub("_", tables[0]).strip("._") if tables else ""
    return f"{name or 'result'}-{day.isoformat()}"


def file_name(stem: str, format: Format | str, compression: Compression | None = None) -> str:
    """The file name for ``stem`` in ``format``, with the compression's suffix.

    >>> file_name("orders-2026-11-18", "csv", Compression.GZIP)
    'orders-2026-11-18.csv.gz'
    """
    spec = get_format(format)
    name = f"{stem}.{spec.extension}"
    if compression is Compression.ZIP and spec.compressible:
        name += ".zip"
    elif compression is Compression.GZIP and spec.compressible:
        name += ".gz"
    return name


def export_path(storage_dir: Path, export_id: str, name: str) -> Path:
    """The absolute path of export ``export_id``'s file (its folder is created)."""
    return export_folder(storage_dir, export_id) / name


def export_folder(storage_dir: Path, export_id: str) -> Path:
    """The absolute path of export ``export_id``'s folder, created if missing."""
    folder = (storage_dir / export_id).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "ndjson": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "markdown": "text/markdown; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "zip": "application/zip",
    "gz": "application/gzip",
}
OCTET_STREAM = "application/octet-stream"


def media_type_for(file_name: str) -> str:
    """The Content-Type for a file, from its last suffix (so ``x.csv.gz`` is gzip).

    A bare format name without a dot (``"csv"``, ``"markdown"``) works too; anything
    unknown is ``application/octet-stream``.

    >>> media_type_for("report.csv")
    'text/csv; charset=utf-8'
    >>> media_type_for("report.csv.gz")
    'application/gzip'
    >>> media_type_for("markdown")
    'text/markdown; charset=utf-8'
    """
    suffix = PurePath(file_name).suffix
    key = suffix[1:] if suffix else file_name.lstrip(".")
    return _MEDIA_TYPES.get(key.lower(), OCTET_STREAM)
