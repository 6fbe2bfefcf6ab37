"""Scheduled exports end to end: the API's routes, a real SMTP server, a real webhook."""

from __future__ import annotations

import email
import email.policy
import io
import json
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.delivery import verify_signature
from tests.api.conftest import User, key_for, make_settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _client(tmp_path: Path, demo: Path, **overrides: object) -> TestClient:
    settings = make_settings(tmp_path, demo, scheduler=False, **overrides)
    return TestClient(create_app(settings), base_url="http://127.0.0.1:8000")


def _schedule(client: TestClient, user: User, destination: dict[str, Any], fmt: str) -> str:
    body = {
        "cron": "0 9 * * 1", "timezone": "Europe/Berlin",
        "request": {"intent": "export", "format": fmt, "target": "query",
                    "query": "SELECT id, name, email FROM customers"},
        "destination": destination,
    }  # fmt: skip
    made = client.post("/api/schedules", json=body, headers=user.auth)
    assert made.status_code == 201, made.text
    info = made.json()
    assert info["description"] == "every Monday at 09:00" and info["next_run_at"]
    schedule_id: str = info["id"]
    return schedule_id


def test_an_emailed_workbook_arrives_with_its_rows(
    tmp_path: Path, api_demo_db: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with _client(tmp_path, api_demo_db, smtp_url=f"smtp://127.0.0.1:{port}") as client:
        ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
        schedule_id = _schedule(client, ana, {"kind": "email", "to": "ana@example.com"}, "xlsx")
        run = client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth)
        assert run.status_code == 200, run.text
        assert run.json()["status"] == "done" and run.json()["rows"] == 100
    (message,) = inbox.messages
    assert message["To"] == "ana@example.com" and "100 rows" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("id", "name", "email") and len(rows) == 101


def test_a_large_export_arrives_as_a_link_that_downloads(
    tmp_path: Path, api_demo_db: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with _client(tmp_path, api_demo_db, smtp_url=f"smtp://127.0.0.1:{port}") as client:
        ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
        parts = client.app.state.parts  # type: ignore[attr-defined]
        parts.scheduler.deliver.attach_limit = 100  # bytes: every file is "large"
        schedule_id = _schedule(client, ana, {"kind": "email", "to": "ana@example.com"}, "csv")
        assert client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth).json()[
            "status"] == "done"  # fmt: skip
        (message,) = inbox.messages
        assert not list(message.iter_attachments())
        body = message.get_body(("plain",))
        assert body is not None
        link = next(word for word in body.get_content().split() if "/d/" in word)
        downloaded = client.get(link)
        assert downloaded.status_code == 200 and downloaded.text.startswith("id,name,email")


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that fails ``failures`` times, then verifies and keeps."""

    secret = ""
    failures = 0
    received: ClassVar[list[dict[str, Any]]] = []
    ids: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).ids.append(self.headers["X-Assistant-Delivery"])
        if type(self).failures > 0:
            type(self).failures -= 1
            self.send_response(500)
            self.end_headers()
            return
        stamp, signature = (
            self.headers["X-Assistant-Timestamp"],
            self.headers["X-Assistant-Signature"],
        )
        genuine = verify_signature(body, stamp, signature, type(self).secret)
        self.send_response(200 if genuine else 401)
        self.end_headers()
        if genuine:
            type(self).received.append(json.loads(body))

    def log_message(self, *args: Any) -> None:  # quiet
        pass


def test_a_webhook_that_fails_twice_gets_the_delivery_once(
    tmp_path: Path, api_demo_db: Path
) -> None:
    Receiver.secret, Receiver.failures, Receiver.received, Receiver.ids = "s" * 32, 2, [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # The receiver is on loopback, a private address: allowed as an intranet would.
        with _client(tmp_path, api_demo_db, outbound_allow_hosts="127.0.0.1") as client:
            ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
            url = f"http://127.0.0.1:{server.server_port}/hook"
            destination = {"kind": "webhook", "url": url, "secret": Receiver.secret}
            schedule_id = _schedule(client, ana, destination, "json")
            run = client.post(f"/api/schedules/{schedule_id}/run", headers=ana.auth).json()
            assert run["status"] == "done"
            (delivered,) = Receiver.received
            assert delivered["export"]["rows"] == 100 and delivered["download_url"]
            assert len(Receiver.ids) == 3 and len(set(Receiver.ids)) == 1
            data = client.get(delivered["download_url"]).json()
            assert len(data) == 100
    finally:
        server.shutdown()
        server.server_close()


def test_schedule_routes_and_access(client: TestClient, ana: User, bo: User) -> None:
    schedule_id = _schedule(client, ana, {"kind": "email", "to": "ana@example.com"}, "csv")
    assert [s["id"] for s in client.get("/api/schedules", headers=ana.auth).json()] == [schedule_id]
    paused = client.patch(f"/api/schedules/{schedule_id}", json={"active": False},
                          headers=ana.auth).json()  # fmt: skip
    assert paused["active"] is False and paused["next_run_at"] is None
    for method, path in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/run")]:
        answer = client.request(method, f"/api/schedules/{schedule_id}{path}", headers=bo.auth,
                                json={} if method == "PATCH" else None)  # fmt: skip
        assert answer.status_code == 404, (method, path, answer.text)
    assert client.get("/api/schedules", headers=bo.auth).json() == []
    bad = client.post("/api/schedules", headers=ana.auth, json={
        "cron": "61 * * * *", "request": {"intent": "export", "format": "csv", "query": "x"},
        "destination": {"kind": "email", "to": "ana@example.com"}})  # fmt: skip
    assert bad.status_code == 422 and "cron" in bad.json()["error"]["message"]
    assert client.delete(f"/api/schedules/{schedule_id}", headers=ana.auth).status_code == 204
    assert client.get(f"/api/schedules/{schedule_id}", headers=ana.auth).status_code == 404


def test_a_chat_schedule_shows_its_window_and_next_sql(client: TestClient, ana: User) -> None:
    """ "orders from today", scheduled by chat: the API says the window in words and the
    SQL of the next run (its own day); typed SQL's next SQL is itself."""
    said = client.post("/api/chat", json={"message": "show orders from today"}, headers=ana.auth)
    assert said.status_code == 200, said.text
    chat = {"message": "email this to ana@example.com as csv every Monday at 9",
            "conversation_id": said.json()["conversation_id"]}  # fmt: skip
    assert "Scheduled" in client.post("/api/chat", json=chat, headers=ana.auth).text
    typed = _schedule(client, ana, {"kind": "email", "to": "ana@example.com"}, "csv")
    found = {s["id"]: s for s in client.get("/api/schedules", headers=ana.auth).json()}
    made = next(s for key, s in found.items() if key != typed)
    assert made["question"] == "show orders from today"
    assert "“from today” as of each run (next run: from " in made["window"]
    next_day = made["next_run_at"][:10]  # the run's own day (the user's zone is UTC here)
    assert f"\"created_at\" >= '{next_day} 00:00:00'" in made["next_sql"]
    assert found[typed]["question"] is None and found[typed]["window"] is None
    assert found[typed]["next_sql"] == "SELECT id, name, email FROM customers"
