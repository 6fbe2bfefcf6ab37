"""Past conversations in the sidebar, renamed and deleted, driven headless over the engine."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assistant import load_settings, open_conversation
from tests.ui.conftest import APP
from tests.ui.test_app import main_texts, say, start
from ui import backend
from ui.state import PAST_PAGE


def _past(at: AppTest) -> dict[str, str]:
    """The listed conversations one can open: title by id (the open one is not a link)."""
    return {
        (b.key or "").removeprefix("past-"): b.label
        for b in at.sidebar.button
        if (b.key or "").startswith("past-")
    }


def _open_id(at: AppTest) -> str:
    value = at.query_params[backend.CONVERSATION_PARAM]
    return value if isinstance(value, str) else value[0]


def _click(at: AppTest, key: str) -> AppTest:
    at.sidebar.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _two_chats() -> tuple[AppTest, str]:
    """Products, then customers (open): the page and the products conversation's id."""
    at = say(start(), "show products")
    products = _open_id(at)
    _click(at, next(b.key for b in at.sidebar.button if b.label == "New chat"))
    say(at, "show customers")
    return at, products


def _notices(at: AppTest) -> list[str]:
    return [s.value for s in at.success] + [e.value for e in at.error]


def test_a_renamed_conversation_shows_its_new_title(app_env: Path) -> None:
    at, products = _two_chats()
    assert _past(at) == {products: "show products"}
    at.sidebar.text_input(key=f"rename-{products}").set_value("  Product list  ")
    _click(at, f"FormSubmitter:rename-form-{products}-Save")
    assert _past(at) == {products: "Product list"}
    assert "Renamed to “Product list”." in _notices(at)
    at.sidebar.text_input(key=f"rename-{_open_id(at)}").set_value("Customers\tall")
    _click(at, f"FormSubmitter:rename-form-{_open_id(at)}-Save")
    assert any("1 to 200 characters on one line" in text for text in _notices(at))
    assert any("**show customers** · open" in m.value for m in at.sidebar.markdown)
    again = AppTest.from_file(APP, default_timeout=30).run()  # a fresh session
    assert list(_past(again).values())[-1] == "Product list"


def test_delete_asks_first_then_removes_it_and_its_exports_stay(app_env: Path) -> None:
    at = say(start(), "show products")
    say(at, "export this as csv")
    products = _open_id(at)
    _click(at, next(b.key for b in at.sidebar.button if b.label == "New chat"))
    say(at, "show customers")
    _click(at, f"delete-{products}")
    assert any(
        m.value == "Delete “show products”? Its exports stay in your history."
        for m in at.sidebar.markdown
    )
    _click(at, f"delete-no-{products}")  # Cancel: nothing deleted, no question left
    assert _past(at) == {products: "show products"}
    assert not [b for b in at.sidebar.button if (b.key or "").startswith("delete-yes-")]
    _click(at, f"delete-{products}")
    _click(at, f"delete-yes-{products}")
    assert _past(at) == {}
    assert main_texts(at)[0] == "show customers"  # the open chat goes on
    (download,) = at.sidebar.get("download_button")  # the export made there is kept
    (file,) = (app_env / "files").glob("*/products-*.csv")
    assert download.label == f"Download {file.name}"
    rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8-sig"))))
    assert any(f" · {len(rows) - 1} rows · " in c.value for c in at.sidebar.caption)
    assert any("Deleted “show products”." in text for text in _notices(at))


def test_deleting_the_open_conversation_starts_a_new_chat(app_env: Path) -> None:
    at, products = _two_chats()
    customers = _open_id(at)
    _click(at, f"delete-{customers}")
    _click(at, f"delete-yes-{customers}")
    assert not at.chat_message and _open_id(at) not in (customers, products)
    assert _past(at) == {products: "show products"}
    say(at, "show orders from today")  # the new chat answers
    assert main_texts(at)[0] == "show orders from today"
    assert set(_past(at)) == {products}


def test_more_than_a_page_of_conversations_shows_more(app_env: Path) -> None:
    start()  # builds the demo and migrates the store
    for number in range(PAST_PAGE + 1):
        with open_conversation(load_settings(), backend.USER, mode="rules") as chat:
            chat.handle(f"show products {number}")
    at = start()
    assert len(_past(at)) == PAST_PAGE
    _click(at, "conversations-more")
    titles = list(_past(at).values())
    assert len(titles) == PAST_PAGE + 1 and titles[-1] == "show products 0"
