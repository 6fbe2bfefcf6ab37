"""Exports name the process that runs them, and a batch the query runs it holds.

Two processes may share one store (two chats, the API beside the UI). Start-up recovery
must fail only the exports whose process is gone, not a neighbour's running ones: each
queued or running export records ``host:pid`` of the process that will run it. A batch
of chosen query runs records their ids, so a retry re-exports the same ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as table:
        table.add_column(sa.Column("worker", sa.String(200), nullable=True))
        table.add_column(sa.Column("run_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exports") as table:
        table.drop_column("run_ids")
        table.drop_column("worker")
