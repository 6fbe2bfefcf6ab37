"""A reply's table preview as an Arrow table for ``st.dataframe``, worded for people.

Built column by column with Arrow rather than pandas: pandas would turn an integer column
with a NULL into floats (2**53 + 1 loyalty points would show wrong). A column whose cells
Arrow cannot type together (SQLite lets a column mix text and numbers) is shown as text,
and repeated column names (a join's two ``id``) get a suffix so every column shows.
Text cells read as people write them (:func:`assistant.cell_text`: times to the minute,
exact decimals with thousands separators); number columns keep their type, shown with
separators by :func:`column_config` (ids as they are). Files and the API keep ISO text.

>>> from assistant import TablePreview
>>> preview = TablePreview(columns=["id", "id", "points"],
...                        rows=[[1, 2, 2**53 + 1], [3, "x", None]], row_count=2)
>>> table = frame(preview)
>>> table.column_names, table.column("points").to_pylist()
(['id', 'id (2)', 'points'], [9007199254740993, None])
>>> table.column("id (2)").to_pylist()
['2', 'x']
>>> frame(TablePreview(columns=["at"], rows=[["2026-12-06T00:04:40"]], row_count=1))["at"][0]
<pyarrow.StringScalar: '2026-12-06 00:04'>
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import streamlit as st

from assistant import TablePreview, cell_text

__all__ = ["column_config", "frame"]


def frame(preview: TablePreview) -> pa.Table:
    """The preview's rows as columns, each typed by Arrow or shown as text."""
    columns = [
        _column([row[i] for row in preview.rows], name) for i, name in enumerate(preview.columns)
    ]
    return pa.Table.from_arrays(columns, names=_unique(preview.columns))


def column_config(table: pa.Table) -> dict[str, Any]:
    """Number columns shown with thousands separators, except ids."""
    return {
        field.name: st.column_config.NumberColumn(format="localized")
        for field in table.schema
        if (pa.types.is_integer(field.type) or pa.types.is_floating(field.type))
        and not _is_id(field.name)
    }


def _is_id(name: str) -> bool:
    base = name.split(" (")[0].lower()
    return base == "id" or base.endswith("_id")


def _column(values: list[Any], name: str) -> pa.Array:
    if any(isinstance(value, str) for value in values):
        return _text(values, name)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return _text(values, name)


def _text(values: list[Any], name: str) -> pa.Array:
    return pa.array(
        [None if value is None else cell_text(value, name) for value in values], pa.string()
    )


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique
