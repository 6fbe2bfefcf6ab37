"""`python -m assistant demo` and `build_demo`: the contract, the data's promises, no half files."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import build_parser
from assistant.source.demo import build_demo

ANCHOR = dt.date(2026, 11, 18)
ROWS = 500
CENT = Decimal("0.01")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def rows(db: Path, sql: str) -> list[Any]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql).fetchall()


def dump(db: Path) -> str:
    with closing(sqlite3.connect(db)) as connection:
        return "\n".join(connection.iterdump())


def exact(value: object) -> Decimal:
    """The decimal a reader gets from a stored amount (an int or a double)."""
    return Decimal(repr(value))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("demo") / "nested" / "folder" / "demo.db"
    result = run("demo", "--rows", str(ROWS), "--out", str(path), "--today", ANCHOR.isoformat())
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{path}\n", "")
    yield path


def test_default_path_is_var_demo_db_under_the_working_folder(tmp_path: Path) -> None:
    result = run("demo", "--rows", "20", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{tmp_path / 'var' / 'demo.db'}\n"
    assert rows(tmp_path / "var" / "demo.db", "SELECT count(*) FROM orders") == [(20,)]
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["demo.db"]


def test_tables_have_declared_types(demo: Path) -> None:
    declared = {
        table: [(r[1], r[2]) for r in rows(demo, f"PRAGMA table_info({table})")]
        for table in ("customers", "products", "orders", "order_items")
    }
    assert declared == {
        "customers": [
            ("id", "INTEGER"), ("name", "TEXT"), ("email", "TEXT"), ("city", "TEXT"),
            ("country", "TEXT"), ("signed_up_at", "DATETIME"), ("birth_date", "DATE"),
            ("is_vip", "BOOLEAN"), ("lifetime_value", "DECIMAL(12,2)"),
            ("loyalty_points", "BIGINT"), ("notes", "TEXT"),
        ],
        "products": [
            ("id", "INTEGER"), ("sku", "TEXT"), ("name", "TEXT"), ("category", "TEXT"),
            ("price", "DECIMAL(10,2)"), ("weight_kg", "REAL"), ("in_stock", "BOOLEAN"),
            ("added_on", "DATE"),
        ],
        "orders": [
            ("id", "INTEGER"), ("customer_id", "INTEGER"), ("created_at", "DATETIME"),
            ("order_date", "DATE"), ("status", "TEXT"), ("city", "TEXT"),
            ("total", "DECIMAL(12,2)"), ("discount", "DECIMAL(5,2)"), ("shipped", "BOOLEAN"),
            ("note", "TEXT"),
        ],
        "order_items": [
            ("id", "INTEGER"), ("order_id", "INTEGER"), ("product_id", "INTEGER"),
            ("quantity", "INTEGER"), ("unit_price", "DECIMAL(10,2)"),
        ],
    }  # fmt: skip


def test_row_counts_and_references(demo: Path) -> None:
    assert rows(demo, "SELECT count(*) FROM orders") == [(ROWS,)]
    assert rows(demo, "SELECT count(*) FROM customers") == [(100,)]
    assert rows(demo, "SELECT count(*) FROM products") == [(200,)]
    assert rows(demo, "SELECT count(DISTINCT order_id) FROM order_items") == [(ROWS,)]
    orphans = """
        SELECT count(*) FROM order_items i
        LEFT JOIN orders o ON o.id = i.order_id LEFT JOIN products p ON p.id = i.product_id
        LEFT JOIN customers c ON c.id = o.customer_id
        WHERE o.id IS NULL OR p.id IS NULL OR c.id IS NULL
    """
    assert rows(demo, orphans) == [(0,)]


def test_same_seed_rows_and_day_give_the_same_data(demo: Path, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again.db", ROWS, today=ANCHOR)
    other_seed = build_demo(tmp_path / "other.db", ROWS, seed=7, today=ANCHOR)
    assert dump(again) == dump(demo)
    assert dump(other_seed) != dump(demo)


def test_values_that_break_naive_exporters_are_present(demo: Path) -> None:
    names = [str(r[0]) for r in rows(demo, "SELECT name FROM customers")]
    notes = [
        r[0] for r in rows(demo, "SELECT note FROM orders UNION ALL SELECT notes FROM customers")
    ]
    text = [str(n) for n in names + notes if n]
    assert any(re.search("[а-яА-Я]", t) for t in names)
    assert any(re.search("[\u4e00-\u9fff]", t) for t in names)  # CJK ideographs
    assert any(re.search("[\uac00-\ud7af]", t) for t in names)  # Hangul
    assert any(re.search("[éëñüöł]", t) for t in names)
    for needle in ['"', ",", "\n", "\r\n", "🎁"]:
        assert any(needle in t for t in text), needle
    for lead in "=+-@\t":
        assert any(t.startswith(lead) for t in text), lead
    for column, table in [("note", "orders"), ("notes", "customers")]:
        kinds = rows(demo, f"SELECT DISTINCT {column} IS NULL, {column} = '' FROM {table}")
        assert {(1, None), (0, 1), (0, 0)} <= set(kinds), column
    points = {r[0] for r in rows(demo, "SELECT loyalty_points FROM customers")}
    assert {2**53 + 1, 2**63 - 1} <= points
    assert rows(demo, "SELECT count(*) FROM products WHERE sku LIKE '0%'") != [(0,)]


def test_amounts_are_exact_cents_and_add_up(demo: Path) -> None:
    amounts = rows(
        demo,
        "SELECT total FROM orders UNION ALL SELECT discount FROM orders WHERE discount IS NOT NULL"
        " UNION ALL SELECT unit_price FROM order_items UNION ALL SELECT price FROM products"
        " UNION ALL SELECT lifetime_value FROM customers",
    )
    assert all(exact(a) == exact(a).quantize(CENT) for (a,) in amounts)
    items: dict[object, Decimal] = {}
    for order_id, quantity, price in rows(
        demo, "SELECT order_id, quantity, unit_price FROM order_items"
    ):
        items[order_id] = items.get(order_id, Decimal(0)) + int(quantity) * exact(price)
    lifetime: dict[object, Decimal] = {}
    for order_id, customer, total, discount, status in rows(
        demo, "SELECT id, customer_id, total, discount, status FROM orders"
    ):
        off = exact(discount) / 100 if discount is not None else Decimal(0)
        subtotal = items[order_id]
        expected = subtotal - (subtotal * off).quantize(CENT, ROUND_HALF_UP)
        assert exact(total) == expected, order_id
        if status not in ("cancelled", "refunded"):
            lifetime[customer] = lifetime.get(customer, Decimal(0)) + exact(total)
    for customer, value in rows(demo, "SELECT id, lifetime_value FROM customers"):
        assert exact(value) == lifetime.get(customer, Decimal(0)), customer


def test_orders_span_the_year_up_to_the_anchor_day(demo: Path) -> None:
    orders = rows(demo, "SELECT id, created_at, order_date, city, shipped, status FROM orders")
    moments = [dt.datetime.fromisoformat(str(r[1])) for r in orders]
    assert [r[0] for r in orders] == list(range(1, ROWS + 1))
    assert moments == sorted(moments)
    assert dt.datetime(2025, 11, 19) <= moments[0] < moments[-1] < dt.datetime(2026, 11, 19)
    assert all(
        str(r[1])[:10] == r[2] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(r[1]))
        for r in orders
    )
    on_anchor = [r for r in orders if r[2] == ANCHOR.isoformat()]
    assert len(on_anchor) >= 10
    assert any(r[3] == "Berlin" for r in on_anchor)
    assert {r[5] for r in on_anchor} <= {"new", "paid", "cancelled"}
    assert all(r[4] == (r[5] in ("shipped", "delivered", "refunded")) for r in orders)
    monday = ANCHOR - dt.timedelta(days=ANCHOR.weekday())
    assert sum(r[2] >= monday.isoformat() for r in orders) > len(on_anchor)
    late_signups = """
        SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
        WHERE c.signed_up_at > o.created_at
    """
    assert rows(demo, late_signups) == [(0,)]


@pytest.mark.parametrize("value", ["-5", "0", "many", "1.5"])
def test_bad_rows_exit_2_with_one_line(value: str, tmp_path: Path) -> None:
    result = run("demo", "--rows", value, "--out", str(tmp_path / "demo.db"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "--rows" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_folder_that_cannot_be_created_exits_2(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a folder")
    result = run("demo", "--rows", "5", "--out", str(tmp_path / "plain-file" / "demo.db"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"python -m assistant: error: cannot create {tmp_path}/plain-file/demo.db: "
        f"{tmp_path}/plain-file is a file, not a folder\n"
    )


def test_interrupted_build_keeps_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    path = build_demo(tmp_path / "demo.db", 5, today=ANCHOR)
    before = path.read_bytes()
    command = [sys.executable, "-m", "assistant", "demo", "--rows", "5000000", "--out", str(path)]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            deadline = time.monotonic() + 60
            while not list(tmp_path.glob(".demo.db.*.tmp")) and time.monotonic() < deadline:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.02)
            time.sleep(0.3)  # well inside the build, which takes a minute
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert (proc.returncode, out, err) == (1, "", "python -m assistant: error: interrupted\n")
    assert [p.name for p in tmp_path.iterdir()] == ["demo.db"]
    assert path.read_bytes() == before


def test_every_option_has_help() -> None:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert "demo" in commands.choices
    for name, command in commands.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.dest}"


def _latest(path: Path) -> tuple[str, str, int]:
    with closing(sqlite3.connect(path)) as db:
        (ordered,) = db.execute("SELECT max(created_at) FROM orders").fetchone()
        (today,) = db.execute(
            "SELECT count(*) FROM orders WHERE created_at >= ?", (ordered[:10],)
        ).fetchone()
        (signed,) = db.execute("SELECT max(signed_up_at) FROM customers").fetchone()
    return ordered, signed, today


def test_the_anchor_day_ends_by_until(tmp_path: Path) -> None:
    ordered, signed, today = _latest(
        build_demo(tmp_path / "morning.db", ROWS, today=ANCHOR, until=dt.time(9, 30))
    )
    assert ordered.startswith("2026-11-18 0") and ordered <= "2026-11-18 09:30:00"
    assert signed <= "2026-11-18 09:30:00" and today >= 10


def test_a_demo_built_today_holds_nothing_from_later_today(tmp_path: Path) -> None:
    ordered, signed, _ = _latest(build_demo(tmp_path / "today.db", ROWS))
    now = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
    assert ordered <= now and signed <= now
