"""Text that is not a table, written with the guarantees every export has.

A conversation's transcript (a fine-tuning JSONL line, a Markdown dialogue) is text
before it reaches the exporter: it needs no writer, only what every file gets from
:func:`exporters.output.atomic_output`. It appears under its final name whole or not at
all (an existing file is left untouched on failure), it is synced before the rename, and
its size and SHA-256 are counted as it is written rather than by reading it back.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "conversation.md"
>>> export_text("# Conversation\\n", out).bytes
15
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from exporters.errors import EncodingFailed
from exporters.output import atomic_output

_CHUNK = 1 << 20  # characters encoded at a time: a long transcript is not copied whole


@dataclass(frozen=True)
class TextResult:
    bytes: int
    sha256: str
    path: Path


def export_text(text: str, out: str | os.PathLike[str]) -> TextResult:
    """Write ``text`` to ``out`` as UTF-8, atomically; its size and SHA-256.

    Text that UTF-8 cannot hold (a lone surrogate from a broken client) raises
    :class:`~exporters.EncodingFailed` and leaves no file behind.
    """
    path = Path(out)
    with atomic_output(path) as (sink, _):
        for start in range(0, len(text), _CHUNK):
            piece = text[start : start + _CHUNK]
            try:
                data = piece.encode("utf-8")
            except UnicodeEncodeError as exc:
                at = start + exc.start
                raise EncodingFailed(
                    f"the text cannot be written as UTF-8: character {at + 1} "
                    f"({text[at]!r}) is not a valid character"
                ) from None
            sink.write(data)
    return TextResult(bytes=sink.bytes, sha256=sink.hexdigest(), path=path.resolve())
