"""An export in the chat or the history: a download once whole, live progress until then.

- done: a download button whose bytes are read from the finished file only when it is
  clicked (nothing is held in memory per session); files larger than
  :data:`MEMORY_DOWNLOAD_LIMIT` go through the API's signed link instead, streamed from
  disk with ranges by ``python -m assistant serve``;
- queued or running: a progress bar (rows done of total, ETA) and a cancel button,
  refreshed every second by a fragment until the export ends, then the whole page reruns
  once to show the outcome;
- failed, cancelled or expired: why, and a button to export it again.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from assistant import Conversation, ExportInfo
from exporters import ExporterError, get_format
from ui import actions
from ui.errors import friendly
from ui.state import ChatState
from ui.text import eta_text, format_label, human_bytes, plain, rows_text

__all__ = ["LIVE", "MEMORY_DOWNLOAD_LIMIT", "Link", "describe", "export_name", "show_export"]

#: Statuses an export can still leave: shown with progress and a cancel button.
LIVE = frozenset({"queued", "running"})
#: Larger files are downloaded through the API's signed link, not through Streamlit.
MEMORY_DOWNLOAD_LIMIT = 32 * 1024 * 1024
#: Seconds between two looks at a live export.
REFRESH_SECONDS = 1.0

#: Makes a signed download link from an export id and its SHA-256.
Link = Callable[[str, str], str]


def show_export(
    conversation: Conversation,
    state: ChatState,
    snapshot: ExportInfo,
    *,
    key: str,
    link: Link,
    details: bool = True,
) -> None:
    """Show an export; a live one is looked up again, a finished one is shown as it was.

    ``details`` adds a caption with the format, size and rows under a download."""
    info = conversation.export_status(snapshot.id) if snapshot.status in LIVE else snapshot
    if info.status in LIVE:
        _live(conversation, state, info.id, key)
    else:
        _finished(conversation, state, info, key=key, link=link, details=details)


def export_name(info: ExportInfo, conversation: Conversation) -> str:
    """The file's name, or (before its file is named) its format, question and time in the
    user's zone: 'CSV export of “orders from today”, 14:05' (never its id)."""
    return info.label(conversation.zone)


def describe(info: ExportInfo) -> str:
    """``Excel · 12.3 KB · 1,234 rows``."""
    return " · ".join((format_label(info.format), human_bytes(info.bytes), rows_text(info.rows)))


@st.fragment(run_every=REFRESH_SECONDS)
def _live(conversation: Conversation, state: ChatState, export_id: str, key: str) -> None:
    with friendly("an export's progress"):  # e.g. deleted through the API meanwhile
        info = conversation.export_status(export_id)
        if info.status not in LIVE:
            st.rerun()  # the whole page: it stops this timer and shows the outcome
        st.progress(_fraction(info), text=_progress_text(conversation, info))
        st.button(
            "Cancel export",
            key=f"cancel-{key}",
            icon=":material/cancel:",
            on_click=actions.cancel,
            args=(conversation, state, export_id),
        )


def _fraction(info: ExportInfo) -> float:
    if not info.rows_total:
        return 0.0
    return min(1.0, info.rows_done / info.rows_total)


def _progress_text(conversation: Conversation, info: ExportInfo) -> str:
    if info.status == "queued":  # waiting for the user's own running exports, or not
        if not conversation.running_exports():
            return "Starting…"
        return "Queued: it starts when one of your running exports ends."
    done = f"{info.rows_done:,} of {rows_text(info.rows_total)}"
    eta = eta_text(info.eta_seconds)
    return f"Exporting: {done}" + (f" · {eta}" if eta else "")


def _finished(
    conversation: Conversation,
    state: ChatState,
    info: ExportInfo,
    *,
    key: str,
    link: Link,
    details: bool,
) -> None:
    name = export_name(info, conversation)
    if info.status == "done" and info.path and Path(info.path).is_file():
        _download(info, name, key=key, link=link)
        if details:
            st.caption(describe(info))
        return
    reason = {
        "failed": f"The export failed: {info.error or 'no reason given'}.",
        "cancelled": "The export was cancelled; it kept no file.",
        "expired": "The file has expired.",
        "done": "The file is no longer on disk.",
    }.get(info.status, f"The export is {info.status}.")
    st.caption(plain(f"{name}: {reason}"))
    # A failed or cancelled export is retried under its id; a finished one made anew.
    again = actions.retry if info.status != "done" else actions.export_again
    st.button(
        "Export again",
        key=f"again-{key}",
        icon=":material/refresh:",
        on_click=again,
        args=(conversation, state, info.id, name),
    )


def _download(info: ExportInfo, name: str, *, key: str, link: Link) -> None:
    label = f"Download {name}"
    if (info.bytes or 0) > MEMORY_DOWNLOAD_LIMIT and info.sha256:
        st.link_button(label, link(info.id, info.sha256), icon=":material/download:")
        return
    assert info.path is not None
    st.download_button(
        label,
        data=Path(info.path).read_bytes,  # called only when clicked: nothing held meanwhile
        file_name=name,
        mime=_media_type(info.format, name),
        key=f"download-{key}",
        icon=":material/download:",
        on_click="ignore",
        help=describe(info),
    )


def _media_type(format: str, name: str) -> str:
    try:
        spec = get_format(format)
    except ExporterError:
        spec = None
    if spec is not None and name.endswith(f".{spec.extension}"):
        return spec.media_type
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
