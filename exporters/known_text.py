"""Text a source already holds for a typed column, kept for the text writers to reuse.

PostgreSQL sends every value as text (COPY and text-mode results alike). For integers,
``numeric(p,s)``, and dates and whole-second timestamps of years 1 to 9999 (with time zone:
in a session in UTC), that text is already what :func:`exporters.render.text_column`
writes with the ISO defaults, or a character or two from it. The source still makes typed
Arrow columns from it (masking, XLSX, Parquet and the limits need types), and a CSV or
JSON writer would turn them straight back into the same text: 0.2-0.3 s of CPU per
million rows of the benchmark's table. So the source remembers each such column's text
(:meth:`KnownText.remember`) and a text writer recalls it (:meth:`KnownText.recall`)
instead of rendering the typed values again.

Found by identity only, so a changed column can never find the old text: an entry
answers for the very Arrow array it was remembered with (its type, its data and validity
buffers; a slice of it gets the same slice of the text) and holds that array, so its
buffers cannot be freed and reused by another array while the entry lives. Masking, a cast
or any other change makes a new array, which finds nothing and is rendered as usual.
An entry is dropped when recalled; the entries of the last ``window`` batches are kept,
so memory stays bounded when nothing recalls them (masked columns), and a source whose
writer reuses no text (XLSX, Parquet) is told to :meth:`KnownText.stop`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

import pyarrow as pa

_Key = tuple[pa.DataType, int, int]


class KnownText:
    """Typed columns of the last ``window`` batches, with the text they were read from."""

    def __init__(self, window: int = 8) -> None:
        self._window = window
        self._entries: dict[_Key, tuple[pa.Array, pa.Array]] = {}
        self._batches: deque[list[_Key]] = deque()
        self._lock = threading.Lock()  # the source reads ahead on another thread

    def remember(self, columns: Iterable[tuple[pa.Array, pa.Array]]) -> None:
        """One batch's ``(typed, text)`` pairs: ``text`` is exactly what
        :func:`~exporters.render.text_column` writes for ``typed`` with the ISO defaults."""
        keys = []
        with self._lock:
            if not self._window:
                return
            for typed, text in columns:
                if len(typed) != len(text):
                    raise ValueError("a column's text must have one value per row")
                key = _key(typed)
                if key is None:
                    continue
                self._entries[key] = (typed, text)
                keys.append(key)
            self._batches.append(keys)
            while len(self._batches) > self._window:
                for key in self._batches.popleft():
                    self._entries.pop(key, None)

    def stop(self) -> None:
        """Keep nothing from now on: no one will recall it."""
        with self._lock:
            self._window = 0
            self._entries.clear()
            self._batches.clear()

    def recall(self, column: pa.Array) -> pa.Array | None:
        """The text remembered for ``column`` (or the array it is a slice of), or None."""
        key = _key(column)
        if key is None:
            return None
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is None:
            return None
        typed, text = entry
        start = column.offset - typed.offset
        if start < 0 or start + len(column) > len(typed):
            return None
        return text if start == 0 and len(column) == len(typed) else text.slice(start, len(column))

    def __len__(self) -> int:
        return len(self._entries)


def _key(column: pa.Array) -> _Key | None:
    """What identifies ``column``'s values; None for an array with no data of its own (an
    empty allocation's address can be shared)."""
    buffers = column.buffers()
    if len(buffers) < 2 or buffers[1] is None or buffers[1].size == 0:
        return None
    validity, data = buffers[0], buffers[1]
    return column.type, data.address, 0 if validity is None else validity.address
