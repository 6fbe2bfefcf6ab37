"""The export plan's question in the browser chat: Export / Cancel as buttons (issue 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_app import button, main_downloads, main_texts, say, start


def test_the_plan_asks_with_buttons_and_export_runs_it(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CONFIRM_EXPORT_ROWS", "5")
    at = say(say(start(), "show orders"), "export this as csv")
    assert main_texts(at)[-1].startswith("Export ") and main_downloads(at) == []
    assert [b.label for b in at.main.button][-2:] == ["Export", "Cancel"]
    button(at, "Export").click().run()
    assert not at.exception
    (label,) = main_downloads(at)
    assert label.endswith(".csv")
    assert button(at, "Cancel").disabled  # answered: its buttons stay, disabled


def test_cancel_exports_nothing(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CONFIRM_EXPORT_ROWS", "5")
    at = say(say(start(), "show orders"), "export this as json")
    button(at, "Cancel").click().run()
    assert main_texts(at)[-1] == "Cancelled: nothing was exported."
    assert main_downloads(at) == []
