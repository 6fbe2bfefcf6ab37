"""What the page's widgets do when used: each calls the engine once and records turns.

Every function here is a Streamlit callback: it runs before the next page run, so the
page that follows replays the new turns. None decides anything itself: messages go to
:meth:`Conversation.handle`, cancel and retry to the engine's own methods, preferences
through :func:`~assistant.store.preferences.parse_preferences` (which says what is wrong),
schedules to :mod:`assistant.schedules.service`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import assistant
from assistant import Conversation, SchedulePatch, parse_preferences
from ui.backend import CONVERSATION_PARAM
from ui.errors import noted
from ui.state import AssistantTurn, ChatState, Notice, UserTurn
from ui.text import plain

__all__ = [
    "PROMPT",
    "ask_delete_chat",
    "cancel",
    "delete_chat",
    "delete_schedule",
    "export_again",
    "keep_chat",
    "new_chat",
    "open_chat",
    "rename_chat",
    "retry",
    "save_preferences",
    "send",
    "set_schedule_active",
    "show_more_conversations",
    "turn_page",
]

#: The chat input's widget key: its value is the message being sent.
PROMPT = "prompt"


def send(conversation: Conversation, state: ChatState, text: str | None = None) -> None:
    """Send ``text`` (a clicked choice), else what was typed in the chat input."""
    message = text if text is not None else st.session_state.get(PROMPT)
    if not isinstance(message, str) or not message.strip():
        return
    state.turns.append(UserTurn(message))
    with noted(state, "answer a message"):
        state.turns.append(AssistantTurn(conversation.handle(message)))


def cancel(conversation: Conversation, state: ChatState, export_id: str) -> None:
    """Stop a queued or running export; the progress widget then shows it cancelled."""
    with noted(state, "cancel an export"):
        if not conversation.cancel(export_id):
            state.notices.append(
                Notice("error", "That export is not running here, so it was not stopped.")
            )


def retry(conversation: Conversation, state: ChatState, export_id: str, label: str) -> None:
    """Run a failed, cancelled or expired export again; its answer joins the chat."""
    state.turns.append(UserTurn(f"Export again: {label}"))
    with noted(state, "export again"):
        state.turns.append(AssistantTurn(conversation.retry(export_id)))


def export_again(conversation: Conversation, state: ChatState, export_id: str, label: str) -> None:
    """Make a finished export again with fresh data; its answer joins the chat."""
    state.turns.append(UserTurn(f"Export again: {label}"))
    with noted(state, "export again"):
        state.turns.append(AssistantTurn(conversation.export_again(export_id)))


def save_preferences(conversation: Conversation, state: ChatState, keys: dict[str, str]) -> None:
    """Save the sidebar form: ``keys`` maps each preference to its widget's key."""
    value = st.session_state.get
    saved = conversation.preferences()
    options: dict[str, dict[str, Any]] = {
        format.value: dict(chosen) for format, chosen in saved.options.items()
    }
    options["csv"] = {
        **options.get("csv", {}),
        "delimiter": value(keys["delimiter"]),
        "bom": bool(value(keys["bom"])),
    }
    with noted(state, "save preferences"):
        preferences = parse_preferences(
            {
                "default_format": value(keys["default_format"]) or None,
                "options": options,
                "timezone": value(keys["timezone"]) or None,
            }
        )
        conversation.save_preferences(preferences)
        state.notices.append(Notice("success", "Preferences saved."))


def set_schedule_active(
    conversation: Conversation, state: ChatState, schedule_id: str, active: bool
) -> None:
    """Pause a schedule (it stops firing) or resume it (from its next time on)."""
    with noted(state, "pause or resume a schedule"):
        assistant.update_schedule(conversation.scope, schedule_id, SchedulePatch(active=active))


def delete_schedule(conversation: Conversation, state: ChatState, schedule_id: str) -> None:
    """Delete a schedule; the exports it made stay in the history."""
    with noted(state, "delete a schedule"):
        assistant.delete_schedule(conversation.scope, schedule_id)


def turn_page(state: ChatState, page: int) -> None:
    """Show page ``page`` of the export history."""
    state.history_page = max(1, page)


def open_chat(state: ChatState, conversation_id: str) -> None:
    """Go back to a past conversation: the next run replays it from the store."""
    state.conversation_id = None
    state.turns.clear()
    st.query_params[CONVERSATION_PARAM] = conversation_id
    state.history_page = 1


def new_chat(state: ChatState) -> None:
    """Start over: the next run opens a new conversation (the old one stays in the store)."""
    state.conversation_id = None
    state.turns.clear()
    st.query_params.pop(CONVERSATION_PARAM, None)
    state.history_page = 1


def rename_chat(conversation: Conversation, state: ChatState, chat_id: str, key: str) -> None:
    """Give a conversation the title typed in widget ``key`` (the engine checks it)."""
    title = st.session_state.get(key)
    with noted(state, "rename a conversation"):
        renamed = conversation.rename_conversation(chat_id, title if isinstance(title, str) else "")
        state.notices.append(Notice("success", f"Renamed to “{plain(renamed.title)}”."))


def ask_delete_chat(state: ChatState, chat_id: str) -> None:
    """Ask before deleting a conversation: its menu shows the question next."""
    state.deleting = chat_id


def keep_chat(state: ChatState) -> None:
    """The person answered Cancel: nothing is deleted."""
    state.deleting = None


def delete_chat(conversation: Conversation, state: ChatState, chat_id: str, title: str) -> None:
    """Delete a conversation (its exports stay); deleting the open one starts a new chat."""
    state.deleting = None
    with noted(state, "delete a conversation"):
        conversation.delete_conversation(chat_id)
        state.notices.append(
            Notice("success", f"Deleted “{plain(title)}”. Its exports are still in your history.")
        )
        if chat_id == state.conversation_id:
            new_chat(state)


def show_more_conversations(state: ChatState, more: int) -> None:
    """List ``more`` past conversations than now."""
    state.conversations_shown += more
