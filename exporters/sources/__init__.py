"""Read one guarded query as a stream of typed Arrow record batches."""

from exporters.sources.base import QueryStream, count_rows, open_query

__all__ = ["QueryStream", "count_rows", "open_query"]
