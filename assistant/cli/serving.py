"""``python -m assistant serve``: the HTTP API under uvicorn, in one process or several.

One process runs the API's request code on about one core at a time (the GIL), so on a
machine with more cores ``--workers N`` starts N processes sharing the port, as uvicorn's
supervisor runs them: it binds the socket, starts each worker (a fresh interpreter that
builds the app from the environment with :func:`worker_app`), starts a new one when one
dies, and on SIGTERM or SIGINT stops them all, each finishing its running exports first,
then exits 0. The source is prepared and the store migrated once, before the workers
start; a worker whose supervisor is killed outright stops on its own.

What the workers share and what each keeps: the store, the file storage, the scheduler's
claims and, with ``ASSISTANT_BROKER_URL``, the export queue, the per-user cap on running
exports (held by the store's leases) and the export budget (in Redis) are one for all.
Without a broker, each process runs the exports it started on its own pool, so the cap
on running exports (``ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER``) and the export budget
(``ASSISTANT_EXPORTS_PER_MINUTE``) hold per process: a user may get up to N times either.
The per-user cap on queries in flight (``ASSISTANT_MAX_QUERIES_PER_USER``) and the key
cache (``ASSISTANT_KEY_CACHE_SECONDS``) are per process in every deployment.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

from assistant.cli.args import Commands, port, whole_number
from assistant.errors import InvalidInput

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.settings import Settings

__all__ = ["WORKER_APP", "serve", "worker_app"]

#: What uvicorn imports in each worker process (``factory=True``: it calls it).
WORKER_APP = "assistant.cli.serving:worker_app"
#: How often a worker looks whether its supervisor is still there.
ORPHAN_CHECK_SECONDS = 1.0
#: Where the supervisor leaves its pid for the workers (set before it starts them, so a
#: worker still importing when its supervisor dies knows it has none).
SUPERVISOR_VARIABLE = "_ASSISTANT_SERVE_SUPERVISOR"


def serve(commands: Commands) -> None:
    """``serve``: the HTTP API (docs/api.md) with the configured store and runner."""
    parser = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API; migrations apply first. Stops cleanly on SIGTERM/SIGINT "
        "(running exports finish first).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--workers",
        type=whole_number,
        default=1,
        metavar="N",
        help="server processes sharing the port (default 1); without ASSISTANT_BROKER_URL "
        "each runs the exports it starts, and the per-user export cap and budget hold per "
        "process",
    )
    parser.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> None:
    from assistant.cli.safety import check_deployment
    from assistant.settings import load_settings
    from assistant.source.demo import prepare_source

    settings = load_settings()
    check_deployment(settings)  # refuses a placeholder secret; logs an unsafe source role
    prepare_source(settings)
    if args.workers == 1:
        _serve_here(args, settings)
    else:
        _serve_in_workers(args, settings.database_url)


def _serve_here(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    from assistant.api import create_app

    class Server(uvicorn.Server):
        """Exit 0 after a graceful shutdown on SIGTERM/SIGINT (the contract's "success");
        uvicorn would re-raise the signal once done, ending the process by it."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    # On SIGTERM/SIGINT uvicorn stops taking requests and runs the lifespan's end, which
    # lets running exports finish before the process exits.
    config = uvicorn.Config(create_app(settings), host=args.host, port=args.port)
    gc.collect()  # start-up's garbage, before the app freezes what is left (create_app)
    Server(config).run()


def _serve_in_workers(args: argparse.Namespace, database_url: str) -> None:
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from assistant.cli.listeners import SpreadSupervisor, spread_sockets
    from assistant.store import migrate

    migrate(database_url)  # once here, so the workers do not all start by waiting on it
    os.environ[SUPERVISOR_VARIABLE] = str(os.getpid())  # inherited by every worker
    config = uvicorn.Config(
        WORKER_APP, factory=True, host=args.host, port=args.port, workers=args.workers
    )
    # A socket per worker, so the kernel spreads new connections (assistant.cli.listeners).
    supervisor = SpreadSupervisor(config, spread_sockets(args.host, args.port, args.workers))
    supervisor.run()  # until SIGTERM/SIGINT, then each worker shuts down gracefully
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        raise InvalidInput("a server process could not start; its log above says why")


def worker_app() -> FastAPI:
    """The API over the environment's settings: what each process of ``--workers N``
    serves. It stops (gracefully) if its supervisor goes away without stopping it."""
    from assistant.api import create_app
    from assistant.settings import load_settings

    supervisor = os.environ.get(SUPERVISOR_VARIABLE)
    _stop_when_orphaned(int(supervisor) if supervisor else os.getppid())
    app = create_app(load_settings())
    gc.collect()  # start-up's garbage, before the app freezes what is left (create_app)
    return app


def _stop_when_orphaned(parent: int) -> None:
    """SIGTERM this process once its parent is gone (killed with SIGKILL, say), so no
    worker is left holding the port and running exports nobody can stop."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()
