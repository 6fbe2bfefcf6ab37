"""The process's one LLM seam: configured by the settings, passed to every user of it.

The environment configures the LLM only through :class:`Settings` (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``ASSISTANT_LLM_MODEL``, ``ASSISTANT_LLM_TIMEOUT``, as before); the
process builds one seam from them and hands it to conversations and the scheduler (the
API's queries: tests/api/test_queries_llm.py). Nothing reads the environment per message.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator

import openai
import pytest
from pydantic import SecretStr, ValidationError

from assistant.process import Assistant, build_llm, open_conversation
from assistant.replies import ExportInfo
from assistant.schedules import service
from assistant.schedules.models import EmailDestination, ScheduleInfo, ScheduleSpec
from assistant.schedules.scheduler import Scheduler
from assistant.settings import Settings, load_settings
from assistant.store import RunStatus
from intents import ExportRequest, Format, Intent, Target
from intents.toolcall import DEFAULT_MODEL, DEFAULT_TIMEOUT, LLM, LLMConfig
from tests.assistant.conftest import MAIL_SET_UP, NOW
from tests.intents.openai_server import OpenAIServer, Reply, completion, tool_call

KEY = "sk-test-secret-key"
CANNOT = "which customers churned after their first refund?"  # the offline rules cannot read it
BY_COUNTRY = (
    'SELECT "country", COUNT(*) AS customers FROM "customers" '
    'GROUP BY "country" ORDER BY customers DESC'
)
LLM_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ASSISTANT_LLM_MODEL",
    "ASSISTANT_LLM_TIMEOUT",
)


def sql_call(sql: str = BY_COUNTRY, title: str = "Customers per country") -> Reply:
    return Reply(completion(tool_call("run_query", {"sql": sql, "title": title})))


@pytest.fixture
def llm(server: OpenAIServer) -> Iterator[LLM]:
    """A seam with a client of the test's own, pointing at the local server."""
    with openai.OpenAI(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        yield LLM(LLMConfig(api_key=KEY, base_url=server.base_url, timeout=5), client=client)


# --- the settings -------------------------------------------------------------------------


def test_the_environment_configures_the_llm_through_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-1")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("ASSISTANT_LLM_MODEL", "llama3.1")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "3")
    settings = load_settings()
    llm = build_llm(settings)
    assert llm.config == LLMConfig("sk-1", "http://localhost:11434/v1", "llama3.1", 3.0)
    assert llm.enabled
    for shown in (repr(settings), str(settings), settings.model_dump_json(), repr(llm)):
        assert "sk-1" not in shown


def test_without_llm_variables_there_is_no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert build_llm(settings).config == LLMConfig(None, None, DEFAULT_MODEL, DEFAULT_TIMEOUT)
    assert not build_llm(settings).enabled


def test_empty_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_VARIABLES:
        monkeypatch.setenv(name, " ")
    assert build_llm(load_settings()).config == LLMConfig(None, None, "gpt-4o-mini", 120.0)


def test_only_the_openai_names_carry_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "sk-prefixed")
    assert not build_llm(load_settings()).enabled


@pytest.mark.parametrize("timeout", ["soon", "0", "-1", "nan", "inf"])
def test_a_bad_timeout_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, timeout: str) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", timeout)
    with pytest.raises(ValidationError, match="llm_timeout"):
        load_settings()


def test_in_code_the_key_and_url_go_by_their_variable_names() -> None:
    settings = Settings(
        OPENAI_API_KEY="sk-code", OPENAI_BASE_URL="http://llm.test/v1", llm_timeout=2
    )
    assert build_llm(settings).config == LLMConfig("sk-code", "http://llm.test/v1", timeout=2.0)
    with pytest.raises(ValidationError, match="llm_timeout"):
        Settings(llm_timeout=0)
    with pytest.raises(ValidationError, match="OPENAI_API_KEY="):
        Settings(llm_api_key="sk-code")  # would otherwise be dropped without a word


# --- the process passes its one seam --------------------------------------------------------


def test_the_process_builds_one_seam_from_its_settings(
    server: OpenAIServer, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    from_env = Settings(  # the store and source as given, the LLM from the environment
        database_url=settings.database_url,
        source_url=settings.source_url,
        storage_dir=settings.storage_dir,
    )
    assistant = Assistant(from_env, clock=lambda: NOW)
    # Read once, at start: a variable changed later is not seen per message.
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    try:
        server.script(sql_call())
        chat = assistant.conversation(assistant.user_id("ana"), new=True)
        other = assistant.conversation(assistant.user_id("bo"), new=True)
        assert chat.llm is assistant.llm is other.llm
        reply = chat.handle(CANNOT)
    finally:
        assistant.close()
    assert reply.text.startswith("Customers per country: ")
    (sent,) = server.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-4o-mini"


def test_an_injected_seam_reads_messages_and_writes_sql(
    server: OpenAIServer, settings: Settings, llm: LLM
) -> None:
    unclear = "export this table of orders for the quarterly board meeting as the usual thing"
    server.script(
        sql_call(),
        Reply(completion(tool_call("export", {"format": "csv", "target": "last_result"}))),
    )
    with open_conversation(settings, "ana", clock=lambda: NOW, llm=llm) as chat:
        shown = chat.handle(CANNOT)
        exported = chat.handle(unclear)
    assert shown.table is not None and shown.table.columns == ["country", "customers"]
    assert exported.export is not None and exported.export.format == "csv"
    written, read = server.requests
    assert [tool["function"]["name"] for tool in written.body["tools"]] == ["run_query"]
    assert len(read.body["tools"]) == 6  # every intent tool


def test_a_conversation_closes_only_the_seam_it_built(settings: Settings, llm: LLM) -> None:
    with open_conversation(settings, "ana", clock=lambda: NOW, llm=llm) as chat:
        assert chat.llm is llm
    assert not llm.client().is_closed()
    keyed = settings.model_copy(update={"llm_api_key": SecretStr(KEY)})
    with open_conversation(keyed, "ana", clock=lambda: NOW) as own:
        assert own.llm is not llm
        client = own.llm.client()
    assert client.is_closed()


class Outbox:
    def __init__(self) -> None:
        self.sent: list[ExportInfo] = []

    def __call__(
        self, schedule: ScheduleInfo, export: ExportInfo, link: str, due_at: dt.datetime
    ) -> None:
        self.sent.append(export)


def test_the_scheduler_asks_through_the_process_seam(
    server: OpenAIServer, settings: Settings, llm: LLM
) -> None:
    settings = settings.model_copy(update={"smtp_url": MAIL_SET_UP})  # email schedules need it
    assistant = Assistant(settings, clock=lambda: NOW, llm=llm)
    try:
        assistant.start()
        chat = assistant.conversation(assistant.user_id("ana"), new=True)
        request = ExportRequest(
            intent=Intent.EXPORT, format=Format.CSV, target=Target.QUERY, query=CANNOT
        )
        spec = ScheduleSpec(
            cron="0 9 * * 1",
            timezone="UTC",
            request=request,
            destination=EmailDestination(to="ana@example.com"),
        )
        schedule = service.create(chat.scope, spec)
        server.script(sql_call())
        outbox = Outbox()
        fired = Scheduler(assistant, outbox).run_now(schedule.id)
    finally:
        assistant.close()
    assert fired.status is RunStatus.DONE
    (export,) = outbox.sent
    assert export.rows is not None and export.rows > 0
    (sent,) = server.requests
    assert sent.body["messages"][1] == {"role": "user", "content": CANNOT}


# --- laziness ---------------------------------------------------------------------------------


def test_a_message_the_rules_answer_never_imports_openai(settings: Settings) -> None:
    """The seam is built at start; ``openai`` (~0.4 s) waits for a message that asks it."""
    code = (
        "import datetime as dt, sys\n"
        "from assistant.process import open_conversation\n"
        "from assistant.settings import load_settings\n"
        "now = dt.datetime(2026, 11, 18, 15, 30, tzinfo=dt.UTC)\n"
        "with open_conversation(load_settings(), 'ana', clock=lambda: now) as chat:\n"
        "    assert chat.llm.enabled\n"
        "    typed = chat.handle('SELECT id, total FROM orders')\n"  # typed SQL: never sent
        "    helped = chat.handle('what can you do?')\n"
        "assert typed.table is not None and helped.text, (typed, helped)\n"
        "assert 'openai' not in sys.modules, 'openai was imported'\n"
    )
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))},
        "ASSISTANT_DATABASE_URL": settings.database_url,
        "ASSISTANT_SOURCE_URL": settings.source_url,
        "ASSISTANT_STORAGE_DIR": str(settings.storage_dir),
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=environ)
