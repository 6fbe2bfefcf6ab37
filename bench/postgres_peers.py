"""What people would otherwise use to export a PostgreSQL table, each in its own process.

Run as ``python -m bench.postgres_peers TOOL FMT URL OUT`` (URL: a libpq URL of the
benchmark database). ``psql \\copy`` is no Python: :mod:`bench.postgres` runs it directly.

Like :mod:`bench.peers`: each peer is written the way its documentation suggests, imports
its library inside the function, and a missing library exits with code 3 and
``not installed: NAME`` so the harness records n/a.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

from bench import peers

QUERY = "SELECT * FROM orders"
BATCH = 10_000  # rows a server-side cursor fetches per round trip

Peer = peers.Peer
"""(format, libpq URL, output path) -> None; raises for a format it does not write."""


def _rows(url: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Column names and rows streamed through a psycopg server-side cursor."""
    import psycopg

    cursor = psycopg.connect(url).cursor(name="peer")
    cursor.itersize = BATCH
    cursor.execute(QUERY)
    return [d.name for d in cursor.description or []], iter(cursor)


def connectorx(fmt: str, url: str, out: str) -> None:
    """connectorx reads the whole result into Arrow (one connection, its binary protocol);
    pyarrow writes CSV, TSV and Parquet (zstd, like ours); JSON, JSON Lines and XLSX go
    through polars, as the SQLite peers do (``pl.from_arrow``, no copy)."""
    import connectorx as cx

    table = cx.read_sql(url, QUERY, return_type="arrow")
    if fmt in ("csv", "tsv"):
        from pyarrow import csv

        options = csv.WriteOptions(delimiter="\t" if fmt == "tsv" else ",")
        csv.write_csv(table, out, write_options=options)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out, compression="zstd")
    else:
        import polars as pl

        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        writers: dict[str, Callable[[], object]] = {
            "json": lambda: df.write_json(out),
            "jsonl": lambda: df.write_ndjson(out),
            "xlsx": lambda: _fast_excel(out, df),
        }
        writers[fmt]()


def _fast_excel(out: str, data: Any) -> None:
    from rustpy_xlsxwriter import FastExcel

    FastExcel(out).sheet("orders", data).save()


def duckdb(fmt: str, url: str, out: str) -> None:
    """DuckDB's postgres scanner (``ATTACH ... (TYPE postgres)``) + ``COPY``, the extension
    loaded from the duckdb-ext-postgres wheel: nothing is downloaded."""
    import duckdb as ddb
    import duckdb_ext  # type: ignore[import-untyped]  # the package's extension directory

    options = peers.DUCKDB_COPY[fmt]
    con = ddb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET extension_directory = ?", [f"{next(iter(duckdb_ext.__path__))}/extensions"])
    try:
        con.execute("LOAD postgres_scanner")
    except ddb.Error as exc:
        raise ModuleNotFoundError(str(exc), name="duckdb-ext-postgres") from exc
    quoted = url.replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS pg (TYPE postgres, READ_ONLY)")
    con.execute(f"COPY (SELECT * FROM pg.public.orders) TO '{out}' ({options})")


def pandas(fmt: str, url: str, out: str) -> None:
    """pandas ``read_sql`` on a SQLAlchemy engine (psycopg), then its writer for the format."""
    import pandas as pd  # type: ignore[import-untyped]
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as con:
        df = pd.read_sql(QUERY, con)
    peers.pandas_write(df, fmt, out)


def rustpy_xlsxwriter(fmt: str, url: str, out: str) -> None:
    """rustpy-xlsxwriter (Rust) fed a generator of dicts streamed from psycopg."""
    assert fmt == "xlsx"
    names, rows = _rows(url)
    _fast_excel(out, (dict(zip(names, row, strict=True)) for row in rows))


def stdlib_markdown(fmt: str, url: str, out: str) -> None:
    """The SQLite part's pipe table, rows streamed from psycopg."""
    assert fmt == "markdown"
    peers.write_markdown(out, *_rows(url))


def reportlab_longtable(fmt: str, url: str, out: str) -> None:
    """The SQLite part's reportlab ``LongTable``, rows read from psycopg."""
    assert fmt == "pdf"
    peers.write_longtable(out, *_rows(url))


PEERS: dict[str, Peer] = {
    "connectorx": connectorx,
    "duckdb": duckdb,
    "pandas": pandas,
    "rustpy-xlsxwriter": rustpy_xlsxwriter,
    "stdlib-markdown": stdlib_markdown,
    "reportlab-longtable": reportlab_longtable,
}


def main(argv: list[str]) -> int:
    return peers.run_peer(PEERS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
