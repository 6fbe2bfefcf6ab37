"""Face: workers: exports run on other processes and machines, through Celery on Redis.

May import ``exports`` (writing a file) and the rooms below it, never the conversation,
the question readers or the intent parser (a contract in pyproject.toml keeps it so).

``python -m assistant worker`` starts one. :mod:`assistant.worker.job` is what a worker
does with an export (claim, write, publish, all fenced through the store),
:mod:`assistant.worker.app` the Celery task and the lease watch.
The API and the chat hand exports to workers through
:class:`assistant.jobs.celery.CeleryRunner` when ``ASSISTANT_BROKER_URL`` is set.
"""

from assistant.worker.app import LeaseWatch, worker_app
from assistant.worker.job import ExportWorker, Outcome, OutcomeKind

__all__ = [
    "ExportWorker",
    "LeaseWatch",
    "Outcome",
    "OutcomeKind",
    "worker_app",
]
