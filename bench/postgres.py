"""PostgreSQL: the benchmark table exported from PostgreSQL, ours beside the peers.

The table is the SQLite part's (:mod:`bench.table`: the same rows, the same 10 columns,
seed 42) with PostgreSQL's own types, copied with ``COPY`` from the SQLite file into a
database of its own on the local server (``bench_orders_N``, reused while its row count
and its mark match). Every tool runs ``SELECT * FROM orders`` there in a process of its
own, our command first and the peers right after it (:func:`bench.suite.run_job`):

- ``psql \\copy (SELECT ...) TO file`` (CSV and TSV): the database's own writer;
- connectorx into Arrow, then pyarrow's writers (CSV, TSV, Parquet) or polars' (JSON,
  JSON Lines; XLSX through rustpy-xlsxwriter), as the SQLite part's polars peer does;
- DuckDB's postgres scanner + ``COPY``, loaded from the duckdb-ext-postgres wheel;
- pandas ``read_sql`` and its writers; the SQLite part's row-streaming XLSX, Markdown and
  PDF peers, fed by a psycopg server-side cursor (:mod:`bench.postgres_peers`).

Sizes follow ``--rows N`` as in the SQLite part: N rows for every format but PDF (N/100,
and ours again at N/10 for memory); the pandas XLSX peer runs once at N/10 and its time
is extrapolated. Without PostgreSQL the section says so and the rest of the bench goes on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from bench import suite, table, targets
from bench.measure import Check, busy_cpu_seconds, last_line
from bench.suite import FORMATS, OURS, Job, Result, Sizes
from bench.targets import FASTEST, Target

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
QUERY = "SELECT * FROM orders"
MARK = "bench/table.py orders, seed 42, v1"  # the table's comment: another one is reloaded
BUSY_CORES = 0.25  # other processes using more than this: say so in the report
PEAK_MIB = 250.0

# The SQLite table's columns with PostgreSQL's types: the same values, so every tool
# writes the same text as from SQLite (a timestamptz would be rendered in each tool's
# own zone, so the files would not hold the same text).
SCHEMA = """
CREATE TABLE orders (
    id bigint NOT NULL,
    created_at timestamp NOT NULL,
    order_date date NOT NULL,
    customer text NOT NULL,
    email varchar(320) NOT NULL,
    status varchar(16) NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10, 2) NOT NULL,
    discount numeric(4, 2),
    note text
)
"""

_ARROW = ("connectorx", "duckdb", "pandas")
PEERS: dict[str, tuple[str, ...]] = {
    "csv": ("psql", *_ARROW),
    "tsv": ("psql", *_ARROW),
    "json": _ARROW,
    "jsonl": _ARROW,
    "parquet": _ARROW,
    "xlsx": ("connectorx", "rustpy-xlsxwriter"),
    "markdown": ("stdlib-markdown",),
    "pdf": ("reportlab-longtable",),
}
SLOW_PEERS = {"xlsx": ("pandas",)}  # at N/10 only, once, extrapolated
_DELIMITED = (("connectorx", 1.0), ("psql", 2.0))
# TSV is CSV with another delimiter, and psql writes both: its goals are CSV's (against
# "the fastest peer" it would have to be within 1.25x of psql, a harder goal than CSV's).
GOALS = {"csv": _DELIMITED, "tsv": _DELIMITED}
OTHER_GOAL = ((FASTEST, 1.25),)  # every format without its own goals
NAMES = {"connectorx": "connectorx + pyarrow", "psql": "psql \\copy"}

_CX_WRITER = {
    "csv": "`pyarrow.csv.write_csv`",
    "tsv": "`pyarrow.csv.write_csv` (tab)",
    "parquet": "`pyarrow.parquet.write_table` (zstd)",
    "json": "polars `write_json`",
    "jsonl": "polars `write_ndjson`",
    "xlsx": "polars → rustpy-xlsxwriter",
}
_PANDAS_WRITER = {
    "csv": "to_csv",
    "tsv": "to_csv(sep='\\t')",
    "json": 'to_json(orient="records")',
    "jsonl": "to_json(lines=True)",
    "parquet": "to_parquet",
    "xlsx": "to_excel (openpyxl)",
}


def label(tool: str, fmt: str) -> str:
    """How a tool is named in the report."""
    return {
        OURS: "**ours** (`python -m exporters`)",
        "psql": "`psql \\copy (SELECT …) TO file`" + (" (tab)" if fmt == "tsv" else ""),
        "connectorx": f"connectorx → Arrow → {_CX_WRITER.get(fmt, '?')}",
        "duckdb": "DuckDB postgres scanner + `COPY`",
        "pandas": f"pandas `read_sql` + `{_PANDAS_WRITER.get(fmt, '?')}`",
        "rustpy-xlsxwriter": "rustpy-xlsxwriter (Rust), rows streamed from psycopg",
        "stdlib-markdown": "psycopg + pipe table, streamed (stdlib)",
        "reportlab-longtable": "reportlab platypus `LongTable`, rows from psycopg",
    }[tool]


@dataclass(frozen=True)
class Postgres:
    """One run of the PostgreSQL part."""

    date: str
    command: str
    server: str  # "PostgreSQL 15.20 at 127.0.0.1:5432"
    sizes: Sizes
    quick: bool
    results: list[Result]
    others: dict[str, float] = field(default_factory=dict)  # job → cores others used
    minutes: float | None = None


# Where: the server, and a database per row count


def server_url() -> str:
    """The server's libpq URL: ``BENCH_POSTGRES_URL``, else ``TEST_POSTGRES_URL`` (either
    spelling, ``postgresql+psycopg://`` too), else the local default."""
    raw = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
    _, _, rest = (raw or DEFAULT_URL).partition("://")
    return f"postgresql://{rest}"


def database_url(base: str, name: str) -> str:
    """``base`` pointing at the database ``name`` (user, host and parameters kept)."""
    return urlsplit(base)._replace(path=f"/{name}").geturl()


def shown(url: str) -> str:
    """``url`` as the report shows it: host and port only (never a password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def ensure(base: str, rows: int, source: Path) -> str:
    """The URL of ``bench_orders_{rows}`` holding the table at ``rows`` rows: reused when
    its count and mark match, else (re)loaded from the SQLite file ``source`` with COPY."""
    import psycopg

    name = f"bench_orders_{rows}"
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as admin:
        # One loader at a time (two benches or test runs may share the server); the lock
        # goes with this connection.
        admin.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
        url = database_url(base, name)
        with psycopg.connect(url, autocommit=True) as con:
            _load(con, rows, source)
    return url


def _load(con: Any, rows: int, source: Path) -> None:
    """The table at ``rows`` rows in ``con``'s database, unless it is there already."""
    found = con.execute(
        "SELECT obj_description(to_regclass('public.orders'), 'pg_class')"
    ).fetchone()
    if found and found[0] == MARK and _count(con) == rows:
        return
    con.execute("DROP TABLE IF EXISTS orders")
    con.execute(SCHEMA)
    with contextlib.closing(sqlite3.connect(source)) as lite:
        cursor = lite.execute("SELECT * FROM orders ORDER BY id")
        with con.cursor().copy("COPY orders FROM STDIN") as copy:
            for row in cursor:
                copy.write_row(row)
    con.execute("ALTER TABLE orders ADD PRIMARY KEY (id)")
    con.execute(f"COMMENT ON TABLE orders IS '{MARK}'")
    # Hint bits set and statistics taken now, so no tool's first read pays for them.
    con.execute("VACUUM (FREEZE, ANALYZE) orders")
    if _count(con) != rows:
        raise RuntimeError(f"loaded {_count(con)} rows into orders, expected {rows}")


def _count(con: Any) -> int:
    return int(con.execute("SELECT count(*) FROM orders").fetchone()[0])


def _server(base: str) -> str:
    """``PostgreSQL 15.20 at 127.0.0.1:5432``; raises psycopg.Error when it does not answer."""
    import psycopg

    with psycopg.connect(base, connect_timeout=5) as con:
        version = con.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {(version or ['?'])[0].split()[0]} at {shown(base)}"


# What is measured


def jobs(formats: list[str], sizes: Sizes) -> Iterator[Job]:
    """Every measurement, ours first within each (format, rows) so peers run beside it."""
    for fmt in formats:
        rows = sizes.pdf if fmt == "pdf" else sizes.big
        yield from (Job(fmt, rows, tool) for tool in (OURS, *PEERS[fmt]))
        if fmt == "pdf":
            yield Job(fmt, sizes.mid, OURS, slow=True)
        slow = SLOW_PEERS.get(fmt, ())
        yield from (Job(fmt, sizes.mid, t, slow=True, extrapolate=True) for t in slow)


def _command(urls: dict[int, str]) -> suite.Command:
    def command(job: Job, out: Path) -> tuple[list[str], Check]:
        url = urls[job.rows]
        if job.tool == OURS:
            source = url.replace("postgresql://", "postgresql+psycopg://", 1)
            args = ["--source", source, "--sql", QUERY, "--format", job.format]
            return [sys.executable, "-m", "exporters", *args, "--out", str(out)], (
                suite._ours_check(job.rows, out)
            )
        if job.tool == "psql":
            tab = ", DELIMITER E'\\t'" if job.format == "tsv" else ""
            copy = f"\\copy ({QUERY}) TO '{out}' WITH (FORMAT csv, HEADER{tab})"
            psql = shutil.which("psql") or "psql"
            return [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", copy], (
                suite._file_check(out)
            )
        cmd = [sys.executable, "-m", "bench.postgres_peers", job.tool, job.format, url, str(out)]
        return cmd, suite._file_check(out)

    return command


def measure(
    formats: list[str],
    sizes: Sizes,
    *,
    quick: bool,
    timeout_s: float,
    work: Path,
    date: str,
    command: str,
    log: Callable[[str], None],
) -> Postgres | str:
    """Load the tables and measure every job; a reason (str) when there is no PostgreSQL."""
    import psycopg

    start = time.perf_counter()
    base = server_url()
    try:
        server = _server(base)
    except psycopg.Error as exc:
        return f"no PostgreSQL answered at {shown(base)} ({last_line(str(exc)) or exc})"
    planned = list(jobs(formats, sizes))
    counts = sorted({j.rows for j in planned}, reverse=True)
    big = table.ensure(work / f"orders-{sizes.big}.db", sizes.big)
    urls: dict[int, str] = {}
    for rows in counts:
        lite = table.ensure(work / f"orders-{rows}.db", rows, source=big)
        loading = time.perf_counter()
        try:
            urls[rows] = ensure(base, rows, lite)
        except (psycopg.Error, RuntimeError) as exc:
            return f"could not load the table into {server} ({last_line(str(exc)) or exc})"
        log(f"PostgreSQL: bench_orders_{rows} ready [{time.perf_counter() - loading:.0f} s]")
    files = work / "files"
    files.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    others: dict[str, float] = {}
    run = _command(urls)
    for job in planned:
        with _Others() as cpu:
            result = suite.run_job(
                job, Path(), files, quick=quick, timeout_s=timeout_s, command=run, labelled=label
            )
        others[key(result)] = round(cpu.cores, 2)
        log(f"postgres {suite.line(result)}  [{cpu.wall:.0f} s, others {cpu.cores:.2f} cores]")
        results.append(result)
        if job.extrapolate:
            results.append(suite.extrapolate(result, sizes.big))
    minutes = (time.perf_counter() - start) / 60
    return Postgres(date, command, server, sizes, quick, results, others, minutes)


def key(r: Result) -> str:
    return f"{r.format} {r.rows} {r.tool}"


class _Others:
    """Cores the rest of the machine used while a job ran: every core's busy time less
    this process, its children (the measured commands) and PostgreSQL's backends (the
    postmaster's reaped children: each tool's connection ends with its process). Other
    databases' backends count as ours, so this errs on the low side."""

    def __enter__(self) -> _Others:
        self.postmaster = _postmaster()
        self.start = (time.perf_counter(), busy_cpu_seconds(), self._ours())
        self.wall = self.cores = 0.0
        return self

    def __exit__(self, *_: object) -> None:
        time.sleep(0.05)  # the last backend exits just after its client
        wall, busy, ours = (time.perf_counter(), busy_cpu_seconds(), self._ours())
        self.wall = wall - self.start[0]
        used = (busy - self.start[1]) - (ours - self.start[2])
        self.cores = max(used, 0.0) / self.wall if self.wall > 0 else 0.0

    def _ours(self) -> float:
        mine = sum(os.times()[:4])
        if self.postmaster is None:
            return mine
        with contextlib.suppress(psutil.Error):
            t = self.postmaster.cpu_times()
            return mine + float(t.user + t.system + t.children_user + t.children_system)
        return mine


def _postmaster() -> psutil.Process | None:
    """The local PostgreSQL server's first process, when there is one."""
    for process in psutil.process_iter(["name", "ppid"]):
        if process.info["name"] not in ("postgres", "postmaster"):
            continue
        try:
            parent = psutil.Process(process.info["ppid"]).name() if process.info["ppid"] else ""
        except psutil.Error:
            parent = ""
        if parent not in ("postgres", "postmaster"):
            return process
    return None


# The report


def goals(p: Postgres) -> list[Target]:
    """Speed against the peers at the measured row count (PDF: N/100), peak ≤ 250 MiB at
    our largest count, for every format that was run."""
    index = {(r.format, r.rows, r.tool): r for r in p.results}
    found: list[Target] = []
    for fmt in FORMATS:
        mine = [r for r in p.results if r.format == fmt and r.tool == OURS]
        if not mine:
            continue
        rows = p.sizes.pdf if fmt == "pdf" else p.sizes.big
        ours = index.get((fmt, rows, OURS))
        for peer, limit in GOALS.get(fmt, OTHER_GOAL):
            if peer == FASTEST:
                theirs = targets.fastest(p.results, fmt, rows)
            else:
                theirs = index.get((fmt, rows, peer))
            found.append(targets.speed(fmt, rows, NAMES.get(peer, peer), limit, ours, theirs))
        top = max(mine, key=lambda r: r.rows)
        goal = f"peak at {top.rows:,} rows ≤ {PEAK_MIB:g} MiB"
        if top.peak_mib is None:
            found.append(Target(fmt, goal, "not measured", None))
        else:
            found.append(Target(fmt, goal, f"{top.peak_mib:.0f} MiB", top.peak_mib <= PEAK_MIB))
    return found


TITLE = "## PostgreSQL\n\n"


def section(result: Postgres | str | None, titles: dict[str, str]) -> str:
    if result is None:
        return TITLE + "Not measured in this run; `python -m bench --postgres-only` measures it.\n"
    if isinstance(result, str):
        return TITLE + f"Not measured: {result}.\n"
    p = result
    checked = goals(p)
    met = sum(t.met is True for t in checked)
    return TITLE + "\n".join(
        [
            _intro(p),
            "### Goals\n",
            "| format | goal | measured | result |",
            "| --- | --- | --- | --- |",
            *(
                f"| {titles[t.format]} | {t.goal} | {t.measured.replace('|', '/')} |"
                f" {_verdict(t.met)} |"
                for t in checked
            ),
            f"\n{met} of {len(checked)} goals met.\n",
            "### Results\n",
            "| format | rows | tool | wall s | peak MiB | file MiB | ours ÷ tool | note |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
            *_rows(p, titles),
            "",
            _how(p),
        ]
    )


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "**not met**")


def _intro(p: Postgres) -> str:
    s = p.sizes
    timing = (
        "one run each, no warm-up (`--quick`)"
        if p.quick
        else "the median of 3 runs after one untimed warm-up run"
    )
    took = f" The part took {p.minutes:.1f} minutes." if p.minutes else ""
    return (
        f"Measured by `{p.command}` on {p.date} with {p.server}, on the machine above: the"
        f" SQLite part's table (`bench/table.py`, {s.big:,} rows, seed 42) copied into"
        f" `bench_orders_{s.big}` with `COPY`, every tool running `{QUERY}` in a process of"
        f" its own; {timing}, unless the row's note says otherwise.{took}{_busy(p)}\n"
    )


def _busy(p: Postgres) -> str:
    if not p.others:
        return ""
    job, cores = max(p.others.items(), key=lambda item: item[1])
    fmt, rows, tool = job.split(" ")
    average = sum(p.others.values()) / len(p.others)
    if cores < BUSY_CORES:
        return ""
    return (
        " **The machine was shared: other processes were using it at the same time**"
        f" ({average:.2f} cores on average over the jobs, {cores:.2f} during {fmt} at"
        f" {int(rows):,} rows by {tool}),"
        " so these figures are likely worse than on a quiet machine."
    )


def _rows(p: Postgres, titles: dict[str, str]) -> Iterator[str]:
    for fmt in FORMATS:
        mine = [r for r in p.results if r.format == fmt]
        for rows in sorted({r.rows for r in mine}, reverse=True):
            group = [r for r in mine if r.rows == rows]
            ours = next((r.wall_s for r in group if r.tool == OURS), None)
            group.sort(key=lambda r: (r.tool != OURS, r.wall_s is None, r.wall_s or 0.0))
            yield from (_row(titles[fmt], r, ours) for r in group)


def _row(title: str, r: Result, ours: float | None) -> str:
    ratio = f"{ours / r.wall_s:.2f}×" if r.wall_s and ours else ""
    if r.error:
        note = f"n/a: {r.error}"
    elif r.extrapolated_from:
        note = f"*extrapolated* ×{r.rows / r.extrapolated_from:g} from {r.extrapolated_from:,} rows"
    elif r.runs == 3 and r.warmup:
        note = ""
    else:
        note = f"{r.runs} run{'s' * (r.runs > 1)}" + (" after warm-up" if r.warmup else "")
    if r.note:
        note = f"{note}; {r.note}" if note else r.note
    cells = [title, f"{r.rows:,}", r.label, _num(r.wall_s, 2), _num(r.peak_mib, 0)]
    cells += [_num(r.out_mib, 1), ratio, note.replace("|", "/")]
    return "| " + " | ".join(cells) + " |"


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _how(p: Postgres) -> str:
    s = p.sizes
    return f"""How:
- The table: the SQLite part's columns with PostgreSQL's types (`bigint`, `timestamp`,
  `date`, `text`, `varchar`, `integer`, `numeric(10,2)`, `numeric(4,2)` with NULLs) and
  the same values, so the two parts compare (our files are the same from either source)
  and every tool meets the same commas, quotes, newlines, CJK and formula-like strings.
  A wider type mix (`timestamptz`, `boolean`, `double precision`) would not be fairer:
  each tool renders `timestamptz` in a zone of its own, so the files would differ. Loaded
  once with `COPY` (primary key, `VACUUM (FREEZE, ANALYZE)` after it) into
  `bench_orders_{s.big}`, and its first {s.mid:,} and {s.pdf:,} rows into
  `bench_orders_{s.mid}` and `bench_orders_{s.pdf}`; reused while their row counts match.
- Readers: ours through psycopg (`postgresql+psycopg://`); connectorx with one connection
  and its default binary protocol (it reads `numeric(10,2)` as decimal128(38,10), so its
  text files write ten decimals); DuckDB's `postgres_scanner` from the PyPI wheel
  duckdb-ext-postgres (matching duckdb 1.4; nothing is downloaded at run time); pandas
  `read_sql` on a SQLAlchemy engine (psycopg); the XLSX, Markdown and PDF row peers read a
  psycopg server-side cursor, 10,000 rows a fetch.
- Goals: CSV ≤ 1.0× connectorx + pyarrow and ≤ 2.0× `psql \\copy`, and so TSV (the same
  writer with a tab; psql writes both, so "1.25× the fastest peer" would ask more of TSV
  than of CSV); every other format ≤ 1.25× its fastest peer; our peak ≤ {PEAK_MIB:g} MiB.
  PDF is timed at {s.pdf:,} rows against reportlab, and ours again at {s.mid:,} rows
  (once) for its peak; the pandas XLSX peer runs once at {s.mid:,} rows and its time is
  extrapolated linearly.
- Each figure is the whole client process (start-up, imports, read, write); the server's
  work is in no one's peak memory but in everyone's wall time. "Other processes" are the
  machine's busy cores less this process, the measured commands and PostgreSQL's
  backends.
"""


# results.json


def to_json(result: Postgres | str | None) -> dict[str, Any] | str | None:
    return asdict(result) if isinstance(result, Postgres) else result


def from_json(saved: object) -> Postgres | str | None:
    if not isinstance(saved, dict):
        return saved if isinstance(saved, str) else None
    return Postgres(
        **{
            **saved,
            "sizes": Sizes(**saved["sizes"]),
            "results": [Result(**r) for r in saved["results"]],
        }
    )
