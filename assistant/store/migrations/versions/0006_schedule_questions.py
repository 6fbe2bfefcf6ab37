"""Schedules keep the question they were made from, so "today" stays each run's today.

``question`` is the question whose relative window each run reads afresh, ``dialect`` the
SQL dialect it was read into (see ``assistant.schedules.windows``); both NULL mean the
stored query runs as it is, as every schedule did before.

Existing schedules are converted where their question is known: the chat stored the SQL
of a query run, and that run (same owner, same SQL, made before the schedule) recorded the
question. A schedule takes the question when it names a time window whose first day, as
of when the question ran, is the date frozen in the SQL (read in UTC, as the reader then
did, or in the schedule's zone). Everything else (typed SQL, questions without time words,
API schedules, SQL no run records) keeps its SQL. ``dialect`` stays NULL for converted
schedules: the source's own, the one that wrote their SQL.

This reads windows with ``intents.timewords.find_window``: a pure function bound by the
intents contract, so the conversion means what the reader meant when the run was made.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

from intents.timewords import find_window

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCHEDULES = sa.table(
    "schedules",
    sa.column("id", sa.String),
    sa.column("owner_id", sa.Integer),
    sa.column("request", sa.JSON),
    sa.column("timezone", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("question", sa.Text),
)
_RUNS = sa.table(
    "query_runs",
    sa.column("owner_id", sa.Integer),
    sa.column("question", sa.Text),
    sa.column("sql", sa.Text),
    sa.column("error", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("schedules") as table:
        table.add_column(sa.Column("question", sa.Text(), nullable=True))
        table.add_column(sa.Column("dialect", sa.String(16), nullable=True))
    bind = op.get_bind()
    for row in bind.execute(sa.select(_SCHEDULES)).mappings().all():
        question = _question(bind, row)
        if question is not None:
            bind.execute(
                sa.update(_SCHEDULES).where(_SCHEDULES.c.id == row["id"]).values(question=question)
            )


def downgrade() -> None:
    with op.batch_alter_table("schedules") as table:
        table.drop_column("dialect")
        table.drop_column("question")


def _question(bind: sa.Connection, schedule: Any) -> str | None:
    """The question the schedule's frozen SQL was read from, or None to keep the SQL."""
    sql = (schedule["request"] or {}).get("query")
    if not sql:
        return None
    ran = bind.execute(
        sa.select(_RUNS.c.question, _RUNS.c.created_at)
        .where(
            _RUNS.c.owner_id == schedule["owner_id"],
            _RUNS.c.sql == sql,
            _RUNS.c.question.is_not(None),
            _RUNS.c.error.is_(None),
            _RUNS.c.created_at <= schedule["created_at"],
        )
        .order_by(_RUNS.c.created_at.desc())
        .limit(1)
    ).first()
    if ran is None or ran.question.strip() == sql.strip():
        return None
    asked = _utc(ran.created_at)
    for zone in (dt.UTC, _zone(schedule["timezone"])):
        window = find_window(ran.question.lower(), asked.astimezone(zone))
        edge = None if window is None else window.since or window.until
        if edge is not None and edge.date().isoformat() in sql:
            return str(ran.question)
    return None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC
