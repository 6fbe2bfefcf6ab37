"""The sidebar's schedules: what runs when, where it goes, how the last run went.

Schedules are made in the chat ("email me this as Excel every Monday at 9"); here they
are listed, paused or resumed, and deleted, through :mod:`assistant.schedules.service`.
"""

from __future__ import annotations

import streamlit as st

from assistant import Conversation, EmailDestination, ScheduleInfo, list_schedules
from ui import actions
from ui.state import ChatState
from ui.text import format_label, local_time, plain

__all__ = ["show_schedules"]


def show_schedules(conversation: Conversation, state: ChatState) -> None:
    """Each schedule with its pause/resume and delete buttons, or how to make one."""
    found = list_schedules(conversation.scope)
    if not found:
        st.caption(
            "No schedules yet. After a result, say “email me this as Excel every Monday at 9”."
        )
        return
    for schedule in found:
        with st.container(border=True):
            st.markdown(f"**{plain(schedule.name)}**")
            st.caption(plain(_summary(schedule, conversation)))
            pause, delete = st.columns(2)
            pause.button(
                "Pause" if schedule.active else "Resume",
                key=f"schedule-pause-{schedule.id}",
                icon=":material/pause:" if schedule.active else ":material/play_arrow:",
                on_click=actions.set_schedule_active,
                args=(conversation, state, schedule.id, not schedule.active),
            )
            delete.button(
                "Delete",
                key=f"schedule-delete-{schedule.id}",
                icon=":material/delete:",
                on_click=actions.delete_schedule,
                args=(conversation, state, schedule.id),
            )


def _summary(schedule: ScheduleInfo, conversation: Conversation) -> str:
    """``every Monday at 09:00 (Europe/Berlin) · Excel by email to ana@… · next …``."""
    destination = schedule.destination
    where = (
        f"by email to {destination.to}"
        if isinstance(destination, EmailDestination)
        else "to a webhook"
    )
    format = schedule.request.format
    parts = [
        f"{schedule.description} ({schedule.timezone})",
        f"{format_label(format.value) if format else 'a file'} {where}",
    ]
    if not schedule.active:
        parts.append("paused")
    elif schedule.next_run_at is not None:
        parts.append(f"next {local_time(schedule.next_run_at, conversation.zone)}")
    if schedule.runs:
        last = schedule.runs[0]
        parts.append(f"last run {last.status}" + (f": {last.error}" if last.error else ""))
    return " · ".join(parts)
