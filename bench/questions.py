"""The question reader's latency: ``assistant.questions.translate`` (reading only, no query
run) over a few hundred generated questions on a 50-table schema in five naming styles
(goal: median < 20 ms), with the value index when ``assistant.source.values`` exists.

Measured in a fresh process (``python -m bench.questions DB REPEATS``) after a warm-up
pass; the database is the held-out test material's wide schema
(``tests.assistant.questions_heldout.builders.build_wide``), built under ``bench/out``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import ROOT, python_json

GOAL_MEDIAN_MS = 20.0
NOW = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Latency:
    questions: int
    calls: int
    tables: int
    values: bool  # whether the value index was built and passed
    median_ms: float
    p99_ms: float
    max_ms: float
    index_s: float | None  # seconds to build the value index, when there is one


def measure(work: Path = ROOT / "bench" / "out", repeats: int = 5) -> Latency | str:
    """The latency figures, or the reason they could not be measured."""
    try:
        from tests.assistant.questions_heldout.builders import build_wide
    except ImportError as exc:
        return f"the wide schema's builder is not importable: {exc}"
    db = build_wide(work / "questions-wide.db")
    found = python_json(["-m", "bench.questions", str(db), str(repeats)])
    return found if isinstance(found, str) else Latency(**found)


def section(latency: Latency | str | None) -> str:
    head = "## Question reader latency\n\n"
    if latency is None:
        return head + "Not measured in this run.\n"
    if isinstance(latency, str):
        return head + f"Not measured: {latency}.\n"
    verdict = "met" if latency.median_ms < GOAL_MEDIAN_MS else "**missed**"
    index = (
        f"with the value index (built in {latency.index_s:.2f} s)"
        if latency.values and latency.index_s is not None
        else "without a value index"
    )
    return head + (
        f"`assistant.questions.translate` (reading only) over {latency.questions} generated "
        f"questions on a {latency.tables}-table schema, {index}, {latency.calls:,} timed "
        "calls in one fresh process after a warm-up pass:\n\n"
        f"| median | p99 | max | goal (median < {GOAL_MEDIAN_MS:g} ms) |\n"
        "| --- | --- | --- | --- |\n"
        f"| {latency.median_ms:.2f} ms | {latency.p99_ms:.2f} ms | {latency.max_ms:.2f} ms "
        f"| {verdict} |\n"
    )


def questions(schema: Any, seed: int = 20) -> list[str]:
    """A few hundred questions over ``schema``'s tables: counts, filters by a value, top
    N, groups, averages, dates, flags and a parent's name, in mixed wording."""
    from tests.assistant.questions_heldout.builders import WIDE_TEXT

    rng = random.Random(seed)
    asked: list[str] = []
    for table in schema.tables:
        said = " ".join(_words(table.name))
        texts = [c for c in table.columns if c.kind == "text" and _base(c.name) in WIDE_TEXT]
        numbers = [c for c in table.columns if c.kind in ("float", "decimal")]
        dates = [c for c in table.columns if c.kind == "date"]
        text, number = rng.choice(texts), rng.choice(numbers)
        value = rng.choice(WIDE_TEXT[_base(text.name)])
        asked += [
            f"how many {said} are there",
            f"{said} in {value}",
            f"top 5 {said} by {' '.join(_words(number.name))}",
            f"number of {said} per {' '.join(_words(text.name))}",
            f"average {' '.join(_words(number.name))} of {said}",
            f"{said} from 2024" if dates else f"all {said}",
            f"can you show me the active {said} please",
        ]
    return asked


def _words(name: str) -> list[str]:
    """The words of a table or column name in any style ("invoiceList" → invoice list)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ")
    return [w.lower() for w in spaced.split()]


def _base(name: str) -> str:
    return "_".join(_words(name))


def _time(db: str, repeats: int) -> dict[str, Any]:
    from assistant.questions import translate
    from assistant.source.schema import introspect

    url = f"sqlite:///{db}"
    schema = introspect(url)
    options: dict[str, Any] = {}
    index_s = None
    try:
        values = importlib.import_module("assistant.source.values")
    except ImportError:
        values = None
    if values is not None and "values" in inspect.signature(translate).parameters:
        start = time.perf_counter()
        options["values"] = values.ValueIndex.build(url, schema)
        index_s = time.perf_counter() - start
    asked = questions(schema)
    for question in asked:  # warm-up: imports, caches, pattern compilation
        translate(question, schema, NOW, **options)
    timings = []
    for _ in range(repeats):
        for question in asked:
            start = time.perf_counter_ns()
            translate(question, schema, NOW, **options)
            timings.append((time.perf_counter_ns() - start) / 1e6)
    timings.sort()
    return {
        "questions": len(asked), "calls": len(timings), "tables": len(schema.tables),
        "values": bool(options), "median_ms": statistics.median(timings),
        "p99_ms": timings[max(int(len(timings) * 0.99) - 1, 0)], "max_ms": timings[-1],
        "index_s": index_s,
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(_time(sys.argv[1], int(sys.argv[2]))))
