"""The conversation replayed: each typed turn drawn as a chat message.

A reply shows its words, then its table (with the full row count) and, folded under it,
the SQL that made it, then its export, then its choices: buttons that send their words
as the next message (an answer, or a question the person may have meant), live only on
the latest reply (an older question was answered already: the answer chosen is marked
with a check). A person's own words are shown as typed, never read as Markdown.
"""

from __future__ import annotations

import streamlit as st

from assistant import Conversation, Reply, TablePreview
from ui import actions
from ui.exports import Link, show_export
from ui.state import AssistantTurn, ChatState, UserTurn
from ui.table import column_config, frame
from ui.text import plain, rows_text

__all__ = ["show_turns"]


def show_turns(conversation: Conversation, state: ChatState, *, link: Link) -> None:
    """Replay every turn of this session, oldest first."""
    last = len(state.turns) - 1
    for index, turn in enumerate(state.turns):
        if isinstance(turn, UserTurn):
            with st.chat_message("user"):
                st.text(turn.text)  # as typed: "<=" stays "<=", "*" stays "*"
        elif isinstance(turn, AssistantTurn):
            after = state.turns[index + 1] if index < last else None
            chosen = after.text if isinstance(after, UserTurn) else None
            with st.chat_message("assistant"):
                _reply(
                    conversation,
                    state,
                    turn.reply,
                    index=index,
                    latest=index == last,
                    chosen=chosen,
                    link=link,
                )


def _reply(
    conversation: Conversation,
    state: ChatState,
    reply: Reply,
    *,
    index: int,
    latest: bool,
    chosen: str | None,
    link: Link,
) -> None:
    st.markdown(plain(reply.text))
    if reply.table is not None:
        _table(reply.table)
        if reply.sql:
            with st.expander("SQL", expanded=False):
                st.code(reply.sql, language="sql")
    if reply.export is not None:
        show_export(conversation, state, reply.export, key=f"turn-{index}", link=link)
    if reply.choices:
        with st.container(horizontal=True):
            for number, choice in enumerate(reply.choices):
                picked = choice == chosen  # the answer given: marked, like a ticked box
                st.button(
                    choice,
                    key=f"choice-{index}-{number}",
                    type="primary" if picked else "secondary",
                    icon=":material/check:" if picked else None,
                    disabled=not latest,
                    on_click=actions.send,
                    args=(conversation, state, choice),
                )


def _table(preview: TablePreview) -> None:
    table = frame(preview)
    st.dataframe(table, hide_index=True, column_config=column_config(table))
    shown = len(preview.rows)
    total = preview.row_count
    if total is not None and total > shown:
        st.caption(f"Showing the first {rows_text(shown)} of {rows_text(total)}.")
    else:
        st.caption(rows_text(total if total is not None else shown) + ".")
