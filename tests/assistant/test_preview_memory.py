"""A preview's memory is bounded: a huge single value is never held whole in this process.

Each case runs in a fresh interpreter that reports its peak RSS growth (``ru_maxrss``)
across one preview, so one test's garbage cannot hide another's peak.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

#: Peak RSS growth allowed for one preview of a huge value (it held 0.6-1.1 GB before).
BOUND_MB = 100

_CHILD = """
import json, resource, sys
from assistant.source.datasource import DataSource
url, sql = sys.argv[1], sys.argv[2]
source = DataSource(url)
source.preview("SELECT 1")  # imports and first connection outside the measure
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    preview = source.preview(sql)
    outcome = {"cell": len(str(preview.rows[0][0])), "rows": len(preview.rows)}
except Exception as exc:
    outcome = {"error": type(exc).__name__, "message": str(exc)}
outcome["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(outcome))
"""


def _preview_in_child(url: str, sql: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, url, sql],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    outcome: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("huge") / "huge.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (a)")
    db.close()
    return f"sqlite:///{path}"


def test_a_300_mb_sqlite_blob_is_refused_without_being_built(sqlite_url: str) -> None:
    outcome = _preview_in_child(sqlite_url, "SELECT zeroblob(300000000) AS b")
    assert outcome["error"] == "BadInput"
    assert "export the query" in str(outcome["message"])
    assert float(str(outcome["grew_mb"])) < BOUND_MB


def test_a_large_sqlite_value_under_the_limit_is_previewed_cut(sqlite_url: str) -> None:
    outcome = _preview_in_child(sqlite_url, "SELECT printf('%.*c', 8000000, 'x') AS t, 1 AS n")
    assert "error" not in outcome, outcome
    assert int(str(outcome["cell"])) < 3000  # the cut start and the marker
    assert float(str(outcome["grew_mb"])) < BOUND_MB


def test_a_200_mb_postgres_text_is_cut_in_the_server(postgres_url: str) -> None:
    url = postgres_url
    outcome = _preview_in_child(url, "SELECT repeat('x', 200000000) AS t, 1 AS n")
    assert "error" not in outcome, outcome
    assert int(str(outcome["cell"])) < 3000
    assert float(str(outcome["grew_mb"])) < BOUND_MB


def test_a_200_mb_postgres_bytea_is_cut_in_the_server(postgres_url: str) -> None:
    outcome = _preview_in_child(postgres_url, "SELECT convert_to(repeat('x', 200000000), 'UTF8')")
    assert "error" not in outcome, outcome
    assert int(str(outcome["cell"])) < 5000  # hex of the cut start, and the marker
    assert float(str(outcome["grew_mb"])) < BOUND_MB
