"""What is measured: for each format and row count, our command and the peers beside it.

Row counts scale with ``--rows N``: the big table (N), a tenth of it (for memory growth and
the slow XLSX peers) and a hundredth (PDF). Slow jobs (those XLSX peers, our PDF at N/10)
run once without a warm-up; the XLSX peers' times at N are extrapolated linearly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.measure import Check, RunFailed, measure

FORMATS = ("csv", "tsv", "json", "jsonl", "parquet", "xlsx", "markdown", "pdf")
EXTENSIONS = {"markdown": "md"}
OURS = "ours"


@dataclass(frozen=True)
class Sizes:
    big: int
    mid: int
    pdf: int

    @classmethod
    def scaled(cls, rows: int) -> Sizes:
        return cls(big=rows, mid=max(rows // 10, 1), pdf=max(rows // 100, 1))


@dataclass(frozen=True)
class Job:
    format: str
    rows: int
    tool: str
    slow: bool = False  # one run, no warm-up, whatever the mode
    extrapolate: bool = False  # also report its time scaled to the big row count


@dataclass(frozen=True)
class Result:
    format: str
    rows: int
    tool: str
    label: str
    wall_s: float | None = None
    peak_mib: float | None = None
    runs: int = 0
    warmup: bool = False
    out_mib: float | None = None
    error: str | None = None
    note: str | None = None  # the "notes" of the process's JSON line, joined
    extrapolated_from: int | None = None


_TEXT_PEERS = ("pandas", "polars", "duckdb")
PEERS = {
    **dict.fromkeys(("csv", "tsv", "json", "jsonl", "parquet"), _TEXT_PEERS),
    "xlsx": ("rustpy-xlsxwriter",),
    "markdown": ("stdlib-markdown",),
    "pdf": ("reportlab-longtable",),
}
SLOW_PEERS = {"xlsx": ("pandas", "openpyxl-write-only")}  # at N/10 only, once, extrapolated
_TEXT_WRITER = {"csv": "to_csv", "tsv": "to_csv(sep='\\t')", "parquet": "to_parquet"}
_PANDAS_JSON = {"json": 'to_json(orient="records")', "jsonl": "to_json(lines=True)"}
_POLARS = {"csv": "write_csv", "tsv": "write_csv", "json": "write_json", "jsonl": "write_ndjson"}


def label(tool: str, fmt: str) -> str:
    """How a tool is named in the report."""
    pandas_writer = _TEXT_WRITER.get(fmt) or _PANDAS_JSON.get(fmt, "to_excel (openpyxl)")
    return {
        OURS: "**ours** (`python -m exporters`)",
        "pandas": f"pandas `read_sql` + `{pandas_writer}`",
        "polars": f"polars `{_POLARS.get(fmt, 'write_parquet')}`",
        "duckdb": "DuckDB `sqlite_scan` + `COPY`",
        "rustpy-xlsxwriter": "rustpy-xlsxwriter (Rust), rows streamed from sqlite3",
        "openpyxl-write-only": "openpyxl `write_only`, streamed",
        "stdlib-markdown": "sqlite3 + pipe table, streamed (stdlib)",
        "reportlab-longtable": "reportlab platypus `LongTable`, repeated header",
    }[tool]


def jobs(formats: list[str], sizes: Sizes) -> Iterator[Job]:
    """Every measurement, ours first within each (format, rows) so peers run beside it."""
    for fmt in formats:
        if fmt == "pdf":  # reportlab needs minutes beyond 10k rows; ours at N/10 for memory
            yield from (Job(fmt, sizes.pdf, tool) for tool in (OURS, *PEERS[fmt]))
            yield Job(fmt, sizes.mid, OURS, slow=True)
            continue
        for rows in (sizes.big, sizes.mid):
            yield from (Job(fmt, rows, tool) for tool in (OURS, *PEERS[fmt]))
            if rows == sizes.mid:
                slow = SLOW_PEERS.get(fmt, ())
                yield from (Job(fmt, rows, t, slow=True, extrapolate=True) for t in slow)


Command = Callable[[Job, Path], tuple[list[str], Check]]
"""(job, output path) -> the command that runs it and the check of its stdout."""


def run_job(
    job: Job,
    db: Path,
    out_dir: Path,
    *,
    quick: bool,
    timeout_s: float,
    command: Command | None = None,
    labelled: Callable[[str, str], str] = label,
) -> Result:
    """Measure one job; any failure becomes an error result, never an exception.

    ``command`` builds what runs (default: ours or a peer of :mod:`bench.peers` on the
    SQLite file ``db``); ``labelled`` names the tool in the report."""
    out = out_dir / f"{job.format}-{job.rows}-{job.tool}.{EXTENSIONS.get(job.format, job.format)}"
    out.unlink(missing_ok=True)
    cmd, check = (command or (lambda j, o: _command(j, db, o)))(job, out)
    single = quick or job.slow
    base = Result(job.format, job.rows, job.tool, labelled(job.tool, job.format))
    try:
        stats = measure(cmd, check, runs=1 if single else 3, warmup=not single, timeout_s=timeout_s)
    except OSError as exc:  # the program itself is missing (psql not installed)
        return replace(base, error=f"{cmd[0]}: {exc.strerror or exc}")
    except RunFailed as exc:
        return replace(base, error=str(exc))
    finally:
        size = out.stat().st_size / 2**20 if out.exists() else None
        out.unlink(missing_ok=True)
    return replace(
        base,
        wall_s=stats.wall_s,
        peak_mib=stats.peak_mib,
        runs=stats.runs,
        warmup=stats.warmup,
        out_mib=size,
        note=_note(stats.stdout),
    )


def line(r: Result) -> str:
    """One result as a line of the bench's progress log."""
    head = f"{r.format:>8} {r.rows:>9,} {r.tool:<20}"
    if r.error:
        return f"{head} n/a: {r.error}"
    return f"{head} {r.wall_s or 0:8.2f} s {r.peak_mib or 0:7.0f} MiB"


def extrapolate(result: Result, rows: int) -> Result:
    """A slow peer's time at ``rows``, linear in rows; its peak is not extrapolated."""
    if result.wall_s is None:
        return replace(result, rows=rows, extrapolated_from=result.rows)
    wall = result.wall_s * rows / result.rows
    return replace(
        result, rows=rows, wall_s=wall, peak_mib=None, out_mib=None, extrapolated_from=result.rows
    )


def _command(job: Job, db: Path, out: Path) -> tuple[list[str], Check]:
    if job.tool == OURS:
        args = ["--source", f"sqlite:///{db}", "--sql", "SELECT * FROM orders"]
        args += ["--format", job.format, "--out", str(out)]
        return [sys.executable, "-m", "exporters", *args], _ours_check(job.rows, out)
    cmd = [sys.executable, "-m", "bench.peers", job.tool, job.format, str(db), str(out)]
    return cmd, _file_check(out)


def _summary(stdout: str) -> dict[str, Any] | None:
    """The JSON object on the last line of stdout, if there is one."""
    lines = stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return summary if isinstance(summary, dict) else None


def _note(stdout: str) -> str | None:
    notes = (_summary(stdout) or {}).get("notes")
    return "; ".join(map(str, notes)) if notes else None


def _file_check(out: Path) -> Check:
    def check(stdout: str) -> str | None:
        return None if out.exists() and out.stat().st_size > 0 else f"no output at {out.name}"

    return check


def _ours_check(rows: int, out: Path) -> Check:
    """The contract's JSON line must report every row and the file that is really there."""

    def check(stdout: str) -> str | None:
        summary = _summary(stdout)
        if summary is None:
            return f"no JSON summary on stdout: {stdout[-200:]!r}"
        if summary.get("rows") != rows:
            return f"reported {summary.get('rows')} rows, expected {rows}"
        if not out.exists() or out.stat().st_size != summary.get("bytes"):
            return f"{out.name}: missing, or size differs from the reported {summary.get('bytes')}"
        return None

    return check
