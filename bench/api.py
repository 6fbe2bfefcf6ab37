"""The HTTP API under load, against the real server as ``make run`` starts it
(``python -m assistant serve --workers N``, N from ``python -m assistant up``'s default).

Three measurements on loopback, with the server as a child process over a throw-away store:

- status: 50 concurrent clients polling ``GET /api/exports/{id}`` of one small finished
  export (goal: p99 < 50 ms), for requests per second and latency percentiles;
- starting small exports: ``POST /api/exports`` of small queries, one client, one after
  another (goal: p50 <= 15 ms for the first);
- a big export: ``SELECT * FROM orders`` to CSV created with ``POST /api/exports``, followed
  until done, downloaded streaming and checked against its SHA-256, with the server's peak
  memory, beside a direct ``python -m exporters`` run of the same export.

Then SIGTERM, which must stop the server cleanly (exit code 0) within 30 s. The server's
CPU is its processes' together (the supervisor and its workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from assistant.cli.up import default_api_workers
from bench import suite
from bench.measure import (
    ROOT,
    RunFailed,
    busy_cpu_seconds,
    free_port,
    last_line,
    log_tail,
    percentile,
    run_once,
)

CLIENTS = 50
GOAL_P99_MS = 50.0
GOAL_POST_P50_MS = 15.0
#: Small exports started one after another, and how many are timed (``--quick``: a
#: quarter): a one-row query (the API's own cost), and a slice of the big table (what
#: reading the source adds).
SMALL_QUERIES = (("SELECT 1 AS x", 40), ("SELECT * FROM orders WHERE id <= 100", 12))
POST_WARMUP = 3
WARMUP_S = 1.0
STATUS_S = 10.0
QUICK_STATUS_S = 3.0
POLL_S = 0.1  # how often the big export is looked at while it runs
SAMPLE_S = 0.05  # how often the server's RSS is sampled during the big export
SHUTDOWN_S = 30.0
START_S = 60.0
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmn"  # signs download links
BUSY_CORES = 0.25  # other processes using more than this: say so in the report
FINAL = ("done", "failed", "cancelled", "expired")


@dataclass(frozen=True)
class Status:
    """``GET /api/exports/{id}`` from ``clients`` concurrent clients for ``seconds``."""

    client: str  # RAW or HTTPX
    clients: int
    seconds: float
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_cpu: float  # cores the server used on average while measured
    client_cpu: float  # cores this (load-generating) process used
    first_error: str | None = None
    others_cpu: float = 0.0  # cores every other process on the machine used meanwhile


RAW = "raw"  # one asyncio connection per client, a minimal HTTP/1.1 exchange
HTTPX = "httpx"  # one httpx.AsyncClient, a pool of CLIENTS connections
CLIENT_LABELS = {
    RAW: "asyncio streams, a keep-alive connection per client",
    HTTPX: f"`httpx.AsyncClient`, pool of {CLIENTS}",
}


@dataclass(frozen=True)
class Posts:
    """``requests`` × ``POST /api/exports`` of ``sql`` as CSV, one after another."""

    sql: str
    requests: int
    statuses: str  # the answers' export statuses, e.g. "done" or "done, queued"
    p50_ms: float
    p95_ms: float
    max_ms: float
    server_cpu_ms: float  # the server's CPU per request
    others_cpu: float = 0.0  # cores every other process on the machine used meanwhile


@dataclass(frozen=True)
class BigExport:
    """One ``SELECT * FROM orders`` CSV export over HTTP, and the same export run directly."""

    rows: int
    post_s: float  # the POST /api/exports answer
    post_status: str  # the export's status in that answer
    export_s: float  # POST sent -> status seen done
    download_s: float
    file_mib: float
    download_mib_s: float
    server_before_mib: float  # server RSS right before the POST
    server_peak_mib: float
    peak_source: str  # how server_peak_mib was found
    sha256: str  # of the downloaded file
    problem: str | None  # a failed check (rows, size, SHA-256), None when all passed
    direct_s: float | None = None
    direct_peak_mib: float | None = None
    direct_same_bytes: bool | None = None  # the direct file's SHA-256 equals the download's
    direct_error: str | None = None
    others_cpu: float = 0.0  # cores every other process on the machine used meanwhile
    direct_others_cpu: float = 0.0  # the same during the direct run


@dataclass(frozen=True)
class Api:
    rows: int
    quick: bool
    date: str
    command: str
    status: list[Status] | str  # RAW first (the goal is judged on it), then HTTPX; or why not
    export: BigExport | str
    shutdown_s: float | None  # SIGTERM -> exit; None when it had to be killed
    exit_code: int | None
    shutdown_logged: bool  # uvicorn logged "Application shutdown complete."
    workers: int = 1  # server processes (serve --workers)
    posts: list[Posts] | str | None = None  # None: not measured (an older run)


def from_json(saved: object) -> Api | str | None:
    """What :func:`measure` returned, back from ``results.json``."""
    if not isinstance(saved, dict):
        return saved if isinstance(saved, str) else None
    fields = dict(saved)
    if isinstance(fields["status"], list):
        fields["status"] = [Status(**s) for s in fields["status"]]
    if isinstance(fields["export"], dict):
        fields["export"] = BigExport(**fields["export"])
    if isinstance(fields.get("posts"), list):
        fields["posts"] = [Posts(**p) for p in fields["posts"]]
    return Api(**fields)


def to_json(result: Api | str | None) -> object:
    return asdict(result) if isinstance(result, Api) else result


def measure(
    db: Path, rows: int, *, quick: bool, timeout_s: float, date: str, command: str, work: Path
) -> Api | str:
    """Start the server over ``db`` (``rows`` rows of ``orders``), measure, stop it.

    Returns the reason instead when the server cannot be started; a phase that fails is
    recorded as its reason and the others still run."""
    workers = default_api_workers()
    work.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="api-", dir=work))
    try:
        env = _server_env(tmp, db, rows)
        made = subprocess.run(
            [sys.executable, "-m", "assistant", "users", "create", "bench"],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        )  # fmt: skip
        if made.returncode != 0:
            return f"`users create` failed: {(last_line(made.stderr) or 'no output')}"
        key = made.stdout.strip().splitlines()[-1]
        log = tmp / "server.log"
        with _server(env, log, workers) as (server, base):
            seconds = QUICK_STATUS_S if quick else STATUS_S
            status: list[Status] | str
            try:
                path = _small_export(base, key)
                status = [
                    asyncio.run(_status(kind, base, path, key, server.pid, seconds))
                    for kind in (RAW, HTTPX)
                ]
            except Exception as exc:
                status = f"{type(exc).__name__}: {exc}"
            posts: list[Posts] | str
            try:
                posts = [
                    _posts(base, key, server.pid, sql, count // 4 if quick else count)
                    for sql, count in SMALL_QUERIES
                ]
            except Exception as exc:
                posts = f"{type(exc).__name__}: {exc}"
            export: BigExport | str
            try:
                export = _big_export(base, key, server.pid, rows, timeout_s)
            except Exception as exc:
                export = f"{type(exc).__name__}: {exc}"
            shutdown_s, code = _stop(server)
        logged = "Application shutdown complete." in log.read_text(errors="replace")
        if isinstance(export, BigExport):
            export = _direct(export, db, rows, tmp, timeout_s)
        return Api(
            rows, quick, date, command, status, export, shutdown_s, code, logged, workers, posts
        )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# The server


def _server_env(tmp: Path, db: Path, rows: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_DATABASE_URL=f"sqlite:///{tmp / 'store.db'}",
        ASSISTANT_SOURCE_URL=f"sqlite:///{db.resolve()}",
        ASSISTANT_STORAGE_DIR=str(tmp / "files"),
        ASSISTANT_SECRET_KEY=SECRET_KEY,
        ASSISTANT_EXPORTS_PER_MINUTE="100000",
        ASSISTANT_MAX_EXPORT_ROWS=str(max(rows * 2, 10_000_000)),
    )
    return env


@contextlib.contextmanager
def _server(
    env: dict[str, str], log: Path, workers: int
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The server, up and healthy (every worker started); killed on the way out if still
    running, its workers with it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "ASSISTANT_PUBLIC_URL": base}
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, process_group=0
        )
    try:
        deadline = time.monotonic() + START_S
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited ({server.returncode}): {log_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    started = log.read_text(errors="replace").count("Application startup complete")
                    if started >= workers:
                        break
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy answer within {START_S:.0f} s: {log_tail(log)}")
            time.sleep(0.1)
        yield server, base
    finally:
        if server.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _stop(server: subprocess.Popen[bytes]) -> tuple[float | None, int | None]:
    """SIGTERM, then how long it took to exit and its exit code (None, None: killed)."""
    start = time.perf_counter()
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(SHUTDOWN_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return None, None
    return time.perf_counter() - start, code


# Status under load


def _small_export(base: str, key: str) -> str:
    """A finished one-row export to poll: its ``/api/exports/{id}`` path."""
    made = httpx.post(
        f"{base}/api/exports",
        headers=_auth(key),
        json={"sql": "SELECT 1 AS x", "format": "csv"},
        timeout=60,
    )
    made.raise_for_status()
    export = made.json()
    if export["status"] != "done":
        raise RuntimeError(f"the small export is {export['status']}, not done")
    return f"/api/exports/{export['id']}"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


Get = Callable[[], Awaitable[str | None]]
"""One GET of the export: None when it answered 200 with its whole body, else what failed."""


async def _status(kind: str, base: str, path: str, key: str, pid: int, seconds: float) -> Status:
    """``CLIENTS`` closed-loop clients: a warm-up, then ``seconds`` timed."""
    timings: list[float] = []
    errors = 0
    first_error: list[str] = []
    phase = {"record": False, "stop": False}

    async def client(get: Get) -> None:
        nonlocal errors
        while not phase["stop"]:
            start = time.perf_counter()
            problem = await get()
            elapsed = time.perf_counter() - start
            if phase["record"]:
                timings.append(elapsed)
                if problem is not None:
                    errors += 1
                    first_error[:] = first_error or [problem]

    server = psutil.Process(pid)
    async with _clients(kind, base, path, key) as gets:
        tasks = [asyncio.create_task(client(get)) for get in gets]
        await asyncio.sleep(WARMUP_S)
        cpu = _Cpu(server)
        start = time.perf_counter()
        phase["record"] = True
        await asyncio.sleep(seconds)
        phase["record"] = False
        took = time.perf_counter() - start
        server_s, mine_s, others_s = cpu.used()
        phase["stop"] = True
        await asyncio.gather(*tasks)
    if not timings:
        raise RuntimeError("no request finished in the timed window")
    timings.sort()
    return Status(
        client=kind,
        clients=CLIENTS,
        seconds=took,
        requests=len(timings),
        errors=errors,
        rps=len(timings) / took,
        p50_ms=percentile(timings, 0.50) * 1000,
        p95_ms=percentile(timings, 0.95) * 1000,
        p99_ms=percentile(timings, 0.99) * 1000,
        max_ms=timings[-1] * 1000,
        server_cpu=server_s / took,
        client_cpu=mine_s / took,
        first_error=first_error[0] if first_error else None,
        others_cpu=others_s / took,
    )


@contextlib.asynccontextmanager
async def _clients(kind: str, base: str, path: str, key: str) -> AsyncIterator[list[Get]]:
    if kind == HTTPX:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(
            base_url=base, headers=_auth(key), limits=limits, timeout=30
        ) as shared:

            async def get() -> str | None:
                try:
                    code = (await shared.get(path)).status_code
                except httpx.HTTPError as exc:
                    return f"{type(exc).__name__}: {exc}"
                return None if code == 200 else f"status {code}"

            yield [get] * CLIENTS
        return
    port = int(base.rsplit(":", 1)[1])
    connections = [_Connection(port, path, key) for _ in range(CLIENTS)]
    try:
        yield [c.get for c in connections]
    finally:
        for c in connections:
            c.close()


class _Connection:
    """A minimal keep-alive HTTP/1.1 client for one GET, so the load generator costs the
    server's cores as little as possible; it reconnects after any error."""

    def __init__(self, port: int, path: str, key: str) -> None:
        self.port = port
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self) -> str | None:
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = self.streams
            writer.write(self.request)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            fields = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
            await reader.readexactly(int(fields["content-length"]))
            if fields.get("connection") == "close":
                self.close()
            code = head[0].split(" ")[1]
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, KeyError,
                ValueError, IndexError) as exc:  # fmt: skip
            self.close()
            return f"{type(exc).__name__}: {exc}"
        return None if code == "200" else f"status {code}"

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def _tree(server: psutil.Process) -> list[psutil.Process]:
    """The server's processes: the supervisor and its workers (and any helper of theirs)."""
    return [server, *server.children(recursive=True)]


class _Cpu:
    """CPU seconds used since it was made: by the server (every process of it), by this
    process and the children it has reaped meanwhile, and by every other process."""

    def __init__(self, server: psutil.Process | None) -> None:
        self.processes = _tree(server) if server else []
        self.start = self._now()

    def _now(self) -> tuple[float, float, float]:
        busy = busy_cpu_seconds()
        server = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                server += sum(process.cpu_times()[:2])
        return server, sum(os.times()[:4]), busy

    def used(self) -> tuple[float, float, float]:
        """(server, this process, every other process) seconds so far."""
        now = self._now()
        server, mine, busy = (b - a for a, b in zip(self.start, now, strict=True))
        return server, mine, max(busy - server - mine, 0.0)


# Starting small exports


def _posts(base: str, key: str, pid: int, sql: str, count: int) -> Posts:
    """``POST /api/exports`` of ``sql``, one after another on one connection: a warm-up,
    then ``count`` timed."""
    timings: list[float] = []
    statuses: dict[str, None] = {}
    with httpx.Client(base_url=base, headers=_auth(key), timeout=120) as client:
        for n in range(POST_WARMUP + count):
            if n == POST_WARMUP:
                cpu = _Cpu(psutil.Process(pid))
            start = time.perf_counter()
            made = client.post("/api/exports", json={"sql": sql, "format": "csv"})
            elapsed = time.perf_counter() - start
            if made.status_code != 201:
                raise RuntimeError(f"POST {sql!r} answered {made.status_code}: {made.text[:200]}")
            if n >= POST_WARMUP:
                timings.append(elapsed)
                statuses[made.json()["status"]] = None
    server_s, _, others_s = cpu.used()
    took = sum(timings)
    timings.sort()
    return Posts(
        sql=sql,
        requests=count,
        statuses=", ".join(statuses),
        p50_ms=percentile(timings, 0.50) * 1000,
        p95_ms=percentile(timings, 0.95) * 1000,
        max_ms=timings[-1] * 1000,
        server_cpu_ms=server_s / count * 1000,
        others_cpu=others_s / took if took else 0.0,
    )


# The big export


def _big_export(base: str, key: str, pid: int, rows: int, timeout_s: float) -> BigExport:
    server = psutil.Process(pid)
    processes = _tree(server)  # the export runs in whichever worker took the POST
    before = {process.pid: process.memory_info().rss for process in processes}
    reset = all([_reset_hwm(process.pid) for process in processes])
    samples = _Sampler(processes)
    cpu = _Cpu(server)
    begun = time.perf_counter()
    with samples, httpx.Client(base_url=base, headers=_auth(key), timeout=timeout_s) as c:
        start = time.perf_counter()
        made = c.post("/api/exports", json={"sql": "SELECT * FROM orders", "format": "csv"})
        post_s = time.perf_counter() - start
        if made.status_code != 201:
            raise RuntimeError(f"POST /api/exports answered {made.status_code}: {made.text[:200]}")
        export: dict[str, Any] = made.json()
        post_status = export["status"]
        while export["status"] not in FINAL:
            if time.perf_counter() - start > timeout_s:
                raise RuntimeError(f"not done after {timeout_s:.0f} s ({export['rows_done']} rows)")
            time.sleep(POLL_S)
            answer = c.get(f"/api/exports/{export['id']}")
            answer.raise_for_status()
            export = answer.json()
        export_s = time.perf_counter() - start
        if export["status"] != "done":
            raise RuntimeError(f"the export ended {export['status']}: {export.get('error')}")
        digest, size = hashlib.sha256(), 0
        start = time.perf_counter()
        with c.stream("GET", f"/api/exports/{export['id']}/download") as answer:
            answer.raise_for_status()
            length = int(answer.headers.get("content-length", -1))
            for chunk in answer.iter_bytes(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        download_s = time.perf_counter() - start
    others_s = cpu.used()[2] / (time.perf_counter() - begun)
    problems = []
    if export["rows_done"] != rows:
        problems.append(f"rows_done {export['rows_done']:,}, expected {rows:,}")
    if not size == length == export["bytes"]:
        problems.append(f"{size:,} bytes read, Content-Length {length:,}, bytes {export['bytes']}")
    if digest.hexdigest() != export["sha256"]:
        problems.append("the downloaded file's SHA-256 differs from the export's sha256")
    hwms = {process.pid: _vm_hwm(process.pid) for process in processes} if reset else {}
    measured = {pid: hwm for pid, hwm in hwms.items() if hwm is not None}
    hwm = len(measured) == len(processes)
    peaks = measured if hwm else samples.peaks
    grew = max(before, key=lambda pid: peaks.get(pid, 0) - before[pid])  # the export's process
    return BigExport(
        rows=export["rows_done"],
        post_s=post_s,
        post_status=post_status,
        export_s=export_s,
        download_s=download_s,
        file_mib=size / 2**20,
        download_mib_s=size / 2**20 / download_s,
        server_before_mib=before[grew] / 2**20,
        server_peak_mib=peaks.get(grew, 0) / 2**20,
        peak_source=("VmHWM" if hwm else f"RSS sampled every {SAMPLE_S * 1000:.0f} ms")
        + (", of the server process that grew most" if len(processes) > 1 else ""),
        sha256=digest.hexdigest(),
        problem="; ".join(problems) or None,
        others_cpu=others_s,
    )


def _reset_hwm(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return _vm_hwm(pid) is not None


def _vm_hwm(pid: int) -> int | None:
    """The process's peak RSS in bytes, from /proc/<pid>/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class _Sampler:
    """The largest RSS of each process seen, sampled on a thread while the ``with`` block
    runs."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for process in self.processes:
                with contextlib.suppress(psutil.Error):
                    rss = process.memory_info().rss
                    self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _direct(export: BigExport, db: Path, rows: int, tmp: Path, timeout_s: float) -> BigExport:
    """The same export by ``python -m exporters``, as bench/suite.py runs ours (once)."""
    out = tmp / "direct.csv"
    args = ["--source", f"sqlite:///{db.resolve()}", "--sql", "SELECT * FROM orders"]
    cmd = [sys.executable, "-m", "exporters", *args, "--format", "csv", "--out", str(out)]
    cpu, begun = _Cpu(None), time.perf_counter()
    try:
        run = run_once(cmd, suite._ours_check(rows, out), timeout_s)
    except RunFailed as exc:
        return _replace(export, direct_error=str(exc))
    same = _sha256(out) == export.sha256
    out.unlink(missing_ok=True)
    return _replace(
        export,
        direct_s=run.wall_s,
        direct_peak_mib=run.peak_mib,
        direct_same_bytes=same,
        direct_error=None,
        direct_others_cpu=cpu.used()[2] / (time.perf_counter() - begun),
    )


def _replace(export: BigExport, **changes: Any) -> BigExport:
    return BigExport(**{**asdict(export), **changes})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# The report


def section(result: Api | str | None) -> str:
    head = "## HTTP API\n\n"
    if result is None:
        return head + "Not measured in this run; `python -m bench --api-only` measures it.\n"
    if isinstance(result, str):
        return head + f"Not measured: {result}.\n"
    processes = (
        "one process"
        if result.workers == 1
        else f"`--workers {result.workers}`: {result.workers} processes, as `make run` starts it"
    )
    return head + "\n".join(
        [
            f"Measured by `{result.command}` on {result.date}: the real server"
            f" (`python -m assistant serve`, uvicorn, {processes}) on loopback, on the machine"
            " above; the load generator and the server share its cores."
            f"{_busy(result)}\n",
            _status_table(result.status, result.quick, result.workers),
            _posts_table(result.posts),
            _before(result),
            _where_the_time_goes(),
            _export_table(result.export, result.rows),
            _shutdown(result),
            _how(result),
        ]
    )


def _busy(result: Api) -> str:
    """A warning when other processes took a noticeable share of the cores meanwhile."""
    phases = (
        []
        if isinstance(result.status, str)
        else [(f"status ({s.client})", s.others_cpu) for s in result.status]
    )
    if isinstance(result.posts, list):
        phases += [(f"POST `{p.sql}`", p.others_cpu) for p in result.posts]
    if isinstance(result.export, BigExport):
        phases.append(("the big export", result.export.others_cpu))
        if result.export.direct_error is None:
            phases.append(("the direct run", result.export.direct_others_cpu))
    if max((share for _, share in phases), default=0.0) < BUSY_CORES:
        return ""
    shares = ", ".join(f"{share:.2f} during {name}" for name, share in phases)
    return (
        f" **Other processes were using the machine at the same time** (cores they used:"
        f" {shares}), so these figures are likely worse than on a quiet machine."
    )


def _status_table(status: list[Status] | str, quick: bool, workers: int = 1) -> str:
    title = f"### Export status under {CLIENTS} concurrent clients\n\n"
    if isinstance(status, str):
        return title + f"Not measured: {status}.\n"
    lines = [
        f"| client | requests/s | p50 | p95 | p99 | max | errors | server CPU "
        f"| goal (p99 < {GOAL_P99_MS:.0f} ms, no errors) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for i, s in enumerate(status):
        met = s.p99_ms < GOAL_P99_MS and s.errors == 0
        verdict = ("met" if met else "**missed**") if i == 0 else "(for comparison)"
        lines.append(
            f"| {CLIENT_LABELS[s.client]} | {s.rps:,.0f} | {s.p50_ms:.1f} ms | {s.p95_ms:.1f} ms"
            f" | {s.p99_ms:.1f} ms | {s.max_ms:.1f} ms | {s.errors} | {s.server_cpu:.2f} cores"
            f" | {verdict} |"
        )
    first = status[0]
    cpu_ms = first.server_cpu / first.rps * 1000 if first.rps else 0.0
    cores = min(workers, os.cpu_count() or 1)
    runs = (
        "one Python process runs its request code on about one core at a time (the GIL),"
        " which caps it near"
        if workers == 1
        else f"each of its {workers} processes runs its request code on about one core at a"
        f" time (the GIL), so on {cores} core{'s' if cores > 1 else ''} they are capped near"
    )
    short = " (`--quick`: shorter than the usual 10 s)" if quick else ""
    rest = "".join(
        f"; with {CLIENT_LABELS[s.client].split(',')[0]} the client used {s.client_cpu:.2f}"
        f" cores itself and the server {s.server_cpu:.2f}"
        + (
            ", so that row is held back by the client"
            if s.server_cpu < 0.8 * first.server_cpu
            else ", so the server is the limit there too"
        )
        for s in status[1:]
    )
    return (
        title
        + "\n".join(lines)
        + f"\n\nEach row: {CLIENTS} clients for {first.seconds:.1f} s{short};"
        f" {', '.join(f'{s.requests:,}' for s in status)} requests."
        f" The goal is judged on the first row, whose client costs least"
        f" ({first.client_cpu:.2f} cores against the server's {first.server_cpu:.2f}){rest}."
        " The server spent about"
        f" {cpu_ms:.2f} ms of CPU per request; {runs}"
        f" {cores * 1000 / cpu_ms if cpu_ms else 0:,.0f} requests/s (if nothing else ran),"
        f" and with {CLIENTS} closed-loop"
        f" clients the mean latency is about {CLIENTS} ÷ requests/s, so p99 < 50 ms needs"
        f" well over {CLIENTS / (GOAL_P99_MS / 1000):,.0f} requests/s.\n"
        + "".join(
            f"\nErrors with {CLIENT_LABELS[s.client].split(',')[0]}: {s.errors}, the first:"
            f" `{s.first_error}`.\n"
            for s in status
            if s.errors
        )
    )


def _posts_table(posts: list[Posts] | str | None) -> str:
    title = "### Starting a small export (`POST /api/exports`)\n\n"
    if posts is None:
        return title + "Not measured in that run.\n"
    if isinstance(posts, str):
        return title + f"Not measured: {posts}.\n"
    lines = [
        f"| query | answered | p50 | p95 | max | server CPU per request "
        f"| goal (p50 <= {GOAL_POST_P50_MS:.0f} ms) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for i, p in enumerate(posts):
        verdict = (
            ("met" if p.p50_ms <= GOAL_POST_P50_MS else "**missed**")
            if i == 0
            else ("(for comparison)")
        )
        lines.append(
            f"| `{p.sql}` | `{p.statuses}` | {p.p50_ms:.1f} ms | {p.p95_ms:.1f} ms"
            f" | {p.max_ms:.1f} ms | {p.server_cpu_ms:.1f} ms | {verdict} |"
        )
    return (
        title
        + "\n".join(lines)
        + f"\n\nEach row: {', '.join(str(p.requests) for p in posts)} requests from one"
        " client, one after another on one connection, after a warm-up; each writes its CSV"
        " file before it answers"
        " (`done`). The goal is judged on the first row, where the API's own work is all"
        " there is; the second adds what reading the source costs for 100 rows of the big"
        " table: a short rowid range is read by SQLite itself (DuckDB's scanner, the fast"
        " lane for large results, would scan the whole million-row table for it).\n"
    )


@dataclass(frozen=True)
class Before:
    """The same measurements with the API as it was before issue 20's work on it (commit
    be0448c), on the same machine, by this module (with the server's one process)."""

    date: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU per status request
    posts: tuple[tuple[str, float, float], ...]  # (sql, p50 ms, p95 ms)
    others_cpu: float  # cores other processes used meanwhile


#: Measured by this module on this machine against commit be0448c (one server process).
BEFORE: Before | None = None


def _before(result: Api) -> str:
    title = "### Before and after\n\n"
    if BEFORE is None or isinstance(result.status, str):
        return ""
    b, now = BEFORE, result.status[0]
    now_cpu = now.server_cpu / now.rps * 1000 if now.rps else 0.0
    rows = [
        ("status: requests/s", f"{b.rps:,.0f}", f"{now.rps:,.0f}"),
        ("status: p50", f"{b.p50_ms:.1f} ms", f"{now.p50_ms:.1f} ms"),
        ("status: p95", f"{b.p95_ms:.1f} ms", f"{now.p95_ms:.1f} ms"),
        ("status: p99", f"{b.p99_ms:.1f} ms", f"{now.p99_ms:.1f} ms"),
        ("status: server CPU per request", f"{b.cpu_ms:.2f} ms", f"{now_cpu:.2f} ms"),
    ]
    after = {p.sql: p for p in result.posts} if isinstance(result.posts, list) else {}
    for sql, p50, p95 in b.posts:
        if sql in after:
            rows.append((f"`POST` `{sql}`: p50 / p95", f"{p50:.1f} / {p95:.1f} ms",
                         f"{after[sql].p50_ms:.1f} / {after[sql].p95_ms:.1f} ms"))  # fmt: skip
    return (
        title + f"Before: commit be0448c, one server process, measured the same way on {b.date}"
        f" (other processes used {b.others_cpu:.2f} cores meanwhile). After: this run"
        f" ({result.workers} process{'es' if result.workers > 1 else ''}).\n\n"
        + "| | before | after |\n| --- | ---: | ---: |\n"
        + "".join(f"| {k} | {v} | {w} |\n" for k, v, w in rows)
    )


def _where_the_time_goes() -> str:
    """What profiling the request path found (issue 20), kept with the figures it explains."""
    return (
        "### Where the time goes\n\n"
        "Profiled on 2026-12-07 on the machine above (busy with other work, so shares"
        " rather than times): `py-spy record` at 200 Hz on the server under the 50 status"
        " clients, and each step of `POST /api/exports` timed in thread CPU time in one"
        " process.\n\n"
        "- **Status, before** (commit be0448c, about 3.5 ms of CPU per request, one"
        " process): the API key looked up in the store on every request (a joined SELECT"
        " of the key and its user, in a transaction of its own) took 19% of the server's"
        " busy time; the caller's scope, which reads their time zone, 8%; the export"
        " loaded whole through the ORM, plus a second query for its question and a"
        " `realpath` of its file that the answer never shows, 22%; opening and closing"
        " SQLite connections, because 40 threads shared a pool of 5, 12% (inside those);"
        " three thread hops per request (the key and scope dependencies and the route"
        " were sync, and FastAPI checks a sync route's answer on a thread too) 13%;"
        " FastAPI resolving the dependencies, the access log and sending made the"
        " rest.\n"
        "- **Status, after** (about 0.8 ms of CPU per request, all in): a key verified in"
        " the last `ASSISTANT_KEY_CACHE_SECONDS` (5) is taken from the process's cache"
        " (no store query); the route is `async`; the export is one prepared SELECT of"
        " the 14 columns its answer shows on a plain connection (about 0.1 ms, against"
        " 0.5 ms for a session and an ORM query built per call); no scope, no write; the"
        " download link is signed only for a done export. Then (issue 20, point 3), for"
        " about 0.5-0.55 ms of CPU per request when the machine is not crowded: the"
        " SQLite read is made on the event loop, on a connection of its own with a"
        " 50 ms busy timeout (a thread hop cost more than the read; a PostgreSQL store,"
        " or a locked SQLite one, is still read on a thread); a link is signed once a"
        " second per export (a token carries its second: the same bytes), not on every"
        " poll (signing was 7% of the loop's time). What is left, in the event loop's"
        " busy time: sending the answer 28% (its access-log line a third of that), the"
        " store read 23% (SQLAlchemy taking and returning the connection a quarter of"
        " it), FastAPI resolving the key's two dependencies 16%, the middleware stack"
        " 14%, routing, the view and writing JSON the rest. Beyond that, one Python"
        " process is one core: the second process (`--workers 2`, what `make run`"
        " starts here) nearly doubles what the server answers, which is what p99 needs"
        " with 50 clients.\n"
        "- **The status tail**: three things stalled requests beyond their CPU. (1) A"
        " full garbage collection walked every object start-up made, 160-230 ms each,"
        " every few thousand requests: each server process now freezes its start-up"
        " objects (`gc.freeze()` once started), having loaded the export writers first"
        " (on the first export they brought 350 modules, pandas among them through"
        " pyarrow: 33,000 objects, a 20-50 ms walk); a full collection now walks about"
        " 7,000 objects in about 1 ms, and one process under the 50 clients for 12 s"
        " made no collection over 5 ms. (2) When a key's 5 s of trust ran out, every"
        " request bringing it asked the store at once, each on a worker thread (about"
        " 25 per process every 5 s here): they now share one lookup. (3) On uvicorn's"
        " one shared socket the 50 connections, opened at once, went 36 to one process"
        " and 14 to the other, whose CPU was the same, so the first's clients waited"
        " about 2.5 times as long; each process now listens on a socket of its own"
        " (`SO_REUSEPORT`) and the kernel spreads them (24 and 26). In runs minutes"
        " apart (other work using 0.7-0.9 cores): p95 115-119 -> 66 ms, p99 187 -> 111"
        " ms. What remains is the"
        " machine: with other work taking about one of its two cores, the server gets"
        " about one core for 2 processes and 50 clients.\n"
        "- **`POST /api/exports` of new SQL, before**: the query was previewed (opened,"
        " its columns typed, its first 50 rows read, counted whole past 50), then"
        " opened, typed and read again by the export. For `SELECT 1` in thread CPU: the"
        " preview 1.6-2.0 ms, recording the run 1.6-1.9, starting the export 1.8-1.9,"
        " the user's options 0.8, opening the query again 1.4-1.6, writing 2.1-2.6,"
        " finishing (with a query for the question) 3.2-3.7; for a 200-row table the"
        " preview was 6.9 ms and the second opening 6.1 (the typing, twice). Each of the"
        " three transactions waits for SQLite's fsync (0.2 ms on a quiet disk, 2-6 ms"
        " while other work writes).\n"
        "- **`POST /api/exports`, after**: no preview. The rows are counted in the"
        " database up to `ASSISTANT_INLINE_EXPORT_ROWS` + 1 (0.3-0.6 ms: none read, none"
        " typed), which is all the choice between inline and background needs; a small"
        " result is opened, typed and read once, by the export; a larger one is left to"
        " its job, which counts it whole (`rows_total` null until then) and checks"
        " `ASSISTANT_MAX_EXPORT_ROWS`. Then (issue 20, point 3): the SQLite store syncs"
        " at WAL checkpoints, not at each of the request's three commits"
        " (`synchronous=NORMAL`; an fsync took 4 ms on this disk while the other work"
        " wrote); the export's file is still synced before it is called done; a result"
        " of one batch is read and encoded without the exporter's read-ahead and encode"
        " threads (a one-row CSV export: 0.6 ms of CPU instead of 0.9-1.1, and no"
        " hand-offs between threads on a crowded machine); the caller's scope is made"
        " on the export's thread (one thread hop fewer); the finished export's question"
        " comes from the run at hand (no session and SELECT). In thread CPU, in one"
        " process: about 6.8 ms per `SELECT 1` export: the exporter 1.3 ms, finishing"
        " (a read, an update and an audit row) 1.3, recording the run 1.3 (0.7 of it the"
        " store, the rest the guard and the count), opening the query (the guard again"
        " and typing its columns) 1.0, starting the export 0.9, the user's options 0.4,"
        " the scope 0.35. What is left is three ORM transactions and parsing the SQL"
        " three times (count, open, the file's title).\n"
    )


def _export_table(export: BigExport | str, rows: int) -> str:
    title = f"### A {rows:,}-row CSV export over HTTP\n\n"
    if isinstance(export, str):
        return title + f"Not measured: {export}.\n"
    check = "all passed" if export.problem is None else f"**failed**: {export.problem}"
    lines = [
        ("`POST /api/exports` answered", f"{export.post_s:.2f} s, status `{export.post_status}`"),
        ("export: POST sent → status `done`", f"{export.export_s:.2f} s"),
        ("download, streamed and hashed", f"{export.download_s:.2f} s"),
        ("file", f"{export.file_mib:,.1f} MiB, downloaded at {export.download_mib_s:,.0f} MiB/s"),
        ("server RSS before → peak", f"{export.server_before_mib:.0f} → "
         f"{export.server_peak_mib:.0f} MiB ({export.peak_source})"),
        ("checks: rows_done, bytes, SHA-256", check),
    ]  # fmt: skip
    if export.direct_error:
        lines.append(("direct `python -m exporters`", f"n/a: {export.direct_error}"))
    else:
        total = export.export_s + export.download_s
        same = "identical bytes" if export.direct_same_bytes else "**different bytes**"
        lines += [
            ("direct `python -m exporters`, same query, one run",
             f"{export.direct_s:.2f} s, peak {export.direct_peak_mib:.0f} MiB; {same}"),
            ("HTTP (export + download) − direct", f"{total - (export.direct_s or 0):+.2f} s"),
        ]  # fmt: skip
    return title + "| | |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in lines)


def _shutdown(result: Api) -> str:
    head = f"### Shutdown (goal: exit code 0 within {SHUTDOWN_S:.0f} s of SIGTERM)\n\n"
    if result.shutdown_s is None:
        return head + f"**Missed**: still running {SHUTDOWN_S:.0f} s after SIGTERM, killed.\n"
    logged = (
        'its log ends with uvicorn\'s "Application shutdown complete."'
        if result.shutdown_logged
        else 'its log does **not** show uvicorn\'s "Application shutdown complete."'
    )
    text = f"Exited {result.shutdown_s:.2f} s after SIGTERM with exit code {result.exit_code};"
    if result.exit_code == 0:
        return head + f"{text} {logged}. Met.\n"
    if result.exit_code == -signal.SIGTERM and result.shutdown_logged:
        return head + (
            f"{text} {logged}. **Missed** as stated: the shutdown is graceful, but uvicorn"
            " (since 0.29) re-raises the signal it caught once it has shut down, so the"
            " process ends killed by SIGTERM (status 143 in a shell) instead of exiting 0.\n"
        )
    return head + f"{text} {logged}. **Missed**.\n"


def _how(result: Api) -> str:
    status_s = QUICK_STATUS_S if result.quick else STATUS_S
    workers = f" --workers {result.workers}" if result.workers > 1 else ""
    return (
        "How: the bench starts the server as a child process (`python -m assistant serve"
        f" --host 127.0.0.1 --port <free port>{workers}`, access log on, as shipped; the"
        " processes `make run` starts on this machine) over a fresh"
        " SQLite store, a temporary storage directory and the benchmark database as the"
        " source, with the export rate limit raised out of the way, after creating an API"
        " key with `python -m assistant users create`, and waits for every process to have"
        " started. The server's CPU is that of all its processes. Status: one small export"
        " (`SELECT 1`)"
        f" is made, then {CLIENTS} asyncio clients call `GET /api/exports/{{id}}` with the key"
        f" in a closed loop, {WARMUP_S:.0f} s of warm-up and then {status_s:.0f} s timed,"
        " first each on its own keep-alive connection speaking minimal HTTP/1.1, then"
        f" through one `httpx.AsyncClient` with a pool of {CLIENTS} connections. Latency is"
        " each request's time as its client sees it; a non-200 answer or a transport error"
        " is an error. Small exports: one `httpx.Client` sends"
        f" {POST_WARMUP} untimed, then the timed `POST /api/exports` of each query as"
        " CSV, one after another. Big export: `POST /api/exports` with `SELECT * FROM orders`"
        " as CSV;"
        f" the export is polled every {POLL_S * 1000:.0f} ms until `done` (so its time is"
        " late by at most that), then downloaded from `/api/exports/{id}/download` by a"
        " streaming client that hashes as it reads; `rows_done`, the byte count (against"
        " `Content-Length` and the export's `bytes`) and the SHA-256 must all match. The"
        " server's peak is its VmHWM from `/proc/<pid>/status`, reset to the current RSS"
        " (`clear_refs`) just before the POST, so it covers the export and the download"
        " (a sampled RSS is the fallback). The direct run is our command as in the CSV"
        " table above (one whole process, after the server has stopped), on the same"
        " database and query; its file is compared with the download by SHA-256.\n"
    )


def summary(result: Api | str) -> list[str]:
    """A few lines for the bench's progress log."""
    if isinstance(result, str):
        return [f"HTTP API: not measured: {result}"]
    lines = []
    if isinstance(result.status, str):
        lines.append(f"status: {result.status}")
    else:
        lines += [
            f"status ({s.client}): {s.rps:,.0f} req/s, p50 {s.p50_ms:.1f} / p95 {s.p95_ms:.1f}"
            f" / p99 {s.p99_ms:.1f} ms, {s.errors} errors, server {s.server_cpu:.2f} cores,"
            f" others {s.others_cpu:.2f} cores"
            for s in result.status
        ]
    if isinstance(result.posts, list):
        lines += [
            f"POST {p.sql!r}: p50 {p.p50_ms:.1f} / p95 {p.p95_ms:.1f} / max {p.max_ms:.1f} ms"
            f" ({p.statuses}), server {p.server_cpu_ms:.1f} ms CPU each"
            for p in result.posts
        ]
    elif result.posts is not None:
        lines.append(f"POST: {result.posts}")
    e = result.export
    lines.append(
        f"export: {e}" if isinstance(e, str) else
        f"export: {e.export_s:.2f} s, download {e.download_s:.2f} s ({e.download_mib_s:.0f}"
        f" MiB/s), server {e.server_before_mib:.0f} -> {e.server_peak_mib:.0f} MiB, direct"
        f" {e.direct_s or 0:.2f} s / {e.direct_peak_mib or 0:.0f} MiB, checks {e.problem or 'ok'}"
    )  # fmt: skip
    lines.append(f"shutdown: exit code {result.exit_code} after {result.shutdown_s} s")
    return [f"HTTP API {line}" for line in lines]
