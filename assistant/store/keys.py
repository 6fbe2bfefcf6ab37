"""Users and their API keys: a key is shown once, then only its hash is kept.

A key looks like ``ak_3f9a1c2b7d4e_<43 url-safe characters>``: a public prefix (stored,
safe to show in lists and logs, used to find the row) and 32 random bytes from
:mod:`secrets`. The store keeps the prefix and the SHA-256 of the whole key.

Why a fast SHA-256 and not scrypt/bcrypt/PBKDF2: slow hashes exist to protect
low-entropy passwords from offline guessing. A key carries 256 random bits, so guessing
it from a leaked hash is infeasible whatever the hash costs, while a slow hash would
add tens of milliseconds of CPU to every API request and hand attackers a cheap way to
load the server. GitHub tokens and django-rest-knox make the same choice.

Lookup goes by the prefix (an indexed equality, which reveals nothing about the secret)
and then compares hashes with :func:`hmac.compare_digest`; an unknown prefix still
compares against a dummy hash, so the answer takes about the same time either way.

An API process asks the store about a key at most every ``ASSISTANT_KEY_CACHE_SECONDS``
(5): :class:`KeyCache` remembers who holds each key it verified, by the key's SHA-256,
so a client polling an export costs no store query for its key. The price is stated:
a key revoked (``python -m assistant users revoke``, another process) keeps working in
each API process until its entry runs out, at most that many seconds. Failed lookups
are never remembered, so a new key works at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from assistant.errors import InvalidInput
from assistant.store.models import ApiKey, User, utcnow
from assistant.store.repo import AuditAction, audit

__all__ = [
    "KEY_PREFIX",
    "KeyCache",
    "KeyHolder",
    "create_key",
    "create_user_with_key",
    "hash_key",
    "revoke_key",
    "revoke_user_keys",
    "user_for_key",
    "verify_key",
]

KEY_PREFIX = "ak_"
_PREFIX_HEX_CHARS = 12
_PREFIX_LENGTH = len(KEY_PREFIX) + _PREFIX_HEX_CHARS  # "ak_" + 12 hex characters
_MAX_KEY_LENGTH = 256
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()
# Recording every use would make each API request a write; once a minute is enough to
# tell which keys are alive.
_TOUCH_EVERY = dt.timedelta(minutes=1)
MAX_NAME_LENGTH = 100


def hash_key(key: str) -> str:
    """The stored form of a key: hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(key.encode()).hexdigest()


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
        raise InvalidInput(
            f"A user name must be 1 to {MAX_NAME_LENGTH} printable characters, "
            f"like 'ana' or 'ana.silva'; got {name!r}."
        )
    return cleaned


def _clean_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = email.strip()
    local, at, domain = cleaned.rpartition("@")
    if not (local and at and domain) or len(cleaned) > 320 or any(c.isspace() for c in cleaned):
        raise InvalidInput(f"{email!r} is not an email address; write it like ana@example.com.")
    return cleaned


def create_key(session: Session, user: User, now: dt.datetime | None = None) -> str:
    """Add a new key for ``user`` and return it in plain text (it is not stored)."""
    prefix = KEY_PREFIX + secrets.token_hex(_PREFIX_HEX_CHARS // 2)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    now = now or utcnow()
    user.api_keys.append(ApiKey(prefix=prefix, key_hash=hash_key(key), created_at=now))
    session.flush()
    audit(session, AuditAction.KEY_CREATED, user_id=user.id, at=now, details={"prefix": prefix})
    return key


def create_user_with_key(
    session: Session, name: str, email: str | None = None, now: dt.datetime | None = None
) -> tuple[User, str]:
    """Find or create the user ``name`` and return it with ONE new plain-text key.

    An ``email`` given for an existing user replaces the old one. The caller commits.
    """
    name, email = _clean_name(name), _clean_email(email)
    user = session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        user = User(name=name, email=email, created_at=now or utcnow())
        session.add(user)
    elif email is not None:
        user.email = email
    return user, create_key(session, user, now)


def user_for_key(session: Session, key: str, now: dt.datetime | None = None) -> User | None:
    """The user holding ``key`` when it is valid and not revoked; None otherwise.

    Records when the key was last used (at most once a minute); the caller commits.
    """
    if len(key) > _MAX_KEY_LENGTH:  # not ours, and not worth hashing
        return None
    prefix = key[:_PREFIX_LENGTH] if key.startswith(KEY_PREFIX) else ""
    row = None
    if len(prefix) == _PREFIX_LENGTH:
        # The user comes in the same query: this runs on every API request.
        row = session.scalars(
            select(ApiKey).options(joinedload(ApiKey.user)).where(ApiKey.prefix == prefix)
        ).one_or_none()
    matches = hmac.compare_digest(hash_key(key), row.key_hash if row else _DUMMY_HASH)
    if row is None or not matches or row.revoked_at is not None:
        return None
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        row.last_used_at = now
    return row.user


def revoke_key(session: Session, prefix: str, now: dt.datetime | None = None) -> bool:
    """Revoke the key with this public prefix; False when there is none (or it was already)."""
    row = session.scalars(
        select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return False
    row.revoked_at = now or utcnow()
    audit(session, AuditAction.KEY_REVOKED, user_id=row.user_id, at=row.revoked_at,
          details={"prefix": prefix})  # fmt: skip
    return True


def revoke_user_keys(session: Session, user: User, now: dt.datetime | None = None) -> int:
    """Revoke every active key of ``user``; how many there were. The caller commits."""
    active = session.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
    ).all()
    for row in active:
        revoke_key(session, row.prefix, now)
    return len(active)


@dataclass(frozen=True)
class KeyHolder:
    """Who a verified key belongs to: all a request needs to know about its caller."""

    user_id: int
    name: str


class KeyCache:
    """Keys verified lately and who holds them, each trusted for ``ttl_seconds``.

    Entries are found by the key's SHA-256 (the plain key is not kept); at most
    ``max_keys`` are held, the oldest dropped first. ``ttl_seconds`` 0 remembers
    nothing. Safe from threads and from the event loop: a lookup is a dictionary read.

    >>> now = [0.0]
    >>> cache = KeyCache(5.0, clock=lambda: now[0])
    >>> cache.remember("ak_key", KeyHolder(7, "ana"))
    >>> cache.holder("ak_key")
    KeyHolder(user_id=7, name='ana')
    >>> now[0] = 5.0  # its time is up: the store is asked again
    >>> cache.holder("ak_key") is None
    True
    """

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds < 0 or max_keys < 1:
            raise ValueError(f"ttl_seconds must be >= 0 and max_keys >= 1, not {ttl_seconds}, "
                             f"{max_keys}")  # fmt: skip
        self.ttl = ttl_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, tuple[float, KeyHolder]] = {}  # hash -> (trusted until, holder)

    def holder(self, key: str) -> KeyHolder | None:
        """Who holds ``key``, if it was verified less than ``ttl_seconds`` ago."""
        found = self._held.get(hash_key(key)) if self.ttl else None
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def remember(self, key: str, holder: KeyHolder) -> None:
        """Trust ``key`` as ``holder``'s for the next ``ttl_seconds``."""
        if not self.ttl:
            return
        with self._lock:
            now = self._clock()
            if len(self._held) >= self.max_keys:
                self._held = {h: e for h, e in self._held.items() if e[0] > now}
                while len(self._held) >= self.max_keys:  # all live: drop the oldest
                    del self._held[next(iter(self._held))]
            digest = hash_key(key)
            self._held.pop(digest, None)  # re-inserted last: the dict stays oldest first
            self._held[digest] = (now + self.ttl, holder)

    def clear(self) -> None:
        """Forget every key (the next request of each asks the store)."""
        with self._lock:
            self._held = {}


def verify_key(sessions: sessionmaker[Session], key: str, cache: KeyCache) -> KeyHolder | None:
    """Who holds ``key``: from ``cache`` while it trusts the key, else from the store
    (:func:`user_for_key`, which records the use at most once a minute), remembered."""
    holder = cache.holder(key)
    if holder is not None:
        return holder
    with sessions.begin() as session:
        user = user_for_key(session, key)
        if user is None:
            return None
        holder = KeyHolder(user.id, user.name)
    cache.remember(key, holder)
    return holder
