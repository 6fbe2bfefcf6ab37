"""PDF export, read back with pypdf and poppler: text, pages, layout and reproducibility.

The poppler helpers here (:func:`pdftotext`, :func:`pdffonts`) serve the other PDF test
modules too. A test may skip when poppler-utils is missing, except under CI, where the
README promises it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pypdf
import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from exporters import ExporterError, ExportResult, OptionError, export
from exporters.writers.pdf_fonts import font_file

PINNED = {"generated_at": dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)}

# Every non-null value of the `nasty` fixture as the PDF shows it (multi-line cells by line).
NASTY_TEXT = [
    "1", "2", "3", "4", "5", "6", "9007199254740993",
    "Ada Lovelace", 'Quote "q" and, comma', "Line", "break", "CRLF", "Дмитрий Ж", "王小明",
    "=1+2", "+49 30 1234", "-12.5", "@SUM(A1)", "'=already", " =spaced",
    "12.30", "-0.05", "0.00", "9999999999.99", "1.10", "-123.45",
    "0.5", "0.3333333333333333", "-2", "1e+20", "0.1", "123456.789",
    "true", "false",
    "2026-11-18", "1999-12-31", "2024-02-29", "1970-01-01", "2026-03-29", "2000-01-01",
    "2026-11-18T15:30:00", "2026-03-29T01:30:05", "2026-10-25T02:15:00.250000",
    "1999-12-31T23:59:59", "2026-01-01T00:00:00", "2026-06-30T12:00:00",
    "2026-11-18T14:30:00+00:00", "2026-07-01T08:00:00+00:00", "2026-01-01T00:00:00+00:00",
    "2026-03-29T00:59:59+00:00", "2026-12-24T18:00:00+00:00",
]  # fmt: skip


def poppler(tool: str) -> str:
    """The path of a poppler tool; skip the test without it, fail it under CI."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing: install poppler-utils")
        pytest.skip(f"{tool} is missing: install poppler-utils")
    return path


def pdftotext(path: Path, *args: str) -> list[str]:
    """The text of each page as poppler's pdftotext reads it, without the embedding marks
    (U+202A-U+202E) it wraps right-to-left runs in."""
    out = subprocess.run(
        [poppler("pdftotext"), "-enc", "UTF-8", *args, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub("[\u202a-\u202e]", "", out).split("\f")[:-1]


def pdffonts(path: Path) -> list[dict[str, str]]:
    """Each font of the file as pdffonts lists it: name, type, emb, sub, uni."""
    out = subprocess.run(
        [poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    rows = out.splitlines()[2:]  # after the header and its rule
    fonts = []
    for row in rows:
        name, rest = row.split(" ", 1)
        # name, type (may hold spaces), encoding, emb, sub, uni, object id, generation
        *kind, _encoding, emb, sub, uni, _object, _generation = rest.split()
        fonts.append({"name": name, "type": " ".join(kind), "emb": emb, "sub": sub, "uni": uni})
    return fonts


def write(tmp_path: Path, table: pa.Table, **options: Any) -> tuple[pypdf.PdfReader, ExportResult]:
    path = tmp_path / "out.pdf"
    result = export(table, path, "pdf", {**PINNED, **options}, query="select * from things")
    return pypdf.PdfReader(path), result


def text_of(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def numbered(rows: int) -> pa.Table:
    return pa.table({"n": range(rows), "label": [f"r{i:04d}" for i in range(rows)]})


def test_nasty_values_title_and_header_extract_as_written(tmp_path: Path, nasty: pa.Table) -> None:
    reader, result = write(tmp_path, nasty, title="Nasty Things", metadata=True)
    (page,) = text_of(reader)
    assert result.rows == 7
    assert page.startswith("Nasty Things\n")
    for name in nasty.column_names:
        assert name in page
    for value in NASTY_TEXT:
        assert value in page, value
    assert "Ada Lovelace =1+2 12.30 0.5 true 2026-11-18 2026-11-18T15:30:00" in page  # row order
    assert "Query select * from things" in page
    assert "Generated 2026-11-23T10:00:00+00:00" in page
    assert re.search(r"Rows\s*7\b", page)


def test_pdftotext_reads_the_cells(tmp_path: Path, nasty: pa.Table) -> None:
    write(tmp_path, nasty, title="Nasty Things")
    (out,) = pdftotext(tmp_path / "out.pdf", "-layout")
    for value in ("Дмитрий Ж", 'Quote "q" and, comma', "=1+2", "9999999999.99", "王小明"):
        assert value in out


def test_markup_is_shown_literally_and_pulls_nothing_in(tmp_path: Path) -> None:
    values = [
        "<b>x</b>",
        '<img src="/etc/passwd"/>',
        '<font color="red">r</font>',
        "&amp; &lt;",
        "<a href='file:///etc/passwd'>link</a>",
        "(unbalanced \\ paren",
    ]
    reader, _ = write(tmp_path, pa.table({"html": values}), title="<i>not italic</i>")
    (page,) = text_of(reader)
    assert page.startswith("<i>not italic</i>\n")
    for value in values:
        assert value in page
    assert "root:" not in page
    for page_object in reader.pages:
        assert "/Annots" not in page_object
        resources: Any = page_object["/Resources"]
        xobjects = resources.get("/XObject", {})
        assert all(x.get_object()["/Subtype"] == "/Form" for x in xobjects.values())


def test_header_repeats_on_every_page_with_page_numbers(tmp_path: Path) -> None:
    reader, result = write(tmp_path, numbered(200))
    pages = text_of(reader)
    assert result.rows == 200 and result.note is None
    assert len(pages) >= 3
    assert pages[0].startswith("Things\nn label\n")
    for number, page in enumerate(pages, start=1):
        assert number == 1 or page.startswith("n label\n")
        assert re.search(rf"Page {number} of\s*{len(pages)}\b", page)
    assert "r0000" in pages[0] and "r0199" in pages[-1]
    assert sum(page.count("r0") for page in pages) == 200


def test_rows_past_max_rows_are_counted_and_noted(tmp_path: Path) -> None:
    reader, result = write(tmp_path, numbered(50), max_rows=10, metadata=True)
    pages = text_of(reader)
    text = "".join(pages)
    assert result.rows == 10
    assert result.note == "Showing the first 10 of 50 rows"
    assert "Showing the first 10 of 50 rows (max_rows=10)." in pages[-1]
    assert re.search(r"Rows\s*50 \(the first 10 are shown\)", pages[0])
    assert "r0009" in text and "r0010" not in text


def test_empty_result_still_shows_title_and_header(tmp_path: Path) -> None:
    reader, result = write(tmp_path, numbered(0), title="Nothing here")
    (page,) = text_of(reader)
    assert result.rows == 0
    assert page.startswith("Nothing here\n")
    assert "n label" in page and "No rows." in page


def test_metadata_block_only_when_asked(tmp_path: Path) -> None:
    reader, _ = write(tmp_path, numbered(3))
    (page,) = text_of(reader)
    assert page.startswith("Things\n")
    assert "Generated" not in page and "select" not in page
    assert reader.metadata is not None and reader.metadata.subject == ""


def test_long_cells_wrap_then_end_with_an_ellipsis(tmp_path: Path) -> None:
    long = " ".join(f"word{i}" for i in range(2000))
    table = pa.table({"id": [1, 2], "text": ["short", long], "more": ["x", "y"]})
    reader, _ = write(tmp_path, table)
    (page,) = text_of(reader)
    assert "word0 word1" in page
    assert "word1999" not in page
    assert "…" in page


def cell_edges(reader: pypdf.PdfReader, pattern: str) -> list[tuple[float, float]]:
    """(left, right) of each body text run matching ``pattern`` on the first page."""
    edges = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if re.fullmatch(pattern, text.strip()) and tm[5] > 2 * 36:  # above the footer
            left = tm[4]
            edges.append((left, left + stringWidth(text.strip(), "DejaVuSans", 8)))

    reader.pages[0].extract_text(visitor_text=visit)
    return edges


def test_numbers_align_right_and_text_left(tmp_path: Path) -> None:
    reader, _ = write(tmp_path, pa.table({"n": [1, 22, 333, -4444]}))
    rights = [right for _, right in cell_edges(reader, r"-?\d+")]
    assert len(rights) == 4 and max(rights) - min(rights) < 0.05
    reader, _ = write(tmp_path, pa.table({"s": ["a", "bb", "ccc"]}))
    lefts = [left for left, _ in cell_edges(reader, r"a|bb|ccc")]
    assert len(lefts) == 3 and max(lefts) == min(lefts)


def test_nulls_show_the_null_option(tmp_path: Path) -> None:
    reader, _ = write(tmp_path, pa.table({"a": ["x", None], "b": [None, 2]}), null="(null)")
    (page,) = text_of(reader)
    assert page.count("(null)") == 2


@pytest.mark.parametrize(
    ("columns", "options", "landscape"),
    [
        (2, {}, False),
        (8, {}, True),
        (2, {"orientation": "landscape"}, True),
        (8, {"orientation": "portrait"}, False),
    ],
)
def test_orientation(
    tmp_path: Path, columns: int, options: dict[str, str], landscape: bool
) -> None:
    table = pa.table({f"c{i}": [i] for i in range(columns)})
    reader, _ = write(tmp_path, table, **options)
    box = reader.pages[0].mediabox
    assert (box.width > box.height) is landscape


@pytest.mark.parametrize(("size", "points"), [("A4", (595, 842)), ("letter", (612, 792))])
def test_page_size(tmp_path: Path, size: str, points: tuple[int, int]) -> None:
    reader, _ = write(tmp_path, numbered(3), page_size=size, orientation="portrait")
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == points


def test_same_input_gives_the_same_bytes(tmp_path: Path, nasty: pa.Table) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    options = {**PINNED, "metadata": True}
    export(nasty, first, "pdf", options, query="select 1")
    export(nasty, second, "pdf", options, query="select 1")
    assert first.read_bytes() == second.read_bytes()
    metadata = pypdf.PdfReader(first).metadata
    assert metadata is not None and metadata.creation_date_raw == "D:20261123100000+00'00'"


def test_a_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExporterError, match="fonts-dejavu-core"):
        font_file("DejaVuSans.ttf", dirs=(str(tmp_path),))


def test_hundreds_of_distinct_letters_extract(tmp_path: Path) -> None:
    # More than one 256-glyph font subset: cells switch subsets mid-text.
    letters = [
        chr(code) for code in [*range(0x410, 0x450), *range(0x391, 0x3A2), *range(0xC0, 0x17F)]
    ]
    words = ["".join(letters[i : i + 7]) for i in range(0, len(letters), 7)]
    reader, _ = write(tmp_path, pa.table({"word": words, "reversed": [w[::-1] for w in words]}))
    text = "".join(text_of(reader))
    for word in words:
        assert word in text and word[::-1] in text


@pytest.mark.parametrize(
    ("options", "key"),
    [({"page_size": "A5"}, "page_size"), ({"max_rows": 0}, "max_rows"), ({"colour": 1}, "colour")],
)
def test_bad_options_are_a_clear_error_and_leave_no_file(
    tmp_path: Path, options: dict[str, Any], key: str
) -> None:
    with pytest.raises(OptionError, match=key):
        export(numbered(3), tmp_path / "out.pdf", "pdf", options)
    assert list(tmp_path.iterdir()) == []


def test_cells_cut_to_three_lines_are_said_in_the_notes(tmp_path: Path) -> None:
    table = pa.table({"text": ["x" * 5000, "short", "word " * 400], "n": [1, 2, 3]})
    result = export(table, tmp_path / "long.pdf", "pdf")
    assert result.notes == (
        "PDF shows at most 3 lines of a cell, so long values are cut there, marked … "
        "(2 in text); the other formats hold them whole",
    )
