"""Webhook schedules over the API: a private address is a 400 saying so, when the
schedule is created or redirected; with ``ASSISTANT_OUTBOUND_ALLOW_HOSTS`` naming it, the
listener on 127.0.0.1 gets the delivery. A run's error never tells ports apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import User, key_for
from tests.api.test_schedules import _client
from tests.assistant.delivery.test_webhook_outbound import Listener, listening

REFUSED = "Webhooks may only go to public addresses; {} is a private address."
BODY = {
    "cron": "0 9 * * 1",
    "request": {"intent": "export", "format": "json", "target": "query",
                "query": "SELECT id FROM customers"},
}  # fmt: skip


@pytest.fixture
def listener() -> Any:
    with listening() as running:
        yield running


def _hook(url: str) -> dict[str, Any]:
    return {"kind": "webhook", "url": url, "secret": "s" * 32}


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1", "2130706433", "[::ffff:127.0.0.1]", "localhost", "10.0.0.1"]
)
def test_a_private_webhook_is_a_400_and_receives_nothing(
    tmp_path: Path, api_demo_db: Path, listener: Listener, host: str
) -> None:
    with _client(tmp_path, api_demo_db) as client:
        ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
        url = f"http://{host}:{listener.port}/hook"
        made = client.post("/api/schedules", json={**BODY, "destination": _hook(url)},
                           headers=ana.auth)  # fmt: skip
        assert made.status_code == 400, made.text
        assert made.json()["error"]["message"] == REFUSED.format(host.strip("[]"))
        assert client.get("/api/schedules", headers=ana.auth).json() == []
    assert listener.got == []


def test_redirecting_a_schedule_to_a_private_webhook_is_a_400(
    tmp_path: Path, api_demo_db: Path
) -> None:
    with _client(tmp_path, api_demo_db) as client:
        ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
        email = {"kind": "email", "to": "ana@example.com"}
        made = client.post("/api/schedules", json={**BODY, "destination": email},
                           headers=ana.auth).json()  # fmt: skip
        changed = client.patch(f"/api/schedules/{made['id']}", headers=ana.auth,
                               json={"destination": _hook("http://169.254.169.254/x")})  # fmt: skip
        assert changed.status_code == 400
        assert changed.json()["error"]["message"] == REFUSED.format("169.254.169.254")


def test_the_allowance_delivers_and_a_closed_port_says_only_unreachable(
    tmp_path: Path, api_demo_db: Path, listener: Listener
) -> None:
    with listening() as gone:
        closed = gone.port  # nothing listens there any more
    with _client(tmp_path, api_demo_db, outbound_allow_hosts="127.0.0.1") as client:
        ana = User("ana", key_for(client.app.state.parts.settings, "ana"))  # type: ignore[attr-defined]
        runs = []
        for port in (listener.port, closed):
            url = f"http://127.0.0.1:{port}/hook"
            made = client.post("/api/schedules", json={**BODY, "destination": _hook(url)},
                               headers=ana.auth)  # fmt: skip
            assert made.status_code == 201, made.text
            run = client.post(f"/api/schedules/{made.json()['id']}/run", headers=ana.auth)
            runs.append(run.json())
    assert runs[0]["status"] == "done" and len(listener.got) == 1
    assert runs[1]["status"] != "done"
    assert runs[1]["error"] == "The webhook could not be reached."
