"""The engine behind the page: one :class:`Assistant` per process, one conversation per session.

The assistant (store pool, job runner) is built once per settings with
``st.cache_resource``, so every browser session shares one runner and the per-user cap
on running exports holds across them, exactly as in the API. A failure while building
it (a store that does not answer) is not cached: the next run tries again.
"""

from __future__ import annotations

import streamlit as st

from assistant import Assistant, Conversation, NotFound, Settings, load_settings, prepare_source
from ui.state import AssistantTurn, ChatState, UserTurn

__all__ = ["CONVERSATION_PARAM", "USER", "assistant", "conversation", "settings"]

#: Whom the page chats as, like ``python -m assistant chat`` without ``--user``.
USER = "local"
#: The URL's query parameter naming the conversation: a reload continues it.
CONVERSATION_PARAM = "c"


def settings() -> Settings:
    """The ``ASSISTANT_*`` settings, read on each run (cheap) so a changed env is seen."""
    return load_settings()


def _close(assistant: Assistant) -> None:
    assistant.close()


@st.cache_resource(
    show_spinner="Starting the assistant…",
    hash_funcs={Settings: lambda settings: settings.model_dump_json()},
    max_entries=4,
    on_release=_close,
)
def assistant(settings: Settings) -> Assistant:
    """The process's assistant for ``settings``: demo source built, store migrated."""
    prepare_source(settings)
    built = Assistant(settings)
    try:
        built.start()
    except BaseException:
        built.close()
        raise
    return built


def conversation(assistant: Assistant, state: ChatState) -> Conversation:
    """This session's conversation: a new one on its first run, the same one afterwards;
    the one the URL names (``?c=<id>``) after a reload, its turns replayed from the store.

    If the store no longer has it (a store replaced while the page was open), the
    session starts over rather than failing on every run."""
    user_id = assistant.user_id(USER)
    if state.conversation_id is not None:
        try:
            return assistant.conversation(user_id, state.conversation_id)
        except NotFound:
            state.turns.clear()
    linked = st.query_params.get(CONVERSATION_PARAM)
    if linked and state.conversation_id is None:  # a reload, or a link to a conversation
        try:
            chat = assistant.conversation(user_id, linked)
        except NotFound:
            pass
        else:
            state.conversation_id = chat.id
            state.turns = [
                UserTurn(said) if isinstance(said, str) else AssistantTurn(said)
                for _, said in chat.transcript()
            ]
            return chat
    chat = assistant.conversation(user_id, new=True)
    state.conversation_id = chat.id
    assert chat.id is not None
    st.query_params[CONVERSATION_PARAM] = chat.id  # so a reload finds it again
    return chat
