"""Face: the command line, ``python -m assistant COMMAND`` (docs/assistant-cli.md).

Holds the argument parser and its commands (``main``), the terminal chat (``chat``), user
and key creation (``users``), the ``up`` supervisor and the format showcase. May import
every room of the assistant; nothing imports it but ``__main__``.
"""

from assistant.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
