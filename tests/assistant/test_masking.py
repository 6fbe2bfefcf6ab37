"""Masking in the chat: said in words, enforced by the admin's policy, said in the reply.

Files are read back with Python's csv module and compared with the demo database read by
sqlite3 (not through our code); the policy is checked on the chat preview, on what is sent
to an LLM (captured by the local OpenAI-compatible server), and on a scheduled delivery.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from assistant.process import Assistant, open_conversation
from assistant.replies import ExportInfo
from assistant.schedules import service
from assistant.schedules.models import EmailDestination, ScheduleSpec
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings
from assistant.source.policy import PolicyError, parse_policy
from exporters import MaskKind
from intents import ExportRequest, Format, Intent, Target
from intents.toolcall import LLM, LLMConfig
from tests.assistant.conftest import MAIL_SET_UP, NOW
from tests.intents.openai_server import OpenAIServer, Reply, completion, tool_call

POLICY = "*email*=partial, birth_*=year, name=hash"
HEX16 = re.compile(r"^[0-9a-f]{16}$")


def source_values(settings: Settings, column: str) -> set[str]:
    path = settings.source_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT {column} FROM customers WHERE {column} IS NOT NULL").fetchall()
    return {str(value) for (value,) in rows}


def read_csv(path: str | None) -> list[dict[str, str]]:
    assert path is not None
    with Path(path).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def guarded(settings: Settings) -> Settings:
    return settings.model_copy(update={"mask_policy": POLICY, "secret_key": "s" * 40})


@pytest.fixture
def policed(guarded: Settings) -> Iterator[object]:
    with open_conversation(guarded, "ana", clock=lambda: NOW, mode="rules") as conversation:
        yield conversation


def test_mask_the_emails_said_in_words(chat: object, settings: Settings) -> None:
    chat.handle("show all customers")  # type: ignore[attr-defined]
    reply = chat.handle("export this as csv but mask the emails")  # type: ignore[attr-defined]
    assert reply.export is not None, reply.text
    assert "Masked: email (partially)." in reply.text
    rows = read_csv(reply.export.path)
    emails = source_values(settings, "email")
    assert len(rows) == len(source_values(settings, "id"))
    shape = re.compile(r"(?:[^@]\*\*\*@[^@]\*\*\*\.[a-z]+)?")  # NULL: empty
    assert all(shape.fullmatch(row["email"]) for row in rows)
    assert not emails & {row["email"] for row in rows}
    assert source_values(settings, "name") <= {row["name"] for row in rows}  # only asked ones


@pytest.mark.parametrize(
    ("message", "column", "shape"),
    [
        ("pseudonymise the names and export as csv", "name", HEX16),
        ("export as csv, only show the year of birth", "birth_date", re.compile(r"^\d{4}$|^$")),
        ("hash teh emails, csv please", "email", re.compile(r"^[0-9a-f]{16}$|^$")),
        ("as csv with the names anonymized", "name", HEX16),
    ],
)
def test_other_masks_said_in_words(
    chat: object, settings: Settings, message: str, column: str, shape: re.Pattern[str]
) -> None:
    chat.handle("show all customers")  # type: ignore[attr-defined]
    reply = chat.handle(message)  # type: ignore[attr-defined]
    assert reply.export is not None, reply.text
    rows = read_csv(reply.export.path)
    assert all(shape.match(row[column]) for row in rows)
    assert not source_values(settings, column) & {row[column] for row in rows}


def test_a_mask_naming_no_column_is_said(chat: object) -> None:
    chat.handle("show all customers")  # type: ignore[attr-defined]
    reply = chat.handle("export this as csv but mask the passports")  # type: ignore[attr-defined]
    assert reply.export is None or reply.export.status != "done"
    assert "no column like 'passports' to mask" in reply.text


def test_the_policy_masks_the_preview_and_every_export(policed: object, guarded: Settings) -> None:
    shown = policed.handle("show all customers")  # type: ignore[attr-defined]
    assert shown.table is not None
    columns = shown.table.columns
    preview = [dict(zip(columns, row, strict=True)) for row in shown.table.rows]
    assert not source_values(guarded, "email") & {row["email"] for row in preview}
    assert all(HEX16.match(row["name"]) for row in preview)
    assert all(row["birth_date"] is None or isinstance(row["birth_date"], int) for row in preview)
    reply = policed.handle("export this as csv")  # type: ignore[attr-defined]
    assert reply.export is not None
    assert "Masked: email (partially), birth_date (to the year); hashed: name." in reply.text
    rows = read_csv(reply.export.path)
    text = Path(reply.export.path).read_text("utf-8")
    assert not [email for email in source_values(guarded, "email") if email in text]
    # The same key in the preview and the file: hashes join.
    assert [row["name"] for row in rows[: len(preview)]] == [row["name"] for row in preview]


def test_a_user_cannot_unmask_what_the_policy_masks(policed: object, guarded: Settings) -> None:
    policed.handle("show all customers")  # type: ignore[attr-defined]
    reply = policed.handle("export as csv with the emails unmasked")  # type: ignore[attr-defined]
    assert reply.export is not None, reply.text
    assert "Still masked by the admin's policy, which no request can lift: email" in reply.text
    text = Path(reply.export.path).read_text("utf-8")
    assert not [email for email in source_values(guarded, "email") if email in text]
    weaker = policed.handle("export this as csv but mask the names")  # type: ignore[attr-defined]
    assert all(HEX16.match(row["name"]) for row in read_csv(weaker.export.path))


def test_hashes_are_stable_across_exports_and_conversations(guarded: Settings) -> None:
    names = []
    for user in ("ana", "bo"):
        with open_conversation(guarded, user, clock=lambda: NOW, mode="rules") as chat:
            chat.handle("show all customers")
            reply = chat.handle("export this as csv")
            names.append([row["name"] for row in read_csv(reply.export.path)])
    assert names[0] == names[1]


def test_nothing_from_the_data_reaches_the_llm(server: OpenAIServer, guarded: Settings) -> None:
    sql = 'SELECT "name", "email", "birth_date" FROM "customers"'
    server.script(
        Reply(completion(tool_call("run_query", {"sql": sql, "title": "Customers"}))),
        Reply(completion(tool_call("export", {"format": "csv", "target": "last_result"}))),
    )
    key = "sk-test"
    with (
        openai.OpenAI(api_key=key, base_url=server.base_url, max_retries=0) as client,
        LLM(LLMConfig(api_key=key, base_url=server.base_url, timeout=5), client=client) as llm,
        open_conversation(guarded, "ana", clock=lambda: NOW, llm=llm) as chat,
    ):
        shown = chat.handle("which customers churned after their first refund?")
        chat.handle("export this table of customers for the board as the usual thing")
    assert shown.table is not None and shown.table.rows
    sent = json.dumps([request.body for request in server.requests], ensure_ascii=False)
    assert len(server.requests) == 2
    for column in ("email", "name", "birth_date"):
        leaked = [value for value in source_values(guarded, column) if value in sent]
        assert leaked == []
    shown_values = {str(cell) for row in shown.table.rows for cell in row}
    assert not [value for value in shown_values if len(value) > 3 and value in sent]


def test_policy_settings_are_read_and_checked(tmp_path: Path) -> None:
    toml = tmp_path / "policy.toml"
    toml.write_text('[mask]\n"*phone*" = "partial"\nssn = "drop"\n')
    data = tmp_path / "policy.json"
    data.write_text('{"birth_*": "year"}')
    assert parse_policy(str(toml)) == (("*phone*", MaskKind.PARTIAL), ("ssn", MaskKind.DROP))
    assert parse_policy(str(data)) == (("birth_*", MaskKind.YEAR),)
    with pytest.raises(PolicyError, match="use one of"):
        parse_policy("*email*=scramble-ish")
    with pytest.raises(PolicyError, match="cannot read"):
        parse_policy(str(tmp_path / "missing.toml"))


def test_scheduled_delivery_is_masked_by_policy(guarded: Settings) -> None:
    moments = [NOW]
    settings = guarded.model_copy(update={"smtp_url": MAIL_SET_UP})
    assistant = Assistant(settings, clock=lambda: moments[-1], mode="rules")
    assistant.start()
    chat = assistant.conversation(assistant.user_id("ana"), new=True)
    request = ExportRequest(
        intent=Intent.EXPORT, format=Format.CSV, target=Target.QUERY,
        query="SELECT id, name, email FROM customers", mask={"names": MaskKind.NONE},
    )  # fmt: skip
    spec = ScheduleSpec(cron="0 9 * * *", timezone="UTC", request=request,
                        destination=EmailDestination(to="ana@example.com"))  # fmt: skip
    service.create(chat.scope, spec)
    sent: list[ExportInfo] = []
    scheduler = Scheduler(assistant, lambda schedule, export, link, due_at: sent.append(export))
    moments.append(NOW + dt.timedelta(days=1))
    scheduler.tick()
    (export,) = sent
    assert export.path is not None
    text = Path(export.path).read_text("utf-8")
    assert text.splitlines()[0] == "id,name,email"
    assert not [email for email in source_values(settings, "email") if email in text]
    assert not [name for name in source_values(settings, "name") if name in text]
    assert any("hashed: name" in note for note in export.notes)
