"""Where finished export files are kept, shared by the API and every worker.

Exports are written locally (the exporter's temporary-then-rename) and then *published*
under a key, ``<export id>/<file name>``: readers see the whole file or none, never part.

- :class:`LocalStorage` is a directory (``ASSISTANT_STORAGE_DIR``): on one machine, or on
  a filesystem every machine mounts (NFS, EFS). Publishing is one ``rename``.
- :class:`FsspecStorage` puts files on any `fsspec <https://filesystem-spec.readthedocs.io>`_
  filesystem (``s3://bucket/exports``, ``gcs://``, ``memory://``...). Publishing uploads
  to a hidden key beside the final one and moves it into place; on an object store,
  where an upload appears whole or not at all, the move is the final write.

Both speak :class:`Storage`, so the worker publishes through whichever is configured.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

import fsspec

__all__ = ["FsspecStorage", "LocalStorage", "Storage", "check_key"]


def check_key(key: str) -> str:
    """``key`` if it is a relative ``folder/name`` path that stays inside the storage.

    >>> check_key("abc/orders.csv")
    'abc/orders.csv'
    >>> check_key("../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: not a storage key: '../etc/passwd'
    """
    path = PurePosixPath(key)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise ValueError(f"not a storage key: {key!r}")
    return str(path)


class Storage(Protocol):
    """Files under keys, published atomically."""

    def publish(self, local: Path, key: str) -> None:
        """Move the whole file ``local`` to ``key`` (replacing it), atomically; ``local``
        is gone afterwards."""

    def open(self, key: str) -> IO[bytes]:
        """The file under ``key`` for reading; FileNotFoundError if there is none."""

    def size(self, key: str) -> int:
        """The size in bytes of the file under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the file under ``key``; nothing if it is already gone."""


class LocalStorage:
    """A directory; keys are paths under it. ``local`` files must be on its filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def publish(self, local: Path, key: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(local, target)  # atomic within one filesystem
        _fsync_dir(target.parent)

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class FsspecStorage:
    """Any fsspec filesystem under ``url`` (extra keyword arguments go to the filesystem)."""

    def __init__(self, url: str, **options: Any) -> None:
        self.fs, root = fsspec.core.url_to_fs(url, **options)
        self.root = root.rstrip("/")

    def _target(self, key: str) -> str:
        return f"{self.root}/{check_key(key)}"

    def publish(self, local: Path, key: str) -> None:
        target = self._target(key)
        folder, _, name = target.rpartition("/")
        hidden = f"{folder}/.{name}.{secrets.token_hex(4)}.part"
        self.fs.makedirs(folder, exist_ok=True)
        try:
            self.fs.put_file(str(local), hidden)
            self.fs.mv(hidden, target)
        except BaseException:
            if self.fs.exists(hidden):
                self.fs.rm(hidden)
            raise
        local.unlink()

    def open(self, key: str) -> IO[bytes]:
        target = self._target(key)
        if not self.fs.exists(target):
            raise FileNotFoundError(key)
        opened: IO[bytes] = self.fs.open(target, "rb")
        return opened

    def size(self, key: str) -> int:
        return int(self.fs.size(self._target(key)))

    def delete(self, key: str) -> None:
        target = self._target(key)
        if self.fs.exists(target):
            self.fs.rm(target)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (the exporter does the same for its own)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
