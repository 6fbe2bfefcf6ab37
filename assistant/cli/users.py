"""``python -m assistant users create|list|revoke|rotate``: users and their API keys.

Keys are shown once, when made; lists show only their public prefixes. ``revoke`` takes
a key's prefix (``ak_3f9a1c2b7d4e``) or a user's name (all of their keys); ``rotate``
revokes all of a user's keys and prints one new key, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assistant.errors import NotFound
from assistant.settings import load_settings
from assistant.store import (
    create_key,
    create_store_engine,
    create_user_with_key,
    migrate,
    session_factory,
)
from assistant.store.keys import KEY_PREFIX, revoke_key, revoke_user_keys
from assistant.store.models import User

__all__ = ["create_user", "list_users", "revoke", "rotate"]


@contextmanager
def _store() -> Iterator[Session]:
    settings = load_settings()
    migrate(settings.database_url)
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def create_user(name: str, email: str | None) -> str:
    """Create (or find) user ``name`` and return one new API key (migrating first)."""
    with _store() as session:
        _, key = create_user_with_key(session, name, email)
    return key


def list_users() -> list[str]:
    """One line per user, then one indented line per key: prefix, made, last used, state."""
    lines = []
    with _store() as session:
        users = session.scalars(
            select(User).options(selectinload(User.api_keys)).order_by(User.name)
        )
        for user in users:
            lines.append(f"{user.name}" + (f" <{user.email}>" if user.email else ""))
            for key in sorted(user.api_keys, key=lambda k: k.created_at):
                used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
                state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
                made = f"{key.created_at:%Y-%m-%d %H:%M}"
                lines.append(f"  {key.prefix}  made {made}  last used {used}  {state}")
    return lines


def revoke(target: str) -> int:
    """Revoke the key with prefix ``target``, or every active key of user ``target``; how
    many were revoked. Raises NotFound when there is no such key or user."""
    with _store() as session:
        if target.startswith(KEY_PREFIX):
            if not revoke_key(session, target):
                raise NotFound(f"No active API key has the prefix {target}; see `users list`.")
            return 1
        return revoke_user_keys(session, _user(session, target))


def rotate(name: str) -> str:
    """Revoke every key of user ``name`` and return one new key (all or nothing)."""
    with _store() as session:
        user = _user(session, name)
        revoke_user_keys(session, user)
        return create_key(session, user)


def _user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name.strip())).one_or_none()
    if user is None:
        raise NotFound(f"There is no user {name!r}; see `users list`.")
    return user
