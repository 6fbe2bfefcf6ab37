"""The command line, ``python -m assistant COMMAND``: one function per command.

A command is a function that takes the sub-command registry, adds its parser (every
option with help) and sets ``run`` to a handler taking the parsed arguments; list it in
``COMMANDS``. Handlers print results on stdout and raise :class:`BadInput` for anything
the user must fix. :func:`main` maps the outcome to the exit codes of
``contracts/assistant.md``: 0 on success, 2 on bad input, 1 otherwise, with one line on
stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn, TypeAlias

from assistant.demo import DEFAULT_PATH, DEFAULT_ROWS, DEFAULT_SEED, BadDemoInput, build_demo

PROG = "python -m assistant"


class BadInput(Exception):
    """The command line asks for something that cannot work; exit 2 with this message."""


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as :class:`BadInput` so they end as one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise BadInput(message)


Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


def demo(commands: Commands) -> None:
    """``demo``: build the bundled demo database and print its path."""
    parser = commands.add_parser(
        "demo",
        help="build the bundled demo database",
        description="Build the seeded demo shop database (SQLite) and print its path.",
    )
    parser.add_argument(
        "--rows", type=_whole_number, default=DEFAULT_ROWS, metavar="N",
        help=f"number of orders (default {DEFAULT_ROWS:,})",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_PATH, metavar="PATH",
        help=f"database file to write; folders are created (default {DEFAULT_PATH})",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, metavar="N",
        help="random seed: the same seed, rows and day give the same data",
    )  # fmt: skip
    parser.add_argument(
        "--today", type=_day, default=None, metavar="YYYY-MM-DD",
        help="the day the data ends on (default: today)",
    )  # fmt: skip
    parser.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> None:
    try:
        path = build_demo(args.out, args.rows, seed=args.seed, today=args.today)
    except BadDemoInput as exc:
        raise BadInput(str(exc)) from exc
    print(path.absolute())


def run_demo(commands: Commands) -> None:
    """``run-demo``: build the demo data if missing and export it in every format."""
    parser = commands.add_parser(
        "run-demo",
        help="export the demo data in every format (a quick look at every writer)",
        description="Build var/demo.db if missing, then export its orders in every format.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("var/exports"), metavar="FOLDER",
        help="folder for the exported files (default var/exports)",
    )  # fmt: skip
    parser.set_defaults(run=_run_showcase)


def _run_showcase(args: argparse.Namespace) -> None:
    from assistant.showcase import export_every_format

    database = DEFAULT_PATH if DEFAULT_PATH.exists() else build_demo(DEFAULT_PATH, DEFAULT_ROWS)
    print(f"demo database: {database.absolute()}")
    for result in export_every_format(database, args.out):
        note = f"  ({result.note})" if result.note else ""
        print(
            f"{result.format.value:>9}  {result.rows:>7,} rows  {result.bytes:>12,} bytes  "
            f"{result.seconds:6.2f} s  {result.path}{note}"
        )


def chat(commands: Commands) -> None:
    """``chat``: talk to the assistant; ``--json`` answers one JSON reply per input line."""
    parser = commands.add_parser(
        "chat",
        help="chat with the assistant about the source database",
        description="An interactive chat, or with --json one JSON reply per stdin line.",
    )
    parser.add_argument(
        "--user", default="local", metavar="NAME",
        help="who is chatting; created if missing (default local)",
    )  # fmt: skip
    parser.add_argument(
        "--json", action="store_true",
        help="read one message per line from stdin and write one JSON reply per message",
    )  # fmt: skip
    parser.add_argument(
        "--now", default=None, metavar="ISO",
        help="pin the clock (without an offset: wall-clock time in --tz)",
    )  # fmt: skip
    parser.add_argument(
        "--tz", default=None, metavar="ZONE",
        help="the user's IANA time zone (default: the saved one, else UTC)",
    )  # fmt: skip
    parser.set_defaults(run=_run_chat)


def _run_chat(args: argparse.Namespace) -> None:
    from assistant.chat import run_chat

    run_chat(args.user, json_mode=args.json, now=args.now, tz=args.tz)


def users(commands: Commands) -> None:
    """``users create NAME``: create (or find) a user and print one new API key."""
    parser = commands.add_parser(
        "users", help="manage users", description="Create users and their API keys."
    )
    actions = parser.add_subparsers(
        title="actions", dest="action", required=True, help="what to do with users"
    )
    create = actions.add_parser(
        "create",
        help="create a user (or find it) and print ONE new API key",
        description="Create a user (or find it) and print one new API key, shown only once.",
    )
    create.add_argument("name", metavar="NAME", help="the user's name, like ana")
    create.add_argument("--email", default=None, metavar="ADDRESS", help="the user's email")
    create.set_defaults(run=_run_users_create)


def _run_users_create(args: argparse.Namespace) -> None:
    from assistant.chat import create_user

    print(create_user(args.name, args.email))


def serve(commands: Commands) -> None:
    """``serve``: the HTTP API (contracts/api.md) with the configured store and runner."""
    parser = commands.add_parser(
        "serve", help="serve the HTTP API",
        description="Serve the HTTP API; migrations apply first. Stops cleanly on SIGTERM/SIGINT.",
    )  # fmt: skip
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    parser.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from assistant.api import create_app
    from assistant.chat import prepare_source
    from assistant.settings import load_settings

    class Server(uvicorn.Server):
        """Exit 0 after a graceful shutdown on SIGTERM/SIGINT (the contract's "success");
        uvicorn would re-raise the signal once done, ending the process by it."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            self._captured_signals.clear()

    settings = load_settings()
    prepare_source(settings)
    # On SIGTERM/SIGINT uvicorn stops taking requests and runs the lifespan's end, which
    # lets running exports finish before the process exits.
    config = uvicorn.Config(create_app(settings), host=args.host, port=args.port)
    Server(config).run()


def worker(commands: Commands) -> None:
    """``worker``: run exports handed over through the broker (Celery on Redis)."""
    parser = commands.add_parser(
        "worker", help="run background exports for the API (needs ASSISTANT_BROKER_URL)",
        description="Take exports from the Redis broker and run them; start as many as you "
        "like, on any machine that sees the store and the files. Migrations apply first. "
        "SIGTERM finishes the running exports, then stops.",
    )  # fmt: skip
    parser.add_argument(
        "--concurrency", type=_whole_number, default=None, metavar="N",
        help="exports run at once (default: ASSISTANT_WORKER_CONCURRENCY, 2)",
    )  # fmt: skip
    parser.add_argument(
        "--loglevel", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much the worker logs (default INFO)",
    )  # fmt: skip
    parser.set_defaults(run=_run_worker)


def _run_worker(args: argparse.Namespace) -> None:
    import os

    from assistant.chat import prepare_source
    from assistant.settings import load_settings
    from assistant.store import migrate
    from assistant.worker import LeaseWatch, worker_app

    settings = load_settings()
    if not settings.broker_url:
        raise BadInput(
            "ASSISTANT_BROKER_URL is not set: a worker takes its exports from a Redis "
            "broker, like redis://127.0.0.1:6379/0 (the API must use the same one)"
        )
    migrate(settings.database_url)
    prepare_source(settings)
    app = worker_app(settings)
    watch = LeaseWatch(settings, app).start()
    concurrency = args.concurrency or settings.worker_concurrency
    try:
        # Threads, not forked children: a worker is one process, so killing it (or its
        # machine) leaves nothing running behind, and exports release the GIL in Arrow.
        app.worker_main([
            "worker", "--pool=threads", f"--concurrency={concurrency}",
            f"--loglevel={args.loglevel}", f"--queues={settings.queue}",
            f"--hostname=assistant-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ])  # fmt: skip
    finally:
        watch.stop()


def up(commands: Commands) -> None:
    """``up``: the HTTP API and the browser chat together, as ``make run`` starts them."""
    parser = commands.add_parser(
        "up", help="start the HTTP API and the browser chat together (what `make run` does)",
        description="Build the demo source if needed, start `serve` and the Streamlit chat "
        "(and, with ASSISTANT_BROKER_URL, export workers) as child processes and print their "
        "URLs. Ctrl-C or SIGTERM stops them all (exit 0); if one stops on its own, the "
        "others are stopped too (exit 1).",
    )  # fmt: skip
    parser.add_argument("--api-port", type=_port, default=8000, help="API port (default 8000)")
    parser.add_argument("--ui-port", type=_port, default=8501, help="chat port (default 8501)")
    parser.add_argument(
        "--workers", type=_count, default=None, metavar="N",
        help="export workers to start (needs ASSISTANT_BROKER_URL; default: 1 with a broker, "
        "0 without: exports then run inside the API)",
    )  # fmt: skip
    parser.set_defaults(run=_run_up)


#: How long ``up`` waits for a child to stop after SIGTERM before killing it.
UP_STOP_SECONDS = 15.0


def _run_up(args: argparse.Namespace) -> None:
    import os
    import signal
    import threading

    from assistant.chat import prepare_source
    from assistant.settings import load_settings

    settings = load_settings()
    workers = args.workers if args.workers is not None else (1 if settings.broker_url else 0)
    if workers and not settings.broker_url:
        raise BadInput("--workers needs ASSISTANT_BROKER_URL (a Redis the workers take "
                       "exports from); without it exports run inside the API")  # fmt: skip
    prepare_source(settings)
    api, chat = f"http://127.0.0.1:{args.api_port}", f"http://127.0.0.1:{args.ui_port}"
    # The chat's download links for large files point at this API unless configured.
    env = {**os.environ, "ASSISTANT_PUBLIC_URL": os.environ.get("ASSISTANT_PUBLIC_URL") or api}
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}  # fmt: skip
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        children["API"] = _child(["-m", "assistant", "serve", "--port", str(args.api_port)], env)
        children["chat"] = _child(_streamlit_args(args.ui_port), env)
        for number in range(1, workers + 1):
            children[f"worker {number}"] = _child(["-m", "assistant", "worker"], env)
        ready = False
        while not stop.wait(0.2):
            for name, child in children.items():
                if child.poll() is not None:
                    others = " and the ".join(other for other in children if other != name)
                    _fail(f"the {name} stopped (exit {child.returncode}), so the {others} "
                          f"{'was' if len(children) == 2 else 'were'} stopped too", 1)  # fmt: skip
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


def _child(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A child in its own process group: Ctrl-C reaches ``up`` alone, which stops it."""
    # Our own interpreter with fixed arguments: nothing here comes from user input.
    return subprocess.Popen([sys.executable, *arguments], env=env, process_group=0)  # noqa: S603


def _streamlit_args(port: int) -> list[str]:
    spec = importlib.util.find_spec("ui")
    assert spec is not None and spec.origin is not None, "the ui package is installed with us"
    script = Path(spec.origin).with_name("app.py")
    return ["-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"]  # fmt: skip


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each child, wait for all (the API lets running exports finish), then kill."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + UP_STOP_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


COMMANDS: tuple[Callable[[Commands], None], ...] = (
    demo,
    run_demo,
    chat,
    serve,
    up,
    users,
    worker,
)


def build_parser() -> argparse.ArgumentParser:
    """The parser for every command in :data:`COMMANDS`."""
    parser = _Parser(prog=PROG, description="A conversational data assistant.")
    commands = parser.add_subparsers(title="commands", dest="command", required=True)
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], None] = args.run
        run(args)
    except BadInput as exc:
        return _fail(str(exc), 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 1)
    except Exception as exc:
        return _fail(f"{type(exc).__name__}: {exc}", 1)
    return 0


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr)
    return code


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0, not {text!r}")
    return value


def _port(text: str) -> int:
    port = _whole_number(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {port}")
    return port


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2026-11-18, not {text!r}") from None
