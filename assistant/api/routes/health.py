"""``GET /api/health``: the store and the storage answer (no key needed)."""

from __future__ import annotations

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
    """Whether the store and the file storage answer."""
    try:
        with state.assistant.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StoreError(f"The store does not answer: {type(exc).__name__}.") from exc
    storage = state.settings.storage_dir
    storage.mkdir(parents=True, exist_ok=True)
    if not storage.is_dir():
        raise StoreError(f"The file storage {storage} is not a folder.")
    return HealthPublic()
