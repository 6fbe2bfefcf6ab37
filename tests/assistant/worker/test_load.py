"""Load: 200 exports from 20 users over loopback HTTP, run by 2 workers.

A real ``python -m assistant serve`` and two ``python -m assistant worker`` processes
share a PostgreSQL store, Redis and a storage folder. Every user submits 10 exports at
once; all 200 must finish, each file must hash as the API says and match a direct
export of the same query, and no user may ever have had more than the cap (2) running:
checked on the store's own ``started_at``/``finished_at`` of every export. Speed is
measured by ``make bench`` (bench/workers.py), not here.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from assistant import open_conversation
from assistant.exports.operations import create_export, export_request
from assistant.source.demo import build_demo
from assistant.store import Export, create_user_with_key
from intents import Format
from tests.assistant.worker.conftest import ROOT, Deployment, inline_settings
from tests.assistant.worker.test_runners import _most_at_once
from tests.ui.servers import free_port

USERS = 20
EXPORTS_PER_USER = 10
CAP = 2
ORDERS = 20_000
FORMATS = (Format.CSV, Format.JSONL, Format.CSV, Format.TSV, Format.JSON)


def _query(n: int) -> str:
    """Ten different queries, of a few hundred to a few thousand rows."""
    return f"SELECT * FROM orders WHERE id % {n + 3} = 1 ORDER BY id"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("shop") / "demo.db", ORDERS)


@pytest.fixture(scope="module")
def expected(shop: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    """SHA-256 of each (query, format) made inline in this process: no server, no workers."""
    settings = inline_settings(tmp_path_factory.mktemp("direct"), shop, ORDERS)
    hashes = {}
    with open_conversation(settings, "direct", mode="rules") as chat:
        for n in range(EXPORTS_PER_USER):
            fmt = FORMATS[n % len(FORMATS)]
            info = create_export(chat.scope, export_request(fmt), sql=_query(n))
            assert info.status == "done" and info.sha256
            hashes[(_query(n), fmt.value)] = info.sha256
    return hashes


def _serve(deployment: Deployment, port: int) -> subprocess.Popen[bytes]:
    log = (deployment.logs / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=ROOT, env=deployment.env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, (
            deployment.logs / "serve.log"
        ).read_text()
        time.sleep(0.1)


def test_200_exports_from_20_users_on_2_workers_all_finish_correct_within_the_cap(
    deploy: Callable[..., Deployment], shop: Path, expected: dict[tuple[str, str], str]
) -> None:
    deployment = deploy(
        shop, inline_export_rows=0, max_running_exports_per_user=CAP, exports_per_minute=60
    )
    deployment.start_worker(concurrency=2)
    deployment.start_worker(concurrency=2)
    with deployment.sessions.begin() as session:
        keys = [create_user_with_key(session, f"user{i}")[1] for i in range(USERS)]
    port = free_port()
    server = _serve(deployment, port)
    base = f"http://127.0.0.1:{port}"
    try:

        def submit(key: str, n: int) -> tuple[str, dict[str, Any]]:
            fmt = FORMATS[n % len(FORMATS)]
            answer = httpx.post(
                f"{base}/api/exports", json={"sql": _query(n), "format": fmt.value},
                headers={"Authorization": f"Bearer {key}"}, timeout=60,
            )  # fmt: skip
            assert answer.status_code == 201, answer.text
            return key, answer.json() | {"query": _query(n)}

        with ThreadPoolExecutor(USERS) as pool:
            jobs = [pool.submit(submit, key, n) for key in keys for n in range(EXPORTS_PER_USER)]
            created = [job.result() for job in jobs]
        assert len({export["id"] for _, export in created}) == USERS * EXPORTS_PER_USER

        finished = {}
        deadline = time.monotonic() + 300
        with httpx.Client(base_url=base, timeout=60) as client:
            for key, export in created:
                auth = {"Authorization": f"Bearer {key}"}
                while True:
                    now = client.get(f"/api/exports/{export['id']}", headers=auth).json()
                    if now["status"] not in ("queued", "running"):
                        break
                    assert time.monotonic() < deadline, now
                    time.sleep(0.05)
                assert now["status"] == "done", now
                body = client.get(f"/api/exports/{export['id']}/download", headers=auth)
                assert body.status_code == 200
                sha256 = hashlib.sha256(body.content).hexdigest()
                assert sha256 == now["sha256"] == expected[(export["query"], now["format"])]
                finished[export["id"]] = now
        assert len(finished) == USERS * EXPORTS_PER_USER  # none lost
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0

    with deployment.sessions() as session:
        rows = session.scalars(select(Export)).all()
        spans: dict[int, list[tuple[Any, Any]]] = {}
        for row in rows:
            assert row.fence == 1  # each ran once: nobody took any over
            spans.setdefault(row.owner_id, []).append((row.started_at, row.finished_at))
    assert len(spans) == USERS
    assert max(_most_at_once(intervals) for intervals in spans.values()) <= CAP
    assert sum(deployment.audit_count(i, "export_done") for i in finished) == len(finished)
