"""`make run` (until the chat exists): the demo data in every format, one summary each."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from assistant.cli.showcase import export_every_format
from assistant.source.demo import build_demo
from exporters import registered_formats


def test_every_registered_format_is_exported(tmp_path: Path) -> None:
    database = build_demo(tmp_path / "demo.db", 120, today=dt.date(2026, 11, 18))
    results = list(export_every_format(database, tmp_path / "exports"))
    assert [r.format for r in results] == [spec.format for spec in registered_formats()]
    for result in results:
        assert result.rows == 120
        assert result.path.stat().st_size == result.bytes > 0


def test_run_demo_command_prints_a_line_per_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "run-demo", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("demo database: ")
    assert len(lines) == 1 + len(registered_formats())
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == sorted(
        f".{spec.extension}" for spec in registered_formats()
    )
