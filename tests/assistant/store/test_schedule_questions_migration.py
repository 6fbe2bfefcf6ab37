"""0006: a frozen chat schedule whose question a query run recorded takes the question;
typed SQL and SQL no run recorded keep their SQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from assistant.store import alembic_config, create_store_engine, head_revision, migrate

RAN = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
FROZEN = 'SELECT *\nFROM "orders"\nWHERE "created_at" >= \'2026-12-06 00:00:00\''
TYPED = "SELECT id FROM orders WHERE created_at >= '2026-11-01'"
ORPHAN = "SELECT * FROM orders WHERE created_at >= '2026-10-01 00:00:00'"


def _request(query: str) -> dict[str, str]:
    return {"intent": "export", "format": "csv", "target": "query", "query": query}


def test_frozen_schedules_with_a_known_question_become_relative(store_url: str) -> None:
    command.upgrade(alembic_config(url=store_url), "0005")  # the old shape
    meta = sa.MetaData()
    engine = create_store_engine(store_url)
    try:
        meta.reflect(engine, only=["users", "query_runs", "schedules"])
        users, runs, schedules = (meta.tables[n] for n in ("users", "query_runs", "schedules"))
        with engine.begin() as db:
            db.execute(sa.insert(users).values(id=1, name="ana", created_at=RAN))
            db.execute(sa.insert(runs), [
                {"id": "r1", "owner_id": 1, "question": "show orders from today", "sql": FROZEN,
                 "columns": [], "created_at": RAN},
                {"id": "r2", "owner_id": 1, "question": TYPED, "sql": TYPED, "columns": [],
                 "created_at": RAN},
            ])  # fmt: skip
            db.execute(sa.insert(schedules), [
                {"id": sid, "owner_id": 1, "name": sid, "request": _request(sql),
                 "cron": "0 9 * * 1", "timezone": "Europe/Berlin", "destination":
                 {"kind": "email", "to": "ana@example.com"}, "active": True,
                 "next_run_at": RAN + dt.timedelta(days=1), "created_at": RAN,
                 "updated_at": RAN}
                for sid, sql in (("frozen", FROZEN), ("typed", TYPED), ("orphan", ORPHAN))
            ])  # fmt: skip
        assert migrate(store_url) == head_revision()  # 0006 and any later
        with engine.connect() as db:
            rows = db.execute(sa.text("SELECT id, question, dialect FROM schedules"))
            stored = {row.id: (row.question, row.dialect) for row in rows}
            kept = sa.select(schedules.c.request).where(schedules.c.id == "frozen")
            request = db.execute(kept).scalar_one()
    finally:
        engine.dispose()
    assert stored == {
        "frozen": ("show orders from today", None),  # dialect None: the source's own
        "typed": (None, None),
        "orphan": (None, None),
    }
    assert request["query"] == FROZEN  # the SQL as it ran stays beside the question
