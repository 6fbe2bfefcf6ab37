"""Schedules and their runs: recurring exports, each occurrence claimed exactly once.

``schedule_runs`` has a unique ``(schedule_id, due_at)``: a scheduler claims an
occurrence by inserting its row, so two schedulers on one store never both run it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_STATUSES = ("claimed", "running", "retrying", "done", "failed")


def _time(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column[Any]:
    default = sa.text("CURRENT_TIMESTAMP") if now else None
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("destination", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        _time("next_run_at"),
        _time("created_at", nullable=False, now=True),
        _time("updated_at", nullable=False, now=True),
        sa.PrimaryKeyConstraint("id", name="pk_schedules"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_schedules_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_schedules_conversation_id_conversations",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_schedules_due", "schedules", ["active", "next_run_at"])
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.String(32), nullable=False),
        _time("due_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        _time("next_attempt_at"),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("export_id", sa.String(32), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _time("started_at"),
        _time("finished_at"),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_runs"),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name="fk_schedule_runs_schedule_id_schedules",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_schedule_runs_schedule_id_due_at"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in RUN_STATUSES) + ")",
            name="ck_schedule_runs_run_status",
        ),
    )
    op.create_index("ix_schedule_runs_retry", "schedule_runs", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_schedule_runs_retry", table_name="schedule_runs")
    op.drop_table("schedule_runs")
    op.drop_index("ix_schedules_due", table_name="schedules")
    op.drop_table("schedules")
