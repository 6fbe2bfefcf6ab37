"""With a broker: the export rate limit kept in Redis (shared by every API process), and
the health check that asks the broker too."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.limits import RateLimiter, SharedRateLimiter
from tests.api.conftest import key_for, make_settings


@pytest.fixture
def prefix() -> str:
    return f"test-{secrets.token_hex(6)}"


def test_two_processes_count_against_one_limit(redis_url: str, prefix: str) -> None:
    first = SharedRateLimiter(3, 60.0, redis_url, prefix=prefix)
    second = SharedRateLimiter(3, 60.0, redis_url, prefix=prefix)  # another API process
    try:
        assert [first.hit("ana"), second.hit("ana"), first.hit("ana")] == [None] * 3
        wait = second.hit("ana")
        assert wait is not None and 59 < wait <= 60
        assert first.hit("bo") is None  # another user has a limit of their own
    finally:
        first.close()
        second.close()


def test_hits_leave_the_window_and_refusals_do_not_count(redis_url: str, prefix: str) -> None:
    limiter = SharedRateLimiter(2, 0.5, redis_url, prefix=prefix)
    try:
        assert limiter.hit("ana") is None and limiter.hit("ana") is None
        for _ in range(5):  # hammering while limited does not extend the wait
            wait = limiter.hit("ana")
            assert wait is not None and wait <= 0.5
        time.sleep(0.55)
        assert limiter.hit("ana") is None
    finally:
        limiter.close()


def test_concurrent_hits_never_pass_the_limit(redis_url: str, prefix: str) -> None:
    limiters = [SharedRateLimiter(10, 60.0, redis_url, prefix=prefix) for _ in range(4)]
    allowed: list[bool] = []
    start = threading.Barrier(40)

    def hit(limiter: SharedRateLimiter) -> None:
        start.wait()
        allowed.append(limiter.hit("ana") is None)

    threads = [threading.Thread(target=hit, args=(limiters[i % 4],)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for limiter in limiters:
        limiter.close()
    assert allowed.count(True) == 10


def test_without_redis_the_hit_is_allowed_and_logged(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = SharedRateLimiter(1, 60.0, "redis://127.0.0.1:1/0", prefix=prefix)
    try:
        assert limiter.hit("ana") is None and limiter.hit("ana") is None
    finally:
        limiter.close()
    assert "rate limit is not checked" in caplog.text


def test_the_api_shares_its_export_limit_through_the_broker(
    redis_url: str, tmp_path: Path, api_demo_db: Path
) -> None:
    """Two apps (two API processes) over one deployment: 2 exports a minute in all."""
    queue = f"test-{secrets.token_hex(6)}"
    settings = make_settings(
        tmp_path, api_demo_db, broker_url=redis_url, queue=queue, exports_per_minute=2
    )
    key = key_for(settings, "ana")
    auth = {"Authorization": f"Bearer {key}"}
    body = {"sql": "SELECT * FROM products LIMIT 3", "format": "csv"}
    with (
        TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as one,
        TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as two,
    ):
        assert isinstance(one.app.state.parts.assistant.budget.limiter, SharedRateLimiter)
        assert one.post("/api/exports", json=body, headers=auth).status_code == 201
        assert two.post("/api/exports", json=body, headers=auth).status_code == 201
        refused = one.post("/api/exports", json=body, headers=auth)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_without_a_broker_the_limit_is_kept_in_the_process(
    tmp_path: Path, api_demo_db: Path
) -> None:
    with TestClient(create_app(make_settings(tmp_path, api_demo_db))) as client:
        assert isinstance(client.app.state.parts.assistant.budget.limiter, RateLimiter)


def test_health_asks_the_broker_too_when_exports_go_to_workers(
    redis_url: str, tmp_path: Path, api_demo_db: Path
) -> None:
    up = make_settings(tmp_path / "up", api_demo_db, broker_url=redis_url)
    with TestClient(create_app(up)) as client:
        assert client.get("/api/health").json() == {"status": "ok"}
    down = make_settings(tmp_path / "down", api_demo_db, broker_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(down)) as client:
        answer = client.get("/api/health")
    assert answer.status_code == 503
    assert "broker does not answer" in answer.json()["error"]["message"]
