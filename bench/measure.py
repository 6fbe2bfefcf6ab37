"""Run a command as a child process and measure the whole process: wall time and peak RSS.

The peak comes from the child's own rusage (``os.wait4``), so start-up, imports, reading
and writing all count, for our command and for every peer alike.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent

Check = Callable[[str], str | None]
"""Given the child's stdout after a clean exit, return an error message or None."""


class RunFailed(Exception):
    """The command exited non-zero, timed out, or wrote something its check rejected."""


@dataclass(frozen=True)
class Run:
    wall_s: float
    peak_mib: float
    stdout: str


@dataclass(frozen=True)
class Stats:
    """Median of the timed runs; ``runs`` excludes the warm-up."""

    wall_s: float
    peak_mib: float
    runs: int
    warmup: bool
    stdout: str  # of the last run


def run_once(cmd: Sequence[str], check: Check, timeout_s: float) -> Run:
    """One child process, timed from spawn to reaped; raises RunFailed with a one-line reason."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(cmd), cwd=ROOT, stdout=out, stderr=err)
        timer = threading.Timer(timeout_s, os.kill, (child.pid, signal.SIGKILL))
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if child.returncode == -signal.SIGKILL and wall >= timeout_s:
        raise RunFailed(f"timed out after {timeout_s:.0f} s")
    if child.returncode != 0:
        raise RunFailed(last_line(stderr) or f"exit code {child.returncode}")
    problem = check(stdout)
    if problem:
        raise RunFailed(problem)
    return Run(wall_s=wall, peak_mib=usage.ru_maxrss / 1024, stdout=stdout)  # KiB on Linux


def measure(
    cmd: Sequence[str], check: Check, *, runs: int, warmup: bool, timeout_s: float
) -> Stats:
    """An optional untimed warm-up (file cache, bytecode), then the median of ``runs``."""
    if warmup:
        run_once(cmd, check, timeout_s)
    timed = [run_once(cmd, check, timeout_s) for _ in range(runs)]
    return Stats(
        wall_s=statistics.median(r.wall_s for r in timed),
        peak_mib=statistics.median(r.peak_mib for r in timed),
        runs=runs,
        warmup=warmup,
        stdout=timed[-1].stdout,
    )


def python_json(args: Sequence[str], timeout_s: float = 600) -> dict[str, Any] | str:
    """``python <args>`` run from the repository: the JSON object it prints, or why not
    (the last line of its error output)."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout_s
    )
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1]
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def last_line(text: str) -> str:
    """The last non-blank line of a program's output, cut to 300 characters ("" if none)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def log_tail(log: Path) -> str:
    """The last line of a child process's log, for an error message."""
    try:
        return last_line(log.read_text(errors="replace")) or "no output"
    except OSError:
        return "no log"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile of ``sorted_values`` (0.0 when there are none)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p * len(sorted_values)) - 1))]


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (every core, every process)."""
    system = psutil.cpu_times()
    busy: float = system.user + system.nice + system.system + system.irq + system.softirq
    return busy + getattr(system, "steal", 0.0)
