"""The sidebar's conversations: each reopened with a click, renamed or deleted from its menu.

The open conversation is listed too (not as a link: it is on the page), so it can be
renamed or deleted like the others; deleting it starts a new chat. Deleting asks first,
and says what stays: the exports made in the conversation remain in the history.
"""

from __future__ import annotations

import streamlit as st

from assistant import Conversation
from ui import actions
from ui.state import PAST_PAGE, ChatState
from ui.text import local_time, plain

__all__ = ["show_conversations"]


def show_conversations(conversation: Conversation, state: ChatState) -> None:
    """The user's conversations, newest first, :data:`~ui.state.PAST_PAGE` at a time."""
    listed = conversation.past_conversations(state.conversations_shown + 1)
    if not listed:
        return
    more = len(listed) > state.conversations_shown
    with st.expander("Past conversations", icon=":material/history:"):
        for chat in listed[: state.conversations_shown]:
            name, menu = st.columns([6, 1], vertical_alignment="center")
            if chat.id == state.conversation_id:
                name.markdown(f"**{plain(chat.title)}** · open")
            else:
                name.button(
                    chat.title,
                    key=f"past-{chat.id}",
                    help=f"Started {local_time(chat.created_at, conversation.zone)}",
                    on_click=actions.open_chat,
                    args=(state, chat.id),
                    type="tertiary",
                )
            with menu.popover("", icon=":material/more_vert:", help="Rename or delete"):
                _menu(conversation, state, chat.id, chat.title)
        if more:
            st.button(
                "Show more",
                key="conversations-more",
                on_click=actions.show_more_conversations,
                args=(state, PAST_PAGE),
            )


def _menu(conversation: Conversation, state: ChatState, chat_id: str, title: str) -> None:
    """Rename (a title and Save; the engine says what a title may be), or delete (asked
    first)."""
    if state.deleting == chat_id:
        st.markdown(f"Delete “{plain(title)}”? Its exports stay in your history.")
        yes, no = st.columns(2)
        yes.button(
            "Yes",
            key=f"delete-yes-{chat_id}",
            type="primary",
            on_click=actions.delete_chat,
            args=(conversation, state, chat_id, title),
        )
        no.button("Cancel", key=f"delete-no-{chat_id}", on_click=actions.keep_chat, args=(state,))
        return
    key = f"rename-{chat_id}"
    with st.form(f"rename-form-{chat_id}", border=False):
        st.text_input("Title", value=title, key=key)
        st.form_submit_button(
            "Save",
            icon=":material/edit:",
            on_click=actions.rename_chat,
            args=(conversation, state, chat_id, key),
        )
    st.button(
        "Delete",
        key=f"delete-{chat_id}",
        icon=":material/delete:",
        on_click=actions.ask_delete_chat,
        args=(state, chat_id),
    )
