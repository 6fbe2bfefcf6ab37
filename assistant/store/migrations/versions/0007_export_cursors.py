"""Only new rows: export cursors, a schedule's "skip empty runs", and skipped runs.

``export_cursors`` keeps where "only new rows" left off, per user-and-query or per
schedule (see ``assistant.store.cursors``); ``schedules.skip_empty`` says a schedule sends
nothing when no row is new, and ``schedule_runs.status`` takes ``skipped`` for that run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = ("claimed", "running", "retrying", "done", "failed")
_NEW_STATUSES = (*_OLD_STATUSES, "skipped")


def _status_check(statuses: Sequence[str]) -> str:
    return "status IN (" + ", ".join(repr(s) for s in statuses) + ")"


# The name 0003 gave the CHECK (the naming convention applied to a name already made by it).
_STATUS_CHECK = "ck_schedule_runs_ck_schedule_runs_run_status"


def _status_check_as(table: BatchOperations, statuses: Sequence[str]) -> None:
    """Replace the run status CHECK, under the name it has, with one allowing ``statuses``."""
    table.drop_constraint(op.f(_STATUS_CHECK), type_="check")
    table.create_check_constraint(op.f(_STATUS_CHECK), _status_check(statuses))


def upgrade() -> None:
    op.create_table(
        "export_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(100), nullable=False),
        sa.Column("schedule_id", sa.String(32), nullable=True),
        sa.Column("cursor_column", sa.String(200), nullable=False),
        sa.Column("key_column", sa.String(200), nullable=False),
        sa.Column("value_kind", sa.String(8), nullable=False),
        sa.Column("key_kind", sa.String(8), nullable=False),
        sa.Column("last_value", sa.Text(), nullable=True),
        sa.Column("last_key", sa.Text(), nullable=True),
        sa.Column("pending_value", sa.Text(), nullable=True),
        sa.Column("pending_key", sa.Text(), nullable=True),
        sa.Column("pending_export_id", sa.String(32), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_export_cursors_owner_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedules.id"],
            name="fk_export_cursors_schedule_id_schedules",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_export_cursors"),
        sa.UniqueConstraint("owner_id", "scope_key", name="uq_export_cursors_owner_id_scope_key"),
    )
    with op.batch_alter_table("schedules") as table:
        table.add_column(
            sa.Column("skip_empty", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("schedule_runs") as table:
        _status_check_as(table, _NEW_STATUSES)


def downgrade() -> None:
    op.execute("UPDATE schedule_runs SET status = 'done' WHERE status = 'skipped'")
    with op.batch_alter_table("schedule_runs") as table:
        _status_check_as(table, _OLD_STATUSES)
    with op.batch_alter_table("schedules") as table:
        table.drop_column("skip_empty")
    op.drop_table("export_cursors")
