"""Ask the question reader every case of a corpus, in process, and score it like the
shared scorer: run the SQL it writes read-only, compare with the gold SQL's result
(``compare.same_result``); an unanswerable case (gold ``None``) is right when no
:class:`~assistant.questions.Translation` comes back.

The value index (``assistant.source.values.ValueIndex``) is built and passed as
``values=`` when that module exists and ``translate`` takes it; otherwise the reader runs
without one, so the harness works before and after it lands.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import psycopg

from assistant.questions import Answer, Translation, translate
from assistant.source.schema import Schema, introspect
from exporters.sources.url import parse_url

from .compare import same_result

TIERS = ("lookup", "aggregate", "group", "rank", "join", "values", "unanswerable")
NOW = "2026-11-18T15:30:00"  # when a case names no "now"
TZ = "UTC"
SQL_SECONDS = 10.0
Rows = tuple[list[str], list[tuple[Any, ...]]]
Translator = Callable[..., Answer]


@dataclass(frozen=True)
class Case:
    """One line of a corpus (the shared scorer's format)."""

    id: str
    db: str
    tier: str
    question: str
    gold_sql: str | None
    why: str = ""
    now: str | None = None
    tz: str | None = None

    def when(self) -> dt.datetime:
        zone = ZoneInfo(self.tz or TZ)
        return dt.datetime.fromisoformat(self.now or NOW).replace(tzinfo=zone)

    def to_json(self) -> str:
        fields = {k: v for k, v in self.__dict__.items() if v is not None or k == "gold_sql"}
        return json.dumps(fields, ensure_ascii=False)


def load(path: Path) -> list[Case]:
    """The cases of a JSON Lines corpus."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Case(**json.loads(line)) for line in lines if line.strip()]


class Runner(Protocol):
    """Runs one query read-only and returns its column names and rows."""

    def __call__(self, sql: str) -> Rows: ...


def sqlite_runner(path: Path) -> Runner:
    def run(sql: str) -> Rows:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.text_factory = lambda b: b.decode("utf-8", errors="replace")
        deadline = time.monotonic() + SQL_SECONDS
        db.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10000)
        try:
            cursor = db.execute(sql)
            rows = cursor.fetchall()
            return [d[0] for d in cursor.description or []], rows
        finally:
            db.close()

    return run


def postgres_runner(url: str) -> Runner:
    """Queries in a read-only transaction on the URL's connection (its search path too)."""

    def run(sql: str) -> Rows:
        with psycopg.connect(parse_url(url).conninfo) as db:
            db.read_only = True
            db.execute(f"SET LOCAL statement_timeout = {int(SQL_SECONDS * 1000)}")
            cursor = db.execute(sql.encode())
            rows = [tuple(row) for row in cursor.fetchall()]
            columns = [d.name for d in cursor.description or []]
            db.rollback()
            return columns, rows

    return run


def value_index(url: str, schema: Schema) -> object | None:
    """The source's value index, when ``assistant.source.values`` exists; else None."""
    try:
        module = importlib.import_module("assistant.source.values")
    except ImportError:
        return None
    built: object = module.ValueIndex.build(url, schema)
    return built


def reader_options(values: object | None) -> dict[str, Any]:
    """``values=`` for ``translate`` when there is an index and it takes one."""
    if values is None or "values" not in inspect.signature(translate).parameters:
        return {}
    return {"values": values}


@dataclass(frozen=True)
class Outcome:
    case: Case
    right: bool
    reason: str
    sql: str | None = None


@dataclass
class Report:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(o.right for o in self.outcomes) / len(self.outcomes) if self.outcomes else 0.0

    def by_tier(self) -> dict[str, tuple[int, int]]:
        """Per tier in ``TIERS`` order: (right, total)."""
        total = Counter(o.case.tier for o in self.outcomes)
        right = Counter(o.case.tier for o in self.outcomes if o.right)
        order = [t for t in TIERS if t in total] + sorted(set(total) - set(TIERS))
        return {tier: (right[tier], total[tier]) for tier in order}

    def table(self, failures: int = 0) -> str:
        k = sum(o.right for o in self.outcomes)
        lines = [f"{self.name}: accuracy {self.accuracy:.3f} ({k}/{len(self.outcomes)})"]
        for tier, (good, total) in self.by_tier().items():
            lines.append(f"  {tier:<13} {good:>4}/{total:<4} {good / total:.3f}")
        for o in [o for o in self.outcomes if not o.right][:failures]:
            lines.append(f"  - {o.case.id} [{o.case.tier}] {o.case.question!r}: {o.reason}")
            if o.sql:
                lines.append(f"      ran: {' '.join(o.sql.split())[:200]}")
        return "\n".join(lines)


def gold_results(cases: Iterable[Case], run: Runner) -> dict[str, Rows]:
    """Each distinct gold query's result (raises on the first that fails)."""
    results: dict[str, Rows] = {}
    for case in cases:
        if case.gold_sql is not None and case.gold_sql not in results:
            results[case.gold_sql] = run(case.gold_sql)
    return results


def evaluate(
    name: str,
    cases: list[Case],
    url: str,
    run: Runner,
    *,
    dialect: str = "sqlite",
    translator: Translator = translate,
    schema: Schema | None = None,
) -> Report:
    """Ask ``translator`` every case over the database at ``url`` and score the answers."""
    schema = schema or introspect(url)
    options = reader_options(value_index(url, schema)) if translator is translate else {}
    golds = gold_results(cases, run)
    report = Report(name)
    for case in cases:
        report.outcomes.append(_score(case, schema, run, golds, dialect, translator, options))
    return report


def _score(
    case: Case,
    schema: Schema,
    run: Runner,
    golds: dict[str, Rows],
    dialect: str,
    translator: Translator,
    options: dict[str, Any],
) -> Outcome:
    try:
        answer = translator(case.question, schema, case.when(), dialect=dialect, **options)
    except Exception as exc:  # the reader under test may fail; the harness carries on
        return Outcome(case, False, f"translate raised {type(exc).__name__}: {exc}")
    if case.gold_sql is None:
        if isinstance(answer, Translation):
            return Outcome(case, False, "answered with a query; the data cannot", answer.sql)
        return Outcome(case, True, f"no query ({type(answer).__name__})")
    if not isinstance(answer, Translation):
        reply = getattr(answer, "reply", "")
        return Outcome(case, False, f"no query: {type(answer).__name__} {str(reply)[:120]!r}")
    try:
        columns, rows = run(answer.sql)
    except Exception as exc:
        return Outcome(case, False, f"the SQL fails: {str(exc).strip()[:160]}", answer.sql)
    gold_columns, gold_rows = golds[case.gold_sql]
    right, why = same_result(gold_rows, rows, gold_columns, columns)
    return Outcome(case, right, why, answer.sql)
