"""`python -m intents` exactly as docs/intents-cli.md says."""

from __future__ import annotations

import json
import subprocess
import sys

NOW = ["--now", "2026-11-18T15:30:00", "--tz", "UTC"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intents", *args], input=stdin, capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/bin:/bin"},  # no OPENAI_API_KEY: rules mode
    )  # fmt: skip


def test_one_message_prints_one_object() -> None:
    done = run(*NOW, "export this as a spreadsheet")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    data = json.loads(line)
    assert data["intent"] == "export" and data["format"] == "xlsx"
    assert data["target"] == "last_result" and data["destination"] == "download"
    assert data["clarify"] is None


def test_jsonl_batch_keeps_order_and_one_line_per_input() -> None:
    lines = [
        {"message": "export this as csv"},
        {"message": "export everything from today as csv files in a zip"},
        "not json at all",
        {"message": "hello there", "tz": "Europe/Berlin", "now": "2026-11-18T09:00:00Z"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    done = run("--jsonl", "-", *NOW, stdin=stdin)
    assert done.returncode == 0, done.stderr
    outputs = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(outputs) == 4
    assert outputs[0]["format"] == "csv"
    assert outputs[1]["target"] == "history" and outputs[1]["since"] == "2026-11-18T00:00:00"
    assert outputs[2]["intent"] == "unknown" and "line 3" in outputs[2]["error"]
    assert outputs[3]["intent"] == "unknown"


def test_any_message_exits_zero_and_bad_flags_exit_two() -> None:
    assert run(*NOW, "").returncode == 0
    bad = run("--tz", "Mars/Olympus", "hello")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
    assert run("--mode", "psychic", "hello").returncode == 2
    assert run().returncode == 2
