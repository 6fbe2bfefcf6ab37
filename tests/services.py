"""Print the URL of a local test service when it answers, else nothing.

Used by `make test`: ``TEST_POSTGRES_URL=$(python -m tests.services postgres)``.
"""

from __future__ import annotations

import socket
import sys

SERVICES = {
    "postgres": (("127.0.0.1", 5432), "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "redis": (("127.0.0.1", 6379), "redis://127.0.0.1:6379/0"),
}


def answering(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def main(name: str) -> int:
    address, url = SERVICES[name]
    if answering(address):
        print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
