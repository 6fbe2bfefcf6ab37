"""Email and links through the API (issue 19): email without ``ASSISTANT_SMTP_URL`` is a
422 naming the setting, the chat offers the download, and delivered links point at
``ASSISTANT_PUBLIC_URL``, else the host the request came to, else the default (logged)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from assistant.api import create_app
from assistant.store import Schedule
from tests.api.conftest import User, key_for, make_settings
from tests.api.test_schedules import Inbox, smtp

__all__ = ["smtp"]  # the fixture, used here

SCHEDULE: dict[str, Any] = {
    "cron": "0 9 * * 1", "timezone": "UTC",
    "request": {"intent": "export", "format": "csv", "target": "query",
                "query": "SELECT id, name FROM customers"},
    "destination": {"kind": "email", "to": "ana@example.com"},
}  # fmt: skip


def _client(tmp_path: Path, demo: Path, host: str, **overrides: object) -> tuple[TestClient, User]:
    settings = make_settings(tmp_path, demo, scheduler=False, **overrides)
    client = TestClient(create_app(settings), base_url=host)
    return client, User("ana", key_for(settings, "ana"))


def test_email_schedules_without_smtp_are_a_422_naming_the_setting(
    tmp_path: Path, api_demo_db: Path
) -> None:
    client, ana = _client(tmp_path, api_demo_db, "http://testserver", smtp_url=None)
    with client:
        refused = client.post("/api/schedules", json=SCHEDULE, headers=ana.auth)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "email_not_set_up"
        assert error["message"].startswith(
            "E-mail is not set up on this server (ASSISTANT_SMTP_URL): set it to"
        )
        assert client.get("/api/schedules", headers=ana.auth).json() == []
        hook = {"kind": "webhook", "url": "https://hooks.example.com/x", "secret": "s" * 32}
        made = client.post("/api/schedules", json={**SCHEDULE, "destination": hook},
                           headers=ana.auth)  # fmt: skip
        assert made.status_code == 201, made.text
        moved = client.patch(f"/api/schedules/{made.json()['id']}", headers=ana.auth,
                             json={"destination": SCHEDULE["destination"]})  # fmt: skip
        assert moved.status_code == 422 and moved.json()["error"]["code"] == "email_not_set_up"


def test_the_api_chat_offers_the_download_instead_of_saying_sent(
    tmp_path: Path, api_demo_db: Path
) -> None:
    client, ana = _client(tmp_path, api_demo_db, "http://testserver", smtp_url=None)
    with client:
        shown = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth)
        conversation = shown.json()["conversation_id"]
        message = "send this to bob@example.com as csv"
        body = {"conversation_id": conversation, "message": message}
        sent = client.post("/api/chat", headers=ana.auth, json=body)
        assert sent.status_code == 200, sent.text
    reply = sent.json()["reply"]
    assert reply["text"].startswith(
        "E-mail is not set up on this server (ASSISTANT_SMTP_URL), so I can't send it; "
        "here is the download instead."
    )
    assert "Sent" not in reply["text"] and "bob@example.com" not in reply["text"]
    assert reply["export"]["download_url"].startswith("http://testserver/d/")


def _emailed_link(inbox: Inbox) -> str:
    body = inbox.messages[-1].get_body(("plain",))
    assert body is not None
    [link] = re.findall(r"https?://\S+/d/\S+", body.get_content())
    return link


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        (None, "http://reports.internal:8080/d/"),
        ("https://data.example", "https://data.example/d/"),
    ],
)
def test_links_sent_from_an_api_request_point_at_its_host_or_the_public_url(
    tmp_path: Path,
    api_demo_db: Path,
    smtp: tuple[Inbox, int],
    public_url: str | None,
    expected: str,
) -> None:
    inbox, port = smtp
    client, ana = _client(tmp_path, api_demo_db, "http://reports.internal:8080",
                          smtp_url=f"smtp://127.0.0.1:{port}", public_url=public_url)  # fmt: skip
    with client:
        made = client.post("/api/schedules", json=SCHEDULE, headers=ana.auth).json()
        run = client.post(f"/api/schedules/{made['id']}/run", headers=ana.auth)
        assert run.json()["status"] == "done", run.text
        assert _emailed_link(inbox).startswith(expected)  # a run fired by this request
        shown = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth)
        client.post("/api/chat", headers=ana.auth, json={
            "conversation_id": shown.json()["conversation_id"],
            "message": "email this to bob@example.com as csv"})  # fmt: skip
        assert len(inbox.messages) == 2 and _emailed_link(inbox).startswith(expected)


def test_a_scheduled_run_uses_the_default_and_says_so_in_the_log(
    tmp_path: Path, api_demo_db: Path, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, port = smtp
    client, ana = _client(tmp_path, api_demo_db, "http://reports.internal:8080",
                          smtp_url=f"smtp://127.0.0.1:{port}")  # fmt: skip
    with client:
        assert client.post("/api/schedules", json=SCHEDULE, headers=ana.auth).status_code == 201
        parts = client.app.state.parts  # type: ignore[attr-defined]
        with parts.assistant.sessions.begin() as session:  # due now: the loop fires it
            session.execute(
                update(Schedule).values(next_run_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
            )
        with caplog.at_level(logging.INFO, logger="assistant.files.links"):
            [fired] = parts.scheduler.tick()  # no request
        assert fired.status.value == "done"
    assert _emailed_link(inbox).startswith("http://127.0.0.1:8000/d/")
    assert "points at http://127.0.0.1:8000 (the default: ASSISTANT_PUBLIC_URL is not set" in (
        caplog.text
    )
