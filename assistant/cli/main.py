"""The command line, ``python -m assistant COMMAND``: one function per command.

A command is a function that takes the sub-command registry, adds its parser (every
option with help) and sets ``run`` to a handler taking the parsed arguments; list it in
``COMMANDS``. Handlers print results on stdout and raise ``InvalidInput`` for anything
the user must fix. :func:`main` maps the outcome to the exit codes of
``docs/assistant-cli.md``: 0 on success, 2 on bad input, 1 otherwise, with one line on
stderr and never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.cli.args import PROG, Commands, Parser, day, fail, whole_number
from assistant.cli.serving import serve
from assistant.cli.up import up
from assistant.errors import InvalidInput
from assistant.source.demo import (
    DEFAULT_PATH,
    DEFAULT_ROWS,
    DEFAULT_SEED,
    build_demo,
)


def demo(commands: Commands) -> None:
    """``demo``: build the bundled demo database and print its path."""
    parser = commands.add_parser(
        "demo",
        help="build the bundled demo database",
        description="Build the seeded demo shop database (SQLite) and print its path.",
    )
    parser.add_argument(
        "--rows",
        type=whole_number,
        default=DEFAULT_ROWS,
        metavar="N",
        help=f"number of orders (default {DEFAULT_ROWS:,})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_PATH,
        metavar="PATH",
        help=f"database file to write; folders are created (default {DEFAULT_PATH})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="N",
        help="random seed: the same seed, rows and day give the same data",
    )
    parser.add_argument(
        "--today",
        type=day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the data ends on (default: today)",
    )
    parser.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> None:
    path = build_demo(args.out, args.rows, seed=args.seed, today=args.today)
    print(path.absolute())


def run_demo(commands: Commands) -> None:
    """``run-demo``: build the demo data if missing and export it in every format."""
    parser = commands.add_parser(
        "run-demo",
        help="export the demo data in every format (a quick look at every writer)",
        description="Build var/demo.db if missing, then export its orders in every format.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("var/exports"),
        metavar="FOLDER",
        help="folder for the exported files (default var/exports)",
    )
    parser.set_defaults(run=_run_showcase)


def _run_showcase(args: argparse.Namespace) -> None:
    from assistant.cli.showcase import export_every_format

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
        "--user",
        default="local",
        metavar="NAME",
        help="who is chatting; created if missing (default local)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="read one message per line from stdin and write one JSON reply per message",
    )
    parser.add_argument(
        "--now",
        default=None,
        metavar="ISO",
        help="pin the clock (without an offset: wall-clock time in --tz)",
    )
    parser.add_argument(
        "--tz",
        default=None,
        metavar="ZONE",
        help="the user's IANA time zone (default: the saved one, else UTC)",
    )
    parser.set_defaults(run=_run_chat)


def _run_chat(args: argparse.Namespace) -> None:
    from assistant.cli.chat import run_chat

    run_chat(args.user, json_mode=args.json, now=args.now, tz=args.tz)


def users(commands: Commands) -> None:
    """``users create|list|revoke|rotate``: users and their API keys."""
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
    listing = actions.add_parser(
        "list", help="list users and their keys (prefixes only)",
        description="List users, and each key's prefix, when it was made and last used, and "
        "whether it is revoked.",
    )  # fmt: skip
    listing.set_defaults(run=_run_users_list)
    revoke = actions.add_parser(
        "revoke", help="revoke one key (by prefix) or all keys of a user (by name)",
        description="Revoke the key with this prefix (ak_…), or every key of this user.",
    )  # fmt: skip
    revoke.add_argument("target", metavar="PREFIX_OR_NAME", help="ak_3f9a1c2b7d4e, or ana")
    revoke.set_defaults(run=_run_users_revoke)
    rotate = actions.add_parser(
        "rotate", help="revoke all keys of a user and print ONE new key",
        description="Revoke every key of this user and print one new key, shown only once.",
    )  # fmt: skip
    rotate.add_argument("name", metavar="NAME", help="the user's name, like ana")
    rotate.set_defaults(run=_run_users_rotate)


def _run_users_create(args: argparse.Namespace) -> None:
    from assistant.cli.users import create_user

    print(create_user(args.name, args.email))


def _run_users_list(args: argparse.Namespace) -> None:
    from assistant.cli.users import list_users

    print("\n".join(list_users()) or "No users yet; create one with `users create NAME`.")


def _run_users_revoke(args: argparse.Namespace) -> None:
    from assistant.cli.users import revoke

    count = revoke(args.target)
    print(f"Revoked {count} key{'' if count == 1 else 's'}.")


def _run_users_rotate(args: argparse.Namespace) -> None:
    from assistant.cli.users import rotate

    print(rotate(args.name))


def worker(commands: Commands) -> None:
    """``worker``: run exports handed over through the broker (Celery on Redis)."""
    parser = commands.add_parser(
        "worker",
        help="run background exports for the API (needs ASSISTANT_BROKER_URL)",
        description="Take exports from the Redis broker and run them; start as many as you "
        "like, on any machine that sees the store and the files. Migrations apply first. "
        "SIGTERM finishes the running exports, then stops.",
    )
    parser.add_argument(
        "--concurrency",
        type=whole_number,
        default=None,
        metavar="N",
        help="exports run at once (default: ASSISTANT_WORKER_CONCURRENCY, 2)",
    )
    parser.add_argument(
        "--loglevel",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much the worker logs (default INFO)",
    )
    parser.set_defaults(run=_run_worker)


def _run_worker(args: argparse.Namespace) -> None:
    import os

    from assistant.cli.safety import check_deployment
    from assistant.settings import load_settings
    from assistant.source.demo import prepare_source
    from assistant.store import migrate
    from assistant.worker import LeaseWatch, worker_app

    settings = load_settings()
    check_deployment(settings)  # the worker signs links in e-mails too
    if not settings.broker_url:
        raise InvalidInput(
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
        app.worker_main(
            [
                "worker",
                "--pool=threads",
                f"--concurrency={concurrency}",
                f"--loglevel={args.loglevel}",
                f"--queues={settings.queue}",
                f"--hostname=assistant-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        )
    finally:
        watch.stop()


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
    parser = Parser(prog=PROG, description="A conversational data assistant.")
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
    except InvalidInput as exc:
        return fail(str(exc), 2)
    except KeyboardInterrupt:
        return fail("interrupted", 1)
    except Exception as exc:
        return fail(f"{type(exc).__name__}: {exc}", 1)
    return 0
