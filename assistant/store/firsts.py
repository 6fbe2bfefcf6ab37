"""First saves that race: insert a row unless its key is taken, in one statement.

"Read, and add the row when there is none" loses when two requests do it at once: both
read nothing, both insert, and the second breaks the unique key (an IntegrityError, a 500
to the person who did nothing wrong). :func:`insert_missing` asks the database instead
(``INSERT ... ON CONFLICT DO NOTHING``, on SQLite and PostgreSQL alike): the second
insert waits for the first's transaction and then does nothing. The caller reads the
row afterwards and changes it with a plain UPDATE, so concurrent saves all succeed and
the last writer wins.

>>> from assistant.store import User, create_store_engine, migrate, session_factory
>>> engine = create_store_engine("sqlite://"); _ = migrate(engine)
>>> with session_factory(engine).begin() as session:
...     insert_missing(session, User, name="ana"), insert_missing(session, User, name="ana")
(True, False)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.store.models import Base

__all__ = ["insert_missing"]


def insert_missing(session: Session, model: type[Base], **values: Any) -> bool:
    """Insert a ``model`` row with ``values`` unless one with the same unique key exists
    (or is being inserted by another transaction, which this one waits for).

    True when this call inserted it. Column defaults (ids, times) apply as usual."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(model).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the store runs on these two only
        raise NotImplementedError(f"no insert-unless-present for {dialect}")
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
