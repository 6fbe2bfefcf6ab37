"""Serving export files: headers, Range/206/416, conditional requests, safe names and paths."""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import math
import os
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message

from assistant.api import download
from assistant.api.download import (
    FileStreamResponse,
    UnsafePath,
    content_disposition,
    file_response,
    safe_path,
)
from assistant.files.names import media_type_for

DATA = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable
SHA = hashlib.sha256(DATA).hexdigest()
ETAG = f'"{SHA}"'
NASTY_NAME = 'Bericht "Q4"\r\n../über;x.csv'


def make_app(path: Path, file_name: str = "report.csv", sha256: str = SHA) -> Starlette:
    async def serve(request: Request) -> Response:
        return file_response(
            path,
            file_name=file_name,
            sha256=sha256,
            media_type=media_type_for(file_name),
            request_headers=request.headers,
            method=request.method,
        )

    return Starlette(routes=[Route("/file", serve, methods=["GET", "HEAD"])])


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "exp_1"
    path.write_bytes(DATA)
    return path


@pytest.fixture
def client(data_file: Path) -> Iterator[TestClient]:
    with TestClient(make_app(data_file)) as test_client:
        yield test_client


# --- full responses and headers -----------------------------------------------------------


def test_full_response_has_every_header(client: TestClient) -> None:
    response = client.get("/file")
    assert response.status_code == 200
    assert response.content == DATA
    headers = response.headers
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-length"] == str(len(DATA))
    assert headers["etag"] == ETAG
    assert headers["accept-ranges"] == "bytes"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert headers["content-disposition"] == (
        "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"
    )
    assert "content-range" not in headers
    assert "last-modified" not in headers  # only our SHA-256 validator


def test_head_sends_headers_without_body_and_ignores_range(client: TestClient) -> None:
    response = client.head("/file", headers={"Range": "bytes=0-9"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["etag"] == ETAG


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    with TestClient(make_app(path)) as client:
        full = client.get("/file")
        assert (full.status_code, full.content, full.headers["content-length"]) == (200, b"", "0")
        ranged = client.get("/file", headers={"Range": "bytes=0-"})
        assert ranged.status_code == 416
        assert ranged.headers["content-range"] == "bytes */0"


# --- ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 10),  # first bytes
        ("bytes=100-199", 100, 200),  # middle
        ("bytes=-24", 1000, 1024),  # suffix
        ("bytes=1000-", 1000, 1024),  # open-ended
        ("bytes=1000-99999", 1000, 1024),  # last position past the end is clamped
        ("bytes=-5000", 0, 1024),  # suffix longer than the file: all of it
        ("bytes=1023-1023", 1023, 1024),  # the last byte
        ("BYTES = 5-6", 5, 7),  # unit is case-insensitive, whitespace allowed around
        ("bytes=5-6,", 5, 7),  # empty list elements are allowed
    ],
)
def test_single_range_is_partial_content(
    client: TestClient, header: str, start: int, end: int
) -> None:
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == DATA[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{len(DATA)}"
    assert response.headers["content-length"] == str(end - start)
    assert response.headers["etag"] == ETAG
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0", "bytes=" + "9" * 5000 + "-"]
)
def test_unsatisfiable_range_is_416(client: TestClient, header: str) -> None:
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=5-1",  # last before first
        "bytes=-",
        "bytes 0-9",  # no "="
        "items=0-9",  # unknown unit
        "bytes=+1-5",  # int() would accept these; the grammar does not
        "bytes=1_0-20",
        "bytes= 1 - 5",
        "bytes=0-1,5-9",  # several ranges: we answer the whole file (see module docs)
        "bytes=0-0,0-0",
        "bytes=" + ",".join(f"{i}-{i}" for i in range(17)),  # too many: not even parsed
        "",
    ],
)
def test_malformed_or_multiple_ranges_are_ignored(client: TestClient, header: str) -> None:
    response = client.get("/file", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == DATA
    assert "content-range" not in response.headers


def test_huge_suffix_and_last_positions_do_not_crash(client: TestClient) -> None:
    huge = "9" * 5000  # int() refuses > 4300 digits by default
    assert client.get("/file", headers={"Range": f"bytes=-{huge}"}).status_code == 206
    assert client.get("/file", headers={"Range": f"bytes=0-{huge}"}).content == DATA


# --- conditional requests ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [ETAG, f"W/{ETAG}", f'"nope", {ETAG}', "*"])
def test_if_none_match_is_304(client: TestClient, value: str) -> None:
    response = client.get("/file", headers={"If-None-Match": value, "Range": "bytes=0-9"})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == ETAG
    assert response.headers["cache-control"] == "no-store"
    assert "content-range" not in response.headers


def test_if_none_match_other_tag_sends_file(client: TestClient) -> None:
    response = client.get("/file", headers={"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert response.content == DATA


@pytest.mark.parametrize(
    "value",
    [
        '"something-else"',
        f"W/{ETAG}",  # If-Range needs a strong match
        "Wed, 21 Oct 2015 07:28:00 GMT",  # we send no Last-Modified, so dates never match
        SHA,  # unquoted: not an entity tag
    ],
)
def test_if_range_mismatch_sends_full_file(client: TestClient, value: str) -> None:
    response = client.get("/file", headers={"Range": "bytes=0-9", "If-Range": value})
    assert response.status_code == 200
    assert response.content == DATA


def test_if_range_match_sends_range(client: TestClient) -> None:
    response = client.get("/file", headers={"Range": "bytes=0-9", "If-Range": ETAG})
    assert response.status_code == 206
    assert response.content == DATA[:10]


# --- file names -------------------------------------------------------------------------------


def test_nasty_file_name_is_one_safe_header_line(data_file: Path) -> None:
    with TestClient(make_app(data_file, file_name=NASTY_NAME)) as client:
        response = client.get("/file")
    assert response.status_code == 200
    raw = [v for k, v in response.headers.raw if k.lower() == b"content-disposition"]
    assert len(raw) == 1
    value = raw[0].decode("ascii")  # all ASCII
    assert re.fullmatch(r"[\x20-\x7e]+", value), "printable ASCII only: no CR/LF, no controls"
    assert value.startswith('attachment; filename="')
    fallback = re.search(r'filename="([^"]*)"', value)
    assert fallback is not None
    assert fallback.group(1) == "uber_x.csv"
    # The standard library's MIME parser sees exactly two parameters and decodes filename*
    # (RFC 2231/5987) back to the original name minus its path part.
    message = email.message.Message()
    message["Content-Disposition"] = value
    assert message.get_content_disposition() == "attachment"
    params = message.get_params(header="content-disposition")
    assert params is not None
    assert [name for name, _ in params] == ["attachment", "filename", "filename"]
    assert params[1][1] == "uber_x.csv"
    extended = params[2][1]
    assert isinstance(extended, tuple), "the second is the extended filename* form"
    assert extended[0].lower() == "utf-8"
    assert email.utils.collapse_rfc2231_value(extended) == "über;x.csv"


@pytest.mark.parametrize(
    ("name", "fallback", "decoded"),
    [
        ("report.csv", "report.csv", "report.csv"),
        ("Q4 2024 (final).xlsx", "Q4 2024 (final).xlsx", "Q4 2024 (final).xlsx"),
        ("報告.pdf", "download.pdf", "報告.pdf"),
        ("Straße.csv", "Stra_e.csv", "Straße.csv"),
        ("a\\b\\c:d.csv", "c_d.csv", "c:d.csv"),  # Windows path parts too
        ("../../etc/passwd", "passwd", "passwd"),
        ("..", "download", "download"),
        ("", "download", "download"),
        (".hidden", "hidden", "hidden"),
        ("tab\there.csv", "tabhere.csv", "tabhere.csv"),
        ("evil\u202etxt.exe", "eviltxt.exe", "eviltxt.exe"),  # right-to-left override dropped
        ('100% "real".csv', "100_ _real_.csv", '100% "real".csv'),
        ("\U0001f600", "download", "\U0001f600"),
    ],
)
def test_content_disposition_names(name: str, fallback: str, decoded: str) -> None:
    value = content_disposition(name)
    assert re.fullmatch(r"[\x20-\x7e]+", value)
    assert value.startswith(f'attachment; filename="{fallback}"; ')
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9!#$&+.^_`|~%\-]+", encoded), "RFC 5987 attr-chars only"
    assert unquote(encoded, encoding="utf-8", errors="strict") == decoded


def test_long_names_are_shortened_keeping_the_extension() -> None:
    value = content_disposition("ü" * 500 + ".xlsx")
    decoded = unquote(value.split("filename*=UTF-8''", 1)[1])
    assert decoded.endswith(".xlsx")
    assert len(decoded.encode()) <= download.MAX_FILE_NAME_BYTES
    assert set(decoded[:-5]) == {"ü"}  # cut on a character boundary


# --- streaming and memory ---------------------------------------------------------------------


async def _serve(response: Response, method: str = "GET") -> list[Message]:
    """Run ``response`` as an ASGI app; keep body sizes, not bodies, so memory tells."""
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if "body" in message:
            message = {**message, "body": len(message["body"])}
        sent.append(message)

    scope = {"type": "http", "method": method, "asgi": {"spec_version": "2.4"}}
    await response(scope, receive, send)
    return sent


def test_large_file_streams_in_chunks_with_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 20 * 1024 * 1024
    path = tmp_path / "big"
    with path.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(1024 * 1024))
    chunk = 64 * 1024
    monkeypatch.setattr(FileStreamResponse, "chunk_size", chunk)
    start = 1000
    response = file_response(
        path,
        file_name="big.parquet",
        sha256="0" * 64,
        media_type=media_type_for("big.parquet"),
        request_headers={"range": f"bytes={start}-"},
    )

    # Warm up first: lazy imports and the worker thread would otherwise count as peak.
    small = file_response(path, file_name="b", sha256="0", media_type="x/y", request_headers={})
    anyio.run(_serve, small, "HEAD")
    tracemalloc.start()
    try:
        sent = anyio.run(_serve, response)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert sent[0]["status"] == 206
    bodies = [m["body"] for m in sent[1:]]
    assert sum(bodies) == size - start
    assert max(bodies) <= chunk
    assert len([b for b in bodies if b]) == math.ceil((size - start) / chunk)
    assert sent[-1]["more_body"] is False
    # About 0.2 MiB in practice; reading the file whole would be over 20 MiB.
    assert peak < 16 * chunk, f"peak {peak} bytes: the file must not be read whole"


def test_default_chunk_size_is_one_mebibyte() -> None:
    assert FileStreamResponse.chunk_size == 1024 * 1024


def test_file_deleted_before_sending_is_404(data_file: Path) -> None:
    response = file_response(
        data_file, file_name="x.csv", sha256=SHA, media_type="text/csv", request_headers={}
    )
    data_file.unlink()
    sent = anyio.run(_serve, response)
    assert sent[0]["status"] == 404


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        file_response(
            tmp_path / "nope", file_name="x", sha256=SHA, media_type="x/y", request_headers={}
        )
    with pytest.raises(ValueError):
        file_response(tmp_path, file_name="x", sha256=SHA, media_type="x/y", request_headers={})


# --- media types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("tsv", "text/tab-separated-values; charset=utf-8"),
        ("json", "application/json"),
        ("jsonl", "application/x-ndjson"),
        ("parquet", "application/vnd.apache.parquet"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("pdf", "application/pdf"),
        ("markdown", "text/markdown; charset=utf-8"),
        ("zip", "application/zip"),
        ("gz", "application/gzip"),
    ],
)
def test_media_type_for_every_format(name: str, expected: str) -> None:
    assert media_type_for(name) == expected
    assert media_type_for(f"report.{name}") == expected
    assert media_type_for(f"REPORT.{name.upper()}") == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.md", "text/markdown; charset=utf-8"),
        ("report.ndjson", "application/x-ndjson"),
        ("report.csv.gz", "application/gzip"),
        ("report.jsonl.gz", "application/gzip"),
        ("bundle.zip", "application/zip"),
        ("report.exe", "application/octet-stream"),
        ("report", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_media_type_for_suffixes(name: str, expected: str) -> None:
    assert media_type_for(name) == expected


# --- storage paths ----------------------------------------------------------------------------


def test_safe_path_accepts_paths_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    (root / "exp_1").mkdir(parents=True)
    (root / "exp_1" / "data.csv").write_text("x")
    (root / "alias").symlink_to(root / "exp_1")
    assert safe_path(root, "exp_1/data.csv") == (root / "exp_1" / "data.csv").resolve()
    assert safe_path(root, "exp_1/../exp_1/data.csv") == (root / "exp_1" / "data.csv").resolve()
    assert safe_path(root, "alias/data.csv") == (root / "exp_1" / "data.csv").resolve()
    assert safe_path(root, "not_yet_written") == root.resolve() / "not_yet_written"


@pytest.mark.parametrize(
    "relative",
    ["../secret", "exp_1/../../secret", "/etc/passwd", "", ".", "exp_1/..", "a\x00b", "out/x"],
)
def test_safe_path_refusals(tmp_path: Path, relative: str) -> None:
    root = tmp_path / "storage"
    (root / "exp_1").mkdir(parents=True)
    (tmp_path / "secret").write_text("no")
    (root / "out").symlink_to(tmp_path)  # a symlink leading outside the root
    with pytest.raises(UnsafePath) as caught:
        safe_path(root, relative)
    assert isinstance(caught.value, ValueError)
