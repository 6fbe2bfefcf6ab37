"""The sidebar: past conversations, the data source and its tables, the export history,
preferences, templates and schedules. Each section fails on its own: a source that cannot
be read shows its error in its section, and the rest of the page still works.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant import Conversation, introspect
from ui import actions
from ui.conversations import show_conversations
from ui.errors import friendly
from ui.exports import LIVE, Link, describe, export_name, show_export
from ui.preferences import show_preferences
from ui.schedules import show_schedules
from ui.state import ChatState
from ui.text import format_label, local_time, plain, redacted, source_label

__all__ = ["HISTORY_PAGE", "show_sidebar"]

#: Exports listed per page of history.
HISTORY_PAGE = 5

_STATUS = {  # Material icons: they render the same without an emoji font
    "queued": ":material/schedule: queued",
    "running": ":material/sync: running",
    "done": ":material/check_circle: done",
    "failed": ":material/error: failed",
    "cancelled": ":material/cancel: cancelled",
    "expired": ":material/timer_off: expired",
}


def show_sidebar(conversation: Conversation, state: ChatState, *, link: Link) -> None:
    """Every section, in the order people need them."""
    st.button("New chat", icon=":material/add_comment:", on_click=actions.new_chat, args=(state,))
    with friendly("your past conversations"):
        show_conversations(conversation, state)
    st.header("Data source")
    with friendly("the data source"):
        _source(conversation)
    st.header("Export history")
    with friendly("the export history"):
        _history(conversation, state, link)
    st.header("Preferences")
    with friendly("your preferences"):
        show_preferences(conversation, state)
    st.header("Templates")
    with friendly("your templates"):
        _templates(conversation, state)
    st.header("Schedules")
    with friendly("your schedules"):
        show_schedules(conversation, state)


@st.cache_data(ttl=60, show_spinner=False)
def _tables(source_url: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The source's tables and columns; read once a minute at most, not on every rerun."""
    schema = introspect(source_url)
    return [(t.name, [(c.name, c.type) for c in t.columns]) for t in schema.tables]


def _source(conversation: Conversation) -> None:
    url = conversation.settings.source_url
    st.caption(plain(source_label(url)), help=plain(redacted(url)))
    tables = _tables(url)
    if not tables:
        st.info("The source database has no tables yet.")
        return
    for name, columns in tables:
        with st.expander(f"{name} · {len(columns)} columns"):
            st.markdown("  \n".join(f"{plain(column)} `{kind}`" for column, kind in columns))


def _history(conversation: Conversation, state: ChatState, link: Link) -> None:
    exports, total = conversation.exports(state.history_page, HISTORY_PAGE)
    if not exports and state.history_page > 1:  # the page emptied (exports deleted)
        state.history_page = 1
        exports, total = conversation.exports(1, HISTORY_PAGE)
    if not exports:
        st.caption("No exports yet. Ask for a file in the chat: “export this as a spreadsheet”.")
        return
    for info in exports:
        with st.container(border=True):
            st.markdown(f"**{plain(export_name(info, conversation))}**")
            when = local_time(info.created_at, conversation.zone)
            # A live export's state is its progress bar below, which keeps itself current.
            status = "" if info.status in LIVE else f"{_STATUS.get(info.status, info.status)} · "
            st.caption(f"{status}{describe(info)} · {when}")
            show_export(
                conversation, state, info, key=f"history-{info.id}", link=link, details=False
            )
            if info.status == "done" and info.path and Path(info.path).is_file():
                st.button(  # the same export again, with today's data
                    "Export again",
                    key=f"history-again-{info.id}",
                    icon=":material/refresh:",
                    on_click=actions.export_again,
                    args=(conversation, state, info.id, export_name(info, conversation)),
                )
    pages = -(-total // HISTORY_PAGE)
    if pages > 1:
        newer, where, older = st.columns([1, 1, 1], vertical_alignment="center")
        newer.button(
            "Newer",
            key="history-newer",
            disabled=state.history_page <= 1,
            on_click=actions.turn_page,
            args=(state, state.history_page - 1),
        )
        where.caption(f"{state.history_page} of {pages}")
        older.button(
            "Older",
            key="history-older",
            disabled=state.history_page >= pages,
            on_click=actions.turn_page,
            args=(state, state.history_page + 1),
        )


def _templates(conversation: Conversation, state: ChatState) -> None:
    templates = conversation.templates()
    if not templates:
        st.caption("No templates yet. After an export, say “save this as template weekly-sales”.")
        return
    for template in templates:
        chosen = template.request.format
        format = format_label(chosen.value) if chosen else "any format"
        whose = "yours" if template.mine else "shared with you"
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.markdown(f"**{plain(template.name)}**  \n{format} · {whose}")
        right.button(
            "Use",
            key=f"template-{template.name}-{template.mine}",
            help=f"Export with template {template.name}",
            on_click=actions.send,
            args=(conversation, state, f"export with template {template.name}"),
        )
