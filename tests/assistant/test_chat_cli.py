"""``python -m assistant chat --json`` and ``users create``, run as the contract says."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from rich.console import Console

from assistant.cli.chat import render
from assistant.cli.main import build_parser
from assistant.replies import Reply, TablePreview
from assistant.source.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", 400, today=dt.date(2026, 11, 18))


@pytest.fixture
def env(tmp_path: Path, demo_db: Path) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    variables.pop("OPENAI_API_KEY", None)
    variables |= {
        "ASSISTANT_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "ASSISTANT_SOURCE_URL": f"sqlite:///{demo_db}",
        "ASSISTANT_STORAGE_DIR": str(tmp_path / "files"),
    }
    return variables


def _run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _chat(env: dict[str, str], *messages: str, user: str = "local") -> list[dict[str, Any]]:
    done = _run(
        env,
        *("chat", "--json", "--user", user, "--now", "2026-11-18T15:30:00"),
        stdin="".join(f"{m}\n" for m in messages),
    )
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == len(messages)
    for reply in replies:
        assert set(reply) >= {"text", "table", "export", "choices", "sql"}
        assert (reply["sql"] is None) == (reply["table"] is None)
    return replies


def test_scripted_conversation(env: dict[str, str]) -> None:
    shown, sheet, customers, columns, ask, excel, germany, bundle, tuning = _chat(
        env,
        "show orders from today",
        "export this as a spreadsheet",
        "show customers",
        "only name and email as csv",
        "export it",
        "Excel",
        "export all customers in Germany as json",
        "export everything from today as csv",
        "export this conversation for fine-tuning",
    )
    assert shown["table"]["row_count"] == 10
    assert sheet["export"]["status"] == "done" and sheet["export"]["format"] == "xlsx"
    workbook = openpyxl.load_workbook(sheet["export"]["path"], read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert list(rows[0]) == shown["table"]["columns"]
    assert [row[0] for row in rows[1:]] == [row[0] for row in shown["table"]["rows"]]

    assert customers["table"]["row_count"] == 100
    with open(columns["export"]["path"], newline="", encoding="utf-8") as file:
        assert next(csv.reader(file)) == ["name", "email"]
    assert ask["export"] is None and "Excel" in ask["choices"]
    assert excel["export"]["file_name"] == "customers-2026-11-18.xlsx"
    assert germany["export"]["format"] == "json"
    data = json.loads(Path(germany["export"]["path"]).read_text(encoding="utf-8"))
    assert len(data) == germany["table"]["row_count"] and data[0]["country"] == "Germany"

    with zipfile.ZipFile(bundle["export"]["path"]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert [entry["rows"] for entry in manifest["files"]] == [10, 100, len(data)]
    lines = Path(tuning["export"]["path"]).read_text(encoding="utf-8").splitlines()
    messages = json.loads(lines[0])["messages"]
    assert len(lines) == 1 and len(messages) == 16
    assert {m["role"] for m in messages} == {"user", "assistant"}


def test_render_on_a_terminal() -> None:
    console = Console(record=True, width=100)
    render(
        Reply(
            text="Orders: 1 row.",
            table=TablePreview(columns=["id", "city"], rows=[[1, "Köln"]], row_count=1),
            choices=["CSV", "Excel"],
            sql='SELECT * FROM "orders"',
        ),
        console,
    )
    text = console.export_text()
    assert "Orders: 1 row." in text and "Köln" in text and "CSV · Excel" in text
    assert 'sql: SELECT * FROM "orders"' in text


def test_saved_default_format(env: dict[str, str]) -> None:
    _chat(env, "my default is csv", user="cy")
    _, reply = _chat(env, "show products", "export it", user="cy")
    assert reply["choices"] is None and reply["export"]["format"] == "csv"


def test_users_create_prints_one_key(env: dict[str, str]) -> None:
    done = _run(env, "users", "create", "ana", "--email", "ana@example.com")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ak_")
    again = _run(env, "users", "create", "ana")
    assert again.stdout.strip() != lines[0]
    bad = _run(env, "users", "create", "ana", "--email", "not-an-address")
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.splitlines()) == 1


def test_bad_clock_is_exit_2(env: dict[str, str]) -> None:
    done = _run(env, "chat", "--json", "--now", "yesterday-ish")
    assert done.returncode == 2 and "--now" in done.stderr


def test_every_option_has_help() -> None:
    parser = build_parser()
    text = parser.format_help()
    assert "chat" in text and "users" in text and "demo" in text and "run-demo" in text


def test_the_terminal_table_reads_as_people_write() -> None:
    console = Console(record=True, width=120)
    preview = TablePreview(
        columns=["id", "placed_at", "total", "points"],
        rows=[[10234, "2026-12-06T00:04:40", "1234.50", 1234567]],
        row_count=1,
    )
    render(Reply(text="1 row.", table=preview), console)
    text = console.export_text()
    assert "10234" in text and "2026-12-06 00:04" in text and "T00:04" not in text
    assert "1,234.50" in text and "1,234,567" in text
