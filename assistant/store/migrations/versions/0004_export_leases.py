"""Exports run by workers hold a lease with a fencing token.

A worker claims a queued export (or one whose lease ran out) by raising ``fence`` and
setting ``lease_expires_at``; every later write of that worker names the fence it holds,
so a worker that was paused past its lease cannot overwrite what the next one did.
``attempts`` counts claims since the last retry (a poison export is given up on),
``cancel_requested`` is how any process asks a worker to stop, and ``runner`` says which
runner the export belongs to (``celery``: leases recover it, not process recovery).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as table:
        table.add_column(sa.Column("runner", sa.String(16), nullable=True))
        table.add_column(
            sa.Column("fence", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        table.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        table.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("exports") as table:
        for column in ("cancel_requested", "lease_expires_at", "attempts", "fence", "runner"):
            table.drop_column(column)
