"""The export plan in the chat (issue 21): rows, estimated size and caps said before a
large export runs; over ASSISTANT_CONFIRM_EXPORT_ROWS (100 here) or _BYTES it asks with
Export / Cancel, nothing recorded or spent until "yes"; below, it runs and says the plan
in one line."""

from __future__ import annotations

import csv
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant import Conversation, open_conversation
from assistant.conversation.confirming import reads_confirmation
from assistant.exports.plan import SAMPLE_ROWS, PlanPart, human_bytes, plan_export
from assistant.jobs.budget import ExportBudget
from assistant.jobs.rates import RateLimiter
from assistant.settings import Settings
from assistant.store import AuditEntry, Export
from exporters import export
from intents.models import ExportRequest, Format, Intent, Target
from tests.assistant.conftest import NOW

CONFIRM_ROWS = 100
ROOT = Path(__file__).resolve().parents[2]
#: The public corpora beside the repository (or beside the worktrees' folder).
SHARED = [ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
SIZE = re.compile(r"about ([\d.,]+) (bytes|KB|MB|GB)")
UNITS = {"bytes": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000}


@pytest.fixture
def asking(settings: Settings) -> Settings:
    return settings.model_copy(update={"confirm_export_rows": CONFIRM_ROWS})


@pytest.fixture
def chat(asking: Settings) -> Iterator[Conversation]:
    """Ana's conversation, asking before an export of more than 100 rows."""
    with open_conversation(asking, "ana", clock=lambda: NOW, mode="rules") as conversation:
        yield conversation


def _exports(chat: Conversation) -> int:
    with chat.scope.sessions() as session:
        return session.scalar(select(func.count()).select_from(Export)) or 0


def _audited(chat: Conversation) -> list[str]:
    with chat.scope.sessions() as session:
        return [str(a) for a in session.scalars(select(AuditEntry.action))]


def _said_bytes(text: str) -> float:
    found = SIZE.search(text)
    assert found, text
    return float(found[1].replace(",", "")) * UNITS[found[2]]


def test_over_the_threshold_the_plan_asks_and_records_nothing_until_yes(
    chat: Conversation,
) -> None:
    shown = chat.handle("show orders")
    assert shown.table is not None
    rows = shown.table.row_count
    assert rows > CONFIRM_ROWS
    audited = _audited(chat)
    asked = chat.handle("export this as csv")
    assert asked.export is None and asked.choices == ["Export", "Cancel"]
    assert asked.text.startswith(f"Export {rows:,} rows (about ") and "as CSV)?" in asked.text
    assert _exports(chat) == 0 and _audited(chat) == audited  # nothing recorded
    done = chat.handle("yes")
    assert done.export is not None and done.export.status == "done"
    assert done.export.rows == rows and done.export.path is not None
    with open(done.export.path, newline="", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == rows + 1  # header + every row
    # The estimate is the file's size, near enough to decide on (measured on 50 rows).
    actual = Path(done.export.path).stat().st_size
    assert 0.7 * actual <= _said_bytes(asked.text) <= 1.3 * actual


def test_cancel_exports_nothing_and_spends_nothing(asking: Settings) -> None:
    budget = ExportBudget(RateLimiter(1, 60.0), 2)  # one export a minute
    with open_conversation(asking, "ana", clock=lambda: NOW, mode="rules",
                           budget=budget) as chat:  # fmt: skip
        chat.handle("show orders")
        for no in ("Cancel", "no", "never mind", "nope, cancel", "cancle", "don't", "No thanks"):
            assert chat.handle("export this as json").choices == ["Export", "Cancel"]
            assert chat.handle(no).text == "Cancelled: nothing was exported.", no
        assert _exports(chat) == 0
        chat.handle("export this as json")
        assert chat.handle("go ahead").export is not None  # the one export of the minute


@pytest.mark.parametrize(
    "yes",
    ["Export", "yes", "Yes please", "go ahead", "ok, do it", "sure!", "yep", "proceed",
     "confirm", "go ahed", "Okay go ahead please", "yes, export it", "YES"],
)  # fmt: skip
def test_typed_confirmations_run_the_export(chat: Conversation, yes: str) -> None:
    chat.handle("show orders")
    assert chat.handle("export this as tsv").choices == ["Export", "Cancel"]
    done = chat.handle(yes)
    assert done.export is not None and done.export.status == "done", yes


def test_another_message_leaves_the_question_unanswered(chat: Conversation) -> None:
    chat.handle("show orders")
    assert chat.handle("export this as csv").choices == ["Export", "Cancel"]
    other = chat.handle("show customers")
    assert other.table is not None and other.export is None
    assert chat.handle("yes").export is None  # the question is no longer open
    assert _exports(chat) == 0


def test_a_confirmed_export_runs_exactly_as_asked(chat: Conversation) -> None:
    shown = chat.handle("show orders")
    assert shown.table is not None
    asked = chat.handle("only id and city as csv, semicolon separated")
    assert asked.choices == ["Export", "Cancel"], asked.text
    done = chat.handle("Export")
    assert done.export is not None and done.export.path is not None
    with open(done.export.path, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert table[0] == ["id", "city"] and len(table) == shown.table.row_count + 1


def test_a_question_and_its_export_in_one_message_asks_with_the_table(
    chat: Conversation,
) -> None:
    asked = chat.handle("export all orders as json")
    assert asked.table is not None and asked.sql is not None  # the result is shown
    assert asked.choices == ["Export", "Cancel"]
    done = chat.handle("yes")
    assert done.export is not None and done.export.rows == asked.table.row_count
    assert done.table is None  # the result was shown already; it is not run again


def test_the_byte_threshold_asks_too(settings: Settings) -> None:
    # 400 rows: under the rows' threshold, over 10 KB; over the inline export's rows (a
    # smaller export is written without a plan: about as quick as measuring one).
    update = {"confirm_export_bytes": 10_000, "inline_export_rows": 100}
    small = settings.model_copy(update=update)
    with open_conversation(small, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders")
        asked = chat.handle("export this as csv")
        assert asked.choices == ["Export", "Cancel"], asked.text
        assert _said_bytes(asked.text) > 10_000


def test_below_the_threshold_a_bundle_runs_and_says_its_plan(settings: Settings) -> None:
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        counts = []
        for question in ("show orders", "show customers", "show orders from today"):
            table = chat.handle(question).table
            assert table is not None
            counts.append(table.row_count)
        done = chat.handle("export everything from today as csv")
        assert done.export is not None and done.export.status == "done"
        line = re.search(r"Plan: 3 parts, ([\d,]+) rows, about .+ as CSV", done.text)
        assert line, done.text
        assert int(line[1].replace(",", "")) == sum(counts) == done.export.rows
        assert done.export.path is not None
        with zipfile.ZipFile(done.export.path) as bundle:
            files = [n for n in bundle.namelist() if n.endswith(".csv")]
            written = sum(bundle.getinfo(name).file_size for name in files)
    assert 0.7 * written <= _said_bytes(done.text) <= 1.3 * written


def test_a_large_bundle_lists_its_parts_and_asks(chat: Conversation) -> None:
    chat.handle("show orders")
    chat.handle("show customers")
    asked = chat.handle("export the last 2 results as csv")
    assert asked.choices == ["Export", "Cancel"], asked.text
    assert asked.text.startswith("Export 2 parts, ")
    assert "Parts: 01 " in asked.text and "; 02 " in asked.text
    assert chat.handle("ok").export is not None


def test_below_the_threshold_a_small_export_keeps_its_reply(settings: Settings) -> None:
    with open_conversation(settings, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders")
        done = chat.handle("export this as csv")
    assert done.export is not None and done.text.startswith("Here is your file")
    assert "Plan:" not in done.text  # a finished single file says its rows already


def _request(format: Format, **options: object) -> ExportRequest:
    return ExportRequest(
        intent=Intent.EXPORT, format=format, target=Target.LAST_RESULT, options=options
    )


def test_the_caps_excel_sheets_pdf_rows_and_the_row_limit(chat: Conversation) -> None:
    """A 3,060,840-row count on real rows: Excel splits into sheets, the PDF draws its cap,
    and the per-user limit says the export would be refused."""
    limited = chat.scope.replace(
        settings=chat.scope.settings.model_copy(update={"max_export_rows": 2_000_000})
    )
    part = PlanPart("orders", "SELECT * FROM orders", 3_060_840)
    excel = plan_export(limited, _request(Format.XLSX), [part])
    assert "3 sheets" in " ".join(excel.parts[0].caps)
    assert "at most 2,000,000 rows" in excel.details()
    assert excel.question().startswith("Export 3,060,840 rows (about ")
    pdf = plan_export(limited, _request(Format.PDF, max_rows=1_000), [part])
    assert "first 1,000 rows" in " ".join(pdf.parts[0].caps)
    drawn = plan_export(
        limited, _request(Format.PDF, max_rows=1_000), [PlanPart("o", part.sql, 1_000)]
    )
    assert pdf.bytes == drawn.bytes  # the PDF's size stops at its cap
    csv_plan = plan_export(limited, _request(Format.CSV), [part])
    per_row = csv_plan.parts[0].bytes_per_row
    assert per_row is not None and csv_plan.bytes is not None
    assert csv_plan.bytes == pytest.approx(per_row * 3_060_840, rel=0.01)
    assert not csv_plan.parts[0].caps


def test_masked_columns_are_said_and_measured_masked(asking: Settings) -> None:
    """The policy's masks and the ones said in the chat are in the plan's question, and the
    size is the masked file's (a hash is longer than most names, a dropped column is gone)."""
    policy = asking.model_copy(update={"mask_policy": "*email*=partial,birth_*=drop"})
    with open_conversation(policy, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders")
        asked = chat.handle("export this as csv and hash the customer names")
    assert asked.text.startswith("Export "), asked.text
    assert "Masked: " in asked.text and "(hashed)" in asked.text, asked.text
    part = PlanPart("customers", "SELECT * FROM customers", 100)
    with open_conversation(policy, "ana", clock=lambda: NOW, mode="rules") as chat:
        plan = plan_export(chat.scope, _request(Format.CSV), [part])
    assert "Masked: email (partially), birth_date (left out)." in plan.details()
    assert plan.bytes is not None and plan.parts[0].bytes_per_row is not None


def test_sizes_read_as_people_write_them() -> None:
    assert [human_bytes(n) for n in (0, 999, 1_000, 96_400, 409_600_000, 1_234_000_000)] == [
        "0 bytes", "999 bytes", "1.0 KB", "96 KB", "410 MB", "1.2 GB",
    ]  # fmt: skip


YES = ["yes", "yeah", "yep", "sure", "ok", "okay", "go ahead", "do it", "proceed", "confirm",
       "export", "export it", "continue", "yes go ahead", "ok do it", "export this one",
       "do that"]  # fmt: skip
NO = ["no", "nope", "cancel", "stop", "abort", "never mind", "don't", "do not", "no thanks",
      "skip", "no, cancel", "cancel it", "don't export", "cancel the export",
      "cancel that"]  # fmt: skip


def _typo(phrase: str) -> str:
    """The phrase's longest word (five letters or more) with two letters swapped."""
    words = phrase.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) < 5:
        return phrase
    words[longest] = word[0] + word[2] + word[1] + word[3:]
    return " ".join(words)


def _variants(phrases: list[str]) -> Iterator[str]:
    """Each phrase with politeness before or after, punctuation, case and a typo."""
    for phrase in phrases:
        for said in (phrase, _typo(phrase)):
            for polite in ("{}", "please {}", "{} please", "{}, thanks", "{} thank you"):
                for mark in ("", "!", ".", " :)"):
                    text = polite.format(said) + mark
                    yield from (text, text.upper(), text.capitalize())


@pytest.mark.parametrize(("phrases", "meaning"), [(YES, True), (NO, False)], ids=["yes", "no"])
def test_many_wordings_of_yes_and_no(phrases: list[str], meaning: bool) -> None:
    variants = list(_variants(phrases))
    assert len(variants) > 500
    wrong = [said for said in variants if reads_confirmation(said) is not meaning]
    assert wrong == []


def test_requests_of_the_intent_corpora_are_never_read_as_an_answer() -> None:
    """A message naming a format, a question, columns or a time is a new request, never a
    yes or a no to the plan (the repository's generated families and, when present, the
    shared development sets written by other people)."""
    files = [ROOT / "tests" / "intents" / "corpus" / "families.jsonl"]
    files += [path for folder in SHARED for path in folder.glob("intents-dev*.jsonl")]
    cases = [json.loads(line) for path in files for line in path.read_text().splitlines()]
    named = [
        case["message"]
        for case in cases
        if any(case["expect"].get(key) for key in ("format", "query", "columns", "cron", "since"))
    ]
    assert len(named) > 1_000
    assert [said for said in named if reads_confirmation(said) is not None] == []


def test_a_background_export_says_its_plan_in_one_line(settings: Settings) -> None:
    background = settings.model_copy(update={"inline_export_rows": 100})
    with open_conversation(background, "ana", clock=lambda: NOW, mode="rules") as chat:
        shown = chat.handle("show orders")
        assert shown.table is not None
        reply = chat.handle("export this as csv")
        assert reply.export is not None and "in the background" in reply.text
        for _ in range(600):
            done = chat.export_status(reply.export.id)
            if done.status == "done":
                break
            threading.Event().wait(0.1)
    assert f"That is {shown.table.row_count:,} rows" in reply.text
    assert done.bytes is not None  # 400 rows fit the sample: the estimate is the file's size
    assert reply.text.endswith(f" The file will be about {human_bytes(done.bytes)} as CSV.")


def test_a_yes_is_for_that_export_only(chat: Conversation) -> None:
    """The export keeps its request without the "yes": a template saved from it, or the
    same export asked for again, says its plan and asks again."""
    chat.handle("show orders")
    chat.handle("export this as csv")
    done = chat.handle("yes")
    assert done.export is not None
    with chat.scope.sessions() as session:
        stored = session.get(Export, done.export.id)
        assert stored is not None and stored.request["confirmed"] is False
    chat.handle("save this as template big-orders")
    again = chat.handle("export with template big-orders")
    assert again.choices == ["Export", "Cancel"], again.text


@pytest.mark.parametrize("format", list(Format), ids=lambda f: f.value)
def test_the_estimate_is_near_the_file_in_every_format(
    chat: Conversation, format: Format, tmp_path: Path
) -> None:
    """A result larger than the sample: the estimate within 15% of the file written."""
    sql = "SELECT * FROM order_items"
    with chat.scope.source.open(sql) as stream:
        result = export(stream, tmp_path / f"all.{format.value}", format)
    assert result.rows > SAMPLE_ROWS  # the estimate reaches past its sample
    plan = plan_export(chat.scope, _request(format), [PlanPart("items", sql, result.rows)])
    assert plan.bytes is not None
    assert 0.85 * result.bytes <= plan.bytes <= 1.15 * result.bytes, (plan.bytes, result.bytes)


def test_over_the_row_limit_it_is_refused_not_asked(asking: Settings) -> None:
    limited = asking.model_copy(update={"max_export_rows": 200})
    with open_conversation(limited, "ana", clock=lambda: NOW, mode="rules") as chat:
        chat.handle("show orders")
        refused = chat.handle("export this as csv")
        assert refused.choices is None and refused.export is None
        assert "at most 200" in refused.text, refused.text
        assert _exports(chat) == 0
