"""The page driven headless with AppTest, every way people use it, over the real engine."""

from __future__ import annotations

import doctest
import logging
import threading
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import assistant.questions.runs as runs
import ui.table
import ui.text
from assistant import Conversation
from assistant.questions import DidYouMean, translate
from assistant.replies import ExportInfo
from tests.ui.conftest import APP
from ui import backend
from ui.errors import APOLOGY


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at


def say(at: AppTest, message: str) -> AppTest:
    at.chat_input[0].set_value(message).run()
    assert not at.exception, at.exception
    return at


def main_texts(at: AppTest) -> list[str]:
    """Every chat message's words, unescaped (the page escapes Markdown)."""
    return [
        *(
            text
            for message in at.chat_message
            for text in (
                [t.value for t in message.text]  # the person's words, shown as typed
                or [m.value.replace("\\", "") for m in message.markdown]
            )
        )
    ]


def main_downloads(at: AppTest) -> list[str]:
    """The download buttons' labels in the chat (not the sidebar's history)."""
    return [b.label for message in at.chat_message for b in message.get("download_button")]


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def sheet_rows(path: Path) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def exported(root: Path, suffix: str) -> list[Path]:
    return sorted((root / "files").glob(f"*/*{suffix}"))


def test_empty_page_invites_a_question(app_env: Path) -> None:
    at = start()
    assert [b.label for b in at.main.button][:1] == ["show orders from today"]
    assert any("No exports yet" in c.value for c in at.sidebar.caption)
    assert any("No templates yet" in c.value for c in at.sidebar.caption)
    assert any("No schedules yet" in c.value for c in at.sidebar.caption)
    assert [e.label.split(" · ")[0] for e in at.sidebar.expander] == [
        "customers", "order_items", "orders", "products",
    ]  # fmt: skip
    button(at, "show orders from today").click().run()
    assert len(at.dataframe) == 1


def test_show_then_export_as_spreadsheet(app_env: Path) -> None:
    at = say(start(), "show orders from today")
    assert main_texts(at) == ["show orders from today", "Orders from today: 10 rows."]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 10
    assert "10 rows." in [c.value for c in at.main.caption]

    say(at, "export this as a spreadsheet")
    (label,) = main_downloads(at)
    assert label.startswith("Download orders-") and label.endswith(".xlsx")
    assert any(c.value.startswith("Excel · ") and c.value.endswith(" · 10 rows")
               for c in at.main.caption)  # fmt: skip
    (path,) = exported(app_env, ".xlsx")
    assert path.name == label.removeprefix("Download ")
    assert len(sheet_rows(path)) == 11  # the header and every row, not just the preview
    # The table of the first answer is still replayed above the file.
    assert len(at.dataframe) == 1


def test_a_reload_continues_the_conversation_from_its_link(app_env: Path) -> None:
    first = say(say(start(), "show orders from today"), "export this as a spreadsheet")
    linked = first.query_params[backend.CONVERSATION_PARAM]
    assert linked
    reloaded = AppTest.from_file(APP, default_timeout=30)
    reloaded.query_params[backend.CONVERSATION_PARAM] = linked
    reloaded.run()
    assert not reloaded.exception
    assert main_texts(reloaded) == main_texts(first)
    assert len(reloaded.dataframe) == 1 and main_downloads(reloaded) == main_downloads(first)
    say(reloaded, "export it as csv")  # and it goes on from where it was
    assert main_downloads(reloaded)[-1].endswith(".csv")
    button(reloaded, "New chat").click().run()
    assert main_texts(reloaded) == [] and (
        reloaded.query_params[backend.CONVERSATION_PARAM] != linked
    )


def test_a_choice_answers_the_question(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "export it")
    assert "Excel" in [b.label for b in at.main.button]
    button(at, "Excel").click().run()
    assert not at.exception
    assert main_texts(at)[-2] == "Excel"
    (label,) = main_downloads(at)
    assert label.endswith(".xlsx")
    # The question was answered: its buttons stay, disabled.
    assert button(at, "CSV").disabled


def sql_shown(at: AppTest) -> list[tuple[str, bool, str]]:
    """Each chat message's SQL expanders: label, whether open, the code inside."""
    return [
        (e.label, e.proto.expanded, e.code[0].value)
        for message in at.chat_message
        for e in message.expander
    ]


def test_every_table_shows_its_sql_folded(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "what tables are there?")
    ((label, expanded, code),) = sql_shown(at)
    assert (label, expanded) == ("SQL", False)
    assert code.startswith("SELECT") and '"orders"' in code
    reloaded = AppTest.from_file(APP, default_timeout=30)  # replayed from the store
    reloaded.query_params[backend.CONVERSATION_PARAM] = at.query_params[backend.CONVERSATION_PARAM]
    reloaded.run()
    assert sql_shown(reloaded) == sql_shown(at)


def test_a_meant_question_is_asked_when_chosen(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meant = "customers in Germany"
    typo = DidYouMean("I know no “Germny”; did you mean Germany?", (meant,))
    monkeypatch.setattr(
        runs,
        "translate",
        lambda q, *a, **k: typo if q == "customers in Germny" else translate(q, *a, **k),
    )
    at = say(start(), "customers in Germny")
    button(at, meant).click().run()
    assert not at.exception
    assert main_texts(at)[-2:] == [meant, "Customers in Germany: 59 rows, showing the first 50."]
    assert button(at, meant).disabled


def test_everything_from_today_is_one_zip(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "show customers")
    say(at, "export everything from today")
    button(at, "CSV").click().run()  # as CSV files in a ZIP (as Excel it is one workbook)
    (label,) = main_downloads(at)
    assert label.endswith(".zip")
    assert len(exported(app_env, ".zip")) == 1


def _blocked_slot(release: threading.Event) -> None:
    """Fill the only export slot of the page's user until ``release`` is set."""
    assistant = backend.assistant(backend.settings())  # the page's own, from the cache
    user = str(assistant.user_id(backend.USER))
    assistant.runner.submit(user, "blocker", lambda control: release.wait(20))


def test_background_export_shows_progress_until_done(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_INLINE_EXPORT_ROWS", "1")
    monkeypatch.setenv("ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER", "1")
    at = say(start(), "show orders from today")
    release = threading.Event()
    _blocked_slot(release)
    try:
        say(at, "export this as csv")
        assert "in the background" in main_texts(at)[-1]
        (bar,) = at.main.get("progress")
        # The slot is held by a job that is no export of hers: nothing to wait for by name.
        assert bar.value == 0 and bar.text == "Starting…"
        assert "Starting now." in main_texts(at)[-1]
        assert "export history" not in main_texts(at)[-1]
        assert "Cancel export" in [b.label for b in at.main.button]
        assert not main_downloads(at)
    finally:
        release.set()
    deadline = time.monotonic() + 20
    while not main_downloads(at.run()) and time.monotonic() < deadline:
        time.sleep(0.1)
    (label,) = main_downloads(at)
    assert label.endswith(".csv") and not at.main.get("progress")
    assert len((exported(app_env, ".csv")[0]).read_text().splitlines()) == 11


def test_cancel_then_export_again(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_INLINE_EXPORT_ROWS", "1")
    monkeypatch.setenv("ASSISTANT_MAX_RUNNING_EXPORTS_PER_USER", "1")
    at = say(start(), "show orders from today")
    release = threading.Event()
    _blocked_slot(release)
    try:
        say(at, "export this as json")
        button(at, "Cancel export").click().run()
        assert not at.exception
        assert any("was cancelled" in c.value for c in at.main.caption)
        assert not at.main.get("progress")
    finally:
        release.set()
    button(at, "Export again").click().run()
    assert main_texts(at)[-2].startswith("Export again: JSON export ")
    assert main_texts(at)[-1].startswith("Retrying ")


def test_running_export_progress_and_cancel() -> None:
    """A running export's bar, rows and ETA, with a fake engine in place of the real one."""

    class FakeConversation:
        def __init__(self) -> None:
            self.cancelled: list[str] = []

        def export_status(self, export_id: str) -> ExportInfo:
            return ExportInfo(
                id=export_id, format="csv", status="running", rows=None, bytes=None,
                sha256=None, path=None, file_name=None, rows_done=200, rows_total=400,
                eta_seconds=3.0,
            )  # fmt: skip

        def cancel(self, export_id: str) -> bool:
            self.cancelled.append(export_id)
            return True

    def page(engine):  # type: ignore[no-untyped-def]  # runs alone: no imports of this file
        from assistant.replies import ExportInfo
        from ui.exports import show_export
        from ui.state import init_state

        queued = ExportInfo(id="e1", format="csv", status="queued", rows=None, bytes=None,
                            sha256=None, path=None, file_name=None)  # fmt: skip
        show_export(engine, init_state(), queued, key="k", link=lambda i, s: "")

    fake = FakeConversation()
    at = AppTest.from_function(page, args=(fake,)).run()
    assert not at.exception
    (bar,) = at.get("progress")
    assert bar.value == 50 and bar.text == "Exporting: 200 of 400 rows · about 3 s left"
    button(at, "Cancel export").click().run()
    assert fake.cancelled == ["e1"]


def test_sidebar_history_downloads_again(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "export this as a spreadsheet")
    say(at, "only id and total as csv")
    captions = [c.value for c in at.sidebar.caption if " done · " in c.value]
    assert captions[0].startswith(":material/check_circle: done · CSV · ")
    assert captions[1].startswith(":material/check_circle: done · Excel · ")
    labels = [b.label for b in at.sidebar.get("download_button")]
    assert labels[0].endswith(".csv") and labels[1].endswith(".xlsx")


def test_sidebar_history_exports_a_finished_file_again(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "export this as csv")
    next(b for b in at.sidebar.button if b.label == "Export again").click().run()
    assert not at.exception
    assert main_texts(at)[-2].startswith("Export again: orders-")
    downloads = main_downloads(at)
    assert len(downloads) == 2 and downloads[0] == downloads[1]  # same name, a new export
    assert len(exported(app_env, ".csv")) == 2


def test_preferences_are_saved_and_used(app_env: Path) -> None:
    at = start()
    selects = {s.label: s for s in at.sidebar.selectbox}
    assert selects["Default format"].value == "" and selects["Time zone"].value == ""
    selects["Default format"].set_value("xlsx")
    selects["CSV delimiter"].set_value(";")
    selects["Time zone"].set_value("Europe/Berlin")
    at.sidebar.checkbox[0].check()
    next(b for b in at.sidebar.button if b.label == "Save preferences").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Preferences saved."]

    assistant = backend.assistant(backend.settings())
    saved = assistant.conversation(assistant.user_id(backend.USER)).preferences()
    assert saved.default_format is not None and saved.default_format.value == "xlsx"
    assert saved.timezone == "Europe/Berlin"
    assert {k.value: v for k, v in saved.options.items()} == {
        "csv": {"delimiter": ";", "bom": True}
    }
    # The form shows what is saved, and the chat uses it: no question about the format.
    at.run()
    assert {s.label: s.value for s in at.sidebar.selectbox}["Default format"] == "xlsx"
    say(say(at, "show orders from today"), "export it")
    assert main_downloads(at)[0].endswith(".xlsx")


def test_chat_preference_shows_in_the_form(app_env: Path) -> None:
    at = say(start(), "always give me CSV")
    assert {s.label: s.value for s in at.sidebar.selectbox}["Default format"] == "csv"


def test_templates_in_the_sidebar(app_env: Path) -> None:
    at = say(say(start(), "show orders from today"), "export this as csv")
    say(at, "save this as template daily")
    use = next(b for b in at.sidebar.button if b.label == "Use")
    assert any("daily" in m.value for m in at.sidebar.markdown)
    use.click().run()
    assert not at.exception
    assert main_texts(at)[-2] == "export with template daily"
    assert main_downloads(at)[-1].endswith(".csv")


def test_missing_source_is_said_in_words(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SOURCE_URL", f"sqlite:///{app_env / 'missing.db'}")
    at = start()
    assert any("there is no SQLite database" in e.value for e in at.sidebar.error)
    say(at, "show orders")
    assert "there is no SQLite database" in main_texts(at)[-1]


def test_unreachable_store_is_said_in_words(monkeypatch: pytest.MonkeyPatch, app_env: Path) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    at = start()
    (error,) = at.error
    assert "Cannot migrate the store" in error.value and "ASSISTANT_DATABASE_URL" in error.value
    assert not at.chat_input


def test_unexpected_error_is_an_apology_with_a_logged_trace(
    app_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Conversation, message: str) -> None:
        raise RuntimeError("a bug")

    at = start()
    monkeypatch.setattr(Conversation, "handle", broken)
    with caplog.at_level(logging.ERROR, logger="ui.errors"):
        say(at, "show orders")
    assert [e.value for e in at.error] == [APOLOGY]
    assert "RuntimeError: a bug" in caplog.text


def test_new_chat_starts_over(app_env: Path) -> None:
    at = say(start(), "show orders from today")
    first = at.session_state["chat"].conversation_id
    next(b for b in at.sidebar.button if b.label == "New chat").click().run()
    assert not at.chat_message and at.session_state["chat"].conversation_id != first


@pytest.mark.parametrize("module", [ui.text, ui.table])
def test_docstring_examples(module: object) -> None:
    failed, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failed == 0


def test_large_files_download_through_the_api_link(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_PUBLIC_URL", "http://api.test:8000")
    monkeypatch.setattr("ui.exports.MEMORY_DOWNLOAD_LIMIT", 0)  # every file counts as large
    at = say(say(start(), "show orders from today"), "export this as a spreadsheet")
    assert not main_downloads(at)
    (link,) = at.main.get("link_button")
    assert link.proto.label.endswith(".xlsx")
    assert link.proto.url.startswith("http://api.test:8000/d/")


@pytest.mark.parametrize("example", ["what tables are there?", "top 5 products by price"])
def test_the_other_examples_answer(app_env: Path, example: str) -> None:
    at = start()
    button(at, example).click().run()
    assert not at.exception and len(main_texts(at)) == 2


def test_history_pages(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.sidebar.HISTORY_PAGE", 2)
    at = say(start(), "show orders from today")
    for format in ("csv", "tsv", "json"):
        say(at, f"export this as {format}")
    assert len(at.sidebar.get("download_button")) == 2  # a page
    next(b for b in at.sidebar.button if b.label == "Older").click().run()
    (last,) = at.sidebar.get("download_button")
    assert last.label.endswith(".csv")  # the oldest export
    assert next(b for b in at.sidebar.button if b.label == "Older").disabled


def test_schedules_in_the_sidebar(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SMTP_URL", "smtp://127.0.0.1:9")  # e-mail set up, not used
    at = say(start(), "show orders from today")
    say(at, "email me this as Excel every Monday at 9am to ana@example.com")
    (summary,) = [c.value.replace("\\", "") for c in at.sidebar.caption if "every" in c.value]
    assert "every Monday at 09:00" in summary and "Excel by email to ana@example.com" in summary
    next(b for b in at.sidebar.button if b.label == "Pause").click().run()
    assert not at.exception
    assert any("paused" in c.value for c in at.sidebar.caption)
    assert [b.label for b in at.sidebar.button if b.label in ("Pause", "Resume")] == ["Resume"]
    next(b for b in at.sidebar.button if (b.key or "").startswith("schedule-delete-")).click().run()
    assert any("No schedules yet" in c.value for c in at.sidebar.caption)


def test_the_chat_table_reads_as_people_write() -> None:
    """Times to the minute and numbers with separators on the page; ids as they are."""

    def page() -> None:  # runs alone: no imports of this file
        import streamlit as st

        from assistant import TablePreview
        from ui.table import column_config, frame

        preview = TablePreview(columns=["id", "placed_at", "total", "points"],
                               rows=[[7, "2026-12-06T00:04:40", "1234.50", 1234567]],
                               row_count=1)  # fmt: skip
        table = frame(preview)
        st.dataframe(table, column_config=column_config(table))

    at = AppTest.from_function(page).run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert list(shown.iloc[0][["placed_at", "total"]]) == ["2026-12-06 00:04", "1,234.50"]
    config = at.dataframe[0].proto.columns
    assert '"points"' in config and "localized" in config and '"id"' not in config


def test_the_persons_words_show_as_typed_and_the_chosen_answer_is_marked(app_env: Path) -> None:
    typed = "show orders where total <= 100 and *note* is _empty_"
    at = say(start(), typed)
    (shown,) = at.chat_message[0].text
    assert shown.value == typed and not at.chat_message[0].markdown
    say(at, "show orders from today")
    say(at, "export it")
    button(at, "CSV").click().run()
    assert not at.exception
    csv_button, excel = button(at, "CSV"), button(at, "Excel")
    assert csv_button.disabled and csv_button.proto.type == "primary"
    assert excel.disabled and excel.proto.type == "secondary"


def _past(at: AppTest) -> list[str]:
    return [b.label for b in at.sidebar.button if (b.key or "").startswith("past-")]


def test_past_conversations_are_listed_and_reopened(app_env: Path) -> None:
    at = say(start(), "show products")
    next(b for b in at.sidebar.button if b.label == "New chat").click().run()
    say(at, "show customers")
    assert _past(at) == ["show products"]
    next(b for b in at.sidebar.button if b.label == "show products").click().run()
    assert not at.exception
    assert main_texts(at)[0] == "show products" and len(at.chat_message) == 2
    assert _past(at) == ["show customers"]


@pytest.mark.parametrize(("running", "said"), [(1, "Queued: it starts"), (0, "Starting…")])
def test_a_queued_export_says_queued_only_behind_running_ones(running: int, said: str) -> None:
    class FakeConversation:
        def export_status(self, export_id: str) -> ExportInfo:
            return ExportInfo(id=export_id, format="csv", status="queued", rows=None, bytes=None,
                              sha256=None, path=None, file_name=None)  # fmt: skip

        def running_exports(self) -> int:
            return running

    def page(engine):  # type: ignore[no-untyped-def]  # runs alone: no imports of this file
        from assistant.replies import ExportInfo
        from ui.exports import show_export
        from ui.state import init_state

        queued = ExportInfo(id="e1", format="csv", status="queued", rows=None, bytes=None,
                            sha256=None, path=None, file_name=None)  # fmt: skip
        show_export(engine, init_state(), queued, key="k", link=lambda i, s: "")

    at = AppTest.from_function(page, args=(FakeConversation(),)).run()
    assert not at.exception
    (bar,) = at.get("progress")
    assert bar.text.startswith(said)
