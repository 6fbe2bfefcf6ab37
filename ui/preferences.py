"""The preferences form: default format, CSV delimiter and byte-order mark, time zone.

The form shows what is saved now. Its widget keys carry a digest of the saved
preferences, so a change made elsewhere (the chat's "always give me Excel", the API)
shows at once instead of the form's stale values. Saving goes through
:func:`~assistant.store.preferences.parse_preferences`, whose message says what is wrong.
"""

from __future__ import annotations

import hashlib
from zoneinfo import available_timezones

import streamlit as st

from assistant import LABELS, Conversation
from intents import Format
from ui import actions
from ui.state import ChatState

__all__ = ["DELIMITERS", "show_preferences"]

#: The CSV delimiters the exporter accepts, as people name them.
DELIMITERS = {",": "comma ( , )", ";": "semicolon ( ; )", "\t": "tab", "|": "pipe ( | )"}
_FORMATS = ["", *(format.value for format in LABELS)]


@st.cache_data(show_spinner=False)
def _zones() -> list[str]:
    """Every IANA zone name, read from the system once."""
    return ["", *sorted(available_timezones())]


def _format_name(value: str) -> str:
    return LABELS[Format(value)] if value else "Ask me each time"


def show_preferences(conversation: Conversation, state: ChatState) -> None:
    """The form, filled with what is saved."""
    saved = conversation.preferences()
    version = hashlib.sha256(saved.model_dump_json().encode()).hexdigest()[:12]
    keys = {
        name: f"preference-{name}-{version}"
        for name in ("default_format", "delimiter", "bom", "timezone")
    }
    csv = saved.options.get(Format.CSV, {})
    default = saved.default_format.value if saved.default_format else ""
    delimiter = str(csv.get("delimiter", ","))
    zones = _zones()
    with st.form(f"preferences-{version}", border=False):
        st.selectbox(
            "Default format",
            _FORMATS,
            index=_FORMATS.index(default),
            format_func=_format_name,
            key=keys["default_format"],
        )
        st.selectbox(
            "CSV delimiter",
            list(DELIMITERS),
            format_func=DELIMITERS.__getitem__,
            index=list(DELIMITERS).index(delimiter) if delimiter in DELIMITERS else 0,
            key=keys["delimiter"],
        )
        st.checkbox(
            "CSV with a byte-order mark (Excel reads accents right)",
            value=bool(csv.get("bom", False)),
            key=keys["bom"],
        )
        zone = saved.timezone or ""
        st.selectbox(
            "Time zone",
            zones,
            index=zones.index(zone) if zone in zones else 0,
            format_func=lambda name: name or "UTC (not set)",
            key=keys["timezone"],
            help="What “today” and “this week” mean in your questions.",
        )
        st.form_submit_button(
            "Save preferences", on_click=actions.save_preferences, args=(conversation, state, keys)
        )
