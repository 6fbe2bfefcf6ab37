"""Masking in every format, read back by readers that share no code with ours.

The data is the demo's customers (e-mails, names, birth dates) and the public Northwind
employees (phone numbers, birth dates, names). Each file is checked twice: no original
value of a masked column appears anywhere in its bytes (unpacked for XLSX, uncompressed
for Parquet, as text for PDF), and the values read back have the masked shapes: e-mails
``x***@y***.tld``, phones with only the last four digits, years, 16-hex hashes equal
for equal inputs and stable across two exports; NULLs stay NULL.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import json
import re
import zipfile
from hashlib import sha256
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pypdf
import pytest

from assistant.source.demo import build_demo
from exporters import (
    BadInput,
    OptionError,
    UnknownColumn,
    export,
    export_bundle,
    export_workbook,
    open_query,
)
from exporters.bundle import BundlePart
from exporters.workbook import Sheet

from .test_markdown import RENDERERS, rendered_cells

NORTHWIND = Path(__file__).resolve().parents[3] / "shared" / "data" / "northwind.sqlite"
KEY = b"test-mask-key"
MASK = {"*email*": "partial", "*phone*": "partial", "birth*": "year", "*name": "hash"}
FORMATS = ["csv", "tsv", "json", "jsonl", "parquet", "xlsx", "pdf", "markdown"]
EMAIL_SHAPE = re.compile(r"^[^@*]\*\*\*@[^@.*]\*\*\*(\.[a-z]+)?$")
HASH_SHAPE = re.compile(r"^[0-9a-f]{16}$")


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    path = build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 120, today=dt.date(2026, 11, 18))
    sql = "SELECT id, name, email, birth_date, city FROM customers ORDER BY id"
    with open_query(f"sqlite:///{path}", sql) as stream:
        return stream.reader.read_all()


@pytest.fixture(scope="module")
def employees() -> pa.Table:
    if not NORTHWIND.exists():
        pytest.skip(f"{NORTHWIND} is not here")
    sql = (
        "SELECT EmployeeID, LastName, FirstName, BirthDate, HomePhone, City FROM Employees"
        " ORDER BY EmployeeID"
    )
    with open_query(f"sqlite:///{NORTHWIND}", sql) as stream:
        return stream.reader.read_all()


def originals(table: pa.Table, pattern: str) -> set[str]:
    """The text of every non-NULL value of the columns matching ``pattern`` (as sqlite had it)."""
    found: set[str] = set()
    for name in table.column_names:
        if re.fullmatch(pattern, name, re.IGNORECASE):
            for value in table.column(name).to_pylist():
                if value is not None:
                    found.add(value.isoformat() if isinstance(value, dt.date) else str(value))
    return found


def file_text(path: Path, fmt: str) -> str:
    """Everything the file holds, as text a search can look into."""
    if fmt == "xlsx":
        with zipfile.ZipFile(path) as archive:
            parts = [archive.read(name) for name in archive.namelist()]
        return "\n".join(part.decode("utf-8", "replace") for part in parts)
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return path.read_bytes().decode("utf-8", "replace")


def rows_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    """The file's rows read by an independent reader (text formats: as text; "" is NULL)."""
    if fmt in ("csv", "tsv"):
        text = path.read_text("utf-8")
        return list(csv.DictReader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    if fmt == "json":
        return list(json.loads(path.read_text("utf-8")))
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    if fmt == "parquet":
        cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)  # holds the file until closed
        values = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    if fmt == "markdown":
        cells = rendered_cells(path.read_text("utf-8"), RENDERERS["markdown-it"])
        return [dict(zip(cells[0], row, strict=True)) for row in cells[1:]]
    raise AssertionError(fmt)


def blank(value: Any) -> bool:
    return value is None or value == ""


def write(table: pa.Table, tmp_path: Path, fmt: str, name: str = "out", **options: Any) -> Path:
    out = tmp_path / f"{name}.{fmt}"
    # Parquet uncompressed, so the bytes can be searched for originals.
    extra = {"compression": "none"} if fmt == "parquet" else {}
    result = export(table, out, fmt, {"mask": MASK, **extra, **options}, mask_key=KEY)
    assert result.rows == table.num_rows
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_original_value_in_any_format(
    fmt: str, customers: pa.Table, employees: pa.Table, tmp_path: Path
) -> None:
    for table, masked in (
        (customers, r"name|email|birth_date"),
        (employees, r"lastname|firstname|birthdate|homephone"),
    ):
        text = file_text(write(table, tmp_path, fmt, name=table.column_names[1]), fmt)
        secrets = originals(table, masked)
        assert len(secrets) > 10
        leaked = sorted(value for value in secrets if value in text)
        assert leaked == []
        # The unmasked city is there: the file was read, not empty.
        assert any(city in text for city in originals(table, "city"))


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_shapes_kept_and_nulls_stay_null(fmt: str, customers: pa.Table, tmp_path: Path) -> None:
    rows = rows_back(write(customers, tmp_path, fmt), fmt)
    source = customers.to_pylist()
    assert len(rows) == len(source)
    for row, original in zip(rows, source, strict=True):
        if original["email"] is None:
            assert blank(row["email"])
        else:
            assert EMAIL_SHAPE.match(row["email"]), row["email"]
            assert row["email"][0] == original["email"][0]
            assert row["email"].rsplit(".", 1)[-1] == original["email"].rsplit(".", 1)[-1]
        assert HASH_SHAPE.match(row["name"])
        assert row["name"] == hmac.new(KEY, original["name"].encode(), sha256).hexdigest()[:16]
        if original["birth_date"] is None:
            assert blank(row["birth_date"])
        else:
            assert int(row["birth_date"]) == original["birth_date"].year
        assert str(row["id"]) == str(original["id"])  # unmasked columns untouched


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_phones_keep_their_shape_and_last_four_digits(
    fmt: str, employees: pa.Table, tmp_path: Path
) -> None:
    rows = rows_back(write(employees, tmp_path, fmt), fmt)
    for row, original in zip(rows, employees.to_pylist(), strict=True):
        phone = original["HomePhone"]
        shown = row["HomePhone"]
        assert len(shown) == len(phone)
        assert shown[-4:] == phone[-4:]
        assert [c for c in shown if not c.isdigit() and c != "*"] == [
            c for c in phone if not c.isdigit()
        ]
        assert sum(c.isdigit() for c in shown) == 4


def test_hashes_are_stable_across_exports_and_equal_for_equal_inputs(tmp_path: Path) -> None:
    table = pa.table({"name": ["Ada", "Linus", "Ada", None], "n": [1, 2, 3, 4]})
    first = rows_back(write(table, tmp_path, "csv", name="first"), "csv")
    second = rows_back(write(table, tmp_path, "jsonl", name="second"), "jsonl")
    assert [r["name"] for r in first] == [r["name"] or "" for r in second]
    assert first[0]["name"] == first[2]["name"] != first[1]["name"]
    assert first[3]["name"] == "" and second[3]["name"] is None
    other = tmp_path / "other-key.csv"
    export(table, other, "csv", {"mask": {"name": "hash"}}, mask_key=b"another key")
    assert rows_back(other, "csv")[0]["name"] != first[0]["name"]


def test_hash_without_a_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="needs a key"):
        export(pa.table({"name": ["Ada"]}), tmp_path / "x.csv", "csv", {"mask": "name:hash"})
    assert not (tmp_path / "x.csv").exists()


def test_the_strongest_mask_wins_and_drop_leaves_the_column_out(tmp_path: Path) -> None:
    table = pa.table({"email": ["a@b.io"], "ssn": ["123-45-6789"], "city": ["Oslo"]})
    out = tmp_path / "x.csv"
    options = {"mask": "email:none,*mail*:partial,*:none,ssn:drop"}
    result = export(table, out, "csv", options)
    assert rows_back(out, "csv") == [{"email": "a***@b***.io", "city": "Oslo"}]
    assert result.notes == ("masked: email (partially); left out: ssn",)
    with pytest.raises(UnknownColumn, match="masking leaves no column"):
        export(table, tmp_path / "y.csv", "csv", {"mask": "*:drop"})


def test_mask_before_rename_and_with_columns(tmp_path: Path) -> None:
    table = pa.table({"id": [1], "email": ["jane@example.org"], "city": ["Rome"]})
    out = tmp_path / "x.json"
    options = {"mask": "EMAIL:partial", "rename": "email:contact", "columns": "email,id"}
    result = export(table, out, "json", options)
    assert json.loads(out.read_text()) == [{"contact": "j***@e***.org", "id": 1}]
    assert result.notes == ("masked: email (partially)",)


def test_timestamps_to_the_year_in_the_export_zone(tmp_path: Path) -> None:
    new_year = dt.datetime(2025, 12, 31, 23, 30)  # naive: UTC; in Tokyo it is 2026 already
    table = pa.table({"born_at": pa.array([new_year, None], pa.timestamp("us"))})
    out = tmp_path / "x.jsonl"
    export(table, out, "jsonl", {"mask": "born*:year", "timezone": "Asia/Tokyo"})
    assert [json.loads(line)["born_at"] for line in out.read_text().splitlines()] == [2026, None]


def test_year_of_something_that_is_no_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no date"):
        export(pa.table({"birth": ["soon"]}), tmp_path / "x.csv", "csv", {"mask": "birth:year"})


def test_workbook_and_bundle_are_masked_and_say_so(customers: pa.Table, tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    result = export_workbook(
        [Sheet("Customers", customers), Sheet("Other", pa.table({"email": ["zed@x.com"]}))],
        book,
        {"mask": MASK},
        mask_key=KEY,
    )
    text = file_text(book, "xlsx")
    assert not [value for value in originals(customers, r"name|email") if value in text]
    assert "zed@x.com" not in text and "z***@x***.com" in text
    assert any(note.startswith("Customers: masked: email (partially)") for note in result.notes)

    def part(name: str) -> BundlePart[pa.Table]:
        import contextlib

        return BundlePart(name, lambda: contextlib.nullcontext(customers), "csv", {"mask": MASK})

    zipped = tmp_path / "bundle.zip"
    bundle = export_bundle([part("a.csv"), part("b.csv")], zipped, mask_key=KEY)
    with zipfile.ZipFile(zipped) as archive:
        a, b = archive.read("a.csv"), archive.read("b.csv")
        manifest = json.loads(archive.read("manifest.json"))
    assert a == b  # the same hashes in both files
    assert b"@example" not in a
    assert "hashed: name" in manifest["files"][0]["notes"][0]
    assert bundle.notes[0].startswith("a.csv: masked:")
