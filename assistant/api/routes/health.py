"""``GET /api/health``: the store, the storage and (with workers) the broker answer."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from assistant.api.deps import State
from assistant.api.errors import documented
from assistant.api.schemas import HealthPublic
from assistant.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/api/health", responses=documented(503))
def health(state: State) -> HealthPublic:
    """Whether the store, the file storage and the broker (when exports go to workers)
    answer: a 503 says which does not."""
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
    return HealthPublic()


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
