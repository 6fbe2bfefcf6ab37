"""Each route's happy path over the real app, read back with independent readers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient

from assistant.settings import Settings
from tests.api.conftest import User


def _query(client: TestClient, user: User, **body: str) -> dict[str, object]:
    answer = client.post("/api/queries", json=body, headers=user.auth)
    assert answer.status_code == 201, answer.text
    result: dict[str, object] = answer.json()
    return result


def test_health_needs_no_key(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}


def test_chat_turns_keep_their_conversation(client: TestClient, ana: User) -> None:
    first = client.post("/api/chat", json={"message": "show customers"}, headers=ana.auth)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["reply"]["table"]["row_count"] == 100
    conversation = body["conversation_id"]
    second = client.post(
        "/api/chat", json={"message": "export this as csv", "conversation_id": conversation},
        headers=ana.auth,
    )  # fmt: skip
    export = second.json()["reply"]["export"]
    assert second.json()["conversation_id"] == conversation
    assert export["status"] == "done" and "path" not in export
    data = client.get(export["download_url"]).content  # the signed link: no key needed
    assert hashlib.sha256(data).hexdigest() == export["sha256"]
    assert len(list(csv.reader(io.StringIO(data.decode())))) == 101


def test_query_by_sql_and_by_question(client: TestClient, ana: User) -> None:
    by_sql = _query(client, ana, sql="SELECT id, name FROM customers WHERE id <= 3")
    assert by_sql["columns"] == ["id", "name"] and by_sql["row_count"] == 3
    assert [row[0] for row in by_sql["rows"]] == [1, 2, 3]  # type: ignore[attr-defined]
    by_question = _query(client, ana, question="how many customers")
    assert by_question["row_count"] == 1


def test_replies_carry_the_sql_that_ran(client: TestClient, ana: User) -> None:
    typed = "SELECT id, name FROM customers WHERE id <= 3"
    assert _query(client, ana, sql=typed)["sql"] == typed
    asked = _query(client, ana, question="how many customers")
    assert "count" in str(asked["sql"]).lower() and '"customers"' in str(asked["sql"])
    chat = client.post("/api/chat", json={"message": "how many customers"}, headers=ana.auth)
    reply = chat.json()["reply"]
    assert reply["text"] == "There are 100 customers." and reply["table"]["rows"] == [[100]]
    assert reply["sql"] == asked["sql"]
    tables = client.post("/api/chat", json={"message": "what tables are there?"}, headers=ana.auth)
    assert tables.json()["reply"]["sql"] is None
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert (
        "sql" in schema["QueryPublic"]["required"] and "sql" in schema["ReplyPublic"]["properties"]
    )


def test_a_query_that_would_write_is_rejected(client: TestClient, ana: User) -> None:
    answer = client.post("/api/queries", json={"sql": "DELETE FROM orders"}, headers=ana.auth)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "query_rejected"


def test_export_a_query_then_download_it(client: TestClient, ana: User) -> None:
    query = _query(client, ana, sql="SELECT id, name, email FROM customers")
    made = client.post(
        "/api/exports", headers=ana.auth,
        json={"query_id": query["id"], "format": "xlsx", "options": {"columns": ["name", "email"]}},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    export = made.json()
    assert export["status"] == "done" and export["rows_done"] == 100
    assert export["file_name"].endswith(".xlsx") and export["download_url"]
    answer = client.get(f"/api/exports/{export['id']}/download", headers=ana.auth)
    assert answer.status_code == 200
    assert answer.headers["etag"] == f'"{export["sha256"]}"'
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("name", "email") and len(rows) == 101
    again = client.get(f"/api/exports/{export['id']}", headers=ana.auth).json()
    # Each answer signs a fresh link (its timestamp may tick over); the rest is the same.
    assert again.pop("download_url") and export.pop("download_url")
    assert again == export


def test_export_by_sql_in_one_call(client: TestClient, ana: User) -> None:
    made = client.post(
        "/api/exports", headers=ana.auth,
        json={"sql": "SELECT * FROM products", "format": "json"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    data = client.get(made.json()["download_url"]).json()
    assert len(data) == made.json()["rows_done"] > 0


def test_bad_options_are_refused_before_anything_runs(client: TestClient, ana: User) -> None:
    made = client.post(
        "/api/exports", headers=ana.auth,
        json={"sql": "SELECT 1 AS one", "format": "csv", "options": {"delimiter": "x"}},
    )  # fmt: skip
    assert made.status_code == 400 and made.json()["error"]["code"] == "invalid_option"
    assert client.get("/api/exports", headers=ana.auth).json()["total"] == 0


def test_history_is_newest_first_and_filtered(client: TestClient, ana: User) -> None:
    for format in ("csv", "json", "csv"):
        client.post("/api/exports", headers=ana.auth,
                    json={"sql": "SELECT id FROM products", "format": format})  # fmt: skip
    page = client.get("/api/exports?per_page=2", headers=ana.auth).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["per_page"] == 2
    everything = client.get("/api/exports", headers=ana.auth).json()["items"]
    assert [e["format"] for e in everything] == ["csv", "json", "csv"][::-1]
    csvs = client.get("/api/exports?format=csv&status=done", headers=ana.auth).json()
    assert csvs["total"] == 2


def test_batch_as_zip_and_as_workbook(client: TestClient, ana: User) -> None:
    first = _query(client, ana, sql="SELECT * FROM customers")
    second = _query(client, ana, sql="SELECT * FROM products")
    ids = [first["id"], second["id"]]
    zipped = client.post("/api/exports/batch", headers=ana.auth,
                         json={"query_ids": ids, "format": "csv"}).json()  # fmt: skip
    bundle = zipfile.ZipFile(io.BytesIO(client.get(zipped["download_url"]).content))
    manifest = json.loads(bundle.read("manifest.json"))
    assert [entry["query_run_id"] for entry in manifest["files"]] == ids
    book = client.post(
        "/api/exports/batch",
        headers=ana.auth,
        json={"query_ids": ids, "format": "xlsx", "bundle": "workbook"},
    ).json()
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(book["download_url"]).content))
    assert workbook.sheetnames == ["01 customers", "02 products", "Queries", "Notes"]
    window = client.post(
        "/api/exports/batch",
        headers=ana.auth,
        json={"since": "2000-01-01T00:00:00Z", "format": "json"},
    )
    assert window.status_code == 201, window.text
    assert window.json()["rows_done"] == zipped["rows_done"]


def test_delete_removes_the_file_and_its_link(
    client: TestClient, ana: User, settings: Settings
) -> None:
    export = client.post(
        "/api/exports", headers=ana.auth, json={"sql": "SELECT * FROM products", "format": "csv"}
    ).json()
    folder = settings.storage_dir / export["id"]
    assert folder.is_dir()
    assert client.delete(f"/api/exports/{export['id']}", headers=ana.auth).status_code == 204
    assert not folder.exists()
    assert client.get(f"/api/exports/{export['id']}", headers=ana.auth).status_code == 404
    assert client.get(export["download_url"]).status_code == 404


def test_retry_runs_an_export_again(client: TestClient, ana: User, settings: Settings) -> None:
    export = client.post(
        "/api/exports", headers=ana.auth, json={"sql": "SELECT * FROM products", "format": "csv"}
    ).json()
    refused = client.post(f"/api/exports/{export['id']}/retry", headers=ana.auth)
    assert refused.status_code == 409  # done: nothing to retry
    path = settings.storage_dir / export["id"] / export["file_name"]
    path.unlink()  # as if it expired
    _expire(settings, export["id"])
    again = client.post(f"/api/exports/{export['id']}/retry", headers=ana.auth)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "done" and again.json()["sha256"] == export["sha256"]
    assert Path(path).is_file()


def _expire(settings: Settings, export_id: str) -> None:
    from assistant.store import Export, ExportStatus, create_store_engine, session_factory

    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            row = session.get(Export, export_id)
            assert row is not None
            row.status = ExportStatus.EXPIRED
            row.file_path = None
    finally:
        engine.dispose()


def test_preferences_round_trip(client: TestClient, ana: User) -> None:
    assert client.get("/api/preferences", headers=ana.auth).json() == {
        "default_format": None, "options": {}, "timezone": None,
    }  # fmt: skip
    saved = {"default_format": "xlsx", "options": {"csv": {"delimiter": ";"}},
             "timezone": "Europe/Berlin"}  # fmt: skip
    assert client.put("/api/preferences", json=saved, headers=ana.auth).json() == saved
    assert client.get("/api/preferences", headers=ana.auth).json() == saved
    bad = client.put("/api/preferences", json={"options": {"csv": {"delimiter": "x"}}},
                     headers=ana.auth)  # fmt: skip
    assert bad.status_code == 422 and "delimiter" in bad.json()["error"]["message"]


def test_templates_are_shared_read_only(client: TestClient, ana: User, bo: User) -> None:
    body = {"name": "weekly", "shared": True,
            "request": {"intent": "export", "format": "csv", "target": "query",
                        "query": "show orders"}}  # fmt: skip
    made = client.put("/api/templates", json=body, headers=ana.auth)
    assert made.status_code == 200, made.text
    seen = client.get("/api/templates", headers=bo.auth).json()
    assert [(t["name"], t["mine"]) for t in seen] == [("weekly", False)]
    assert client.delete(f"/api/templates/{made.json()['id']}", headers=bo.auth).status_code == 404
    assert client.delete(f"/api/templates/{made.json()['id']}", headers=ana.auth).status_code == 204


def test_an_export_says_what_its_file_could_not_hold_exactly(client: TestClient, ana: User) -> None:
    sql = "SELECT c.id, c.name, o.id, o.total FROM customers c JOIN orders o ON o.customer_id=c.id"
    made = client.post("/api/exports", headers=ana.auth, json={"sql": sql, "format": "json"})
    assert made.status_code == 201, made.text
    export = made.json()
    assert export["notes"] == [
        "repeated column names were made unique: column 3 (id) is named id_2"
    ]
    assert (
        client.get(f"/api/exports/{export['id']}", headers=ana.auth).json()["notes"]
        == (export["notes"])
    )
    body = client.get(f"/api/exports/{export['id']}/download", headers=ana.auth).json()
    assert set(body[0]) == {"id", "name", "id_2", "total"} and body[0]["id"] != body[0]["id_2"]
