"""The README's examples, run: what it shows is what the programs answer.

Shell blocks whose commands are all ``.venv/bin/python ...`` (or ``printf ... |`` into one)
run in a fresh folder; the ``# ...`` lines after a command are the JSON it prints, one value
per output line, where ``"..."`` stands for any value (ids, hashes, sizes, paths) and an
object shows some of its keys. Python blocks run after them; an expression with a ``#``
comment must equal the comment's literal. ``curl`` examples go to the API through
``TestClient``; the demo shop's answers in "Asking questions" are asked of the chat.
Relative links in the README and docs/*.md must name files in the repository.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from tests.api.conftest import key_for, make_settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
ANY = "..."
NOW = ["--now", "2026-11-18T15:30:00", "--tz", "UTC"]


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCKS.findall(README) if lang == kind]


def _commands(block: str) -> list[tuple[str, str]]:
    """(command, the ``#`` lines after it) for each command of a shell block."""
    found: list[tuple[str, str]] = []
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("#"):
            command, shown = found[-1]
            found[-1] = (command, f"{shown} {line[1:].strip()}".strip())
        elif line.strip():
            found.append((line.split("  #")[0].strip(), ""))
    return found


def _shown(text: str) -> list[Any]:
    """The JSON values of ``#`` lines, ``...`` keys left out and ``...`` values kept."""
    text = re.sub(r",\s*\.\.\.\s*}", "}", text).replace(": ...", ': "..."')
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        value, at = decoder.raw_decode(text, at)
        values.append(value)
        while at < len(text) and text[at].isspace():
            at += 1
    return values


def _agrees(shown: Any, real: Any, where: str = "") -> None:
    if shown == ANY:
        return
    if isinstance(shown, dict):
        assert isinstance(real, dict), (where, real)
        for key, value in shown.items():
            assert key in real, f"{where}.{key} is not in {real}"
            _agrees(value, real[key], f"{where}.{key}")
    elif isinstance(shown, str) and shown.endswith("/...") and isinstance(real, str):
        assert real.startswith(shown[:-3]), (where, real)
    else:
        said = repr(real)[:300]
        assert shown == real, f"{where}: the README shows {shown!r}, the program answers {said}"


def _runnable(block: str) -> bool:
    commands = [command for command, _ in _commands(block)]
    return bool(commands) and all(
        command.startswith((".venv/bin/python ", "printf ")) for command in commands
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where the README's shell blocks ran, in order; its var/shop.db."""
    folder = tmp_path_factory.mktemp("readme")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    for block in filter(_runnable, _blocks("sh")):
        for command, shown in _commands(block):
            line = command.replace(".venv/bin/python", shlex.quote(sys.executable))
            done = subprocess.run(
                ["bash", "-c", line], cwd=folder, env=env, capture_output=True, text=True,
                timeout=240, check=False,
            )  # fmt: skip
            assert done.returncode == 0, (command, done.stderr)
            if shown:
                answers = [json.loads(out) for out in done.stdout.splitlines() if out.strip()]
                values = _shown(shown)
                assert len(values) == len(answers), (command, done.stdout)
                for value, answer in zip(values, answers, strict=True):
                    _agrees(value, answer, command[:40])
    return folder


def test_the_shell_examples_print_what_the_readme_shows(shop: Path) -> None:
    assert (shop / "var" / "shop.db").exists() and (shop / "var" / "berlin.xlsx").exists()


def test_the_python_examples_answer_what_the_readme_shows(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shop)
    checked = 0
    for block in _blocks("python"):
        names: dict[str, Any] = {}
        lines = block.splitlines()
        for statement in ast.parse(block).body:
            assert statement.end_lineno is not None
            comment = lines[statement.end_lineno - 1].partition("  # ")[2]
            if isinstance(statement, ast.Expr) and comment:
                real = eval(compile(ast.Expression(statement.value), "README", "eval"), names)
                assert real == ast.literal_eval(comment), ast.unparse(statement)
                checked += 1
            else:
                exec(compile(ast.Module([statement], []), "README", "exec"), names)
    assert checked >= 2


def _answers_block() -> str:
    (block,) = [b for b in _blocks("text") if "you> how many customers" in b]
    return block


def test_the_demo_shops_answers_are_what_the_chat_says(shop: Path) -> None:
    entries = re.split(r"^you> ", _answers_block(), flags=re.M)[1:]
    messages, shown = [], []
    for entry in entries:
        message, _, rest = entry.partition("  ")
        messages.append(message.strip())
        shown.append(" ".join(rest.split()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env["ASSISTANT_SOURCE_URL"] = f"sqlite:///{shop / 'var' / 'shop.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "chat", "--json", *NOW],
        input="\n".join(messages) + "\n", cwd=shop, env=env, capture_output=True, text=True,
        timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == len(messages)
    for message, words, reply in zip(messages, shown, replies, strict=True):
        sql = re.search(r"\(sql: (.*)\)", words)
        if sql:
            assert " ".join(reply["sql"].split()) == sql.group(1), message
        choice = re.search(r'\(a choice: "([^"]+)"\)', words)
        if choice:
            assert reply["choices"] == [choice.group(1)], message
        said = re.sub(r"\s*\((?:sql:|a choice:|and what)[^\n]*?\)(?=\s|$)", "", words).strip()
        first = " ".join(reply["text"].split("\n\n")[0].split())
        assert first == said, message


def test_the_http_examples_answer_what_the_readme_shows(shop: Path, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, shop / "var" / "shop.db")
    auth = {"Authorization": f"Bearer {key_for(settings, 'ana')}"}
    curls = [
        (command, shown)
        for block in _blocks("sh")
        for command, shown in _commands(block)
        if command.startswith("curl ")
    ]
    assert len(curls) >= 3
    with TestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        last: dict[str, Any] = {}
        for command, shown in curls:
            words = shlex.split(command)
            url = next(word for word in words if word.startswith("http://127.0.0.1:8000/"))
            url = url.replace("<id>", str(last.get("id")))
            if "-d" in words:
                answer = client.post(
                    url, json=json.loads(words[words.index("-d") + 1]), headers=auth
                )
            else:  # "until done": as a client would, ask again while it runs
                deadline = time.monotonic() + 120
                while (answer := client.get(url, headers=auth)).json()["status"] in (
                    "queued",
                    "running",
                ):
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert answer.status_code in (200, 201), answer.text
            last = answer.json()
            (value,) = _shown(shown)
            if value.get("status") == "queued" and last["status"] == "running":
                value = {**value, "status": "running", "rows_done": ANY}  # taken at once
            _agrees(value, last, command[-40:])


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "document",
    [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
    ids=lambda path: path.name,
)
def test_relative_links_name_files_in_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert "contracts/" not in text, f"{document.name} points outside the repository"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{document.name} links to {target}, which is not here"
        assert ROOT in path.parents or path == ROOT, target


def test_every_exporter_option_is_documented() -> None:
    from exporters.formats import Format, get_format

    text = (ROOT / "docs" / "exporters-cli.md").read_text(encoding="utf-8")
    for fmt in Format:
        assert f"`{fmt.value}`" in text
        for option in get_format(fmt).options.model_fields:
            assert f"`{option}`" in text, f"docs/exporters-cli.md does not name {option}"


def test_every_command_is_documented() -> None:
    text = (ROOT / "docs" / "assistant-cli.md").read_text(encoding="utf-8")
    for command in ("chat", "serve", "up", "users create", "demo", "run-demo", "worker"):
        assert f"## `python -m assistant {command}" in text, command
