"""Copy a SQLite database's tables into a PostgreSQL schema, keys and all, and rewrite
SQLite gold SQL for PostgreSQL.

Declared types map to their PostgreSQL family (``INTEGER``, ``NUMERIC``, ``DOUBLE
PRECISION``, ``TIMESTAMP`` for DATETIME, ``DATE``, ``BYTEA``, else ``TEXT``); names keep
their case and spaces (every identifier quoted, "Order Details" included); declared
primary keys come along and foreign keys are added once the rows are in. Views are left
out: their SQL is SQLite's.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import sqlglot

from exporters.sources.url import parse_url


def pg_type(declared: str) -> str:
    """The PostgreSQL column type for a SQLite declared type.

    >>> [pg_type(t) for t in ("INTEGER", "NUMERIC(10,2)", "REAL", "DATETIME", "DATE", "BLOB")]
    ['INTEGER', 'NUMERIC', 'DOUBLE PRECISION', 'TIMESTAMP', 'DATE', 'BYTEA']
    """
    text = declared.upper()
    for needle, kind in (
        ("INT", "INTEGER"), ("NUMERIC", "NUMERIC"), ("DEC", "NUMERIC"),
        ("REAL", "DOUBLE PRECISION"), ("FLOA", "DOUBLE PRECISION"), ("DOUB", "DOUBLE PRECISION"),
        ("DATETIME", "TIMESTAMP"),
        ("TIMESTAMP", "TIMESTAMP"), ("DATE", "DATE"), ("BLOB", "BYTEA"), ("BOOL", "BOOLEAN"),
    ):  # fmt: skip
        if needle in text:
            return kind
    return "TEXT"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load(sqlite_path: Path, url: str) -> list[str]:
    """Copy every table of ``sqlite_path`` into the schema ``url``'s search path names;
    the tables copied."""
    source = sqlite3.connect(f"{sqlite_path.resolve().as_uri()}?mode=ro", uri=True)
    tables = [
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "ORDER BY name"
        )
    ]
    keys: list[str] = []
    with psycopg.connect(parse_url(url).conninfo) as db:
        for table in tables:
            info = source.execute(f"PRAGMA table_info({_q(table)})").fetchall()
            columns = [f"{_q(c[1])} {pg_type(c[2])}" for c in info]
            primary = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]]
            if primary:
                columns.append(f"PRIMARY KEY ({', '.join(map(_q, primary))})")
            db.execute(f"CREATE TABLE {_q(table)} ({', '.join(columns)})".encode())
            names = ", ".join(_q(c[1]) for c in info)
            with db.cursor().copy(f"COPY {_q(table)} ({names}) FROM STDIN".encode()) as copy:
                for row in source.execute(f"SELECT {names} FROM {_q(table)}"):
                    copy.write_row(row)
            links: dict[int, list[tuple[str, str, str | None]]] = {}
            for fk in source.execute(f"PRAGMA foreign_key_list({_q(table)})"):
                links.setdefault(fk[0], []).append((fk[2], fk[3], fk[4]))
            for link in links.values():
                target = link[0][0]
                froms = ", ".join(_q(f) for _, f, _ in link)
                tos = ", ".join(_q(t) for _, _, t in link if t)
                refs = f" ({tos})" if tos else ""
                keys.append(
                    f"ALTER TABLE {_q(table)} ADD FOREIGN KEY ({froms}) "
                    f"REFERENCES {_q(target)}{refs}"
                )
        for key in keys:
            db.execute(key.encode())
    source.close()
    return tables


def to_postgres(sql: str) -> str:
    """SQLite gold SQL in PostgreSQL's dialect, every identifier quoted as declared
    (``strftime('%Y', d)`` → ``TO_CHAR(CAST(d AS TIMESTAMP), 'YYYY')``)."""
    return sqlglot.transpile(sql, read="sqlite", write="postgres", identify=True)[0]
