"""A reply's table preview as an Arrow table for ``st.dataframe``.

Built column by column with Arrow rather than pandas: pandas would turn an integer column
with a NULL into floats (2**53 + 1 loyalty points would show wrong). A column whose cells
Arrow cannot type together (SQLite lets a column mix text and numbers) is shown as text,
and repeated column names (a join's two ``id``) get a suffix so every column shows.

>>> from assistant import TablePreview
>>> preview = TablePreview(columns=["id", "id", "points"],
...                        rows=[[1, 2, 2**53 + 1], [3, "x", None]], row_count=2)
>>> table = frame(preview)
>>> table.column_names, table.column("points").to_pylist()
(['id', 'id (2)', 'points'], [9007199254740993, None])
>>> table.column("id (2)").to_pylist()
['2', 'x']
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from assistant import TablePreview

__all__ = ["frame"]


def frame(preview: TablePreview) -> pa.Table:
    """The preview's rows as columns, each typed by Arrow or shown as text."""
    columns = [_column([row[i] for row in preview.rows]) for i in range(len(preview.columns))]
    return pa.Table.from_arrays(columns, names=_unique(preview.columns))


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if value is None else str(value) for value in values], pa.string())


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique
