"""Email addresses and header text, shared by the message and the SMTP settings.

Both a recipient list (:mod:`assistant.delivery.message`) and the sender in
``ASSISTANT_SMTP_URL`` (:mod:`assistant.delivery.smtp_url`) are read by the same strict
rules, and anything that goes into a header (or an error message quoting a server) is
made one line first, so no text can add a header of its own.
"""

from __future__ import annotations

import re
import socket

from assistant.errors import InvalidInput

__all__ = ["addresses", "default_sender", "one_line"]

# Control characters, and the Unicode line breaks str.splitlines() also splits on.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# Deliberately strict and simple: "addr" or "Name <addr>", one "@", and nothing in the
# address that could end it, start a group ("Bcc: x@y" stays one invalid recipient) or
# split the header.
_ADDR = r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+"
_RECIPIENT = re.compile(rf"(?P<name>[^<>,;:]*?)\s*<(?P<addr>{_ADDR})>|(?P<bare>{_ADDR})")


def default_sender() -> str:
    """``assistant@<this machine's host name>``."""
    return f"assistant@{socket.gethostname() or 'localhost'}"


def one_line(text: str) -> str:
    """``text`` safe for a header: control characters and line breaks become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def addresses(text: str, what: str) -> list[tuple[str, str]]:
    """``(name, address)`` pairs from a comma-separated list, or :class:`InvalidInput`.

    >>> addresses("ann@example.com, Bob Stone <bob@example.org>", "recipient")
    [('', 'ann@example.com'), ('Bob Stone', 'bob@example.org')]
    >>> addresses("ann@example.com\\r\\nBcc: eve@example.net", "recipient")
    Traceback (most recent call last):
    ...
    assistant.errors.InvalidInput: 'ann@example.com Bcc: eve@example.net' is not a valid \
recipient; write it like name@example.com or Name <name@example.com>, commas between several.
    """
    cleaned = one_line(text)
    pairs = []
    for piece in cleaned.split(","):
        match = _RECIPIENT.fullmatch(piece.strip())
        if match is None:
            raise InvalidInput(
                f"{cleaned!r} is not a valid {what}; write it like name@example.com or "
                "Name <name@example.com>, commas between several."
            )
        name = (match["name"] or "").strip().strip('"').strip()
        pairs.append((name, match["addr"] or match["bare"]))
    return pairs
