"""Exports remember what their file could not hold exactly.

``notes`` is the exporter's list of sentences (a column written as text, repeated
column names renamed, a text cut to Excel's limit), shown with the file in the chat,
the API and the history, so nobody takes a file for more exact than it is.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exports") as table:
        table.add_column(sa.Column("notes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exports") as table:
        table.drop_column("notes")
