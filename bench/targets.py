"""The issue's performance targets, checked against the numbers of one run.

Speed: ours ÷ peer wall time at the big row count (PDF: the PDF row count) must not exceed
the limit. Memory: our peak at the big row count (PDF: the mid count) must stay under
250 MiB and grow less than 25% from the row count below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bench.suite import OURS, Result, Sizes

FASTEST = "fastest peer"
_TEXT = (("pandas", 0.3), (FASTEST, 1.25))
SPEED: dict[str, tuple[tuple[str, float], ...]] = {
    "csv": _TEXT,
    "tsv": _TEXT,
    "jsonl": _TEXT,
    "json": _TEXT,
    "parquet": _TEXT,
    "xlsx": (("pandas", 0.1), ("rustpy-xlsxwriter", 1.5)),
    "markdown": (("stdlib-markdown", 1.0),),
    "pdf": (("reportlab-longtable", 0.5),),
}
PEAK_MIB = 250.0
GROWTH = 0.25


@dataclass(frozen=True)
class Target:
    format: str
    goal: str
    measured: str
    met: bool | None  # None: a number it needs was not measured


def check(results: Iterable[Result], sizes: Sizes) -> list[Target]:
    """Every target for every format that was run, in the order of ``SPEED``."""
    index = {(r.format, r.rows, r.tool): r for r in results}
    formats = {fmt for fmt, _, _ in index}
    targets: list[Target] = []
    for fmt, limits in SPEED.items():
        if fmt not in formats:
            continue
        rows = sizes.pdf if fmt == "pdf" else sizes.big
        mine = index.get((fmt, rows, OURS))
        for peer, limit in limits:
            if peer == FASTEST:
                theirs = fastest(index.values(), fmt, rows)
            else:
                theirs = index.get((fmt, rows, peer))
            targets.append(speed(fmt, rows, peer, limit, mine, theirs))
        low, high = (sizes.pdf, sizes.mid) if fmt == "pdf" else (sizes.mid, sizes.big)
        targets.extend(_memory(fmt, index.get((fmt, low, OURS)), index.get((fmt, high, OURS))))
    return targets


def fastest(results: Iterable[Result], fmt: str, rows: int) -> Result | None:
    """The quickest peer of ``fmt`` at ``rows`` that has a time (None when none has)."""
    peers = [r for r in results if (r.format, r.rows) == (fmt, rows) and r.tool != OURS]
    timed = [r for r in peers if r.wall_s is not None]
    return min(timed, key=lambda r: r.wall_s or 0.0) if timed else None


def speed(
    fmt: str, rows: int, peer: str, limit: float, mine: Result | None, theirs: Result | None
) -> Target:
    """Ours ÷ ``theirs`` (the peer named ``peer``) against ``limit``."""
    name = peer if peer != FASTEST or theirs is None else f"{FASTEST} ({theirs.tool})"
    goal = f"wall at {rows:,} rows ≤ {limit:g}× {name}"
    if mine is None or theirs is None or mine.wall_s is None or theirs.wall_s is None:
        missing = [r.error for r in (mine, theirs) if r is not None and r.error]
        return Target(fmt, goal, "not measured" + (f": {missing[0]}" if missing else ""), None)
    ratio = mine.wall_s / theirs.wall_s
    extra = " (peer extrapolated)" if theirs.extrapolated_from else ""
    measured = f"{mine.wall_s:.2f} s ÷ {theirs.wall_s:.2f} s = {ratio:.2f}×{extra}"
    return Target(fmt, goal, measured, ratio <= limit)


def _memory(fmt: str, low: Result | None, high: Result | None) -> list[Target]:
    if high is None:
        return []
    goal = f"peak at {high.rows:,} rows ≤ {PEAK_MIB:g} MiB"
    if high.peak_mib is None:
        return [Target(fmt, goal, "not measured", None)]
    targets = [Target(fmt, goal, f"{high.peak_mib:.0f} MiB", high.peak_mib <= PEAK_MIB)]
    if low is not None:
        goal = f"peak grows < {GROWTH:.0%} from {low.rows:,} to {high.rows:,} rows"
        if low.peak_mib is None:
            targets.append(Target(fmt, goal, "not measured", None))
        else:
            growth = high.peak_mib / low.peak_mib - 1
            measured = f"{low.peak_mib:.0f} → {high.peak_mib:.0f} MiB ({growth:+.0%})"
            targets.append(Target(fmt, goal, measured, growth < GROWTH))
    return targets
