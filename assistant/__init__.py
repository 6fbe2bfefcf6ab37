"""The assistant: conversations over the user's data, exports, schedules, and their faces.

The rooms, lowest first (``docs/architecture.md`` draws them): the floor (``store``,
``jobs``, ``delivery``, ``files``, ``source``, ``errors``, ``settings``, ``replies``), the
user ``scope``, ``questions``, ``exports``, ``schedules``, ``conversation``, the
``process`` and the faces (``api``, ``cli``, ``worker``). Each imports only rooms below it.

These names are the package's public surface (the Streamlit UI imports only them). Each
loads its module on first use, so ``import assistant`` itself costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.conversation.engine import Conversation
    from assistant.conversation.templates import TemplateInfo
    from assistant.conversation.words import LABELS
    from assistant.errors import AssistantError, InvalidInput, NotFound, UserFacingError
    from assistant.process import Assistant, open_conversation
    from assistant.replies import ExportInfo, Reply, TablePreview, cell_text
    from assistant.schedules import (
        EmailDestination,
        ScheduleInfo,
        SchedulePatch,
        WebhookDestination,
    )
    from assistant.schedules.service import delete as delete_schedule
    from assistant.schedules.service import list_all as list_schedules
    from assistant.schedules.service import update as update_schedule
    from assistant.scope import UserScope
    from assistant.settings import Settings, load_settings
    from assistant.source.demo import prepare_source
    from assistant.source.schema import introspect
    from assistant.store.preferences import UserPreferences, parse_preferences

#: Each public name and the module it lives in (``module:name`` where it is called otherwise).
_WHERE = {
    "Assistant": "assistant.process",
    "AssistantError": "assistant.errors",
    "Conversation": "assistant.conversation.engine",
    "EmailDestination": "assistant.schedules",
    "ExportInfo": "assistant.replies",
    "InvalidInput": "assistant.errors",
    "LABELS": "assistant.conversation.words",
    "NotFound": "assistant.errors",
    "Reply": "assistant.replies",
    "ScheduleInfo": "assistant.schedules",
    "SchedulePatch": "assistant.schedules",
    "Settings": "assistant.settings",
    "TablePreview": "assistant.replies",
    "TemplateInfo": "assistant.conversation.templates",
    "UserPreferences": "assistant.store.preferences",
    "UserFacingError": "assistant.errors",
    "UserScope": "assistant.scope",
    "WebhookDestination": "assistant.schedules",
    "cell_text": "assistant.replies",
    "introspect": "assistant.source.schema",
    "load_settings": "assistant.settings",
    "open_conversation": "assistant.process",
    "parse_preferences": "assistant.store.preferences",
    "prepare_source": "assistant.source.demo",
    "delete_schedule": "assistant.schedules.service:delete",
    "list_schedules": "assistant.schedules.service:list_all",
    "update_schedule": "assistant.schedules.service:update",
}

__all__ = [
    "LABELS",
    "Assistant",
    "AssistantError",
    "Conversation",
    "EmailDestination",
    "ExportInfo",
    "InvalidInput",
    "NotFound",
    "Reply",
    "ScheduleInfo",
    "SchedulePatch",
    "Settings",
    "TablePreview",
    "TemplateInfo",
    "UserFacingError",
    "UserPreferences",
    "UserScope",
    "WebhookDestination",
    "cell_text",
    "delete_schedule",
    "introspect",
    "list_schedules",
    "load_settings",
    "open_conversation",
    "parse_preferences",
    "prepare_source",
    "update_schedule",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    return getattr(importlib.import_module(module), attribute or name)
