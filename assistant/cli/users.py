"""``python -m assistant users create NAME``: a user and one new API key."""

from __future__ import annotations

from assistant.settings import load_settings
from assistant.store import create_store_engine, create_user_with_key, migrate, session_factory

__all__ = ["create_user"]


def create_user(name: str, email: str | None) -> str:
    """Create (or find) user ``name`` and return one new API key (migrating first)."""
    settings = load_settings()
    migrate(settings.database_url)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            _, key = create_user_with_key(session, name, email)
    finally:
        engine.dispose()
    return key
