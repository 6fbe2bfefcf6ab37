"""``make bench``: export the benchmark table in every format, ours beside the peers.

    python -m bench                      # 1,000,000 rows, median of 3 after a warm-up
    python -m bench --rows 2000 --quick  # a smoke run: one run each, no warm-up
    python -m bench --only csv,xlsx      # some formats only
    python -m bench --skip-api           # without the HTTP API part (bench/api.py)
    python -m bench --skip-postgres      # without the PostgreSQL part (bench/postgres.py)
    python -m bench --postgres-only      # only the exports from PostgreSQL (--rows, --quick
                                         # and --only apply), like --api-only
    python -m bench --api-only           # only the HTTP API part; the rest of the report
                                         # comes from the last run's results.json
    python -m bench --skip-workers       # without the export workers part (bench/workers.py)
    python -m bench --workers-only       # only the export workers under load (PostgreSQL
                                         # and Redis needed), like --api-only
    python -m bench --values-only        # only the value index's build on the big table,
                                         # like --api-only
    python -m bench --questions-only     # only the question reader's latency
                                         # (bench/questions.py), like --api-only
    python -m bench --fair-only          # only fair share under load (bench/fair.py):
                                         # user B's latency while user A saturates
    python -m bench --report-only        # rewrite docs/benchmarks.md from the last run

Databases are built under bench/out/ and reused while their row count matches; the raw
numbers go to bench/out/results.json and the report to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench import (
    api,
    fair,
    intents,
    postgres,
    questions,
    report,
    suite,
    table,
    targets,
    values,
    workers,
)
from bench.measure import ROOT
from bench.suite import FORMATS, Result, Sizes

OUT = ROOT / "bench" / "out"
RESULTS = OUT / "results.json"
REPORT = ROOT / "docs" / "benchmarks.md"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    OUT.mkdir(parents=True, exist_ok=True)
    if args.api_only:
        return _api_only(args, date, command)
    if args.postgres_only:
        return _postgres_only(args, date, command)
    if args.workers_only:
        return _workers_only(args, date, command)
    if args.values_only:
        return _values_only(args)
    if args.questions_only:
        return _questions_only(args)
    if args.fair_only:
        return _fair_only(args, date, command)
    if args.report_only:
        saved = _saved()
        if "run" not in saved:
            _log(f"{RESULTS} holds no full run; run `python -m bench` first")
            return 1
        run = report.Run(**{**saved["run"], "sizes": Sizes(**saved["run"]["sizes"])})
        results = [Result(**r) for r in saved["results"]]
        latency: intents.Latency | str | None = (
            intents.Latency(**saved["intents"]) if isinstance(saved.get("intents"), dict)
            else saved.get("intents")
        )  # fmt: skip
        read: questions.Latency | str | None = (
            questions.Latency(**saved["questions"]) if isinstance(saved.get("questions"), dict)
            else saved.get("questions")
        )  # fmt: skip
        served = api.from_json(saved.get("api"))
        shared = fair.from_json(saved.get("fair"))
        loaded = workers.from_json(saved.get("workers"))
        built = values.from_json(saved.get("values"))
        exported = postgres.from_json(saved.get("postgres"))
    else:
        run = report.Run(
            date=date, command=command, sizes=Sizes.scaled(args.rows), quick=args.quick
        )
        start = time.perf_counter()
        results = _measure_all(run, args.only, args.timeout)
        exported = None if args.skip_postgres else _measure_postgres(args, date, command)
        latency = intents.measure()
        _log(intents.section(latency).splitlines()[-1])
        built = _measure_values(args)
        read = questions.measure(OUT)
        _log(questions.section(read).splitlines()[-1])
        served = None if args.skip_api else _measure_api(args, date, command)
        shared = None if args.skip_api else _measure_fair(args, date, command)
        loaded = None if args.skip_workers else _measure_workers(args, date, command)
        run = replace(run, minutes=(time.perf_counter() - start) / 60)
        payload = {
            "run": asdict(run),
            "results": [asdict(r) for r in results],
            "postgres": postgres.to_json(exported),
            "intents": asdict(latency) if isinstance(latency, intents.Latency) else latency,
            "questions": asdict(read) if isinstance(read, questions.Latency) else read,
            "api": api.to_json(served),
            "fair": None if shared is None else fair.to_json(shared),
            "workers": workers.to_json(loaded),
            "values": values.to_json(built),
        }
        RESULTS.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    checked = targets.check(results, run.sizes)
    extra = [
        intents.section(latency),
        questions.section(read),
        values.section(built),
        api.section(served),
        fair.section(shared),
        workers.section(loaded),
        postgres.section(exported, report.TITLES),  # where --postgres-only first puts it
    ]
    report.write(args.report, run, results, checked, extra=extra)
    _log(f"wrote {args.report} ({sum(t.met is True for t in checked)}/{len(checked)} targets met)")
    return 0


def _saved() -> dict[str, Any]:
    if not RESULTS.exists():
        return {}
    saved: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8"))
    return saved


def _measure_api(args: argparse.Namespace, date: str, command: str) -> api.Api | str:
    db = table.ensure(OUT / f"orders-{args.rows}.db", args.rows)
    _log(f"HTTP API: server over {db.name} ({args.rows:,} rows)")
    served = api.measure(
        db, args.rows, quick=args.quick, timeout_s=args.timeout, date=date, command=command,
        work=OUT,
    )  # fmt: skip
    for line in api.summary(served):
        _log(line)
    return served


def _api_only(args: argparse.Namespace, date: str, command: str) -> int:
    """Measure the API; store it in results.json and put its section into the report."""
    served = _measure_api(args, date, command)
    return _only(args, "api", api.to_json(served), api.section(served), "HTTP API")


def _measure_postgres(args: argparse.Namespace, date: str, command: str) -> postgres.Postgres | str:
    rows = Sizes.scaled(args.rows)
    _log(f"PostgreSQL: {rows.big:,} rows at {postgres.shown(postgres.server_url())}")
    exported = postgres.measure(
        args.only, rows, quick=args.quick, timeout_s=args.timeout, work=OUT, date=date,
        command=command, log=_log,
    )  # fmt: skip
    if isinstance(exported, str):
        _log(f"PostgreSQL: not measured: {exported}")
    return exported


def _postgres_only(args: argparse.Namespace, date: str, command: str) -> int:
    """Measure the exports from PostgreSQL; store them in results.json and put their
    section into the report."""
    exported = _measure_postgres(args, date, command)
    section = postgres.section(exported, report.TITLES)
    return _only(args, "postgres", postgres.to_json(exported), section, "PostgreSQL")


def _measure_values(args: argparse.Namespace) -> values.ValueBuild | str:
    db = table.ensure(OUT / f"orders-{args.rows}.db", args.rows)
    built = values.measure(db, args.rows)
    _log(values.section(built).splitlines()[-1])
    return built


def _values_only(args: argparse.Namespace) -> int:
    """Measure the value index's build; store it in results.json and put its section into
    the report."""
    built = _measure_values(args)
    return _only(args, "values", values.to_json(built), values.section(built), "value index")


def _questions_only(args: argparse.Namespace) -> int:
    """Measure the question reader; store it in results.json and put its section into the
    report."""
    read = questions.measure(OUT)
    _log(questions.section(read).splitlines()[-1])
    saved_as = asdict(read) if isinstance(read, questions.Latency) else read
    return _only(args, "questions", saved_as, questions.section(read), "question reader")


def _measure_fair(args: argparse.Namespace, date: str, command: str) -> fair.Fair | str:
    _log(f"fair share: user A saturates ({fair.A_CLIENTS} clients), user B is timed")
    measured = fair.measure(quick=args.quick, date=date, command=command, work=OUT)
    for line in fair.summary(measured):
        _log(line)
    return measured


def _fair_only(args: argparse.Namespace, date: str, command: str) -> int:
    """Measure fair share under load; store it in results.json and put its section into
    the report (a full run keeps the last one measured)."""
    measured = _measure_fair(args, date, command)
    return _only(args, "fair", fair.to_json(measured), fair.section(measured), "fair share")


def _measure_workers(args: argparse.Namespace, date: str, command: str) -> workers.Workers | str:
    _log(f"workers: export workers under load ({workers.WORKERS} workers)")
    loaded = workers.measure(
        quick=args.quick, timeout_s=args.timeout, date=date, command=command, work=OUT
    )
    for line in workers.summary(loaded):
        _log(line)
    return loaded


def _workers_only(args: argparse.Namespace, date: str, command: str) -> int:
    """Measure the workers; store it in results.json and put its section into the report."""
    loaded = _measure_workers(args, date, command)
    return _only(args, "workers", workers.to_json(loaded), workers.section(loaded),
                 "export workers")  # fmt: skip


def _only(args: argparse.Namespace, key: str, saved_as: object, section: str, what: str) -> int:
    """Save one part's results under ``key`` and put its ``section`` into the report.

    With a full run in results.json the whole report is rewritten from it (as
    ``--report-only`` does); without one, the section replaces (or joins) its section of
    the existing report and everything else there stays as it is."""
    saved = {**_saved(), key: saved_as}
    RESULTS.write_text(json.dumps(saved, indent=1), encoding="utf-8")
    if "run" in saved:
        return main(["--report-only", "--report", str(args.report)])
    if not args.report.exists():
        _log(f"no full run in {RESULTS} and no {args.report}: run `python -m bench` first")
        return 1
    text = args.report.read_text(encoding="utf-8")
    args.report.write_text(report.splice(text, section), encoding="utf-8")
    _log(f"put the {what} section into {args.report}")
    return 0


def _measure_all(run: report.Run, formats: list[str], timeout_s: float) -> list[Result]:
    sizes = run.sizes
    _log(f"tables: {sizes.big:,} / {sizes.mid:,} / {sizes.pdf:,} rows under {OUT}")
    big = table.ensure(OUT / f"orders-{sizes.big}.db", sizes.big)
    dbs = {n: table.ensure(OUT / f"orders-{n}.db", n, source=big) for n in (sizes.mid, sizes.pdf)}
    dbs[sizes.big] = big
    files = OUT / "files"
    files.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for job in suite.jobs(formats, sizes):
        start = time.perf_counter()
        result = suite.run_job(job, dbs[job.rows], files, quick=run.quick, timeout_s=timeout_s)
        _log(suite.line(result) + f"  [{time.perf_counter() - start:.0f} s]")
        results.append(result)
        if job.extrapolate and job.rows != sizes.big:
            results.append(suite.extrapolate(result, sizes.big))
    return results


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _formats(text: str) -> list[str]:
    chosen = [f.strip() for f in text.split(",") if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {unknown}; choose from {FORMATS}")
    return [f for f in FORMATS if f in chosen]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmark the exporter against its peers."
    )
    p.add_argument("--rows", type=int, default=1_000_000, help="rows in the big table")
    p.add_argument("--quick", action="store_true", help="one run each, no warm-up")
    p.add_argument("--only", type=_formats, default=list(FORMATS), help="e.g. csv,xlsx")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    p.add_argument("--report", type=Path, default=REPORT, help="where to write the report")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--report-only", action="store_true", help="reuse bench/out/results.json")
    only.add_argument(
        "--api-only", action="store_true",
        help="measure only the HTTP API; the rest of the report from bench/out/results.json",
    )  # fmt: skip
    only.add_argument("--skip-api", action="store_true", help="leave out the HTTP API part")
    only.add_argument(
        "--postgres-only", action="store_true",
        help="measure only the exports from PostgreSQL (BENCH_POSTGRES_URL or"
        " TEST_POSTGRES_URL); the rest of the report from bench/out/results.json",
    )  # fmt: skip
    p.add_argument(
        "--skip-postgres", action="store_true", help="leave out the PostgreSQL part"
    )  # fmt: skip
    only.add_argument(
        "--workers-only", action="store_true",
        help="measure only the export workers under load (needs PostgreSQL and Redis); the"
        " rest of the report from bench/out/results.json",
    )  # fmt: skip
    only.add_argument(
        "--questions-only", action="store_true",
        help="measure only the question reader's latency (bench/questions.py); the rest of"
        " the report from bench/out/results.json",
    )  # fmt: skip
    only.add_argument(
        "--fair-only", action="store_true",
        help="measure only fair share under load (bench/fair.py); the rest of the report"
        " from bench/out/results.json",
    )  # fmt: skip
    p.add_argument("--skip-workers", action="store_true", help="leave out the export workers part")
    only.add_argument(
        "--values-only", action="store_true",
        help="measure only the value index's build on the big table; the rest of the report"
        " from bench/out/results.json",
    )  # fmt: skip
    return p


if __name__ == "__main__":
    sys.exit(main())
