"""``python -m assistant``: the command line of :mod:`assistant.cli`."""

from assistant.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
