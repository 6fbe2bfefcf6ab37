"""Whether the data source's role can read more than the data: catalogue secrets.

The exporter's guard keeps writes out, but a query may read anything the role can. A
superuser (or a member of ``pg_read_all_data``, ``pg_read_all_settings`` and the like)
can read ``pg_authid``/``pg_shadow`` password hashes and server settings, and export them
like any table. Nothing here refuses to run: it says so, loudly, at start and in the
health details for administrators, with the recipe for a read-only role in the README.
SQLite has no roles: a file holds only its own data.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from exporters.sources.postgres_legacy import readable_text
from exporters.sources.url import parse_url

__all__ = ["catalogue_exposure"]

_ROLE = """
SELECT r.rolsuper,
       has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
       array(SELECT g.rolname FROM pg_catalog.pg_roles AS g
             WHERE g.rolname IN ('pg_read_all_data', 'pg_read_all_settings',
                                 'pg_read_server_files', 'pg_execute_server_program')
               AND pg_has_role(current_user, g.oid, 'MEMBER')
             ORDER BY g.rolname)
FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user
"""


def catalogue_exposure(url: str) -> str | None:
    """A warning when the role behind ``url`` can read catalogue secrets, else None.

    None too when the database cannot be asked (the source's own errors say why later).
    """
    parsed = parse_url(url)
    if parsed.backend != "postgresql":
        return None
    try:
        connection: psycopg.Connection[Any] = readable_text(
            psycopg.connect(parsed.conninfo, connect_timeout=5)
        )
    except psycopg.Error:
        return None
    try:
        connection.read_only = True
        row = connection.execute(_ROLE).fetchone()
    except psycopg.Error:
        return None
    finally:
        with contextlib.suppress(psycopg.Error):
            connection.rollback()
        connection.close()
    if row is None:
        return None
    superuser, authid, roles = row
    rights = ["superuser"] if superuser else list(roles)
    if authid and not superuser:
        rights.append("SELECT on pg_authid")
    if not rights:
        return None
    return (
        f"The data source's role can read database secrets ({', '.join(rights)}): any "
        "user of the assistant can export password hashes (pg_authid, pg_shadow) and server "
        "settings. Connect ASSISTANT_SOURCE_URL as a read-only role instead (see the README, "
        "“A read-only role for the data source”)."
    )
