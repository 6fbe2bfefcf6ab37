"""Storage: files published whole under checked keys, on a directory or any fsspec
filesystem (``memory://`` here), through the same tests."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.files.storage import FsspecStorage, LocalStorage, Storage

BAD_KEYS = ["../x", "/abs", "a/../b", "", ".", "a//b/.."]


@pytest.fixture(params=["local", "fsspec"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "exports")
        return
    memory = FsspecStorage(f"memory://t{uuid.uuid4().hex}/exports")
    try:
        yield memory
    finally:
        top = memory.root.rsplit("/", 1)[0]  # the per-test folder above the root
        if memory.fs.exists(top):
            memory.fs.rm(top, recursive=True)
        assert not memory.fs.exists(top)


def _files(storage: Storage) -> list[str]:
    """Every file in the storage, hidden ones too, as paths relative to its root."""
    if isinstance(storage, LocalStorage):
        if not storage.root.exists():
            return []
        return sorted(p.relative_to(storage.root).as_posix() for p in storage.root.rglob("*")
                      if p.is_file())  # fmt: skip
    assert isinstance(storage, FsspecStorage)
    if not storage.fs.exists(storage.root):
        return []
    found = storage.fs.find(storage.root, withdirs=False)
    return sorted(path.removeprefix(storage.root + "/") for path in found)


def _local(tmp_path: Path, content: bytes, name: str = "orders.csv") -> Path:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    path = work / f".{name}.{uuid.uuid4().hex[:6]}.part"
    path.write_bytes(content)
    return path


def _read(storage: Storage, key: str) -> bytes:
    with storage.open(key) as stream:
        return stream.read()


def test_publish_moves_the_file_under_its_key(storage: Storage, tmp_path: Path) -> None:
    content = b"id,total\r\n1,9.50\r\n" * 1000
    local = _local(tmp_path, content)
    storage.publish(local, "abc123/orders.csv")
    assert not local.exists()
    assert _read(storage, "abc123/orders.csv") == content
    assert storage.size("abc123/orders.csv") == len(content)
    assert _files(storage) == ["abc123/orders.csv"]


def test_publish_replaces_an_existing_file(storage: Storage, tmp_path: Path) -> None:
    storage.publish(_local(tmp_path, b"old, and longer than the new one\n"), "abc/orders.csv")
    newer = _local(tmp_path, b"new\n")
    storage.publish(newer, "abc/orders.csv")
    assert not newer.exists()
    assert _read(storage, "abc/orders.csv") == b"new\n"
    assert storage.size("abc/orders.csv") == 4
    assert _files(storage) == ["abc/orders.csv"]


def test_open_size_and_delete(storage: Storage, tmp_path: Path) -> None:
    storage.publish(_local(tmp_path, b"one"), "a/one.csv")
    storage.publish(_local(tmp_path, b"two!"), "b/two.csv")
    assert (storage.size("a/one.csv"), storage.size("b/two.csv")) == (3, 4)

    storage.delete("a/one.csv")
    assert _files(storage) == ["b/two.csv"]
    with pytest.raises(FileNotFoundError):
        storage.open("a/one.csv")
    storage.delete("a/one.csv")  # already gone: nothing happens
    storage.delete("never/was.csv")
    assert _read(storage, "b/two.csv") == b"two!"


def test_open_of_a_missing_key_raises_file_not_found(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open("nothing/here.csv")


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused_and_nothing_is_written(
    storage: Storage, tmp_path: Path, key: str
) -> None:
    storage.publish(_local(tmp_path, b"keep"), "ok/keep.csv")
    local = _local(tmp_path, b"secret")
    with pytest.raises(ValueError, match="not a storage key"):
        storage.publish(local, key)
    for refused in (storage.open, storage.size, storage.delete):
        with pytest.raises(ValueError, match="not a storage key"):
            refused(key)
    assert local.read_bytes() == b"secret"
    assert _files(storage) == ["ok/keep.csv"]
    assert _read(storage, "ok/keep.csv") == b"keep"
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == b"secret"]
    assert outside == [local]


def test_local_publish_never_shows_a_partial_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "exports")
    content = os.urandom(20 * 1024 * 1024)
    digest = hashlib.sha256(content).hexdigest()
    local = _local(tmp_path, content)
    target = storage.path("big/orders.csv")
    observations: list[tuple[int, str | None]] = []  # (size, sha256 of what was read)
    started = threading.Event()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                size = target.stat().st_size
            except FileNotFoundError:
                observations.append((-1, None))
            else:
                observations.append((size, None))
                try:
                    with target.open("rb") as stream:
                        data = stream.read()
                except FileNotFoundError:
                    observations.append((-1, None))
                else:
                    observations.append((len(data), hashlib.sha256(data).hexdigest()))
            started.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert started.wait(10)
        storage.publish(local, "big/orders.csv")
        seen_whole = len(observations)
        while len(observations) < seen_whole + 4 and watcher.is_alive():
            time.sleep(0.01)  # let the watcher read the published file
    finally:
        stop.set()
        watcher.join(30)
    assert not watcher.is_alive()

    assert observations[0] == (-1, None)
    sizes = {size for size, _ in observations}
    assert sizes <= {-1, len(content)}, f"saw partial sizes {sorted(sizes)}"
    assert {sha for _, sha in observations if sha is not None} == {digest}
    assert (len(content), digest) in observations
    assert not local.exists()


def test_a_failed_upload_leaves_no_hidden_part_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = FsspecStorage(f"memory://t{uuid.uuid4().hex}/exports")
    try:
        storage.publish(_local(tmp_path, b"published before"), "abc/orders.csv")
        local = _local(tmp_path, b"the new version")
        parts: list[str] = []

        def broken_mv(source: str, target: str, **kwargs: object) -> None:
            parts.append(source)
            assert storage.fs.exists(source)  # the upload got there, hidden
            raise OSError("the object store went away")

        monkeypatch.setattr(storage.fs, "mv", broken_mv)
        with pytest.raises(OSError, match="went away"):
            storage.publish(local, "abc/orders.csv")
        monkeypatch.undo()

        assert len(parts) == 1 and parts[0].rsplit("/", 1)[1].startswith(".orders.csv.")
        assert parts[0].endswith(".part")
        assert not storage.fs.exists(parts[0])
        assert _files(storage) == ["abc/orders.csv"]
        assert _read(storage, "abc/orders.csv") == b"published before"
        assert local.read_bytes() == b"the new version"  # still the caller's to retry or remove
    finally:
        top = storage.root.rsplit("/", 1)[0]
        if storage.fs.exists(top):
            storage.fs.rm(top, recursive=True)
