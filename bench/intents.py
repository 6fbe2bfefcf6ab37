"""The rules intent parser's latency per message over the dev corpus (goal: median < 1 ms,
p99 < 5 ms), measured in a fresh process so nothing else warms or slows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.measure import ROOT, python_json

CORPUS = ROOT.parent / "shared" / "corpus" / "intents-dev.jsonl"

_TIMER = r"""
import json, statistics, sys, time
from intents.context import Context
from intents.rules import parse_rules
cases = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
contexts = [Context.at(c.get("now"), c.get("tz", "UTC")) for c in cases]
for case, context in zip(cases, contexts):  # warm-up: imports, caches, pattern compilation
    parse_rules(case["message"], context)
timings = []
for _ in range(int(sys.argv[2])):
    for case, context in zip(cases, contexts):
        start = time.perf_counter_ns()
        parse_rules(case["message"], context)
        timings.append((time.perf_counter_ns() - start) / 1e6)
timings.sort()
print(json.dumps({"messages": len(cases), "calls": len(timings),
                  "median_ms": statistics.median(timings),
                  "p99_ms": timings[int(len(timings) * 0.99) - 1], "max_ms": timings[-1]}))
"""


@dataclass(frozen=True)
class Latency:
    messages: int
    calls: int
    median_ms: float
    p99_ms: float
    max_ms: float


def measure(corpus: Path = CORPUS, repeats: int = 50) -> Latency | str:
    """The latency figures, or the reason they could not be measured."""
    if not corpus.exists():
        return f"no corpus at {corpus}"
    found = python_json(["-c", _TIMER, str(corpus), str(repeats)])
    return found if isinstance(found, str) else Latency(**found)


def section(latency: Latency | str | None) -> str:
    head = "## Intent parser (rules) latency\n\n"
    if latency is None:
        return head + "Not measured in this run.\n"
    if isinstance(latency, str):
        return head + f"Not measured: {latency}.\n"
    verdict = "met" if latency.median_ms < 1 and latency.p99_ms < 5 else "**missed**"
    return head + (
        f"`intents.rules.parse_rules` over the {latency.messages} messages of the dev corpus, "
        f"{latency.calls:,} timed calls in one fresh process after a warm-up pass:\n\n"
        "| median | p99 | max | goal (median < 1 ms, p99 < 5 ms) |\n| --- | --- | --- | --- |\n"
        f"| {latency.median_ms:.3f} ms | {latency.p99_ms:.3f} ms | {latency.max_ms:.3f} ms "
        f"| {verdict} |\n"
    )
