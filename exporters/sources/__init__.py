"""Read one guarded query as a stream of typed Arrow record batches."""

from exporters.sources.base import QueryStream, count_rows, estimate_rows, open_query
from exporters.sources.limits import TimeLimits

__all__ = ["QueryStream", "TimeLimits", "count_rows", "estimate_rows", "open_query"]
