"""``GET/PUT /api/preferences``: the caller's default format, per-format options, zone."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import CurrentScope
from assistant.api.errors import documented
from assistant.api.schemas import PreferencesUpdate
from assistant.store.preferences import UserPreferences, read_preferences, save_preferences

router = APIRouter(tags=["preferences"])


@router.get("/api/preferences", responses=documented(401))
def read(scope: CurrentScope) -> UserPreferences:
    """What the caller saved (empty fields: the product's defaults)."""
    with scope.sessions() as session:
        return read_preferences(session, scope.user_id)


@router.put("/api/preferences", responses=documented(400, 401, 413, 422))
def replace(body: PreferencesUpdate, scope: CurrentScope) -> UserPreferences:
    """Replace the caller's preferences; options are checked against each format's own."""
    with scope.sessions.begin() as session:
        return save_preferences(session, scope.user_id, body)
