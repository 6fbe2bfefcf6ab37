"""``python -m assistant up``: the HTTP API, the browser chat and workers as child processes.

``make run`` starts it (``make run API_PORT=8001 UI_PORT=8502`` passes ``--api-port`` and
``--ui-port``); a port another program already listens on is named and ``up`` exits 1
before starting anything. Ctrl-C or SIGTERM stops every child (exit 0); if one stops on its
own, the others are stopped too (exit 1).

The API runs as ``serve --workers N`` with one process per core, up to
:data:`MAX_API_WORKERS` (``--api-workers`` chooses): one Python process serves on about
one core, and on two cores two processes answer a crowd of clients polling their exports
in a fraction of the time (docs/benchmarks.md). What that means for the limits without a
broker is in :mod:`assistant.cli.serving`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from assistant.cli.args import Commands, count, fail, port, whole_number
from assistant.errors import InvalidInput

__all__ = ["MAX_API_WORKERS", "UP_STOP_SECONDS", "default_api_workers", "up"]

#: The most API processes ``up`` starts by default, however many cores there are.
MAX_API_WORKERS = 4


def default_api_workers() -> int:
    """API processes ``up`` (``make run``) starts: one per core, 1 to :data:`MAX_API_WORKERS`."""
    return max(1, min(MAX_API_WORKERS, os.cpu_count() or 1))


def up(commands: Commands) -> None:
    """``up``: the HTTP API and the browser chat together, as ``make run`` starts them."""
    parser = commands.add_parser(
        "up",
        help="start the HTTP API and the browser chat together (what `make run` does)",
        description="Build the demo source if needed, start `serve` and the Streamlit chat "
        "(and, with ASSISTANT_BROKER_URL, export workers) as child processes and print their "
        "URLs. Ctrl-C or SIGTERM stops them all (exit 0); if one stops on its own, the "
        "others are stopped too (exit 1).",
    )
    parser.add_argument("--api-port", type=port, default=8000, help="API port (default 8000)")
    parser.add_argument("--ui-port", type=port, default=8501, help="chat port (default 8501)")
    parser.add_argument(
        "--api-workers",
        type=whole_number,
        default=None,
        metavar="N",
        help=f"API server processes (`serve --workers`; default: one per core, at most "
        f"{MAX_API_WORKERS}, here {default_api_workers()})",
    )
    parser.add_argument(
        "--workers",
        type=count,
        default=None,
        metavar="N",
        help="export workers to start (needs ASSISTANT_BROKER_URL; default: 1 with a broker, "
        "0 without: exports then run inside the API)",
    )
    parser.set_defaults(run=_run_up)


#: How long ``up`` waits for a child to stop after SIGTERM before killing it.
UP_STOP_SECONDS = 15.0


def _run_up(args: argparse.Namespace) -> None:
    import threading

    from assistant.settings import load_settings
    from assistant.source.demo import prepare_source

    settings = load_settings()
    workers = args.workers if args.workers is not None else (1 if settings.broker_url else 0)
    if workers and not settings.broker_url:
        raise InvalidInput(
            "--workers needs ASSISTANT_BROKER_URL (a Redis the workers take "
            "exports from); without it exports run inside the API"
        )
    _refuse_busy_ports({"API": ("--api-port", args.api_port), "chat": ("--ui-port", args.ui_port)})
    prepare_source(settings)
    api, chat = f"http://127.0.0.1:{args.api_port}", f"http://127.0.0.1:{args.ui_port}"
    # The chat's download links for large files point at this API unless configured.
    env = {**os.environ, "ASSISTANT_PUBLIC_URL": os.environ.get("ASSISTANT_PUBLIC_URL") or api}
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        api_workers = args.api_workers or default_api_workers()
        serve = ["-m", "assistant", "serve", "--port", str(args.api_port)]
        children["API"] = _child([*serve, "--workers", str(api_workers)], env)
        children["chat"] = _child(_streamlit_args(args.ui_port), env)
        for number in range(1, workers + 1):
            children[f"worker {number}"] = _child(["-m", "assistant", "worker"], env)
        ready = False
        while not stop.wait(0.2):
            for name, child in children.items():
                if child.poll() is not None:
                    others = " and the ".join(other for other in children if other != name)
                    fail(
                        f"the {name} stopped (exit {child.returncode}), so the {others} "
                        f"{'was' if len(children) == 2 else 'were'} stopped too",
                        1,
                    )
                    raise SystemExit(1)
            if not ready and _listening(args.api_port) and _listening(args.ui_port):
                ready = True
                print(f"API   {api}  (documentation at {api}/docs)\nChat  {chat}", flush=True)
                if workers:
                    print(f"Workers  {workers} (Celery, queue {settings.queue})", flush=True)
                print("Ctrl-C stops them all." if workers else "Ctrl-C stops both.", flush=True)
    finally:
        _stop_children(list(children.values()))
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _refuse_busy_ports(ports: dict[str, tuple[str, int]]) -> None:
    """Exit 1 naming the first port another program already listens on: its server would
    answer in our place, and printing its URL as ours would be a lie."""
    for name, (flag, number) in ports.items():
        if _listening(number):
            variable = "API_PORT" if flag == "--api-port" else "UI_PORT"
            fail(
                f"port {number} (for the {name}) is in use by another program; choose another "
                f"with `make run {variable}=...` or `{flag} ...`",
                1,
            )
            raise SystemExit(1)


def _child(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in its own process group: Ctrl-C reaches ``up`` alone, which stops it."""
    # Our own interpreter with fixed arguments: nothing here comes from user input.
    return subprocess.Popen([sys.executable, *arguments], env=env, process_group=0)  # noqa: S603


def _streamlit_args(port: int) -> list[str]:
    spec = importlib.util.find_spec("ui")
    assert spec is not None and spec.origin is not None, "the ui package is installed with us"
    script = Path(spec.origin).with_name("app.py")
    return [
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child, wait for all (the API lets running exports finish), then kill
    what is left of each one's process group (the API's server processes with it)."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + UP_STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # its own group: see _child
            child.wait()
