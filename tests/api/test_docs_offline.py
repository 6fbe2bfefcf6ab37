"""``/docs`` and ``/redoc`` load nothing from the network: every URL they name is ours."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from assistant.api.docs import ASSETS_URL

_URLS = re.compile(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_name_only_local_urls(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    html = answer.text
    assert "cdn." not in html and "fonts.googleapis" not in html
    urls = _URLS.findall(html)
    assert urls, html
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        assert client.get(url).status_code == 200, url
    assets = [url for url in urls if url.startswith(ASSETS_URL)]
    assert assets  # the scripts come from our own files
    for url in assets:
        if url.endswith(".js"):
            # The bundled scripts keep their licence notice, unchanged.
            assert client.get(url).text.startswith("/*! For license information")


def test_swagger_ui_asks_no_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_the_assets_are_outside_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(path.startswith(("/docs", "/redoc")) for path in paths)
