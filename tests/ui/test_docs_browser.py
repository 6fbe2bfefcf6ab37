"""``/docs`` and ``/redoc`` render their operations in Chromium with every other host cut
off: nothing is fetched from a CDN (skips without Chromium or Playwright, like
test_browser.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.ui.conftest import Running
from tests.ui.test_browser import CHROMIUM, SECONDS, _require_browser

#: ReDoc's "API docs by Redocly" attribution asks for its logo, and hides it when that
#: fails; it is the one request to elsewhere, and the page does not need it.
_ATTRIBUTION = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.mark.parametrize(
    ("page_path", "operation"),
    [
        ("/docs", ".opblock-summary-path[data-path='/api/exports']"),
        ("/redoc", 'text="/api/exports"'),
    ],
)
def test_documentation_renders_offline(running_up: Running, page_path: str, operation: str) -> None:
    _require_browser()
    from playwright.sync_api import Route, sync_playwright

    ours = urlsplit(running_up.api).netloc
    elsewhere: list[str] = []

    def only_ours(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:  # the network is off for everything else
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_ours)
            page.goto(f"{running_up.api}{page_path}")
            page.locator(operation).first.wait_for(timeout=SECONDS)
        finally:
            browser.close()
    assert [url for url in elsewhere if url != _ATTRIBUTION] == []
