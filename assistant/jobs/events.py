"""One runner's events to many listeners: each job's events to whoever submitted it.

A process has one runner (so the per-user cap holds across every conversation), and each
conversation or API call that submits a job watches it here. Events of jobs nobody
watches are ignored; a job's listener is dropped after its final event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistant.jobs.base import JobEvent

__all__ = ["JobEventRouter"]


class JobEventRouter:
    """A runner's ``on_event`` listener that passes each event to its job's watcher."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, Callable[[JobEvent], None]] = {}

    def watch(self, job_id: str, listener: Callable[[JobEvent], None]) -> None:
        with self._lock:
            self._listeners[job_id] = listener

    def __call__(self, event: JobEvent) -> None:
        with self._lock:
            listener = self._listeners.get(event.job_id)
            if event.state.final:
                self._listeners.pop(event.job_id, None)
        if listener is not None:
            listener(event)
