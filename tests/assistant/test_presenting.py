"""A result as the chat presents it: its SQL, one value in words, one row, the filter that
emptied it, the reader's notes, and the questions it may have meant as choices.

Today's reader leaves ``said``, ``notes`` and ``probes`` empty, so these tests hand the
engine Translations of their own (``reading``) and run them for real over the demo shop.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

import assistant.questions.runs as runs
from assistant import Conversation, UserScope
from assistant.cli.chat import run_chat
from assistant.conversation.results import notes_text, value_text
from assistant.questions import Answer, DidYouMean, Translation, translate
from assistant.questions.replies import Probe
from assistant.replies import Reply
from assistant.settings import Settings
from assistant.source.datasource import Preview
from assistant.store import QueryRun, Role
from tests.assistant.conftest import NOW

GERMANY = "SELECT count(*) FROM customers WHERE country = 'Germany'"
BERLIN = GERMANY[:-1] + "' AND city = 'Berlin'"
NOBODY = BERLIN[:-1] + "' AND name = 'Nobody'"
BRAZIL = "SELECT * FROM customers WHERE country = 'Brazil'"
ASKED = "show customers please"  # read by the parser as a data question


def reading(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Answer]) -> None:
    """The reader answers ``answers`` for their questions, and as today otherwise."""

    def fake(question: str, *args: object, **kwargs: str) -> Answer:
        found = answers.get(question)
        return found if found is not None else translate(question, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runs, "translate", fake)


def one(monkeypatch: pytest.MonkeyPatch, chat: Conversation) -> Callable[[Translation], Reply]:
    """Ask ``chat`` a question the reader reads as the given Translation."""

    def ask(translation: Translation) -> Reply:
        reading(monkeypatch, {ASKED: translation})
        return chat.handle(ASKED)

    return ask


def recorded_sql(scope: UserScope) -> list[str]:
    """The SQL of every query run recorded, oldest first."""
    with scope.sessions() as session:
        return list(session.scalars(select(QueryRun.sql).order_by(QueryRun.created_at)))


# -- the SQL with every table ---------------------------------------------------------


def test_every_table_comes_with_the_sql_that_ran(chat: Conversation) -> None:
    shown = chat.handle("show orders from today")
    assert shown.table is not None and shown.sql == recorded_sql(chat.scope)[0]
    assert shown.sql.startswith("SELECT") and '"orders"' in shown.sql
    assert chat.handle("what tables are there?").sql is None  # no table, no SQL
    exported = chat.handle("export customers in Germany as csv")
    assert exported.table is not None and exported.export is not None
    assert exported.sql == recorded_sql(chat.scope)[1]
    replayed = [said for role, said in chat.transcript() if role is Role.ASSISTANT]
    assert replayed[0] == shown and replayed[2] == exported  # the SQL kept in memory


# -- one value, one row -----------------------------------------------------------------


def test_one_value_is_said_in_the_readers_sentence(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    ask = one(monkeypatch, chat)
    reply = ask(Translation(GERMANY, "Customers in Germany", said="There are {} customers."))
    assert reply.text == "There are 59 customers."
    assert reply.table is not None and reply.table.rows == [[59]] and reply.sql == GERMANY
    said = "The most loyalty points are {}."
    most = ask(Translation("SELECT max(loyalty_points) FROM customers", "Most points", said=said))
    assert most.text == "The most loyalty points are 9,223,372,036,854,775,807."
    average = ask(Translation("SELECT 28.8666 AS a", "Average", said="The average is {}."))
    assert average.text == "The average is 28.87."
    value = ask(Translation("SELECT lifetime_value FROM customers WHERE id = 1", "Value"))
    assert value.text == "Value: 4,990.99."
    born = ask(Translation("SELECT birth_date FROM customers WHERE id = 1", "Born", said="{}"))
    assert born.text == "1965-09-08"
    nothing = ask(Translation("SELECT max(total) FROM orders WHERE 0", "Biggest", said="It is {}."))
    assert nothing.text == "Biggest: there is no value (no rows matched, or none of them had one)."
    assert nothing.table is not None and nothing.table.rows == [[None]]


def test_one_value_without_a_sentence_is_title_and_value(chat: Conversation) -> None:
    reply = chat.handle("SELECT count(*) FROM customers")  # typed SQL: no sentence
    assert reply.text == "Your query: 100."
    assert reply.table is not None and reply.table.row_count == 1
    assert chat.handle("how many customers").text == "There are 100 customers."


def test_one_row_of_several_columns(monkeypatch: pytest.MonkeyPatch, chat: Conversation) -> None:
    reply = one(monkeypatch, chat)(
        Translation("SELECT id, name FROM customers WHERE id = 1", "Customer 1")
    )
    assert reply.text == "Customer 1: one row."
    assert reply.table is not None and reply.table.rows == [[1, "Zoë Saldaña"]]
    assert chat.handle("show orders from today").text == "Orders from today: 10 rows."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234, "1,234"),
        (-1234567, "-1,234,567"),
        (2**63 - 1, "9,223,372,036,854,775,807"),
        (28.8666, "28.87"),
        (3.0, "3"),
        (0.0004, "0.0004"),
        (float("nan"), "nan"),
        (decimal.Decimal("12345678901234567890.125"), "12,345,678,901,234,567,890.12"),
        (decimal.Decimal("9007199254740993.00"), "9,007,199,254,740,993"),
        (decimal.Decimal("0.00012"), "0.00012"),
        (dt.date(2026, 11, 18), "2026-11-18"),
        (dt.datetime(2026, 11, 18, 15, 30), "2026-11-18 15:30"),
        (False, "no"),
        ("Köln", "Köln"),
    ],
)
def test_values_for_people(value: object, text: str) -> None:
    assert value_text(value) == text


# -- notes ----------------------------------------------------------------------------


def test_notes_are_said_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    notes = ("“germny” read as “Germany”",)
    said = "There are {} customers."
    reply = one(monkeypatch, chat)(Translation(GERMANY, "Customers", said=said, notes=notes))
    assert reply.text == "There are 59 customers. I read “germny” as “Germany”."
    assert notes_text(()) is None
    assert notes_text(("“a” read as “b”", "no limit given, so 50 shown.")) == (
        "I read “a” as “b”; no limit given, so 50 shown."
    )
    assert notes_text(("x read as y", "z read as w", "u read as v")) == (
        "I read x as y, z as w and u as v."
    )


def test_a_run_carries_what_the_reader_said(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    probes = (Probe("in “Germany”", GERMANY),)
    said, notes = "There are {} customers.", ("“germny” read as “Germany”",)
    reading(monkeypatch, {"q": Translation(GERMANY, "G", said=said, notes=notes, probes=probes)})
    ran = chat.query("q")
    assert (ran.said, ran.notes, ran.probes, ran.row) == (said, notes, probes, (59,))
    assert chat.query("show customers").row is None


# -- the filter that emptied a result -----------------------------------------------------


def test_the_filter_that_left_nothing_is_named(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    ask = one(monkeypatch, chat)
    probes = (
        Probe("in “Germany”", GERMANY),
        Probe("in “Berlin”", BERLIN),
        Probe("named “Nobody”", NOBODY),
    )
    query = NOBODY.replace("count(*)", "*")
    reply = ask(Translation(query, "Customers", probes=probes, notes=("“nobdy” read as “Nobody”",)))
    berlin = chat.query(BERLIN, sql=True).table.rows[0][0]
    assert reply.text == (
        f"No rows: there are none named “Nobody” ({berlin} rows without that filter)."
        " I read “nobdy” as “Nobody”."
    )
    assert reply.table is not None and reply.table.row_count == 0 and reply.sql == query
    first = ask(Translation(BRAZIL, "Customers in Brazil", probes=(Probe("in “Brazil”", BRAZIL
                .replace("*", "count(*)")),)))  # fmt: skip
    assert first.text == "No rows: there are none in “Brazil”."


def test_probes_are_capped_and_never_break_the_reply(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    ask = one(monkeypatch, chat)
    many = tuple(Probe(f"filter {n}", GERMANY) for n in range(runs.MAX_PROBES))
    late = (*many, Probe("in “Brazil”", BRAZIL.replace("*", "count(*)")))
    ran: list[str] = []
    preview = chat.source.preview

    def counted(sql: str) -> Preview:
        ran.append(sql)
        return preview(sql)

    monkeypatch.setattr(chat.source, "preview", counted)
    assert ask(Translation(BRAZIL, "Customers in Brazil", probes=late)).text == (
        "Customers in Brazil: 0 rows."
    )
    assert ran.count(GERMANY) == runs.MAX_PROBES and len(ran) == runs.MAX_PROBES + 1

    broken = (Probe("in “Germany”", "DELETE FROM customers"), Probe("in “Brazil”", GERMANY))
    with caplog.at_level(logging.WARNING, logger="assistant.questions.runs"):
        reply = ask(Translation(BRAZIL, "Customers in Brazil", probes=broken))
    assert reply.text == "Customers in Brazil: 0 rows."
    assert any("could not be counted" in r.getMessage() for r in caplog.records)
    nonsense = (Probe("in “Germany”", "SELECT 'many'"),)
    assert ask(Translation(BRAZIL, "Customers in Brazil", probes=nonsense)).table is not None


# -- did you mean --------------------------------------------------------------------------


def test_did_you_mean_offers_questions_that_re_ask(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    meant = "customers in Germany"
    reading(monkeypatch, {"customers in Germny": DidYouMean("No “Germny”; Germany?", (meant,))})
    reply = chat.handle("customers in Germny")
    assert reply.text == "No “Germny”; Germany?" and reply.choices == [meant]
    assert reply.table is None and reply.sql is None
    again = chat.handle(meant)  # the choice, sent as the next message
    assert again.table is not None and again.table.row_count == 59


def test_a_chosen_question_is_not_an_answer_to_an_earlier_question(
    monkeypatch: pytest.MonkeyPatch, chat: Conversation
) -> None:
    meant = "customers in Germany"
    reading(monkeypatch, {"customers in Germny": DidYouMean("No “Germny”; Germany?", (meant,))})
    chat.handle("show orders from today")
    asked = chat.handle("export it")  # a question with answers: the export waits on it
    assert asked.choices and "CSV" in asked.choices
    reply = chat.handle("export customers in Germny as csv")
    assert reply.choices == [meant] and reply.export is None
    again = chat.handle(meant)  # a whole question: neither a format nor that export
    assert again.export is None and again.choices is None
    assert again.table is not None and again.table.row_count == 59


def test_the_terminal_json_carries_sql_words_and_choices(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSISTANT_SOURCE_URL", settings.source_url)
    monkeypatch.setenv("ASSISTANT_STORAGE_DIR", str(Path(settings.storage_dir)))
    said = "There are {} customers in Germany."
    reading(
        monkeypatch,
        {
            "germans": Translation(GERMANY, "Customers in Germany", said=said),
            "customers in Germny": DidYouMean("Did you mean Germany?", ("customers in Germany",)),
        },
    )
    lines = "show orders from today\ngermans\ncustomers in Germny\n"
    run_chat("ana", json_mode=True, now=NOW.isoformat(), tz="UTC", stdin=io.StringIO(lines))
    shown, germans, meant = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    store = create_engine(settings.database_url)
    try:
        with store.connect() as connection:
            recorded = connection.execute(select(QueryRun.sql).order_by(QueryRun.created_at))
            assert shown["sql"] == recorded.scalars().first()
    finally:
        store.dispose()
    assert shown["table"]["row_count"] == 10 and '"orders"' in shown["sql"]
    assert germans["text"] == "There are 59 customers in Germany." and germans["sql"] == GERMANY
    assert meant["choices"] == ["customers in Germany"] and meant["sql"] is None
