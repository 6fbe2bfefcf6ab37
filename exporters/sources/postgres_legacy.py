"""Text from ``SQL_ASCII`` databases: bytes in no declared encoding, read as what they are.

A database created with ``ENCODING 'SQL_ASCII'`` (``initdb`` in the C locale does it)
stores whatever bytes clients sent and converts nothing, so psycopg hands its text over
as ``bytes``; read as such, every value became hex in the file. In practice the bytes
are UTF-8, or a legacy single-byte encoding in older data. Each value is read as UTF-8
when it is valid UTF-8, and otherwise as Latin-1 (ISO 8859-1), which maps each byte to
one character, so nothing is lost and the original bytes can be had back; the export's
notes say when that happened, since the characters may not be the ones meant.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.adapt import Loader

from exporters.errors import InvalidQuery

NOTE = (
    "the database's encoding is SQL_ASCII (bytes with no declared encoding): text that "
    "was not valid UTF-8 was read as Latin-1 (ISO 8859-1), byte for byte, so some "
    "characters may not be the ones meant"
)


class Fallbacks:
    """Whether any value had to be read as Latin-1, said once in ``notes`` when given."""

    def __init__(self) -> None:
        self.happened = False
        self._notes: list[str] | None = None

    def tell(self, notes: list[str]) -> None:
        """Say it in ``notes``: now if it already happened, else when it does."""
        self._notes = notes
        if self.happened:
            notes.append(NOTE)

    def saw(self) -> None:
        if not self.happened:
            self.happened = True
            if self._notes is not None:
                self._notes.append(NOTE)


#: The text types, by name; 0 is what psycopg uses for types it does not know (enums,
#: domains, extension types), which come as text too.
TEXT_TYPES: tuple[str | int, ...] = ("text", "varchar", "bpchar", "name", '"char"', 0)


def declares_no_encoding(connection: psycopg.Connection[Any]) -> bool:
    return connection.info.parameter_status("server_encoding") == "SQL_ASCII"


def sendable(connection: psycopg.Connection[Any], sql: str) -> None:
    """Refuse, clearly, a query a SQL_ASCII session cannot carry.

    Such a session sends ASCII only. A UTF-8 session would carry 'café', but the server
    then checks every value it sends back as UTF-8 and fails on the first that is not:
    the data matters more than a literal in a filter.
    """
    if declares_no_encoding(connection) and not sql.isascii():
        other = next(c for c in sql if not c.isascii())
        raise InvalidQuery(
            f"the database's encoding is SQL_ASCII, which can only be sent ASCII: the "
            f"query holds {other!r}; write it without that character (for example "
            "with LIKE and a wildcard in its place)"
        )


def read_text_as_utf8(
    connection: psycopg.Connection[Any], types: tuple[str | int, ...] = TEXT_TYPES
) -> Fallbacks:
    """Load ``types`` (names or OIDs; arrays of them follow) as text decoded here: UTF-8,
    else Latin-1, which the result records. For SQL_ASCII connections only."""
    fallbacks = Fallbacks()

    class LegacyText(Loader):
        def load(self, data: Any) -> str:
            raw = bytes(data)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                fallbacks.saw()
                return raw.decode("latin-1")

    for kind in types:
        connection.adapters.register_loader(kind, LegacyText)
    return fallbacks


def readable_text(connection: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    """``connection``, its text types read as text even from a SQL_ASCII database (the
    catalog's names, values for the value index); any other connection is unchanged."""
    if declares_no_encoding(connection):
        read_text_as_utf8(connection)
    return connection
