"""What every table of the store shares: the declarative base and the column types.

Kept apart from the tables (:mod:`assistant.store.models`) so the rules they all follow
are read in one place:

- Every timestamp is timezone-aware UTC in Python (:class:`UtcDateTime` makes SQLite,
  which has no zone, behave like PostgreSQL's ``timestamptz``).
- Ids that leave the process (in URLs, API answers, chat replies) are random url-safe
  strings from :func:`new_id`, so they reveal nothing about other users' activity;
  internal rows use integers.
- Constraint names follow :data:`NAMING_CONVENTION`, so SQLite and PostgreSQL agree and
  a later migration can drop a constraint by name.
- Enums are stored as short strings with a CHECK constraint (:func:`enum_column`).

:class:`Base`'s metadata holds only the tables imported so far: to see them all (as
Alembic does), import ``Base`` from :mod:`assistant.store.models`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Dialect, Enum, ForeignKey, MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime, TypeDecorator

__all__ = [
    "ID_LENGTH",
    "NAMING_CONVENTION",
    "NOW",
    "Base",
    "UtcDateTime",
    "enum_column",
    "new_id",
    "owner_column",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 32  # room for new_id()'s 22 characters and for ids made elsewhere


def new_id() -> str:
    """A random url-safe id (128 bits): unguessable, so ids never leak other users' counts."""
    return secrets.token_urlsafe(16)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC; read back aware in UTC on every database.

    Naive datetimes are refused rather than guessed: a wrong zone in history or expiry
    is a silent bug, a ValueError at the first test is not.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass an aware one")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# CURRENT_TIMESTAMP is UTC on SQLite and a timestamptz on PostgreSQL: raw inserts get a
# sensible time too; the ORM always sends its own (microsecond, Python-side) value.
NOW = text("CURRENT_TIMESTAMP")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        dt.datetime: UtcDateTime(),
        # None is SQL NULL, not the JSON text 'null': "no payload" reads the same everywhere.
        dict[str, Any]: JSON(none_as_null=True),
        list[str]: JSON(none_as_null=True),
    }


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint: portable, and a new value is a small migration."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=_values,
        validate_strings=True,
    )


def owner_column() -> Mapped[int]:
    """The owning user's id: deleting the user deletes the row."""
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
