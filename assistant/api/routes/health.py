"""``GET /api/health``: the store, the storage and (with workers) the broker answer."""

from __future__ import annotations

import redis
from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant.api.deps import State
from assistant.api.errors import documented
from assistant.api.schemas import HealthPublic
from assistant.errors import StoreError
from assistant.files.links import weak_secret
from assistant.source.privileges import catalogue_exposure
from assistant.store import user_for_key

router = APIRouter(tags=["health"])


@router.get("/api/health", responses=documented(503), response_model_exclude_none=True)
def health(state: State, request: Request) -> HealthPublic:
    """Whether the store, the file storage and the broker (when exports go to workers)
    answer: a 503 says which does not. An administrator (ASSISTANT_ADMIN_USERS) also
    sees what makes the deployment unsafe."""
    try:
        with state.assistant.store_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StoreError(f"The store does not answer: {type(exc).__name__}.") from exc
    storage = state.settings.storage_dir
    storage.mkdir(parents=True, exist_ok=True)
    if not storage.is_dir():
        raise StoreError(f"The file storage {storage} is not a folder.")
    if state.settings.broker_url:
        _ping_broker(state.settings.broker_url)
    if not _is_admin(state, request.headers.get("authorization", "")):
        return HealthPublic()
    found = [weak_secret(state.settings), catalogue_exposure(state.settings.source_url)]
    return HealthPublic(warnings=[warning for warning in found if warning is not None])


def _is_admin(state: State, authorization: str) -> bool:
    """Whether the caller's key (read here, not declared: health needs no key, and a
    wrong one is simply no administrator) belongs to a user in ASSISTANT_ADMIN_USERS."""
    admins = {name.strip() for name in state.settings.admin_users.split(",") if name.strip()}
    scheme, _, key = authorization.partition(" ")
    if not admins or scheme.lower() != "bearer" or not key.strip():
        return False
    with state.assistant.sessions.begin() as session:
        user = user_for_key(session, key.strip())
        return user is not None and user.name in admins


def _ping_broker(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StoreError(
            f"The broker does not answer ({type(exc).__name__}): exports cannot reach the "
            "workers. Check ASSISTANT_BROKER_URL and that Redis is running."
        ) from exc
    finally:
        client.close()
