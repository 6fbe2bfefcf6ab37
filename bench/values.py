"""The value index's build on the benchmark table (assistant.source.values): time and memory.

Measured in a fresh process: the build's wall time (median of three after one warm-up),
the memory Python allocated at its peak during a build (tracemalloc, the index and
everything read to make it), the process's peak RSS, and the index's own estimate of
what it holds (``nbytes``). Then the latency of a typo look-up (``near``), the slowest
of the question reader's look-ups, on the index built.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.measure import ROOT

_TIMER = r"""
import json, resource, statistics, sys, time, tracemalloc
from assistant.source.schema import introspect
from assistant.source.values import ValueIndex
url = f"sqlite:///{sys.argv[1]}"
schema = introspect(url)
ValueIndex.build(url, schema)  # warm-up: imports, the exonym table, the file in the page cache
walls = []
for _ in range(3):
    start = time.perf_counter()
    index = ValueIndex.build(url, schema)
    walls.append(time.perf_counter() - start)
del index
tracemalloc.start()
index = ValueIndex.build(url, schema)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
phrases = ["shiped", "delivred", "canceled", "refundd", "gift wrapp"]
near = []
for _ in range(200):
    for phrase in phrases:
        start = time.perf_counter_ns()
        index.near(phrase)
        near.append((time.perf_counter_ns() - start) / 1e6)
print(json.dumps({
    "wall_s": statistics.median(walls), "traced_peak_mib": peak / 2**20,
    "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "nbytes": index.nbytes, "values": len(index), "complete": index.complete,
    "near_ms": statistics.median(near),
}))
"""


@dataclass(frozen=True)
class ValueBuild:
    rows: int
    wall_s: float
    traced_peak_mib: float
    rss_peak_mib: float
    nbytes: int
    values: int
    complete: bool
    near_ms: float


def measure(db: Path, rows: int) -> ValueBuild | str:
    """The figures for the table at ``db``, or the reason they could not be measured."""
    done = subprocess.run(
        [sys.executable, "-c", _TIMER, str(db)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1]
    return ValueBuild(rows=rows, **json.loads(done.stdout))


def to_json(built: ValueBuild | str | None) -> Any:
    return asdict(built) if isinstance(built, ValueBuild) else built


def from_json(saved: Any) -> ValueBuild | str | None:
    return ValueBuild(**saved) if isinstance(saved, dict) else saved


def section(built: ValueBuild | str | None) -> str:
    head = "## Value index build\n\n"
    if built is None:
        return head + "Not measured in this run.\n"
    if isinstance(built, str):
        return head + f"Not measured: {built}.\n"
    state = "complete" if built.complete else "**incomplete** (a cap stopped it)"
    return head + (
        f"`ValueIndex.build` (assistant/source/values.py) over the benchmark table of "
        f"{built.rows:,} rows, in one fresh process: wall time the median of three builds "
        "after a warm-up, memory as Python's allocations at their peak during a build "
        "(tracemalloc) and as the process's peak RSS (imports included). The `customer` and "
        "`email` columns hold too many values to index and are turned away after their "
        "first few thousand rows; `status` and `note` are read whole.\n\n"
        "| build | traced peak | process peak RSS | index estimate (nbytes) | values | "
        "near() median |\n| --- | --- | --- | --- | --- | --- |\n"
        f"| {built.wall_s:.2f} s | {built.traced_peak_mib:.1f} MiB | "
        f"{built.rss_peak_mib:.0f} MiB | {built.nbytes / 2**10:.0f} KiB | {built.values:,} "
        f"({state}) | {built.near_ms:.3f} ms |\n"
    )
