"""What `make run` shows until the chat exists: the demo data exported in every format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from exporters import ExportResult, export, open_query, registered_formats

QUERY = (
    "SELECT o.id, o.created_at, o.order_date, c.name AS customer, c.email, o.city, o.status,"
    " o.total, o.discount, o.shipped, o.note FROM orders o JOIN customers c"
    " ON c.id = o.customer_id ORDER BY o.id"
)

# Enough rows to see every kind of value; a 50,000-row PDF would only take longer to look at.
OPTIONS: dict[str, object] = {"title": "Orders", "limit": 10_000}


def export_every_format(database: Path, folder: Path) -> Iterator[ExportResult]:
    """Export :data:`QUERY` on ``database`` once per registered format into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in registered_formats():
        with open_query(f"sqlite:///{database}", QUERY) as stream:
            out = folder / f"orders.{spec.extension}"
            yield export(stream, out, spec.format, OPTIONS, query=stream.query.sql)
