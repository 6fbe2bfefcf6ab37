"""Downloads through the app: signed links (tampered, expired, stale), ranges, 304, 409, names.

``test_download.py`` checks the file response on its own; these go through the real routes,
the store and the signer, for both ``/api/exports/{id}/download`` and ``/d/{token}``.
"""

from __future__ import annotations

import dataclasses
import email.message
import email.utils
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from assistant.api import create_app
from assistant.api.deps import AppState
from assistant.files.signing import LinkSigner
from assistant.settings import Settings
from assistant.store import Export, ExportStatus
from tests.api.conftest import User, key_for, make_settings

NASTY_NAME = 'Bericht "Q4"\r\n../über;x.csv'


class Clock:
    """A settable clock for the link signer."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(client: TestClient, settings: Settings) -> Iterator[Clock]:
    """The app's link signer, rebuilt on a clock the test moves (same secret and TTL)."""
    app: Any = client.app
    parts: AppState = app.state.parts
    clock = Clock()
    signer = LinkSigner("test-secret", settings.link_ttl_hours * 3600, clock=clock)
    app.state.parts = dataclasses.replace(parts, signer=signer)
    yield clock
    app.state.parts = parts


@dataclasses.dataclass(frozen=True)
class Served:
    """An app with two finished exports of ana's, for the tests that only read them."""

    client: TestClient
    ana: User
    export: dict[str, Any]
    other: dict[str, Any]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, api_demo_db: Path) -> Iterator[Served]:
    settings = make_settings(tmp_path_factory.mktemp("links"), api_demo_db)
    ana = User("ana", key_for(settings, "ana"))
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield Served(
            client,
            ana,
            _export(client, ana),
            _export(client, ana, "SELECT * FROM products"),
        )


def _export(client: TestClient, user: User, sql: str = "SELECT * FROM customers") -> dict[str, Any]:
    made = client.post("/api/exports", json={"sql": sql, "format": "csv"}, headers=user.auth)
    assert made.status_code == 201 and made.json()["status"] == "done", made.text
    export: dict[str, Any] = made.json()
    return export


def _token(url: str) -> str:
    match = re.fullmatch(r"http://127\.0\.0\.1:8000/d/([A-Za-z0-9_.-]+)", url)
    assert match is not None, url
    return match.group(1)


def _error(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code and body["error"]["message"]


def _set(store: sessionmaker[Session], export_id: str, **values: Any) -> None:
    with store.begin() as session:
        row = session.get(Export, export_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


# --- signed links -------------------------------------------------------------------------


def test_the_link_works_without_a_key_and_matches_the_owners_download(served: Served) -> None:
    client, ana, export = served.client, served.ana, served.export
    by_link = client.get(export["download_url"])
    by_key = client.get(f"/api/exports/{export['id']}/download", headers=ana.auth)
    assert by_link.status_code == by_key.status_code == 200
    assert by_link.content == by_key.content and len(by_link.content) == export["bytes"]
    assert by_link.headers["etag"] == f'"{export["sha256"]}"'
    # A key sent along changes nothing, not even another user's.
    assert client.get(export["download_url"], headers={"Authorization": "Bearer x"}).content == (
        by_link.content
    )


def test_a_tampered_link_is_forbidden(served: Served) -> None:
    client, token = served.client, _token(served.export["download_url"])
    # Not the very last character: its low bits are base64 padding, ignored on decoding.
    for at in (0, len(token) // 2, len(token) - 5):  # payload, middle, signature
        flipped = "A" if token[at] != "A" else "B"
        answer = client.get(f"/d/{token[:at]}{flipped}{token[at + 1 :]}")
        _error(answer, 403, "forbidden")
        assert "content-disposition" not in answer.headers
    for junk in ("x", "a.b.c", "WyJ4IiwieSJd", "%00", "." * 300, "A" * 10_240, token[:-1]):
        _error(client.get(f"/d/{junk}"), 403, "forbidden")


def test_a_token_for_another_id_is_forbidden_not_a_lookup(served: Served) -> None:
    """Swapping the payload of a genuine token for another export's breaks the signature."""
    client, first, second = served.client, served.export, served.other
    # payload.stamp.signature, where a compressed payload starts with a dot of its own
    payload_second = _token(second["download_url"]).rsplit(".", 2)[0]
    _, stamp, signature = _token(first["download_url"]).rsplit(".", 2)
    _error(client.get(f"/d/{payload_second}.{stamp}.{signature}"), 403, "forbidden")


def test_an_expired_link_is_forbidden(client: TestClient, ana: User, clock: Clock) -> None:
    export = _export(client, ana)
    url = export["download_url"]
    ttl = client.app.state.parts.settings.link_ttl_hours * 3600  # type: ignore[attr-defined]
    clock.now += ttl - 5
    assert client.get(url).status_code == 200  # just before the end
    clock.now += 10
    answer = client.get(url)
    _error(answer, 403, "forbidden")
    assert "expired" in answer.json()["error"]["message"]
    # The owner's own route still serves it, and a fresh link works again.
    assert client.get(f"/api/exports/{export['id']}/download", headers=ana.auth).status_code == 200
    fresh = client.get(f"/api/exports/{export['id']}", headers=ana.auth).json()["download_url"]
    assert fresh != url and client.get(fresh).status_code == 200


def test_a_link_from_the_future_is_forbidden(client: TestClient, ana: User, clock: Clock) -> None:
    clock.now += 3600  # signed "later": only a skewed clock or a forgery does that
    url = _export(client, ana)["download_url"]
    clock.now -= 3600
    _error(client.get(url), 403, "forbidden")


def test_a_link_of_a_deleted_export_is_gone(
    client: TestClient, ana: User, settings: Settings
) -> None:
    export = _export(client, ana)
    assert client.delete(f"/api/exports/{export['id']}", headers=ana.auth).status_code == 204
    _error(client.get(export["download_url"]), 404, "not_found")
    assert not (settings.storage_dir / export["id"]).exists()


def test_a_link_to_bytes_a_retry_replaced_is_gone(
    client: TestClient, ana: User, settings: Settings, store: sessionmaker[Session]
) -> None:
    export = _export(client, ana, "SELECT id, name FROM products")
    (settings.storage_dir / export["id"] / export["file_name"]).unlink()  # as if it expired
    with store.begin() as session:
        row = session.get(Export, export["id"])
        assert row is not None
        row.status, row.file_path = ExportStatus.EXPIRED, None
        row.request = {**row.request, "options": {"delimiter": ";"}}  # other bytes this time
    again = client.post(f"/api/exports/{export['id']}/retry", headers=ana.auth)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "done" and again.json()["sha256"] != export["sha256"]
    _error(client.get(export["download_url"]), 404, "not_found")
    fresh = client.get(again.json()["download_url"])
    assert fresh.status_code == 200 and b";" in fresh.content.splitlines()[0]


# --- ranges and conditional requests ------------------------------------------------------


def _ways(client: TestClient, ana: User, export: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Both ways to the file: the owner's route with the key, the signed link without."""
    return {
        "owner": {"url": f"/api/exports/{export['id']}/download", "headers": ana.auth},
        "link": {"url": export["download_url"], "headers": {}},
    }


def test_ranges_answer_the_exact_bytes(served: Served) -> None:
    client, ana, export = served.client, served.ana, served.export
    for name, way in _ways(client, ana, export).items():
        whole = client.get(way["url"], headers=way["headers"]).content
        size = len(whole)
        assert size == export["bytes"] > 1000
        cases = {
            "bytes=0-9": (0, 10),
            "bytes=500-999": (500, 1000),
            "bytes=-10": (size - 10, size),
            f"bytes={size - 25}-": (size - 25, size),
            f"bytes={size - 1}-{size + 100}": (size - 1, size),  # clipped to the end
            f"bytes=-{size * 2}": (0, size),  # a suffix longer than the file: all of it
        }
        for header, (start, end) in cases.items():
            answer = client.get(way["url"], headers={**way["headers"], "Range": header})
            where = f"{name} {header}"
            assert answer.status_code == 206, where
            assert answer.content == whole[start:end], where
            assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{size}", where
            assert answer.headers["content-length"] == str(end - start), where
            assert answer.headers["etag"] == f'"{export["sha256"]}"', where


def test_an_unsatisfiable_range_is_416_in_the_error_shape(served: Served) -> None:
    client, ana, export = served.client, served.ana, served.export
    size = export["bytes"]
    for name, way in _ways(client, ana, export).items():
        for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
            answer = client.get(way["url"], headers={**way["headers"], "Range": header})
            _error(answer, 416, "range_not_satisfiable")
            assert answer.headers["content-range"] == f"bytes */{size}", f"{name} {header}"


def test_a_matching_etag_is_304_without_a_body(served: Served) -> None:
    client, ana, export = served.client, served.ana, served.export
    etag = f'"{export["sha256"]}"'
    for name, way in _ways(client, ana, export).items():
        for value in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            answer = client.get(way["url"], headers={**way["headers"], "If-None-Match": value})
            assert answer.status_code == 304 and answer.content == b"", f"{name} {value}"
            assert answer.headers["etag"] == etag
        other = client.get(way["url"], headers={**way["headers"], "If-None-Match": '"other"'})
        assert other.status_code == 200 and len(other.content) == export["bytes"]


# --- not done yet, and nasty names --------------------------------------------------------


def test_a_download_before_done_is_409(
    client: TestClient, ana: User, store: sessionmaker[Session]
) -> None:
    export = _export(client, ana)
    link = export["download_url"]
    for status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        _set(store, export["id"], status=status)
        owner = client.get(f"/api/exports/{export['id']}/download", headers=ana.auth)
        _error(owner, 409, "conflict")
        _error(client.get(link), 409, "conflict")
        # Not a 206 of a file that is not ready either.
        _error(client.get(link, headers={"Range": "bytes=0-9"}), 409, "conflict")
        shown = client.get(f"/api/exports/{export['id']}", headers=ana.auth).json()
        assert shown["status"] == status.value and shown["download_url"] is None


def test_a_nasty_file_name_is_one_safe_header_line(
    client: TestClient, ana: User, settings: Settings, store: sessionmaker[Session]
) -> None:
    export = _export(client, ana)
    folder = settings.storage_dir / export["id"]
    # Stored as the exporter stores names (``<id>/<name>``), and on disk to match: the
    # "/" makes 'Bericht "Q4"\r\n..' a directory (not "..") under the export's folder.
    (folder / NASTY_NAME).parent.mkdir()
    (folder / export["file_name"]).rename(folder / NASTY_NAME)
    _set(store, export["id"], file_name=NASTY_NAME, file_path=f"{export['id']}/{NASTY_NAME}")
    shown = client.get(f"/api/exports/{export['id']}", headers=ana.auth).json()
    assert shown["file_name"] == NASTY_NAME  # JSON carries it safely as it is
    for name, way in _ways(client, ana, {**export, "download_url": shown["download_url"]}).items():
        answer = client.get(way["url"], headers=way["headers"])
        assert answer.status_code == 200, f"{name}: {answer.text}"
        assert len(answer.content) == export["bytes"]
        raw = [v for k, v in answer.headers.raw if k.lower() == b"content-disposition"]
        assert len(raw) == 1, name
        value = raw[0].decode("ascii")
        assert re.fullmatch(r"[\x20-\x7e]+", value), "printable ASCII only: no CR/LF"
        assert value == "attachment; filename=\"uber_x.csv\"; filename*=UTF-8''%C3%BCber%3Bx.csv"
        message = email.message.Message()
        message["Content-Disposition"] = value
        params = message.get_params(header="content-disposition")
        assert params is not None
        assert [param for param, _ in params] == ["attachment", "filename", "filename"]
        assert params[1][1] == "uber_x.csv"
        extended = params[2][1]
        assert isinstance(extended, tuple)
        assert email.utils.collapse_rfc2231_value(extended) == "über;x.csv"
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"


def test_a_stored_path_outside_the_storage_is_not_served(
    client: TestClient, ana: User, store: sessionmaker[Session]
) -> None:
    """A row pointing outside the storage root (a bug or a tampered store) answers 404."""
    export = _export(client, ana)
    for path in ("../store.db", f"{export['id']}/../../store.db", "/etc/passwd"):
        _set(store, export["id"], file_path=path)
        for name, way in _ways(client, ana, export).items():
            answer = client.get(way["url"], headers=way["headers"])
            _error(answer, 404, "not_found")
            assert "store.db" not in answer.text and "passwd" not in answer.text, name
