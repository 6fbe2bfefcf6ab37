"""Wide tables in PDF: every header and value whole, columns continued on further pages.

Read back with poppler's pdftotext: a header or value counts as whole when it is one word
of the extracted text, so a cell cut or broken across lines fails.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from exporters import export
from tests.exporters.test_pdf import PINNED, pdftotext

# Column names of the kind real wide tables have: short codes and long descriptive names.
NAMES = [
    "id",
    "customer_id",
    "customer_shipping_address_line_2",
    "created_at",
    "qty",
    "unit_price_including_value_added_tax",
    "status",
    "is_active",
    "x",
    "last_modified_by_user_email",
]


def sixty_columns(rows: int) -> pa.Table:
    names = [f"{NAMES[i % len(NAMES)]}_{i}" for i in range(60)]
    return pa.table({name: [f"v{i}r{r}" for r in range(rows)] for i, name in enumerate(names)})


def words(pages: list[str]) -> list[set[str]]:
    return [set(page.split()) for page in pages]


def test_every_header_of_sixty_columns_appears_whole(tmp_path: Path) -> None:
    table = sixty_columns(3)
    export(table, tmp_path / "out.pdf", "pdf", PINNED)
    found = set().union(*words(pdftotext(tmp_path / "out.pdf")))
    for name in table.column_names:
        assert name in found, name
    for column in table.columns:  # and every value
        for value in column.to_pylist():
            assert value in found, value


def test_columns_that_do_not_fit_continue_on_noted_pages(tmp_path: Path) -> None:
    table = sixty_columns(200)  # several bands of rows, each over several pages
    export(table, tmp_path / "out.pdf", "pdf", PINNED)
    pages = pdftotext(tmp_path / "out.pdf")
    spans = [re.search(r"Columns (\d+)–(\d+) of 60", page) for page in pages]
    assert all(spans), "every page says which columns it holds"
    groups = sorted({(int(m[1]), int(m[2])) for m in spans if m})
    assert groups[0][0] == 1 and groups[-1][1] == 60 and len(groups) > 2
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(groups))
    first_name = table.column_names[0]
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"Page {number} of\s*{len(pages)}\b", page)
        assert first_name in page.split()  # the first column on every page
        group = spans[number - 1]
        assert group is not None
        if group[1] != "1":
            continued = re.search(r"continued from page (\d+)", page)
            assert continued is not None
            band = pages[int(continued[1]) - 1]  # the same rows as the band's first page
            rows = {w for w in page.split() if w.startswith("v0r")}
            assert rows == {w for w in band.split() if w.startswith("v0r")}
        else:
            assert "continue on the next pages" in page
    drawn = [w for page in pages for w in page.split() if re.fullmatch(r"v\d+r\d+", w)]
    assert len(set(drawn)) == 60 * 200
    header_pages = [page for page in pages if table.column_names[-1] in page.split()]
    assert len(header_pages) == len(pages) // len(groups)  # the last group's header, per band


def test_uuids_and_timestamps_of_twenty_five_columns_are_not_cut(tmp_path: Path) -> None:
    columns: dict[str, list[object]] = {}
    for i in range(25):
        if i % 3 == 0:
            columns[f"uuid_{i}"] = [uuid.uuid5(uuid.NAMESPACE_DNS, f"{i}.{r}") for r in range(30)]
        elif i % 3 == 1:
            columns[f"created_at_{i}"] = [
                dt.datetime(2026, 3, 29, 1, 30, r, 123456, tzinfo=dt.UTC) for r in range(30)
            ]
        else:
            columns[f"note_{i}"] = [f"a short note {r}" for r in range(30)]
    table = pa.table(
        {
            name: [str(v) for v in values] if name.startswith("uuid") else values
            for name, values in columns.items()
        }
    )
    export(table, tmp_path / "out.pdf", "pdf", PINNED)
    found = set().union(*words(pdftotext(tmp_path / "out.pdf")))
    for name, values in columns.items():
        assert name in found
        for value in values:
            if isinstance(value, dt.datetime):
                assert value.isoformat() in found, value
            elif isinstance(value, uuid.UUID):
                assert str(value) in found, value


@pytest.mark.parametrize("page_size", ["A4", "letter"])
def test_columns_never_narrower_than_their_header(tmp_path: Path, page_size: str) -> None:
    names = [f"a_rather_long_column_name_{i:02d}" for i in range(30)]
    table = pa.table({name: [1, 2] for name in names})
    export(table, tmp_path / "out.pdf", "pdf", {**PINNED, "page_size": page_size})
    found = set().union(*words(pdftotext(tmp_path / "out.pdf")))
    assert set(names) <= found


def test_a_table_that_fits_has_no_continuation(tmp_path: Path) -> None:
    table = pa.table({name: ["value"] for name in NAMES[:6]})
    export(table, tmp_path / "out.pdf", "pdf", PINNED)
    (page,) = pdftotext(tmp_path / "out.pdf")
    assert "Columns" not in page and "continued" not in page
