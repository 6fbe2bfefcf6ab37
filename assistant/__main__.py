"""``python -m assistant``: the command line of :mod:`assistant.cli.main`."""

from assistant.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
