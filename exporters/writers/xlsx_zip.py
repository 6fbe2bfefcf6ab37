"""The ZIP container of an XLSX package, written forward only, with parts written head last.

Why not :mod:`zipfile`: a worksheet must state its used range (``<dimension>``) before its
rows, and the range is known only after the last row. So a worksheet is written body
first: :class:`HeadLast` deflates the rows as they come into a spool file, and when the
sheet ends its head is deflated on its own and put in front. Two raw deflate streams
join into one when the first ends on a flush boundary without a final block (zlib's
``Z_SYNC_FLUSH``) and the second was started fresh, which never refers back across the
join; the part's CRC-32 is combined from the two halves' (:func:`crc32_combine`), so no
byte is compressed or checksummed twice. ``zipfile`` compresses whatever it is given and
cannot take such a pre-compressed part.

Every part's CRC and sizes are known before its first byte goes out, so local headers
carry them (no data descriptors) and the sink is never seeked: the bytes are the same
for a file, a gzip stream or a hash. The spool costs one sequential write and read of
the compressed sheet in the temporary directory (``TMPDIR``; a sheet compressing to less
than 1 MiB stays in memory), and one sheet is spooled at a time, so memory stays flat.
ZIP64 records are added only when offsets need them (packages over 4 GiB: Excel and
zipfile read them, LibreOffice 7.4 reads no ZIP64 archive at all); a single part stays
under 4 GiB (the writer starts a new sheet long before).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import struct
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from exporters.errors import ExporterError

ZIP64_FROM = 0xFFFF_FFFF  # offsets from here need ZIP64 records (lowered by tests)
_MARK = 0xFFFF_FFFF  # a 32-bit field holding this means "see the ZIP64 record"
_SPOOL_IN_MEMORY = 2**20  # a sheet compressing to less stays in memory, off the disk
_COPY_BYTES = 2**20
_DEFLATED = 8
_VERSION = 20  # 2.0: deflate
_VERSION_ZIP64 = 45


@dataclass(frozen=True)
class _Entry:
    name: bytes
    crc: int
    size: int
    compressed: int
    offset: int

    @property
    def version(self) -> int:
        """Version needed to extract, the same in both headers (LibreOffice compares them)."""
        return _VERSION_ZIP64 if self.offset >= ZIP64_FROM else _VERSION


class Package:
    """A ZIP archive written in one pass to ``sink``, every part deflated and dated ``when``.

    >>> import io, zipfile
    >>> out = io.BytesIO()
    >>> package = Package(out, dt.datetime(2026, 11, 18, 15, 30))
    >>> package.add("a.xml", b"<a/>")
    >>> part = package.head_last("b.xml", level=1)
    >>> part.write(b"<rows/></b>")
    >>> part.close(b"<b>")
    >>> package.close()
    >>> zipfile.ZipFile(out).read("b.xml")
    b'<b><rows/></b>'
    """

    def __init__(self, sink: BinaryIO | IO[bytes], when: dt.datetime) -> None:
        self._sink = sink
        self._written = 0
        self._entries: list[_Entry] = []
        self._time, self._date = _dos_stamp(when)

    def add(self, name: str, data: bytes, level: int = 6) -> None:
        """A whole part at once (the small fixed parts)."""
        deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
        compressed = deflate.compress(data) + deflate.flush()
        self._part(name, zlib.crc32(data), len(data), len(compressed), [compressed])

    def head_last(self, name: str, level: int) -> HeadLast:
        """A part written body first; :meth:`HeadLast.close` puts its head in front."""
        return HeadLast(self, name, level)

    def close(self) -> None:
        """Write the central directory: the archive is complete."""
        start = self._written
        for entry in self._entries:
            extra = b""
            offset = entry.offset
            if offset >= ZIP64_FROM:
                extra = struct.pack("<HHQ", 1, 8, offset)
                offset = _MARK
            version = entry.version
            self._write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    version,  # made by: MS-DOS, like zipfile's default
                    version,
                    0,
                    _DEFLATED,
                    self._time,
                    self._date,
                    entry.crc,
                    entry.compressed,
                    entry.size,
                    len(entry.name),
                    len(extra),
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + entry.name
                + extra
            )
        size = self._written - start
        count = len(self._entries)
        if start >= ZIP64_FROM or size >= ZIP64_FROM or count >= 0xFFFF:
            end64 = self._written
            self._write(
                struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start)
                + struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
            )
            count, size, start = min(count, 0xFFFF), min(size, _MARK), min(start, _MARK)
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))
        self._sink.flush()

    def _part(self, name: str, crc: int, size: int, compressed: int, chunks: Iterable[Any]) -> None:
        """One part's local header and its already-compressed bytes from ``chunks``."""
        if size >= _MARK or compressed >= _MARK:
            raise ValueError(f"the part {name} is too large for a ZIP32 entry")
        encoded = name.encode("ascii")
        entry = _Entry(encoded, crc, size, compressed, self._written)
        self._entries.append(entry)
        self._write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                entry.version,
                0,
                _DEFLATED,
                self._time,
                self._date,
                crc,
                compressed,
                size,
                len(encoded),
                0,
            )
            + encoded
        )
        for chunk in chunks:
            self._write(chunk)

    def _write(self, data: Any) -> None:
        self._sink.write(data)
        self._written += len(data)


class HeadLast:
    """One part whose head is known last: the body is deflated into a spool as it comes.

    :meth:`close` deflates the head, joins it in front of the body and writes the part.
    """

    def __init__(self, package: Package, name: str, level: int) -> None:
        self._package = package
        self._name = name
        self._level = level
        self._deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY)  # noqa: SIM115
        self._crc = 0
        self.size = 0  # uncompressed body bytes so far
        self._compressed = 0

    def write(self, data: Any) -> None:
        """Append ``data`` (bytes or any buffer, e.g. a ``pyarrow.Buffer``) to the body."""
        self._crc = zlib.crc32(data, self._crc)
        self.size += len(data)
        self._spill(self._deflate.compress(data))

    def close(self, head: bytes) -> None:
        """Finish the body, put ``head`` in front of it and write the part to the package."""
        self._spill(self._deflate.flush())
        deflate = zlib.compressobj(self._level, zlib.DEFLATED, -15)
        # A sync flush ends the head's stream on a byte boundary without a final block,
        # so the body's own stream (a final block at its end) continues it.
        front = deflate.compress(head) + deflate.flush(zlib.Z_SYNC_FLUSH)
        crc = crc32_combine(zlib.crc32(head), self._crc, self.size)
        self._spool.seek(0)
        self._package._part(
            self._name,
            crc,
            len(head) + self.size,
            len(front) + self._compressed,
            itertools.chain([front], _chunks(self._spool)),  # never all of it at once
        )
        self.discard()

    def discard(self) -> None:
        """Drop the spool (after a failure, or once written)."""
        with contextlib.suppress(Exception):
            self._spool.close()

    def _spill(self, compressed: bytes) -> None:
        if not compressed:
            return
        try:
            self._spool.write(compressed)
        except OSError as exc:  # the spool rolled over to a full or missing TMPDIR
            raise ExporterError(
                f"cannot spool an XLSX sheet in {tempfile.gettempdir()}: "
                f"{exc.strerror or exc}; free some space there or point TMPDIR elsewhere"
            ) from exc
        self._compressed += len(compressed)


def _chunks(spool: IO[bytes]) -> Iterable[bytes]:
    """The spool's bytes in pieces of ``_COPY_BYTES``: never the whole sheet in memory."""
    while chunk := spool.read(_COPY_BYTES):
        yield chunk


_POLY = 0xEDB88320  # CRC-32, reflected


def _multiply(a: int, b: int) -> int:
    """``a * b`` modulo the CRC polynomial (bits reflected, as zlib's ``multmodp``)."""
    product = 0
    mask = 1 << 31
    while a:
        if a & mask:
            product ^= b
            a ^= mask
        mask >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _x_power_8n(n: int) -> int:
    """``x ** (8 * n)`` modulo the polynomial: what appending ``n`` zero bytes multiplies by."""
    result = 1 << 31  # x ** 0
    square = 1 << 23  # x ** 8 (reflected: x ** k is bit 31 - k)
    while n:
        if n & 1:
            result = _multiply(square, result)
        square = _multiply(square, square)
        n >>= 1
    return result


def crc32_combine(first: int, second: int, second_length: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)`` (zlib's own).

    >>> crc32_combine(zlib.crc32(b"head"), zlib.crc32(b"body"), 4) == zlib.crc32(b"headbody")
    True
    """
    return _multiply(_x_power_8n(second_length), first) ^ second


def _dos_stamp(when: dt.datetime) -> tuple[int, int]:
    """``when`` as ZIP's MS-DOS time and date fields (ZIP dates span 1980-2107)."""
    stamp = min(max(when.replace(tzinfo=None), dt.datetime(1980, 1, 1)), dt.datetime(2107, 12, 31))
    time = (stamp.hour << 11) | (stamp.minute << 5) | (stamp.second // 2)
    date = ((stamp.year - 1980) << 9) | (stamp.month << 5) | stamp.day
    return time, date
