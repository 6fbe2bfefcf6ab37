"""`python -m exporters` exactly as docs/exporters-cli.md says: exit codes, one line each."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE t (id INTEGER, name TEXT, price DECIMAL(8,2));"
            "INSERT INTO t VALUES (1, 'Ada', 1.5), (2, 'Zoë, \"Z\"', NULL);"
        )
    connection.close()
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporters", *args], capture_output=True, text=True, timeout=60
    )


def test_success_prints_one_json_summary_line(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    done = run(
        "--source",
        f"sqlite:///{db}",
        "--sql",
        "SELECT * FROM t",
        "--format",
        "csv",
        "--out",
        str(out),
        "--option",
        "line_terminator=lf",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["rows"] == 2 and summary["format"] == "csv" and summary["path"] == str(out)
    assert summary["bytes"] == out.stat().st_size and len(summary["sha256"]) == 64
    assert isinstance(summary["seconds"], float)
    assert out.read_text() == 'id,name,price\n1,Ada,1.50\n2,"Zoë, ""Z""",\n'


def test_progress_bar_goes_to_stderr(db: Path, tmp_path: Path) -> None:
    done = run(
        "--source",
        f"sqlite:///{db}",
        "--sql",
        "SELECT * FROM t",
        "--format",
        "parquet",
        "--out",
        str(tmp_path / "t.parquet"),
        "--progress",
    )
    assert done.returncode == 0, done.stderr
    assert "2/2" in done.stderr
    assert json.loads(done.stdout)["rows"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sql", "DELETE FROM t"], "DELETE"),
        (["--sql", "SELECT * FROM t; DROP TABLE t"], "statement"),
        (["--sql", "SELECT * FROM missing"], "no such table: missing"),
        (["--option", "delimiter=x"], "option 'delimiter'"),
        (["--option", "nope=1"], "unknown option 'nope'"),
        (["--option", "novalue"], "KEY=VALUE"),
        (["--option", "columns=id,ghost"], "there is no column 'ghost'"),
        (["--format", "docx"], "invalid choice: 'docx'"),
        (["--out", "/nonexistent-dir/t.csv"], "does not exist"),
        (["--source", "sqlite:////nonexistent/x.db"], "no SQLite database"),
        (["--source", "not a url"], "not a database URL"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    base = {
        "--source": f"sqlite:///{db}",
        "--sql": "SELECT * FROM t",
        "--format": "csv",
        "--out": str(tmp_path / "t.csv"),
    }
    extra: list[str] = []
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--option":
            extra += [flag, value]
        else:
            base[flag] = value
    done = run(*[item for pair in base.items() for item in pair], *extra)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "t.csv").exists()


def test_every_option_has_help() -> None:
    done = run("--help")
    assert done.returncode == 0
    for flag in ("--source", "--sql", "--format", "--out", "--option", "--progress"):
        assert flag in done.stdout


def test_sigterm_removes_the_temporary_file_like_ctrl_c(db: Path, tmp_path: Path) -> None:
    import signal
    import time

    out = tmp_path / "out" / "big.csv"
    out.parent.mkdir()
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000)"
        " SELECT i, printf('%.*c', 200, 'x') AS pad FROM n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "exporters", "--source", f"sqlite:///{db}", "--sql", endless,
         "--format", "csv", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not any(p.stat().st_size for p in out.parent.glob(".big.csv.*.part")):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 1 and stdout == ""
    assert stderr.strip() == "error: terminated; no file was written"
    assert list(out.parent.iterdir()) == []
