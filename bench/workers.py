"""The export workers under load: 200 exports from 20 users through Celery workers.

Everything runs for real on this machine: a throw-away PostgreSQL database as the store,
a Redis queue of its own (``ASSISTANT_QUEUE``), the demo shop database as the source,
``python -m assistant serve`` with every export sent to the workers
(``ASSISTANT_INLINE_EXPORT_ROWS=0``) and two ``python -m assistant worker`` processes.

- 20 users (``users create``) each submit 10 exports at once with ``POST /api/exports``:
  ten shapes of ``SELECT * FROM orders`` (every row, every k-th row, a LIMIT) in CSV,
  JSON Lines, Parquet and XLSX, so sizes range from 100 rows to the whole table;
- each user follows its exports until they end: its export list every ``POLL_S`` (one
  request for all ten, so the polling costs the server little), then
  ``GET /api/exports/{id}`` once for each export seen finished;
- once all have ended, every file is downloaded and its SHA-256 compared with the API's
  ``sha256`` and with the same query exported independently (:func:`exporters.export`
  in this process, as ``python -m exporters`` runs it, once per distinct query);
- from the store: when each export ran (``started_at`` → ``finished_at``), so the most
  exports of one user running at once (the cap is 2), and how often each was claimed;
- then SIGTERM to the server and both workers, which must exit cleanly.

Without PostgreSQL or Redis the section says so and the rest of the bench goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.measure import ROOT, busy_cpu_seconds, free_port, last_line, log_tail, percentile

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
USERS = 20
QUICK_USERS = 10  # `--quick`: half the users (and a tenth of the rows), well under a minute
WORKERS = 2
CONCURRENCY = 2  # exports one worker runs at once (`worker --concurrency`)
CAP = 2  # ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER
ROWS = 200_000  # orders in the demo source
QUICK_ROWS = 20_000
DEMO_DAY = "2026-11-18"  # the demo data's last day, so a cached source never changes
POLL_S = 1.0  # how often each user looks at its export list
SAMPLE_S = 0.02  # how often the store's running exports are counted during the load
START_S = 60.0
SHUTDOWN_S = 30.0
SECRET_KEY = "bench-workers-secret-key-0123456789abcdef"
BUSY_CORES = 0.25  # other processes using more than this: say so in the report
FINAL = ("done", "failed", "cancelled", "expired")
LOGS = "workers-logs"  # under the bench's output folder: the last run's logs


@dataclass(frozen=True)
class Shape:
    """One export a user asks for: ``SELECT * FROM orders`` narrowed, in ``format``."""

    format: str
    every: int = 1  # the rows with id % every == user % every
    limit: int | None = None

    def sql(self, user: int) -> str:
        where = f" WHERE id % {self.every} = {user % self.every}" if self.every > 1 else ""
        limit = f" LIMIT {self.limit}" if self.limit else ""
        return f"SELECT * FROM orders{where} ORDER BY id{limit}"


#: Each user's ten exports (the rows a user's k-th-row shapes select depend on the user).
SHAPES = (
    Shape("csv"),
    Shape("parquet"),
    Shape("jsonl", every=2),
    Shape("xlsx", every=4),
    Shape("csv", every=5),
    Shape("jsonl", every=10),
    Shape("parquet", every=20),
    Shape("xlsx", every=50),
    Shape("csv", limit=1000),
    Shape("jsonl", every=7, limit=100),
)
PER_USER = len(SHAPES)


@dataclass(frozen=True)
class Stop:
    """A process asked to stop with SIGTERM: how long it took and its exit code."""

    name: str
    seconds: float | None  # None: still running after SHUTDOWN_S, killed
    exit_code: int | None
    clean_log: bool  # its log ends as a clean shutdown does


@dataclass(frozen=True)
class Workers:
    rows: int  # orders in the source
    quick: bool
    date: str
    command: str
    users: int
    exports: int  # submitted
    done: int
    failed: int  # ended failed, cancelled or expired
    lost: int  # not ended within the timeout, or never accepted
    rows_exported: int
    bytes_exported: int
    window_s: float  # first POST sent -> last export done in the store
    exports_per_s: float
    rows_per_s: float
    post_p50_s: float
    post_p95_s: float
    post_max_s: float
    posts_done_s: float  # first POST sent -> last POST answered
    seen_p50_s: float  # POST sent -> the client saw it done
    seen_p95_s: float
    seen_max_s: float
    store_p50_s: float  # POST sent -> finished_at in the store
    store_p95_s: float
    store_max_s: float
    run_p50_s: float  # started_at -> finished_at: the export itself
    run_max_s: float
    cap_max: int  # the most exports of one user running at once
    cap_users_at_max: int
    cap_max_s: float  # the longest stretch one user had cap_max running
    cap_sampled: int  # the most running for one user in the store's snapshots
    cap_samples: int  # snapshots taken
    claimed_twice: int  # exports claimed more than once (attempts > 1)
    per_worker: list[int]  # exports each worker finished, from its log
    sha_api: int  # downloads whose SHA-256 equals the API's sha256
    same_bytes: int  # downloads identical to the independent export
    same_content: int  # xlsx: same zip entries, only the entries' timestamps differ
    distinct: int  # distinct (query, format) exported independently
    by_format: dict[str, list[float]]  # format -> [exports, rows, MiB, p50 s, max s]
    cpu: dict[str, float]  # cores used on average over the window, by whom
    stops: list[Stop]
    errors: list[str] = field(default_factory=list)
    inline: int = 0  # POSTs answered already done (not run by a worker)
    server_errors: list[str] = field(default_factory=list)  # "N× exception" from its log
    load_s: float = 0.0  # first POST sent -> every export followed to its end (CPU's window)


def from_json(saved: object) -> Workers | str | None:
    """What :func:`measure` returned, back from ``results.json``."""
    if not isinstance(saved, dict):
        return saved if isinstance(saved, str) else None
    fields = dict(saved)
    fields["stops"] = [Stop(**s) for s in fields["stops"]]
    return Workers(**fields)


def to_json(result: Workers | str | None) -> object:
    return asdict(result) if isinstance(result, Workers) else result


# The measurement


@dataclass
class _Export:
    """One export as the client followed it."""

    user: int
    shape: Shape
    sql: str
    sent: float  # wall clock (time.time()), comparable with the store's timestamps
    answered: float | None = None
    id: str | None = None
    answered_status: str | None = None  # in the POST's answer: queued, or done if inline
    status: str | None = None  # as last seen
    seen: float | None = None  # wall clock when the client saw it end
    view: dict[str, Any] | None = None  # GET /api/exports/{id} once it ended
    problem: str | None = None


def measure(*, quick: bool, timeout_s: float, date: str, command: str, work: Path) -> Workers | str:
    """Set everything up, run the load, check it, tear everything down.

    Returns the reason instead when the services are missing or a process cannot start."""
    unreachable = _services_down()
    if unreachable:
        return unreachable
    rows = QUICK_ROWS if quick else ROWS
    work.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="workers-", dir=work))
    name = f"bench_workers_{secrets.token_hex(4)}"
    queue = f"bench-workers-{secrets.token_hex(4)}"
    try:
        source = _demo(work / f"demo-{rows}.db", rows)
        with _database(name) as store_url:
            env = _env(tmp, store_url, source, queue)
            names = [f"bench-user-{i:02d}" for i in range(QUICK_USERS if quick else USERS)]
            keys = _users(env, names)
            _log(f"starting the server and {WORKERS} workers")
            with _processes(env, tmp) as (server, workers, base):
                _log(f"load: {len(keys)} users x {PER_USER} exports over {rows:,} orders")
                cpu = _Cpu([server.pid, *(w.pid for w in workers)], name)
                with _Sampler(store_url) as sampler:
                    exports = asyncio.run(_load(base, keys, timeout_s))
                usage = cpu.used()
                load_s = time.perf_counter() - cpu.start_wall
                _log("downloading the files")
                files = asyncio.run(_downloads(base, keys, exports))
                stops = _stop(server, workers, tmp)
            stored = _stored(store_url)
        per_worker = [_finished_in(tmp / f"worker-{i}.log") for i in range(len(workers))]
        _log("checking the files against independent exports")
        expected = _expected(f"sqlite:///{source}", exports, tmp / "expected")
        result = _result(rows, quick, date, command, exports, files, stored, expected, usage,
                         stops, per_worker, (sampler.most, sampler.samples))  # fmt: skip
        return replace(result, server_errors=_exceptions(tmp / "server.log"), load_s=load_s)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        _drop_queue(queue)
        _keep_logs(tmp, work / LOGS)
        shutil.rmtree(tmp, ignore_errors=True)


def _keep_logs(tmp: Path, logs: Path) -> None:
    """The last run's server and worker logs, kept for a look after the fact."""
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    for log in tmp.glob("*.log"):
        shutil.copy2(log, logs / log.name)


def _log(message: str) -> None:
    print(f"workers: {message}", file=sys.stderr, flush=True)


def _exceptions(log: Path) -> list[str]:
    """The exceptions the server logged (their last line, e.g. ``IntegrityError: ...``),
    most frequent first, with how often."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    found = Counter(
        line.strip()[:300]
        for line in text.splitlines()
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Violation)\b.*: ", line)
    )
    return [f"{count}× {line}" for line, count in found.most_common(5)]


def _services_down() -> str | None:
    import redis
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except Exception as exc:
        return f"PostgreSQL at {_safe(POSTGRES_URL)} is not reachable ({_first_line(exc)})"
    finally:
        engine.dispose()
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as exc:
        return f"Redis at {_safe(REDIS_URL)} is not reachable ({_first_line(exc)})"
    return None


def _demo(path: Path, rows: int) -> Path:
    """The demo shop database with ``rows`` orders (``python -m assistant demo``), cached."""
    if path.exists():
        return path.resolve()
    part = path.with_suffix(".part.db")
    made = subprocess.run(
        [sys.executable, "-m", "assistant", "demo", "--out", str(part), "--rows", str(rows),
         "--today", DEMO_DAY],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    if made.returncode != 0:
        raise RuntimeError(f"`assistant demo` failed: {(last_line(made.stderr) or 'no output')}")
    part.replace(path)
    return path.resolve()


@contextlib.contextmanager
def _database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside ``POSTGRES_URL``'s, dropped on the way out."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _drop_queue(queue: str) -> None:
    """Remove what the run left in Redis under its queue's name."""
    import redis

    with contextlib.suppress(Exception):
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=3, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
        client.close()


def _env(tmp: Path, store_url: str, source: Path, queue: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_DATABASE_URL=store_url,
        ASSISTANT_SOURCE_URL=f"sqlite:///{source}",
        ASSISTANT_STORAGE_DIR=str(tmp / "files"),
        ASSISTANT_BROKER_URL=REDIS_URL,
        ASSISTANT_QUEUE=queue,
        ASSISTANT_INLINE_EXPORT_ROWS="0",
        ASSISTANT_EXPORTS_PER_MINUTE="100000",
        ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER=str(CAP),
        ASSISTANT_WORKER_CONCURRENCY=str(CONCURRENCY),
        ASSISTANT_SCHEDULER="false",
        ASSISTANT_SECRET_KEY=SECRET_KEY,
    )
    return env


_USERS_SCRIPT = """
import sys
from assistant.cli.main import main
for name in sys.argv[1:]:
    if main(["users", "create", name]):
        sys.exit(1)
"""


def _users(env: dict[str, str], names: list[str]) -> list[str]:
    """One API key per name: ``users create NAME`` for each, in one interpreter (the
    command's own ``main``; 20 interpreters would take half a minute of CPU)."""
    made = subprocess.run(
        [sys.executable, "-c", _USERS_SCRIPT, *names],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    keys = made.stdout.split()[-len(names) :]
    if made.returncode != 0 or len(keys) != len(names):
        raise RuntimeError(f"`users create` failed: {(last_line(made.stderr) or 'no output')}")
    return keys


@contextlib.contextmanager
def _processes(
    env: dict[str, str], tmp: Path
) -> Iterator[tuple[subprocess.Popen[bytes], list[subprocess.Popen[bytes]], str]]:
    """``serve`` (healthy) and the workers (ready); killed on the way out if still running."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "ASSISTANT_PUBLIC_URL": base}
    started: list[subprocess.Popen[bytes]] = []
    try:
        serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        server = _start(serve, env, tmp / "server.log")
        started.append(server)
        workers = []
        for i in range(WORKERS):
            worker = ["worker", "--concurrency", str(CONCURRENCY), "--loglevel", "INFO"]
            workers.append(_start(worker, env, tmp / f"worker-{i}.log"))
            started.append(workers[-1])
        deadline = time.monotonic() + START_S
        waiting = {"server": False, **{f"worker-{i}": False for i in range(WORKERS)}}
        while not all(waiting.values()):
            for process, name in zip(started, waiting, strict=True):
                if process.poll() is not None:
                    log = tmp / f"{name}.log"
                    raise RuntimeError(f"the {name} exited ({process.returncode}): {log_tail(log)}")
            waiting["server"] = waiting["server"] or _healthy(base)
            for i in range(WORKERS):
                log = (tmp / f"worker-{i}.log").read_text(errors="replace")
                waiting[f"worker-{i}"] = " ready." in log
            if time.monotonic() > deadline:
                late = ", ".join(name for name, ready in waiting.items() if not ready)
                raise RuntimeError(f"not ready within {START_S:.0f} s: {late}")
            time.sleep(0.1)
        yield server, workers, base
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def _start(arguments: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "assistant", *arguments],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _healthy(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/api/health", timeout=2).status_code == 200
    return False


def _stop(server: subprocess.Popen[bytes], workers: list[subprocess.Popen[bytes]],
          tmp: Path) -> list[Stop]:  # fmt: skip
    """SIGTERM to all at once, then how each ended."""
    named = [("server", server), *((f"worker-{i}", w) for i, w in enumerate(workers))]
    start = time.perf_counter()
    for _, process in named:
        process.send_signal(signal.SIGTERM)
    stops = []
    for name, process in named:
        try:
            code: int | None = process.wait(max(0.0, SHUTDOWN_S - (time.perf_counter() - start)))
            seconds: float | None = time.perf_counter() - start
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = seconds = None
        log = (tmp / f"{name}.log").read_text(errors="replace")
        clean = ("Application shutdown complete." if name == "server" else "Warm shutdown") in log
        stops.append(Stop(name, seconds, code, clean))
    return stops


# The load


async def _load(base: str, keys: list[str], timeout_s: float) -> list[_Export]:
    """Every user submits its exports at once and follows them until they end."""
    limits = httpx.Limits(max_connections=len(keys) * PER_USER, max_keepalive_connections=len(keys))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        deadline = time.monotonic() + timeout_s
        per_user = await asyncio.gather(
            *(_user(client, user, key, deadline) for user, key in enumerate(keys))
        )
    return [export for exports in per_user for export in exports]


async def _user(client: httpx.AsyncClient, user: int, key: str, deadline: float) -> list[_Export]:
    auth = {"Authorization": f"Bearer {key}"}
    exports = [_Export(user, shape, shape.sql(user), 0.0) for shape in SHAPES]

    async def submit(export: _Export) -> None:
        export.sent = time.time()
        body = {"sql": export.sql, "format": export.shape.format}
        try:
            made = await client.post("/api/exports", headers=auth, json=body)
        except httpx.HTTPError as exc:
            export.problem = f"POST failed: {type(exc).__name__}: {exc}"
            return
        export.answered = time.time()
        if made.status_code != 201:
            export.problem = f"POST answered {made.status_code}: {made.text[:200]}"
            return
        answer = made.json()
        export.id, export.status = answer["id"], answer["status"]
        export.answered_status = answer["status"]

    await asyncio.gather(*(submit(export) for export in exports))
    pending = {e.id: e for e in exports if e.id is not None}
    while pending:
        if time.monotonic() > deadline:
            for export in pending.values():
                export.problem = f"not finished in time (last seen {export.status})"
            break
        await asyncio.sleep(POLL_S)
        try:
            listing = await client.get("/api/exports", headers=auth, params={"per_page": 100})
            listing.raise_for_status()
        except httpx.HTTPError:
            continue  # counted as lost if it never recovers
        now = time.time()
        for item in listing.json()["items"]:
            export = pending.get(item["id"])
            if export is None:
                continue
            export.status = item["status"]
            if item["status"] in FINAL:
                export.seen = now
                del pending[item["id"]]
                try:
                    one = await client.get(f"/api/exports/{item['id']}", headers=auth)
                except httpx.HTTPError as exc:
                    export.problem = f"GET /api/exports/{{id}} failed: {type(exc).__name__}"
                    continue
                if one.status_code == 200:
                    export.view = one.json()
                else:
                    export.problem = f"GET /api/exports/{{id}} answered {one.status_code}"
    return exports


async def _downloads(base: str, keys: list[str], exports: list[_Export]) -> dict[str, _File]:
    """Every done export's file, hashed as it streams (xlsx kept for a content check)."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        gate = asyncio.Semaphore(4)

        async def fetch(export: _Export) -> tuple[str, _File]:
            assert export.id is not None
            auth = {"Authorization": f"Bearer {keys[export.user]}"}
            digest, size, kept = hashlib.sha256(), 0, bytearray()
            async with (
                gate,
                client.stream("GET", f"/api/exports/{export.id}/download", headers=auth) as answer,
            ):
                if answer.status_code != 200:
                    return export.id, _File(None, 0, None, f"download {answer.status_code}")
                async for chunk in answer.aiter_bytes(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                    if export.shape.format == "xlsx":
                        kept += chunk
            content = _zip_digest(bytes(kept)) if kept else None
            return export.id, _File(digest.hexdigest(), size, content, None)

        done = [e for e in exports if e.view is not None and e.view["status"] == "done"]
        return dict(await asyncio.gather(*(fetch(e) for e in done)))


@dataclass(frozen=True)
class _File:
    sha256: str | None
    size: int
    content: str | None  # xlsx: a digest of its zip entries' names and bytes
    problem: str | None


def _zip_digest(data: bytes) -> str:
    """The zip's entries (names and contents), without the entries' timestamps."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            digest.update(info.filename.encode() + b"\0" + hashlib.sha256(z.read(info)).digest())
    return digest.hexdigest()


# The checks


@dataclass(frozen=True)
class _Stored:
    owner: int
    status: str
    started: float | None
    finished: float | None
    attempts: int


def _stored(store_url: str) -> dict[str, _Stored]:
    """Every export row: who owns it, when it ran, how often it was claimed."""
    import sqlalchemy as sa

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as c:
            query = "SELECT id, owner_id, status, started_at, finished_at, attempts FROM exports"
            rows = c.execute(sa.text(query)).all()
    finally:
        engine.dispose()

    def stamp(moment: dt.datetime | None) -> float | None:
        if moment is None:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()

    found = {}
    for r in rows:
        status = str(r.status).lower().rsplit(".", 1)[-1]
        found[r.id] = _Stored(
            r.owner_id, status, stamp(r.started_at), stamp(r.finished_at), r.attempts
        )
    return found


def _most_at_once(intervals: list[tuple[float, float]]) -> tuple[int, float]:
    """The most intervals that overlap at one moment (closed: touching ends overlap), and
    the longest stretch of time that many overlapped."""
    events = sorted([(start, 0) for start, _ in intervals] + [(end, 1) for _, end in intervals])
    running = most = 0
    longest = 0.0
    for i, (at, kind) in enumerate(events):
        running += 1 if kind == 0 else -1
        if running > most:
            most, longest = running, 0.0
        if running == most and i + 1 < len(events):
            longest = max(longest, events[i + 1][0] - at)
    return most, longest


def _at_most(intervals: list[tuple[float, float, str]], most: int) -> str:
    """Which intervals overlap ``most`` at a time, first found: ids with start and end."""
    for start, _, _ in sorted(intervals):
        covering = sorted(i for i in intervals if i[0] <= start <= i[1])
        if len(covering) >= most:
            first = covering[0][0]
            return ", ".join(
                f"{ident} {a - first:+.3f} → {b - first:+.3f} s" for a, b, ident in covering
            )
    return ""


class _Sampler:
    """The most exports of one owner ``running`` in the store, from snapshots taken every
    ``SAMPLE_S`` on a thread while the ``with`` block runs."""

    def __init__(self, store_url: str) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(store_url)
        self.query = sa.text(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM exports"
            " WHERE lower(status::text) = 'running' GROUP BY owner_id) AS running"
        )
        self.most = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with self.engine.connect() as c:
                while not self._stop.is_set():
                    self.most = max(self.most, int(c.execute(self.query).scalar_one()))
                    c.rollback()  # a fresh snapshot each time
                    self.samples += 1
                    self._stop.wait(SAMPLE_S)
        except Exception as exc:  # the report shows how few snapshots there were
            _log(f"store snapshots stopped: {_first_line(exc)}")

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()


def _finished_in(log: Path) -> int:
    """How many exports a worker finished, from its log."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return 0
    return len(re.findall(r"export \S+: done \(", text))


@dataclass(frozen=True)
class _Expected:
    rows: int
    sha256: str
    content: str | None  # xlsx: see _zip_digest


def _expected(
    source: str, exports: list[_Export], folder: Path
) -> dict[tuple[str, str], _Expected]:
    """Each distinct (query, format) exported here, as ``python -m exporters`` does it."""
    from exporters import export, get_format, open_query, parse_options

    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for sql, fmt in sorted({(e.sql, e.shape.format) for e in exports}):
        spec = get_format(fmt)
        out = folder / f"expected.{fmt}"
        with open_query(source, sql) as stream:
            result = export(stream.reader, out, spec.format, parse_options(spec.options, {}),
                            query=stream.query.sql)  # fmt: skip
        content = _zip_digest(out.read_bytes()) if fmt == "xlsx" else None
        found[sql, fmt] = _Expected(result.rows, result.sha256, content)
        out.unlink()
    return found


def _result(
    rows: int,
    quick: bool,
    date: str,
    command: str,
    exports: list[_Export],
    files: dict[str, _File],
    stored: dict[str, _Stored],
    expected: dict[tuple[str, str], _Expected],
    usage: dict[str, float],
    stops: list[Stop],
    per_worker: list[int],
    snapshots: tuple[int, int],
) -> Workers:
    sampled, samples = snapshots
    errors: list[str] = []
    sha_api = same_bytes = same_content = 0
    done = [e for e in exports if e.view is not None and e.view["status"] == "done"]
    for e in exports:
        if e.problem:
            errors.append(f"{e.id or 'a POST'} ({e.shape.format}): {e.problem}")
        elif e.view is not None and e.view["status"] != "done":
            errors.append(f"{e.id} ended {e.view['status']}: {e.view.get('error')}")
    for e in done:
        assert e.id is not None and e.view is not None
        file, want = files[e.id], expected[e.sql, e.shape.format]
        if file.problem:
            errors.append(f"{e.id}: {file.problem}")
            continue
        if file.sha256 == e.view["sha256"] and file.size == e.view["bytes"]:
            sha_api += 1
        else:
            errors.append(f"{e.id}: the download's SHA-256 or size differs from the API's")
        if e.view["rows_done"] != want.rows:
            errors.append(f"{e.id}: {e.view['rows_done']} rows, expected {want.rows}")
        if file.sha256 == want.sha256:
            same_bytes += 1
        elif want.content is not None and file.content == want.content:
            same_content += 1
        else:
            errors.append(f"{e.id} ({e.shape.format}): not the bytes of the same query exported"
                          " independently")  # fmt: skip
    ended = [e for e in exports if e.view is not None]
    failed = len(ended) - len(done)
    lost = len(exports) - len(ended)
    inline = sum(e.answered_status == "done" for e in exports)
    if inline:
        errors.append(f"{inline} exports were written inline by the server, not by a worker")

    sent0 = min(e.sent for e in exports)
    finished = [stored[e.id].finished for e in done if e.id in stored]
    end = max((f for f in finished if f is not None), default=sent0)
    window = max(end - sent0, 1e-9)
    rows_exported = sum(e.view["rows_done"] for e in done if e.view)
    bytes_exported = sum(e.view["bytes"] or 0 for e in done if e.view)
    posts = sorted(e.answered - e.sent for e in exports if e.answered is not None)
    seen = sorted(e.seen - e.sent for e in done if e.seen is not None)
    in_store = sorted((stored[e.id].finished or 0.0) - e.sent for e in done if e.id in stored)
    ran = sorted(
        (s.finished or 0.0) - (s.started or 0.0) for s in stored.values() if s.status == "done"
    )

    by_owner: dict[int, list[tuple[float, float, str]]] = {}
    for ident, s in stored.items():
        if s.started is not None and s.finished is not None:
            by_owner.setdefault(s.owner, []).append((s.started, s.finished, ident))
    at_once = {
        owner: _most_at_once([(a, b) for a, b, _ in intervals])
        for owner, intervals in by_owner.items()
    }
    cap_max = max((n for n, _ in at_once.values()), default=0)
    cap_max_s = max((s for n, s in at_once.values() if n == cap_max), default=0.0)
    over = [owner for owner, (n, _) in at_once.items() if n > CAP]
    if over:
        errors.append(
            f"by `started_at`/`finished_at`, {len(over)} users had up to {cap_max} exports"
            f" running at once (the cap is {CAP}), for at most {cap_max_s * 1000:.0f} ms;"
            f" e.g. {_at_most(by_owner[over[0]], at_once[over[0]][0])}"
        )
    if sampled > CAP:
        errors.append(f"a snapshot of the store showed {sampled} exports of one user running")

    by_format: dict[str, list[float]] = {}
    for fmt in sorted({e.shape.format for e in done}):
        mine = [e for e in done if e.shape.format == fmt and e.view]
        times = sorted((stored[e.id].finished or 0.0) - e.sent for e in mine if e.id in stored)
        by_format[fmt] = [
            len(mine),
            sum(e.view["rows_done"] for e in mine if e.view),
            sum(e.view["bytes"] or 0 for e in mine if e.view) / 2**20,
            percentile(times, 0.5),
            times[-1] if times else 0.0,
        ]

    return Workers(
        rows=rows,
        quick=quick,
        date=date,
        command=command,
        users=len({e.user for e in exports}),
        exports=len(exports),
        done=len(done),
        failed=failed,
        lost=lost,
        rows_exported=rows_exported,
        bytes_exported=bytes_exported,
        window_s=window,
        exports_per_s=len(done) / window,
        rows_per_s=rows_exported / window,
        post_p50_s=percentile(posts, 0.5),
        post_p95_s=percentile(posts, 0.95),
        post_max_s=posts[-1] if posts else 0.0,
        posts_done_s=max((e.answered for e in exports if e.answered), default=sent0) - sent0,
        seen_p50_s=percentile(seen, 0.5),
        seen_p95_s=percentile(seen, 0.95),
        seen_max_s=seen[-1] if seen else 0.0,
        store_p50_s=percentile(in_store, 0.5),
        store_p95_s=percentile(in_store, 0.95),
        store_max_s=in_store[-1] if in_store else 0.0,
        run_p50_s=percentile(ran, 0.5),
        run_max_s=ran[-1] if ran else 0.0,
        cap_max=cap_max,
        cap_users_at_max=sum(n == cap_max for n, _ in at_once.values()),
        cap_max_s=cap_max_s,
        cap_sampled=sampled,
        cap_samples=samples,
        claimed_twice=sum(s.attempts > 1 for s in stored.values()),
        per_worker=per_worker,
        sha_api=sha_api,
        same_bytes=same_bytes,
        same_content=same_content,
        distinct=len(expected),
        by_format=by_format,
        cpu=usage,
        stops=stops,
        errors=errors,
        inline=inline,
    )


class _Cpu:
    """Cores used since it was made: by the server, each worker, PostgreSQL (the
    connections to ``database``) and Redis, this process (the load generator), and every
    other process."""

    def __init__(self, pids: list[int], database: str) -> None:
        self.pids = pids
        self.database = database
        self.start_wall = time.perf_counter()
        self.start, self.start_services = self._now(), self._services()

    def _now(self) -> dict[str, float]:
        now = {"all": busy_cpu_seconds(), "client": sum(os.times()[:2])}
        for i, pid in enumerate(self.pids):
            with contextlib.suppress(psutil.Error):
                now["server" if i == 0 else f"worker-{i - 1}"] = sum(
                    psutil.Process(pid).cpu_times()[:2]
                )
        return now

    def _services(self) -> dict[int, float]:
        """CPU seconds of Redis and of each PostgreSQL backend serving ``database``."""
        found = {}
        for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
            name, times = process.info["name"] or "", process.info["cpu_times"]
            title = " ".join(process.info["cmdline"] or [])
            ours = name == "postgres" and f" {self.database} " in title
            if times and (ours or name.startswith("redis-server")):
                found[process.pid] = times.user + times.system
        return found

    def used(self) -> dict[str, float]:
        now, services = self._now(), self._services()
        took = max(time.perf_counter() - self.start_wall, 1e-9)
        used = {k: max(now[k] - self.start.get(k, 0.0), 0.0) / took for k in now}
        used["PostgreSQL and Redis"] = (
            sum(
                max(seconds - self.start_services.get(pid, 0.0), 0.0)
                for pid, seconds in services.items()
            )
            / took
        )
        ours = sum(v for k, v in used.items() if k != "all")
        used["others"] = max(used.pop("all") - ours, 0.0)
        return used


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _safe(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//", url)


# The report


def section(result: Workers | str | None) -> str:
    head = "## Export workers under load\n\n"
    if result is None:
        return head + "Not measured in this run; `python -m bench --workers-only` measures it.\n"
    if isinstance(result, str):
        return head + f"Not measured: {result}.\n"
    r = result
    parts = [
        f"Measured by `{r.command}` on {r.date}: {r.exports} exports submitted by"
        f" {r.users} users at once over loopback HTTP, run by {WORKERS} Celery workers"
        f" ({CONCURRENCY} exports at once each) with a PostgreSQL store and a Redis broker,"
        f" from the demo shop database ({r.rows:,} orders), all on the machine above:"
        " the server, the workers, PostgreSQL, Redis and the load generator share its"
        f" cores.{_busy(r)}\n",
        _table(r),
        _formats(r),
        _errors(r),
        _how(r),
    ]
    return head + "\n".join(part for part in parts if part)


def _busy(r: Workers) -> str:
    if r.cpu.get("others", 0.0) < BUSY_CORES:
        return ""
    return (
        f" **Other processes were using the machine at the same time** ({r.cpu['others']:.2f}"
        " cores on average), so these figures are likely worse than on a quiet machine."
    )


def _table(r: Workers) -> str:
    cap = "met" if r.cap_max <= CAP else "**missed**"
    lost = "none lost" if r.lost == 0 else f"**{r.lost} lost**"
    checks = r.done == r.exports and r.sha_api == r.done
    same = r.same_bytes + r.same_content
    content = (
        f" ({r.same_content} XLSX files equal in content: the same zip entries, only the"
        " entries' timestamps differ)"
        if r.same_content
        else ""
    )
    stops = ", ".join(
        f"{s.name} exit {s.exit_code} after {s.seconds:.1f} s" if s.seconds is not None
        else f"{s.name} **killed** after {SHUTDOWN_S:.0f} s" for s in r.stops
    )  # fmt: skip
    clean = all(s.exit_code == 0 and s.clean_log for s in r.stops)
    cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in r.cpu.items())
    lines = [
        ("exports", f"{r.exports} submitted, {r.done} done, {r.failed} failed, {lost}"),
        ("exported", f"{r.rows_exported:,} rows, {r.bytes_exported / 2**20:,.1f} MiB"),
        ("throughput (first POST sent → last export done)",
         f"**{r.exports_per_s:.2f} exports/s, {r.rows_per_s:,.0f} rows/s** over"
         f" {r.window_s:.1f} s"),
        ("`POST /api/exports` answered", f"p50 {r.post_p50_s:.2f} s, p95 {r.post_p95_s:.2f} s,"
         f" max {r.post_max_s:.2f} s; all {r.exports} answered {r.posts_done_s:.1f} s after the"
         f" first was sent ({r.exports / max(r.posts_done_s, 1e-9):.1f} per second)"),
        (f"completion: POST sent → client saw it done (polled every {POLL_S:.0f} s)",
         f"p50 {r.seen_p50_s:.1f} s, p95 {r.seen_p95_s:.1f} s, max {r.seen_max_s:.1f} s"),
        ("completion: POST sent → done in the store",
         f"p50 {r.store_p50_s:.1f} s, p95 {r.store_p95_s:.1f} s, max {r.store_max_s:.1f} s"),
        ("one export on a worker (claimed → done)",
         f"p50 {r.run_p50_s:.2f} s, max {r.run_max_s:.2f} s"),
        (f"most exports of one user running at once (cap {CAP}), by `started_at` →"
         " `finished_at`",
         f"{r.cap_max} ({r.cap_users_at_max} of {r.users} users reached it"
         + (f"; for at most {r.cap_max_s * 1000:.0f} ms" if r.cap_max > CAP else "")
         + f"): {cap}"),
        (f"… in snapshots of the store every {SAMPLE_S * 1000:.0f} ms",
         f"{r.cap_sampled} ({r.cap_samples:,} snapshots): "
         + ("met" if r.cap_sampled <= CAP else "**missed**")),
        ("exports claimed more than once", str(r.claimed_twice)),
        ("exports finished per worker", " / ".join(str(n) for n in r.per_worker)),
        *_costs(r),
        ("checks: download SHA-256 and size = the API's",
         f"{r.sha_api} of {r.done}" + ("" if checks else " (**failed**)")),
        ("checks: file = the same query exported independently",
         f"{same} of {r.done}{content}; {r.distinct} distinct queries"),
        ("errors", str(len(r.errors))),
        ("CPU over the load, cores", cpu),
        ("SIGTERM → exit", stops + (": clean" if clean else ": **not clean**")),
    ]  # fmt: skip
    return "| | |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in lines)


def _costs(r: Workers) -> list[tuple[str, str]]:
    """CPU seconds per export and per row, which a busy machine changes less than times."""
    if not r.load_s:
        return []
    workers_s = sum(v for k, v in r.cpu.items() if k.startswith("worker-")) * r.load_s
    server_s = r.cpu.get("server", 0.0) * r.load_s
    return [
        ("CPU the workers used", f"{workers_s:.1f} s in all: {workers_s / max(r.done, 1):.2f} s"
         f" per export, {r.rows_exported / max(workers_s, 1e-9):,.0f} rows per CPU-second"),
        ("CPU the server used", f"{server_s:.1f} s in all,"
         f" {server_s / max(r.exports, 1) * 1000:.0f} ms per export (POST, polling, following)"),
    ]  # fmt: skip


def _formats(r: Workers) -> str:
    lines = [
        "| format | exports | rows | MiB | p50 POST → done | max POST → done |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for fmt, (count, rows, mib, p50, most) in r.by_format.items():
        lines.append(
            f"| {fmt} | {count:.0f} | {rows:,.0f} | {mib:,.1f} | {p50:.1f} s | {most:.1f} s |"
        )
    return "By format (times from the store's `finished_at`):\n\n" + "\n".join(lines) + "\n"


def _errors(r: Workers) -> str:
    if not r.errors:
        return ""
    shown = "".join(f"- {_cell(e)}\n" for e in r.errors[:10])
    more = f"- … and {len(r.errors) - 10} more\n" if len(r.errors) > 10 else ""
    logged = "".join(f"  - `{_cell(e)}`\n" for e in r.server_errors)
    if logged:
        logged = "- the server logged these exceptions (how many log lines):\n" + logged
    return f"**Errors** ({len(r.errors)}):\n\n{shown}{more}{logged}"


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("`", "'")


def _how(r: Workers) -> str:
    shapes = ", ".join(
        f"{s.format} of " + _every(s.every) + (f" (first {s.limit:,})" if s.limit else "")
        for s in SHAPES
    )
    return (
        "How: the bench builds the demo database (`python -m assistant demo --rows"
        f" {r.rows} --today {DEMO_DAY}`), creates a throw-away PostgreSQL database and a Redis"
        f" queue of its own, creates {r.users} users with `python -m assistant users create`"
        " (the command's `main`, in one interpreter), then starts `python -m assistant serve`"
        " (with `ASSISTANT_BROKER_URL`, `ASSISTANT_INLINE_EXPORT_ROWS=0` so every export goes"
        f" to the workers, `ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER={CAP}`, the export rate"
        f" limit out of the way, no scheduler) and {WORKERS} `python -m assistant worker"
        f" --concurrency {CONCURRENCY}`. Each user sends its {PER_USER} `POST /api/exports` at"
        f" once (`SELECT * FROM orders`, narrowed by `id % k` to the user's share, as {shapes}),"
        f" then reads its export list every {POLL_S:.0f} s and `GET /api/exports/{{id}}` once"
        " for each export seen finished; the client-side completion time is therefore late by"
        " up to that interval, the store-side one is exact (`finished_at` against the moment"
        " the POST was sent; one clock). Throughput counts every row and export done between"
        " the first POST and the last `finished_at`. After the load, every file is downloaded"
        " from `/api/exports/{id}/download`, hashed and compared with the export's `sha256`"
        " and `bytes`, and with each distinct query exported again in the bench's own process"
        " by `exporters.export` (what `python -m exporters` runs); XLSX files, whose zip"
        " entries carry the time they were written, count as equal when their entries are."
        " The cap is checked in the store twice: per user, the most `[started_at, finished_at]`"
        " intervals of its exports that overlap (a worker stamps `started_at` once its claim"
        " went through, after the export it waited for was marked done), and the most exports"
        " of one"
        " user `running` in snapshots of the `exports` table taken every"
        f" {SAMPLE_S * 1000:.0f} ms during the load (the store's own view, but a sample). CPU"
        " is each process's own (PostgreSQL: the backends serving the run's database; Redis: its"
        " server), averaged over"
        " the load (first POST sent → every export followed to its end). Finally SIGTERM goes to"
        " the server and the workers at once; each must exit 0 within"
        f" {SHUTDOWN_S:.0f} s with a clean shutdown in its log.\n"
    )


def _every(k: int) -> str:
    if k == 1:
        return "every row"
    if k == 2:
        return "every other row"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(k % 10 if k % 100 not in (11, 12, 13) else 0, "th")
    return f"every {k}{suffix} row"


def summary(result: Workers | str) -> list[str]:
    """A few lines for the bench's progress log."""
    if isinstance(result, str):
        return [f"workers: not measured: {result}"]
    r = result
    return [
        f"workers: {r.done}/{r.exports} done, {r.failed} failed, {r.lost} lost;"
        f" {r.exports_per_s:.2f} exports/s, {r.rows_per_s:,.0f} rows/s over {r.window_s:.1f} s",
        f"workers: completion seen p50 {r.seen_p50_s:.1f} / p95 {r.seen_p95_s:.1f} / max"
        f" {r.seen_max_s:.1f} s; in store p50 {r.store_p50_s:.1f} / p95 {r.store_p95_s:.1f} /"
        f" max {r.store_max_s:.1f} s",
        f"workers: cap max {r.cap_max}, claimed twice {r.claimed_twice}, per worker"
        f" {r.per_worker}, sha {r.sha_api}/{r.done}, same {r.same_bytes}+{r.same_content},"
        f" errors {len(r.errors)}",
        "workers: cpu " + ", ".join(f"{k} {v:.2f}" for k, v in r.cpu.items()),
        "workers: stop " + ", ".join(f"{s.name} {s.exit_code} ({s.seconds})" for s in r.stops),
    ]
