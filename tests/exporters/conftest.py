"""Shared fixtures: small tables of the values that break naive exporters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

UTC = dt.UTC


def nasty_table() -> pa.Table:
    """Seven rows covering every type and the awkward values of each."""
    return pa.table(
        {
            "id": pa.array([1, 2, 3, 4, 5, 6, 9_007_199_254_740_993], pa.int64()),
            "name": pa.array(
                [
                    "Ada Lovelace",
                    'Quote "q" and, comma',
                    "Line\nbreak\r\nCRLF",
                    "Дмитрий Ж",
                    "王小明",
                    "",
                    None,
                ],
                pa.string(),
            ),
            "formula": pa.array(
                ["=1+2", "+49 30 1234", "-12.5", "@SUM(A1)", "'=already", " =spaced", None],
                pa.string(),
            ),
            "amount": pa.array(
                [
                    Decimal("12.30"),
                    Decimal("-0.05"),
                    Decimal("0.00"),
                    None,
                    Decimal("9999999999.99"),
                    Decimal("1.10"),
                    Decimal("-123.45"),
                ],
                pa.decimal128(12, 2),
            ),
            "ratio": pa.array([0.5, 1 / 3, -2.0, None, 1e20, 0.1, 123456.789], pa.float64()),
            "active": pa.array([True, False, None, True, False, True, False], pa.bool_()),
            "day": pa.array(
                [
                    dt.date(2026, 11, 18),
                    dt.date(1999, 12, 31),
                    None,
                    dt.date(2024, 2, 29),
                    dt.date(1970, 1, 1),
                    dt.date(2026, 3, 29),
                    dt.date(2000, 1, 1),
                ],
                pa.date32(),
            ),
            "created_at": pa.array(
                [
                    dt.datetime(2026, 11, 18, 15, 30, 0),
                    dt.datetime(2026, 3, 29, 1, 30, 5),
                    dt.datetime(2026, 10, 25, 2, 15, 0, 250000),
                    None,
                    dt.datetime(1999, 12, 31, 23, 59, 59),
                    dt.datetime(2026, 1, 1),
                    dt.datetime(2026, 6, 30, 12, 0),
                ],
                pa.timestamp("us"),
            ),
            "paid_at": pa.array(
                [
                    dt.datetime(2026, 11, 18, 14, 30, tzinfo=UTC),
                    None,
                    dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
                    dt.datetime(2026, 1, 1, tzinfo=UTC),
                    dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
                    None,
                    dt.datetime(2026, 12, 24, 18, 0, tzinfo=UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )


@pytest.fixture
def nasty() -> pa.Table:
    return nasty_table()


@pytest.fixture
def small() -> pa.Table:
    """A tiny, friendly table for literal expected-output tests."""
    return pa.table(
        {
            "id": pa.array([1, 2], pa.int64()),
            "name": pa.array(["Ada", 'Bob "B", Jr.'], pa.string()),
            "total": pa.array([Decimal("10.50"), None], pa.decimal128(10, 2)),
        }
    )
