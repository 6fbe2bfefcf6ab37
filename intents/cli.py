"""``python -m intents``: how the assistant understands a message (docs/intents-cli.md).

Prints one JSON object per message on stdout and exits 0 for any message; bad flags
exit 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn, TextIO

from intents.context import Context
from intents.models import ExportRequest, Intent
from intents.parsing import Mode, parse
from intents.toolcall import LLM, LLMConfig


class _BadFlags(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _BadFlags(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m intents", description=__doc__.splitlines()[0])
    parser.add_argument("message", nargs="?", help="the chat message to understand")
    parser.add_argument("--now", help="the clock, ISO 8601 (no offset: wall-clock in --tz)")
    parser.add_argument("--tz", default="UTC", help="the user's IANA time zone (default UTC)")
    parser.add_argument(
        "--mode",
        choices=["rules", "llm", "auto"],
        default=None,
        help="rules only, always the LLM, or auto (default; rules when no key)",
    )
    parser.add_argument(
        "--jsonl",
        metavar="FILE",
        help='read {"message", "now"?, "tz"?} lines from FILE ("-" for stdin)',
    )
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO = sys.stdin) -> int:
    try:
        args = build_parser().parse_args(argv)
        if (args.message is None) == (args.jsonl is None):
            raise _BadFlags("give either a MESSAGE or --jsonl FILE")
        # One seam for the whole batch: its client, built only if a line asks the LLM,
        # reuses its connection line after line.
        with LLM(LLMConfig.from_env()) as llm:
            mode: Mode = args.mode or ("auto" if llm.enabled else "rules")
            if args.jsonl is None:
                context = _context(args.now, args.tz)
                _print(parse(args.message, context, mode=mode, llm=llm).contract_json())
                return 0
            lines = stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8")  # noqa: SIM115
            with lines:
                for output in _batch(lines, args.now, args.tz, mode, llm):
                    _print(output)
            return 0
    except _BadFlags as exc:
        print(f"python -m intents: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"python -m intents: error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr
        )
        return 2


def _batch(
    lines: Iterable[str],
    now: str | None,
    tz: str,
    mode: Mode,
    llm: LLM,
) -> Iterable[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            context = _context(item.get("now", now), item.get("tz", tz))
            request = parse(str(item["message"]), context, mode=mode, llm=llm)
            yield request.contract_json()
        except (ValueError, KeyError, TypeError, AttributeError, _BadFlags) as exc:
            # Still one object per line, so outputs stay aligned with inputs.
            unknown = ExportRequest(intent=Intent.UNKNOWN).contract_json()
            yield {**unknown, "error": f"line {number}: {exc}"}


def _context(now: str | None, tz: str) -> Context:
    try:
        return Context.at(now, tz)
    except (ValueError, KeyError) as exc:
        raise _BadFlags(f"bad --now or --tz: {exc}") from None


def _print(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
