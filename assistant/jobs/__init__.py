"""Background jobs: one small runner interface, and the in-process pool behind it.

The engine runs small exports inline and hands large ones to a :class:`JobRunner`;
:class:`InProcessRunner` is the default (threads in this process), and a Celery runner
can implement the same protocol later. Runners report every change as a
:class:`JobEvent` and persist nothing themselves.

>>> events = []
>>> with InProcessRunner(on_event=events.append) as runner:
...     handle = runner.submit("ada", "export-1", lambda control: control.progress(2, 2))
...     handle.wait(5)
True
>>> [(event.kind.value, event.state.value) for event in events]
[('state', 'queued'), ('state', 'running'), ('progress', 'running'), ('state', 'done')]
"""

from assistant.jobs.base import (
    DuplicateJob,
    JobCancelled,
    JobControl,
    JobError,
    JobEvent,
    JobEventKind,
    JobHandle,
    JobRunner,
    JobState,
    RunnerClosed,
)
from assistant.jobs.pool import InProcessRunner

__all__ = [
    "DuplicateJob",
    "InProcessRunner",
    "JobCancelled",
    "JobControl",
    "JobError",
    "JobEvent",
    "JobEventKind",
    "JobHandle",
    "JobRunner",
    "JobState",
    "RunnerClosed",
]
