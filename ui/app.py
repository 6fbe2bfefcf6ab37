"""The Streamlit chat: ``python -m streamlit run ui/app.py`` (``make run`` starts it with
the API).

Each run replays this session's typed turns (:mod:`ui.state`); widgets act through
callbacks (:mod:`ui.actions`) that call the same engine the API calls. The page holds no
business logic: it parses nothing, decides nothing, and draws what the engine answers.
"""

from __future__ import annotations

import streamlit as st

from ui import actions, backend
from ui.chat import show_turns
from ui.errors import friendly
from ui.sidebar import show_sidebar
from ui.state import ChatState, init_state

#: Shown on an empty chat; clicking one sends it.
EXAMPLES = ("show orders from today", "what tables are there?", "top 5 products by price")


def main() -> None:
    st.set_page_config(page_title="Data assistant", page_icon=":material/table_chart:")
    state = init_state()
    st.title("Data assistant")
    with friendly("the assistant"):
        assistant = backend.assistant(backend.settings())
        conversation = backend.conversation(assistant, state)
        with st.sidebar:
            show_sidebar(conversation, state, link=assistant.download_url)
        _notices(state)
        if not state.turns:
            st.caption(
                "Ask about your data, then say how you want it: "
                "“export this as a spreadsheet”, “only name and email as CSV”."
            )
            with st.container(horizontal=True):
                for number, example in enumerate(EXAMPLES):
                    st.button(
                        example,
                        key=f"example-{number}",
                        on_click=actions.send,
                        args=(conversation, state, example),
                    )
        show_turns(conversation, state, link=assistant.download_url)
        st.chat_input(
            "Ask about your data, or say how you want it exported",
            key=actions.PROMPT,
            on_submit=actions.send,
            args=(conversation, state),
        )


def _notices(state: ChatState) -> None:
    for notice in state.take_notices():
        if notice.level == "success":
            st.success(notice.text, icon=":material/check_circle:")
        else:
            st.error(notice.text, icon=":material/error:")


main()
