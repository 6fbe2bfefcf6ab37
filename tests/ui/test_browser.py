"""The chat in a real browser: Debian's headless Chromium driven by Playwright.

The API and the Streamlit page run as their own processes on free ports (started by
``python -m assistant up``, as ``make run`` does), with a tmp store, tmp files, a demo
shop whose last day is today, and download links pointing at that API. The test types
two messages, clicks the download button, reads the file back with openpyxl and keeps a
screenshot for the README; another renames and deletes a conversation from the sidebar's
menu (a popover: whether it stays open between runs only a browser shows). Without
Chromium or Playwright it skips with the reason; under CI=true it fails instead (the CI
script installs both).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.ui.conftest import Running, utc_today
from tests.ui.servers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "screenshots" / "chat.png"
SECONDS = 30_000  # Playwright counts milliseconds: the slowest step of a cold start


def _require_browser() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright is not installed (pip install -e '.[dev]')"
    else:
        reason = "" if CHROMIUM.exists() else f"no {CHROMIUM} (apt-get install -y chromium)"
    if not reason:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def servers(running_up: Running) -> Running:
    """The API and the chat in their own processes (as ``make run`` starts them)."""
    _require_browser()
    return running_up


def _orders_today(source: Path) -> int:
    """Counted here with sqlite3, apart from the engine."""
    with contextlib.closing(sqlite3.connect(source)) as db:
        day = utc_today().isoformat()
        (count,) = db.execute(
            "SELECT count(*) FROM orders WHERE date(created_at) = ?", (day,)
        ).fetchone()
    assert isinstance(count, int)
    return count


def test_chat_in_a_browser(servers: Running, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert httpx.get(f"{servers.api}/api/health").status_code == 200
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(servers.ui)
            prompt = page.get_by_test_id("stChatInputTextArea")
            prompt.fill("show orders from today")
            prompt.press("Enter")
            expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=SECONDS)
            prompt.fill("export this as a spreadsheet")
            prompt.press("Enter")
            button = page.get_by_test_id("stChatMessage").get_by_role(
                "button", name=re.compile(r"Download orders-.+\.xlsx")
            )
            expect(button).to_be_visible(timeout=SECONDS)
            with page.expect_download(timeout=SECONDS) as started:
                button.click()
            download = started.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOT)
        finally:
            browser.close()

    assert saved.name == f"orders-{utc_today().isoformat()}.xlsx"
    workbook = openpyxl.load_workbook(saved, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0][0] == "id"
    assert len(rows) - 1 == _orders_today(servers.source) >= 10
    assert all(isinstance(row[0], int) for row in rows[1:])
    assert dt.datetime.now(dt.UTC).date() == utc_today()  # the day did not turn meanwhile


def test_rename_then_delete_the_open_conversation_in_a_browser(servers: Running) -> None:
    """The sidebar's menu in a real browser: its popover stays open through the rename
    and the delete question, and deleting the open conversation empties the chat."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(servers.ui)
            prompt = page.get_by_test_id("stChatInputTextArea")
            prompt.fill("show products")
            prompt.press("Enter")
            expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=SECONDS)
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_text("Past conversations").click()
            open_row = sidebar.get_by_test_id("stHorizontalBlock").filter(has_text="· open")
            open_row.get_by_test_id("stPopover").get_by_role("button").click()
            menu = page.get_by_test_id("stPopoverBody")
            menu.get_by_label("Title").fill("Products for Ana")
            menu.get_by_role("button", name="Save").click()
            expect(sidebar.get_by_text("Products for Ana · open")).to_be_visible(timeout=SECONDS)
            expect(page.get_by_text("Renamed to “Products for Ana”.")).to_be_visible()
            menu.get_by_role("button", name="Delete").click()  # the menu stayed open
            question = "Delete “Products for Ana”? Its exports stay in your history."
            expect(menu.get_by_text(question)).to_be_visible(timeout=SECONDS)
            menu.get_by_role("button", name="Yes").click()
            expect(page.get_by_text("Deleted “Products for Ana”.")).to_be_visible(timeout=SECONDS)
            expect(page.get_by_test_id("stChatMessage")).to_have_count(0)
            expect(sidebar.get_by_text("Products for Ana")).to_have_count(0)
        finally:
            browser.close()
