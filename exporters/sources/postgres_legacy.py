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
from psycopg import postgres
from psycopg.adapt import Loader

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


def declares_no_encoding(connection: psycopg.Connection[Any]) -> bool:
    return connection.info.parameter_status("client_encoding") == "SQL_ASCII"


def read_text_as_utf8(connection: psycopg.Connection[Any], skip: set[int]) -> Fallbacks:
    """Load every built-in type but ``skip`` (and unknown ones: enums, domains, extension
    types) as text decoded here; what fell back to Latin-1 is counted in the result."""
    fallbacks = Fallbacks()

    class LegacyText(Loader):
        def load(self, data: Any) -> str:
            raw = bytes(data)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                fallbacks.saw()
                return raw.decode("latin-1")

    for oid in (0, *(info.oid for info in postgres.types)):
        if oid not in skip:
            connection.adapters.register_loader(oid, LegacyText)
    return fallbacks
