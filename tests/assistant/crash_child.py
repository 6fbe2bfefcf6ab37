"""A process that starts a large background export and stalls in the middle of it.

Run by the crash test (``python -m tests.assistant.crash_child``) with the assistant's
settings in ``ASSISTANT_*`` variables. It asks for "show orders", exports the result as
CSV in the background and, once the first batch is written, prints ``export <id>`` and
then holds the worker thread: the parent kills it there, mid-file.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading

from assistant import open_conversation
from assistant.jobs import InProcessRunner, JobEvent, JobEventKind, JobEventRouter
from assistant.settings import load_settings

NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


def main() -> None:
    settings = load_settings()
    router = JobEventRouter()
    stall = threading.Event()

    def on_event(event: JobEvent) -> None:
        router(event)
        if event.kind is JobEventKind.progress:
            print(f"export {event.job_id}", flush=True)
            stall.wait()  # never set: the export stays half written until the kill

    runner = InProcessRunner(on_event=on_event)
    chat = open_conversation(
        settings, "ana", clock=lambda: NOW, mode="rules", runner=runner, events=router
    )
    chat.handle("show orders")
    reply = chat.handle("export this as csv")
    if reply.export is None or reply.export.status not in ("queued", "running"):
        print(f"not a background export: {reply.text}", file=sys.stderr, flush=True)
        sys.exit(1)
    stall.wait(120)  # the parent kills this process long before


if __name__ == "__main__":
    main()
