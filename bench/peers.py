"""What people would otherwise use, each in its own process.

Run as ``python -m bench.peers TOOL FMT DB OUT``.

Each peer is written the way its documentation suggests, imports its library inside the
function (so a process pays only for its own tool) and reads the same SQLite table. A
missing library exits with code 3 and ``not installed: NAME`` so the harness records n/a.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from typing import Any

QUERY = "SELECT * FROM orders"

Peer = Callable[[str, str, str], None]
"""(format, sqlite path, output path) -> None; raises for a format it does not write."""


def _rows(db: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Column names and a streaming cursor over the table (stdlib sqlite3)."""
    cursor = sqlite3.connect(db).execute(QUERY)
    return [d[0] for d in cursor.description], cursor


def pandas(fmt: str, db: str, out: str) -> None:
    """pandas ``read_sql`` (sqlite3 connection), then its writer for the format."""
    import pandas as pd  # type: ignore[import-untyped]

    with sqlite3.connect(db) as con:
        df = pd.read_sql(QUERY, con)
    pandas_write(df, fmt, out)


def pandas_write(df: Any, fmt: str, out: str) -> None:
    """A pandas data frame written by pandas' own writer for ``fmt``."""
    writers: dict[str, Callable[[], object]] = {
        "csv": lambda: df.to_csv(out, index=False),
        "tsv": lambda: df.to_csv(out, index=False, sep="\t"),
        "json": lambda: df.to_json(out, orient="records"),
        "jsonl": lambda: df.to_json(out, orient="records", lines=True),
        "parquet": lambda: df.to_parquet(out, index=False),
        "xlsx": lambda: df.to_excel(out, index=False, engine="openpyxl"),
    }
    writers[fmt]()


def polars(fmt: str, db: str, out: str) -> None:
    """polars reading through connectorx, then ``write_*`` (parquet: zstd, its default).

    connectorx types a column by its first value and gives up when that is NULL (as in
    ``discount`` here); the read then goes through DuckDB's scanner and a note says so.
    """
    import polars as pl

    try:
        df = pl.read_database_uri(QUERY, f"sqlite://{db}", engine="connectorx")
    except RuntimeError as exc:
        df = pl.DataFrame(_duckdb(db).execute(_scan(db)).fetch_arrow_table())
        print(json.dumps({"note": f"read via DuckDB, connectorx: {exc}"}))
    writers: dict[str, Callable[[], object]] = {
        "csv": lambda: df.write_csv(out),
        "tsv": lambda: df.write_csv(out, separator="\t"),
        "json": lambda: df.write_json(out),
        "jsonl": lambda: df.write_ndjson(out),
        "parquet": lambda: df.write_parquet(out),
    }
    writers[fmt]()


def duckdb(fmt: str, db: str, out: str) -> None:
    """DuckDB ``sqlite_scan`` + ``COPY`` (parquet: zstd, like ours)."""
    _duckdb(db).execute(f"COPY ({_scan(db)}) TO '{out}' ({DUCKDB_COPY[fmt]})")


#: DuckDB's ``COPY ... TO`` options for each format (parquet: zstd, like ours).
DUCKDB_COPY = {
    "csv": "FORMAT csv, HEADER",
    "tsv": "FORMAT csv, HEADER, DELIMITER '\t'",
    "json": "FORMAT json, ARRAY true",
    "jsonl": "FORMAT json",
    "parquet": "FORMAT parquet, COMPRESSION zstd",
}


def _duckdb(db: str) -> Any:
    """A DuckDB connection with the SQLite scanner loaded from duckdb-ext-sqlite, offline."""
    import duckdb as ddb
    import duckdb_ext  # type: ignore[import-untyped]  # the package's extension directory

    con = ddb.connect()
    con.execute("SET autoinstall_known_extensions = false")  # nothing is downloaded
    con.execute("SET extension_directory = ?", [f"{next(iter(duckdb_ext.__path__))}/extensions"])
    con.execute("LOAD sqlite_scanner")
    return con


def _scan(db: str) -> str:
    return f"SELECT * FROM sqlite_scan('{db}', 'orders')"


def rustpy_xlsxwriter(fmt: str, db: str, out: str) -> None:
    """rustpy-xlsxwriter (Rust) fed a generator of dicts streamed from sqlite3."""
    assert fmt == "xlsx"
    from rustpy_xlsxwriter import FastExcel

    names, cursor = _rows(db)
    FastExcel(out).sheet("orders", (dict(zip(names, row, strict=True)) for row in cursor)).save()


def openpyxl_write_only(fmt: str, db: str, out: str) -> None:
    """openpyxl in write-only mode, rows appended as they are read."""
    assert fmt == "xlsx"
    from openpyxl import Workbook

    names, cursor = _rows(db)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("orders")
    sheet.append(names)
    for row in cursor:
        sheet.append(row)
    book.save(out)


def stdlib_markdown(fmt: str, db: str, out: str) -> None:
    """A GitHub pipe table written row by row with the standard library only."""
    assert fmt == "markdown"
    write_markdown(out, *_rows(db))


def write_markdown(out: str, names: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    """``rows`` as a GitHub pipe table, one line at a time (also the PostgreSQL peer's)."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        text = str(value).replace("\\", "\\\\").replace("|", "\\|")
        return text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")

    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("| " + " | ".join(names) + " |\n")
        f.write("|" + " --- |" * len(names) + "\n")
        for row in rows:
            f.write("| " + " | ".join(map(cell, row)) + " |\n")


def reportlab_longtable(fmt: str, db: str, out: str) -> None:
    """reportlab platypus ``LongTable``, landscape A4, header repeated on every page."""
    assert fmt == "pdf"
    write_longtable(out, *_rows(db))


def write_longtable(out: str, names: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
    """``rows`` as a reportlab ``LongTable`` (also the PostgreSQL peer's)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

    data: list[list[str]] = [names]
    data.extend(["" if v is None else str(v) for v in row] for row in rows)
    table = LongTable(data, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 6),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    SimpleDocTemplate(out, pagesize=landscape(A4)).build([table])


PEERS: dict[str, Peer] = {
    "pandas": pandas,
    "polars": polars,
    "duckdb": duckdb,
    "rustpy-xlsxwriter": rustpy_xlsxwriter,
    "openpyxl-write-only": openpyxl_write_only,
    "stdlib-markdown": stdlib_markdown,
    "reportlab-longtable": reportlab_longtable,
}


def run_peer(table: dict[str, Peer], argv: list[str]) -> int:
    """``<tool> <format> <source> <out>``: one peer's run in a process of its own; exit 3
    when the peer's library is not installed."""
    tool, fmt, source, out = argv
    try:
        table[tool](fmt, source, out)
    except ModuleNotFoundError as exc:
        print(f"not installed: {exc.name}", file=sys.stderr)
        return 3
    return 0


def main(argv: list[str]) -> int:
    return run_peer(PEERS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
