"""``make bench``'s PostgreSQL part (bench/postgres.py): its goals and its section from
known numbers, its answer when there is no PostgreSQL, and a tiny real run of CSV. No
timing thresholds here: ``python -m bench --postgres-only`` times it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import postgres, report
from bench.measure import free_port
from bench.suite import OURS, Result, Sizes

SIZES = Sizes.scaled(1_000_000)


def _result(fmt: str, tool: str, wall: float, peak: float = 100.0, rows: int = 1_000_000) -> Result:
    return Result(fmt, rows, tool, postgres.label(tool, fmt), wall, peak, runs=3, warmup=True)


def _run(results: list[Result]) -> postgres.Postgres:
    return postgres.Postgres(
        "2026-12-07 10:00 UTC", "python -m bench --postgres-only", "PostgreSQL 15.20 at h:5432",
        SIZES, False, results, others={"csv 1000000 ours": 0.05},
    )  # fmt: skip


def test_goals_name_each_peer_and_say_met_or_not() -> None:
    run = _run(
        [
            _result("csv", OURS, 5.0, peak=180),
            _result("csv", "psql", 2.0),
            _result("csv", "connectorx", 2.5),
            _result("csv", "duckdb", 1.5),  # faster, but CSV's goals name their peers
            _result("parquet", OURS, 2.2, peak=260),
            _result("parquet", "connectorx", 2.0),
            _result("parquet", "pandas", 6.0),
        ]
    )
    checked = {(t.format, t.goal): (t.measured, t.met) for t in postgres.goals(run)}
    assert checked == {
        ("csv", "wall at 1,000,000 rows ≤ 1× connectorx + pyarrow"): (
            "5.00 s ÷ 2.50 s = 2.00×", False,
        ),
        ("csv", "wall at 1,000,000 rows ≤ 2× psql \\copy"): ("5.00 s ÷ 2.00 s = 2.50×", False),
        ("csv", "peak at 1,000,000 rows ≤ 250 MiB"): ("180 MiB", True),
        ("parquet", "wall at 1,000,000 rows ≤ 1.25× fastest peer (connectorx)"): (
            "2.20 s ÷ 2.00 s = 1.10×", True,
        ),
        ("parquet", "peak at 1,000,000 rows ≤ 250 MiB"): ("260 MiB", False),
    }  # fmt: skip

    text = postgres.section(run, report.TITLES)
    assert text.startswith("## PostgreSQL\n")
    assert (
        "| CSV | wall at 1,000,000 rows ≤ 2× psql \\copy | 5.00 s ÷ 2.00 s = 2.50× | **not met** |"
        in text
    )
    assert "| Parquet | peak at 1,000,000 rows ≤ 250 MiB | 260 MiB | **not met** |" in text
    assert "2 of 5 goals met." in text
    # Our time over each peer's, ours first in its format.
    assert "| CSV | 1,000,000 | **ours** (`python -m exporters`) | 5.00 | 180 |" in text
    assert (
        "| CSV | 1,000,000 | DuckDB postgres scanner + `COPY` | 1.50 | 100 | n/a | 3.33× |" in text
    )
    assert "shared" not in text  # 0.05 cores of others: a quiet machine
    again = postgres.from_json(postgres.to_json(run))
    assert again == run


def test_a_busy_machine_is_said() -> None:
    run = _run([_result("csv", OURS, 5.0)])
    busy = postgres.Postgres(**{**run.__dict__, "others": {"csv 1000000 ours": 1.2}})
    assert "**The machine was shared" in postgres.section(busy, report.TITLES)


def test_without_postgresql_the_section_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()
    monkeypatch.setenv("BENCH_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:{port}/x")
    found = postgres.measure(
        ["csv"], Sizes.scaled(100), quick=True, timeout_s=60, work=tmp_path, date="d",
        command="c", log=lambda _: None,
    )  # fmt: skip
    assert isinstance(found, str)
    assert found.startswith(f"no PostgreSQL answered at 127.0.0.1:{port}")
    assert postgres.section(found, report.TITLES).startswith(
        "## PostgreSQL\n\nNot measured: no PostgreSQL answered"
    )
    assert not list(tmp_path.iterdir())  # nothing was built for it


def test_a_tiny_csv_run_measures_ours_and_every_peer(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BENCH_POSTGRES_URL", postgres_url)
    lines: list[str] = []
    found = postgres.measure(
        ["csv"], Sizes.scaled(200), quick=True, timeout_s=120, work=tmp_path, date="d",
        command="c", log=lines.append,
    )  # fmt: skip
    assert isinstance(found, postgres.Postgres), found
    tools = {r.tool: r for r in found.results}
    assert set(tools) == {OURS, "psql", "connectorx", "duckdb", "pandas"}
    working = [OURS, "connectorx", "duckdb", "pandas"] + ["psql"] * bool(shutil.which("psql"))
    for tool in working:
        r = tools[tool]
        assert r.error is None and r.wall_s and r.peak_mib and r.out_mib, r
        assert (r.rows, r.runs, r.warmup) == (200, 1, False)
    assert len(found.others) == 5
    assert "| CSV | 200 | **ours** (`python -m exporters`) |" in postgres.section(
        found, report.TITLES
    )
    # The table is kept and reused while its row count matches.
    assert postgres.ensure(postgres.server_url(), 200, tmp_path / "orders-200.db").endswith(
        "/bench_orders_200"
    )
