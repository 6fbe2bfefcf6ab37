"""Serving an export file: headers, conditional requests and byte ranges, streamed from disk.

Starlette's ``FileResponse`` is not used: it answers a malformed ``Range`` with 400 (RFC 9110
says ignore it), has no ``If-None-Match`` handling, builds multipart answers for several
ranges and sets an mtime/MD5 ETag. :class:`FileStreamResponse` is a small
``StreamingResponse`` that reads the file in :attr:`~FileStreamResponse.chunk_size` pieces,
so memory stays flat whatever the file size.

Range policy (RFC 9110 §14): one satisfiable range -> 206 with ``Content-Range``; one
unsatisfiable range -> 416 with ``Content-Range: bytes */size``; a malformed header, another
unit, or more than one range -> the full 200 (a server may always ignore ``Range``; this
avoids multipart bodies and the overlapping-range amplification they invite). Headers with
more than :data:`MAX_RANGES` ranges are ignored without being parsed further.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import AsyncIterator, Mapping
from pathlib import Path, PurePath
from urllib.parse import quote

import anyio
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

CHUNK_SIZE = 1024 * 1024  # bytes per read: big enough for throughput, small for memory
MAX_RANGES = 16  # more ranges than this in one header: ignore the header (DoS guard)
MAX_FILE_NAME_BYTES = 200  # keeps names below common 255-byte file-system limits


class UnsafePath(ValueError):
    """A stored file path that would leave the storage root."""


def safe_path(storage_root: Path, relative: str) -> Path:
    """``storage_root / relative``, resolved, refusing anything that ends up outside the root.

    Symlinks are resolved first, so one pointing outside the root is refused too.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> safe_path(root, "exp_1/data.csv") == root.resolve() / "exp_1" / "data.csv"
    True
    >>> safe_path(root, "../etc/passwd")
    Traceback (most recent call last):
    ...
    assistant.api.download.UnsafePath: '../etc/passwd' is outside the storage root
    """
    if not relative or "\x00" in relative or PurePath(relative).is_absolute():
        raise UnsafePath(f"{relative!r} is not a relative path inside the storage root")
    root = storage_root.resolve()
    candidate = (root / relative).resolve()
    if candidate == root or not candidate.is_relative_to(root):
        raise UnsafePath(f"{relative!r} is outside the storage root")
    return candidate


# Kept in the quoted ASCII fallback; everything else becomes "_". Leaves out quotes,
# backslash, "/", ":", ";", "%" (some clients percent-decode) and all control characters.
_FALLBACK_SAFE = re.compile(r"[^A-Za-z0-9 !#$&'()+,\-.=@\[\]^_`{}~]")
# RFC 5987 attr-char beyond what quote() keeps anyway (letters, digits, "_.-~").
_ATTR_CHAR_EXTRA = "!#$&+^`|"


# Cc: controls incl. CR/LF; Cf: e.g. right-to-left override (spoofs extensions);
# Cs: lone surrogates (not encodable); Zl/Zp: line and paragraph separators.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, ext) if dot else (name, "")


def _clean_name(file_name: str) -> str:
    """The last path part, without control/format characters, trimmed to a sane length."""
    base = re.split(r"[/\\]", file_name)[-1]
    base = "".join(c for c in base if unicodedata.category(c) not in _DROPPED_CATEGORIES)
    base = base.strip(" .")  # no hidden dot-files, no trailing dots (Windows drops them)
    if len(base.encode()) <= MAX_FILE_NAME_BYTES:
        return base
    stem, ext = _split_ext(base)
    budget = MAX_FILE_NAME_BYTES - len(ext.encode()) - 1
    if not ext or budget < 1:
        stem, ext, budget = base, "", MAX_FILE_NAME_BYTES
    # Cut on bytes, then drop a code point split in half.
    stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .")
    return f"{stem}.{ext}" if ext else stem


def _ascii_fallback(name: str) -> str:
    # "über" -> "uber": decompose and drop the accents; other non-ASCII becomes "_".
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    ascii_name = _FALLBACK_SAFE.sub("_", ascii_name).strip(" .")
    stem, ext = _split_ext(ascii_name)
    if not any(c.isalnum() for c in stem):
        return f"download.{ext}" if any(c.isalnum() for c in ext) else "download"
    return ascii_name


def content_disposition(file_name: str) -> str:
    """An RFC 6266 ``attachment`` header value with an ASCII fallback and ``filename*``.

    Path parts and control characters are dropped from both names, so the value is always
    one header line and never names a directory.

    >>> print(content_disposition('Bericht "Q4"\\r\\n../über;x.csv'))
    attachment; filename="uber_x.csv"; filename*=UTF-8''%C3%BCber%3Bx.csv
    >>> print(content_disposition("报告.xlsx"))
    attachment; filename="download.xlsx"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.xlsx
    >>> print(content_disposition("../"))
    attachment; filename="download"; filename*=UTF-8''download
    """
    name = _clean_name(file_name) or "download"
    encoded = quote(name, safe=_ATTR_CHAR_EXTRA, encoding="utf-8")
    return f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"


_BYTE_RANGE = re.compile(r"(\d*)-(\d*)", re.ASCII)  # ASCII: int() also takes e.g. "٣"
_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*')


class RangeNotSatisfiable(Exception):
    """The one requested range lies wholly outside the file (answer 416)."""


def _position(digits: str) -> int:
    # int() refuses more than 4300 digits; any position past 2**63 is "beyond the end".
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 2**63


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The ``(start, end)`` (end exclusive) a ``Range`` header asks of ``size`` bytes.

    ``None`` means ignore the header and send everything: malformed, not ``bytes``,
    several ranges, or more than :data:`MAX_RANGES`. Raises :class:`RangeNotSatisfiable`
    when the single range starts at or past the end.

    >>> parse_range("bytes=0-9", 100), parse_range("bytes=-10", 100), parse_range("bytes=90-", 100)
    ((0, 10), (90, 100), (90, 100))
    >>> [parse_range(h, 100) for h in ("bytes=5-1", "items=0-1", "bytes=0-1,5-", "bytes=x")]
    [None, None, None, None]
    >>> parse_range("bytes=100-", 100)
    Traceback (most recent call last):
    ...
    assistant.api.download.RangeNotSatisfiable: bytes=100-
    """
    unit, eq, range_set = header.partition("=")
    if not eq or unit.strip().lower() != "bytes" or range_set.count(",") >= MAX_RANGES:
        return None
    # RFC 9110 list syntax allows empty elements ("bytes=0-1,,").
    specs = [part.strip() for part in range_set.split(",") if part.strip()]
    if len(specs) != 1:
        return None
    match = _BYTE_RANGE.fullmatch(specs[0])
    if match is None:
        return None
    first, last = match.groups()
    if first:
        start = _position(first)
        if last and _position(last) < start:
            return None  # an invalid int-range makes the header invalid: ignore it
        if start >= size:
            raise RangeNotSatisfiable(header)
        return start, min(_position(last) + 1, size) if last else size
    if not last:
        return None  # "bytes=-"
    suffix_length = _position(last)
    if suffix_length == 0 or size == 0:
        raise RangeNotSatisfiable(header)
    return max(size - suffix_length, 0), size


def _etag_matches(header: str, etag: str, *, weak: bool) -> bool:
    """Whether an If-None-Match (weak comparison) or If-Range (strong) header names ``etag``."""
    if weak and header.strip() == "*":
        return True
    for tag in header.split(","):
        match = _ENTITY_TAG.fullmatch(tag)
        if match and match.group(2) == etag and (weak or not match.group(1)):
            return True
    return False


class FileStreamResponse(StreamingResponse):
    """Streams ``path[start:end]`` in ``chunk_size`` reads; sends no body for HEAD."""

    chunk_size = CHUNK_SIZE
    _file: anyio.AsyncFile[bytes]

    def __init__(
        self,
        path: Path,
        *,
        start: int,
        end: int,
        size: int,
        status_code: int,
        headers: Mapping[str, str],
    ) -> None:
        # The body is produced by stream_response below, not by an iterator.
        super().__init__(_nothing(), status_code=status_code, headers=headers)
        self.path = path
        self.start, self.end, self.size = start, end, size
        self._send_body = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._send_body = scope.get("method", "GET").upper() != "HEAD"
        try:
            file = await anyio.open_file(self.path, "rb")
        except FileNotFoundError:
            # Deleted between the lookup and now: the same answer as a missing export.
            await _error(404, "export_not_found", "This export no longer exists.")(
                scope, receive, send
            )
            return
        try:
            if os.fstat(file.wrapped.fileno()).st_size != self.size:
                raise RuntimeError(f"{self.path} changed size while being served")
            self._file = file
            await super().__call__(scope, receive, send)
        finally:
            # Close even when the client went away and we are being cancelled.
            with anyio.CancelScope(shield=True):
                await file.aclose()

    async def stream_response(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if self._send_body:
            await self._file.seek(self.start)
            position = self.start
            while position < self.end:
                chunk = await self._file.read(min(self.chunk_size, self.end - position))
                if not chunk:
                    raise RuntimeError(f"{self.path} is shorter than expected")
                position += len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _nothing() -> AsyncIterator[bytes]:  # pragma: no cover - never iterated
    return
    yield


def _error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers)


def file_response(
    path: Path,
    *,
    file_name: str,
    sha256: str,
    media_type: str,
    request_headers: Mapping[str, str],
    method: str = "GET",
) -> Response:
    """The response for a GET/HEAD of the export file at ``path``.

    ``request_headers`` is the request's (case-insensitive) headers, e.g.
    ``request.headers``; ``Range``, ``If-Range`` and ``If-None-Match`` are honoured.
    ``Range`` applies to GET only (RFC 9110 §14.2), so pass ``method`` for a HEAD route.
    Raises ``FileNotFoundError`` when ``path`` is missing and ``ValueError`` when it is
    not a regular file.
    """
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file")
    size = info.st_size
    etag = f'"{sha256}"'
    common = {
        "etag": etag,
        "accept-ranges": "bytes",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
    }

    # RFC 9110 §13.2.2: If-None-Match is evaluated before Range.
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None and _etag_matches(if_none_match, etag, weak=True):
        return Response(status_code=304, headers=common)

    start, end, status = 0, size, 200
    range_header = request_headers.get("range") if method.upper() == "GET" else None
    if_range = request_headers.get("if-range")
    # If-Range must match strongly; we send no Last-Modified, so a date never matches.
    if range_header is not None and (if_range is None or _etag_matches(if_range, etag, weak=False)):
        try:
            wanted = parse_range(range_header, size)
        except RangeNotSatisfiable:
            return _error(
                416,
                "range_not_satisfiable",
                f"The requested range is outside the file, which is {size} bytes long.",
                {**common, "content-range": f"bytes */{size}"},
            )
        if wanted is not None:
            (start, end), status = wanted, 206

    headers = {
        **common,
        "content-type": media_type,
        "content-disposition": content_disposition(file_name),
        "content-length": str(end - start),
    }
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
    return FileStreamResponse(
        path, start=start, end=end, size=size, status_code=status, headers=headers
    )
