"""Floor: background jobs: one small runner interface, the in-process pool and Celery,
and the per-user export budget every way of starting one spends (:mod:`.budget`, over
the rate limiters of :mod:`.rates`).

May import only the store, ``errors`` and ``settings``: a runner knows jobs, not exports
(``assistant.exports.background`` hands it the work and persists what it reports).

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

from assistant.errors import DuplicateJob, JobCancelled, JobError, RunnerClosed
from assistant.jobs.base import (
    JobControl,
    JobEvent,
    JobEventKind,
    JobHandle,
    JobRunner,
    JobState,
)
from assistant.jobs.budget import ExportBudget
from assistant.jobs.events import JobEventRouter
from assistant.jobs.pool import InProcessRunner

__all__ = [
    "DuplicateJob",
    "ExportBudget",
    "InProcessRunner",
    "JobCancelled",
    "JobControl",
    "JobError",
    "JobEvent",
    "JobEventKind",
    "JobEventRouter",
    "JobHandle",
    "JobRunner",
    "JobState",
    "RunnerClosed",
]
