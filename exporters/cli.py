"""``python -m exporters``: one guarded query, one file (docs/exporters-cli.md).

Exit codes: 0 done, 2 bad input, 1 anything else; every failure is one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from exporters.core import ExportResult, Progress, export
from exporters.errors import BadInput, ExporterError, OptionError
from exporters.formats import Format, get_format
from exporters.options import CommonOptions, parse_options
from exporters.sources import QueryStream, count_rows, open_query


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise OptionError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m exporters",
        description="Export the result of one read-only SQL query to a file.",
    )
    parser.add_argument(
        "--source", required=True, help="SQLAlchemy URL, e.g. sqlite:///var/demo.db"
    )
    parser.add_argument("--sql", required=True, help="one read-only query (SELECT ...)")
    parser.add_argument(
        "--format", required=True, choices=[f.value for f in Format], help="output format"
    )
    parser.add_argument("--out", required=True, help="file to write (appears only when complete)")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a format option (repeatable), e.g. --option delimiter=';'",
    )
    parser.add_argument(
        "--progress", action="store_true", help="show a progress bar on stderr (rows, rows/s, ETA)"
    )
    return parser


def parse_option_pairs(pairs: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--option expects KEY=VALUE, got {pair!r}")
        options[key.strip()] = value
    return options


class _Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (past ``except Exception``), so the temporary
    file is removed."""


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into an exception in the main thread while the export runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        with _terminate_cleanly():
            return _run(argv)
    except _Terminated:
        print("error: terminated; no file was written", file=sys.stderr)
        return 1


def _run(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        spec = get_format(args.format)
        validated = parse_options(spec.options, parse_option_pairs(args.option))
        with open_query(args.source, args.sql) as stream:
            if args.progress:
                result = _export_with_bar(stream, args, validated)
            else:
                result = export(stream, args.out, spec.format, validated,
                                query=stream.query.sql, mask_key=_mask_key())  # fmt: skip
    except BadInput as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except ExporterError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; no file was written", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, never a bare traceback
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result.summary(), ensure_ascii=False))
    return 0


def _export_with_bar(
    stream: QueryStream, args: argparse.Namespace, options: CommonOptions
) -> ExportResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    total = count_rows(args.source, stream.query)
    columns = (
        TextColumn("exporting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} rows/s"),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("export", total=total, rate="-")

        def update(p: Progress) -> None:
            rate = f"{p.rows_done / p.seconds:,.0f}" if p.seconds > 0 else "-"
            bar.update(task, completed=p.rows_done, rate=rate)

        return export(
            stream,
            args.out,
            args.format,
            options,
            query=stream.query.sql,
            rows_total=total,
            progress=update,
            mask_key=_mask_key(),
        )


def _mask_key() -> bytes | None:
    """The ``hash`` mask's key: from the environment, never an option (it would show in
    shell history and in the file's metadata)."""
    key = os.environ.get("EXPORTERS_MASK_KEY")
    return key.encode("utf-8") if key else None
