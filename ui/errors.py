"""Failures said in words: the engine's typed errors as their message, anything else as an
apology with the traceback in the log (never on the page).

:func:`friendly` guards a part of the page while it renders (a missing source database
spoils the sidebar's table list, not the whole page); :func:`noted` guards a callback,
whose failure is kept as a :class:`~ui.state.Notice` and shown on the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from assistant import UserFacingError
from ui.state import ChatState, Notice

__all__ = ["APOLOGY", "friendly", "message_for", "noted"]

_log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side. It has been logged; try again in a moment."


def message_for(exc: Exception) -> str:
    """What to tell the person: the typed error's own message, else the apology."""
    if isinstance(exc, UserFacingError):
        return exc.message
    return APOLOGY


@contextmanager
def friendly(what: str) -> Iterator[None]:
    """Show ``st.error`` instead of a traceback if rendering ``what`` fails."""
    try:
        yield
    except Exception as exc:  # Streamlit's rerun/stop are BaseException: they pass through
        if not isinstance(exc, UserFacingError):
            _log.exception("the page could not show %s", what)
        st.error(message_for(exc), icon=":material/error:")


@contextmanager
def noted(state: ChatState, what: str) -> Iterator[None]:
    """Keep a callback's failure as a notice for the next run instead of raising it."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, UserFacingError):
            _log.exception("the page could not %s", what)
        state.notices.append(Notice("error", message_for(exc)))
