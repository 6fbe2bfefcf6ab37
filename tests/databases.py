"""Throwaway PostgreSQL databases for tests that need a store or source of their own."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from sqlalchemy import URL, create_engine, make_url


@contextlib.contextmanager
def throwaway_database(postgres_url: str, prefix: str) -> Iterator[URL]:
    """A new database beside ``postgres_url``'s, dropped (connections and all) after use."""
    base = make_url(postgres_url)
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
