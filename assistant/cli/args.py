"""What every command's parser shares: the program name, argument types, failing in one line."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import NoReturn, TypeAlias

from assistant.errors import InvalidInput

__all__ = ["PROG", "Commands", "Parser", "count", "day", "fail", "port", "whole_number"]

PROG = "python -m assistant"


class Parser(argparse.ArgumentParser):
    """Reports usage errors as :class:`InvalidInput` so they end as one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise InvalidInput(message)


Commands: TypeAlias = "argparse._SubParsersAction[Parser]"


def fail(message: str, code: int) -> int:
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr)
    return code


def whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 0, not {text!r}")
    return value


def port(text: str) -> int:
    port = whole_number(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {port}")
    return port


def day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date like 2026-11-18, not {text!r}") from None
