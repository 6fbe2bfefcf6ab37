"""Alembic's entry point: runs the store's migrations against ``Base.metadata``.

:func:`assistant.store.db.migrate` hands over an open connection (inside its locked
transaction) in ``config.attributes["connection"]``; otherwise the URL in the config's
``sqlalchemy.url`` is opened (see :func:`assistant.store.db.alembic_config`). SQLite gets
``render_as_batch`` so later migrations that alter tables work there too.

Importing this module outside Alembic (test collection, type checking) does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from assistant.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline(url: str) -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url: use assistant.store.migrate()")
    if context.is_offline_mode():
        _run_offline(url)
        return
    from assistant.store.db import create_store_engine

    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


try:
    context.config  # noqa: B018 (only set while Alembic runs this file)
except (AttributeError, NameError):
    pass
else:
    main()
