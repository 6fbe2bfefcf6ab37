"""Files appear whole or not at all: a temporary file beside the target, hashed and
counted as it is written, optionally a gzip or zip member, synced and renamed into place.
A file made from several pieces (a bundle) gathers them in a hidden folder beside the
target first (:func:`temporary_folder`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TypeAlias

from exporters.errors import DestinationError, ExportCancelled

if TYPE_CHECKING:
    from exporters.core import CancelToken

CANCELLED = "the export was cancelled; no file was written"

# What wraps a whole file (the common `compression` option's values).
Compression: TypeAlias = Literal["none", "gzip", "zip"]


class HashingSink:
    """A write-only file that counts and hashes every byte on its way to disk."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._sha = hashlib.sha256()
        self.bytes = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._sha.update(view)
        self._file.write(view)
        self.bytes += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self.bytes

    def flush(self) -> None:
        self._file.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


@contextlib.contextmanager
def atomic_output(
    out: Path,
    *,
    compression: Compression = "none",
    generated_at: dt.datetime | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[HashingSink, Any]]:
    """Yield ``(sink, target)``: the writer writes to ``target`` (``sink``, or a gzip/zip
    member inside it); ``out`` appears only if the block finishes and was not cancelled.

    The bytes go to a temporary file beside ``out``, are synced to disk, then renamed over
    ``out``; on any failure the temporary file is removed and an existing ``out`` is untouched.
    ``compression`` is the caller's decision (a format that compresses inside, see
    :attr:`~exporters.FormatSpec.compressible`, passes ``"none"``); ``generated_at`` stamps
    the gzip header or zip entry, so the same input gives the same bytes.
    """
    temp, temp_path = _open_temp(out)
    sink = HashingSink(temp)
    stamp = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        with _wrap_compression(sink, compression, out, stamp) as target:
            yield sink, target
        temp.flush()
        os.fsync(temp.fileno())
        temp.close()
        if cancel is not None and cancel.cancelled:
            raise ExportCancelled(CANCELLED)
        os.replace(temp_path, out)
    except BaseException:
        temp.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise


@contextlib.contextmanager
def temporary_folder(out: Path) -> Iterator[Path]:
    """A hidden folder beside ``out`` for the pieces a file is made from (a bundle's parts),
    removed whatever happens.

    Beside ``out`` rather than in the system's temporary folder: the pieces may be as large
    as the file itself, and the target's disk is the one known to have room for them.
    """
    with _destination(out):
        name = tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".parts")
    try:
        yield Path(name)
    finally:
        shutil.rmtree(name, ignore_errors=True)


def _open_temp(out: Path) -> tuple[IO[bytes], str]:
    with _destination(out):
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    return os.fdopen(fd, "wb"), name


@contextlib.contextmanager
def _destination(out: Path) -> Iterator[None]:
    """Creating something beside ``out``: the OS's refusals as DestinationError, in words."""
    if out.is_dir():
        raise DestinationError(f"{out} is a directory; give a file name to write")
    try:
        yield
    except FileNotFoundError:
        raise DestinationError(f"the folder {out.parent} does not exist") from None
    except PermissionError:
        raise DestinationError(f"cannot write to {out.parent}: permission denied") from None
    except OSError as exc:
        raise DestinationError(f"cannot write to {out.parent}: {exc.strerror}") from None


@contextlib.contextmanager
def _wrap_compression(
    sink: HashingSink, kind: Compression, out: Path, generated_at: dt.datetime
) -> Iterator[Any]:
    """Yield the stream the writer writes to: the file itself, or a gzip/zip member."""
    if kind == "gzip":
        inner = out.name.removesuffix(".gz")
        with gzip.GzipFile(
            filename=inner,
            mode="wb",
            fileobj=sink,
            compresslevel=6,
            mtime=int(generated_at.timestamp()),
        ) as gz:
            yield gz
    elif kind == "zip":
        inner = out.name.removesuffix(".zip")
        info = zipfile.ZipInfo(inner, date_time=generated_at.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with (
            zipfile.ZipFile(sink, "w") as archive,
            archive.open(info, "w", force_zip64=True) as member,
        ):
            yield member
    else:
        yield sink
