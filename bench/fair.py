"""Fair share under load: one user saturates heavy work, another's requests are timed.

On loopback, against the real server (``python -m assistant serve``, as :mod:`bench.api`
starts it) over a small demo table, with the scheduler off:

- **user A** runs ``A_CLIENTS`` clients at once, each looping: a slow query (a SQLite
  recursive CTE counting to ``BUSY_ROWS``, a few seconds of CPU within the query
  timeout) and, every other turn, ``POST /api/schedules/{id}/run`` of a schedule whose
  webhook is a local listener that accepts connections and never answers. A 429 (A's
  cap) is counted and retried after 50 ms: A hammers, as the red-team pass did.
- **user B** meanwhile sends ``GET /api/preferences`` every 100 ms and a one-row query
  every second, one at a time; their latencies are the figure (goal: p95 < 1 s).

Nothing leaves the machine: every address is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench import api, table
from bench.measure import ROOT, last_line, percentile

A_CLIENTS = 40
BUSY_ROWS = 20_000_000  # the slow query's recursion depth: a few seconds on one core
SLOW_SQL = (
    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < "
    f"{BUSY_ROWS}) SELECT count(*) AS n FROM c"
)
LOAD_S = 20.0
QUICK_LOAD_S = 8.0
GOAL_P95_MS = 1000.0
ROWS = 2_000


@dataclass(frozen=True)
class Fair:
    date: str
    command: str
    seconds: float
    a_outcomes: dict[str, int]  # "query 201", "query 429", "run 200", ... over the load
    b_preferences_ms: list[float]
    b_query_ms: list[float]
    b_errors: int
    webhook: str  # "never answers" or why the schedule could not be made

    def p(self, which: list[float], q: float) -> float:
        return percentile(sorted(which), q) if which else float("nan")


def from_json(saved: object) -> Fair | str | None:
    if isinstance(saved, dict):
        return Fair(**saved)
    return saved if isinstance(saved, str) else None


def to_json(result: Fair | str) -> object:
    return asdict(result) if isinstance(result, Fair) else result


def measure(*, quick: bool, date: str, command: str, work: Path) -> Fair | str:
    """Start the server, saturate it as user A, time user B; the reason on failure."""
    work.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fair-", dir=work))
    db = table.ensure(work / f"orders-{ROWS}.db", ROWS)
    try:
        # The webhook listener is on loopback, which webhooks may reach only when the admin
        # names it (the intranet setting); without it the schedule is refused with a 400.
        env = {
            **api._server_env(tmp, db, ROWS),
            "ASSISTANT_SCHEDULER": "false",
            "ASSISTANT_OUTBOUND_ALLOW_HOSTS": "127.0.0.1",
        }
        keys = []
        for name in ("a", "b"):
            made = subprocess.run(
                [sys.executable, "-m", "assistant", "users", "create", name],
                capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
            )  # fmt: skip
            if made.returncode != 0:
                return f"`users create` failed: {last_line(made.stderr) or 'no output'}"
            keys.append(made.stdout.strip().splitlines()[-1])
        # One server process: without a broker, the budget and the cap hold per process.
        with _silent_listener() as hook, api._server(env, tmp / "server.log", 1) as (server, base):
            schedule, webhook = _schedule(base, keys[0], hook)
            seconds = QUICK_LOAD_S if quick else LOAD_S
            outcome = asyncio.run(_load(base, keys[0], keys[1], schedule, seconds))
            api._stop(server)
        return Fair(date, command, seconds, *outcome, webhook=webhook)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _silent_listener() -> Iterator[str]:
    """A loopback port that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"


def _schedule(base: str, key: str, hook: str) -> tuple[str | None, str]:
    made = httpx.post(
        f"{base}/api/schedules",
        headers=api._auth(key),
        json={
            "name": "never answered",
            "cron": "0 3 * * *",
            "timezone": "UTC",
            "request": {
                "intent": "export",
                "target": "query",
                "query": "SELECT 1 AS x",
                "format": "csv",
            },
            "destination": {"kind": "webhook", "url": hook, "secret": "s" * 32},
        },
        timeout=30,
    )
    if made.status_code != 201:
        return None, f"no schedule ({made.status_code}: {made.text[:200]})"
    return str(made.json()["id"]), "never answers"


async def _load(
    base: str, a_key: str, b_key: str, schedule: str | None, seconds: float
) -> tuple[dict[str, int], list[float], list[float], int]:
    outcomes: Counter[str] = Counter()
    prefs: list[float] = []
    queries: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=A_CLIENTS + 10)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:

        async def a_client(n: int) -> None:
            turn = n
            while time.monotonic() < stop:
                turn += 1
                if schedule is not None and turn % 2:
                    kind, response = (
                        "run",
                        await http.post(f"/api/schedules/{schedule}/run", headers=api._auth(a_key)),
                    )
                else:
                    kind, response = (
                        "query",
                        await http.post(
                            "/api/queries", json={"sql": SLOW_SQL}, headers=api._auth(a_key)
                        ),
                    )
                outcomes[f"{kind} {response.status_code}"] += 1
                if response.status_code == 429:
                    await asyncio.sleep(0.05)

        async def b_client() -> None:
            nonlocal errors
            await asyncio.sleep(1.0)  # A is saturating by now
            last_query = 0.0
            while time.monotonic() < stop:
                started = time.perf_counter()
                got = await http.get("/api/preferences", headers=api._auth(b_key))
                prefs.append((time.perf_counter() - started) * 1000)
                errors += got.status_code != 200
                if time.monotonic() - last_query >= 1.0:
                    last_query = time.monotonic()
                    started = time.perf_counter()
                    got = await http.post(
                        "/api/queries", json={"sql": "SELECT 1 AS one"}, headers=api._auth(b_key)
                    )
                    queries.append((time.perf_counter() - started) * 1000)
                    errors += got.status_code != 201
                await asyncio.sleep(0.1)

        await asyncio.gather(b_client(), *(a_client(n) for n in range(A_CLIENTS)))
    return dict(sorted(outcomes.items())), prefs, queries, errors


def section(result: Fair | str | None) -> str:
    head = "## Fair share under load\n\n"
    if result is None:
        return head + "Not measured in this run; `python -m bench --fair-only` measures it.\n"
    if isinstance(result, str):
        return head + f"Not measured: {result}.\n"
    rows = [
        "| user B's request | n | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, values in (
        ("`GET /api/preferences`", result.b_preferences_ms),
        ("`POST /api/queries` (`SELECT 1`)", result.b_query_ms),
    ):
        rows.append(
            f"| {label} | {len(values)} | {result.p(values, 0.5):.0f} | "
            f"{result.p(values, 0.95):.0f} | {max(values, default=float('nan')):.0f} |"
        )
    a = ", ".join(f"{k}: {v}" for k, v in result.a_outcomes.items())
    met = result.p(result.b_preferences_ms, 0.95) < GOAL_P95_MS
    return head + "\n".join(
        [
            f"Measured by `{result.command}` on {result.date}: the real server on loopback for"
            f" {result.seconds:.0f} s while user A's {A_CLIENTS} clients loop on a slow query"
            f" (a recursive CTE to {BUSY_ROWS:,}) and on firing a schedule whose webhook"
            f" {result.webhook}; a 429 is retried after 50 ms. User B's requests go one at a"
            " time. Goal: B's p95 under 1 s"
            f" ({'met' if met else 'not met'}); B's non-2xx answers: {result.b_errors}.\n",
            *rows,
            "",
            f"User A's answers: {a}.",
            "",
        ]
    )


def summary(result: Fair | str) -> list[str]:
    if isinstance(result, str):
        return [f"fair share: not measured: {result}"]
    return [
        f"fair share: B preferences p50 {result.p(result.b_preferences_ms, 0.5):.0f} / p95 "
        f"{result.p(result.b_preferences_ms, 0.95):.0f} ms, B query p50 "
        f"{result.p(result.b_query_ms, 0.5):.0f} / p95 {result.p(result.b_query_ms, 0.95):.0f} ms,"
        f" B errors {result.b_errors}; A {result.a_outcomes}"
    ]
