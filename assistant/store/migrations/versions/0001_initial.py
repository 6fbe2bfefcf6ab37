"""The store's first schema: users and keys, conversations, query runs, exports,
preferences, templates and the append-only audit log.

Written out literally (no imports from the models) so it stays what it was when later
migrations change the models; the autogenerate comparison test checks that the two
agree today. Enums are VARCHARs with CHECK constraints, portable to both databases.
The audit log is made append-only in the database itself: a trigger refuses UPDATE and
DELETE (and TRUNCATE on PostgreSQL), whatever code or person connects.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPORT_STATUSES = ("queued", "running", "done", "failed", "cancelled", "expired")
ROLES = ("user", "assistant")


def _now() -> sa.TextClause:
    return sa.text("CURRENT_TIMESTAMP")


def _time(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[Any]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=_now() if now else None,
    )


def _owner(table: str) -> list[SchemaItem]:
    return [
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=f"fk_{table}_owner_id_users", ondelete="CASCADE"
        ),
    ]


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        _time("created_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _time("created_at", now=True),
        _time("last_used_at", nullable=True),
        _time("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_keys_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])

    op.create_table(
        "conversations",
        sa.Column("id", sa.String(32), nullable=False),
        *_owner("conversations"),
        sa.Column("title", sa.String(200), nullable=True),
        _time("created_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_owner_created", "conversations", ["owner_id", "created_at"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        _time("created_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_messages_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(_one_of("role", ROLES), name="ck_messages_message_role"),
    )
    op.create_index("ix_messages_conversation_order", "messages", ["conversation_id", "id"])

    op.create_table(
        "query_runs",
        sa.Column("id", sa.String(32), nullable=False),
        *_owner("query_runs"),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("sql", sa.Text(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _time("created_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_query_runs"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_query_runs_conversation_id_conversations",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_query_runs_owner_created", "query_runs", ["owner_id", "created_at"])
    op.create_index(
        "ix_query_runs_conversation_created", "query_runs", ["conversation_id", "created_at"]
    )

    op.create_table(
        "exports",
        sa.Column("id", sa.String(32), nullable=False),
        *_owner("exports"),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("query_run_id", sa.String(32), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_done", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("file_path", sa.String(1024), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=True),
        _time("created_at", now=True),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        _time("expires_at", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_exports"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_exports_conversation_id_conversations",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["query_run_id"],
            ["query_runs.id"],
            name="fk_exports_query_run_id_query_runs",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(_one_of("status", EXPORT_STATUSES), name="ck_exports_export_status"),
    )
    op.create_index("ix_exports_owner_created", "exports", ["owner_id", "created_at"])
    op.create_index("ix_exports_owner_status", "exports", ["owner_id", "status"])
    op.create_index("ix_exports_status", "exports", ["status"])

    op.create_table(
        "preferences",
        *_owner("preferences"),
        sa.Column("default_format", sa.String(16), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        _time("updated_at", now=True),
        sa.PrimaryKeyConstraint("owner_id", name="pk_preferences"),
    )

    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        *_owner("templates"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()),
        _time("created_at", now=True),
        _time("updated_at", now=True),
        sa.PrimaryKeyConstraint("id", name="pk_templates"),
        sa.UniqueConstraint("owner_id", "name", name="uq_templates_owner_id_name"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("export_id", sa.String(32), nullable=True),
        sa.Column("query_run_id", sa.String(32), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=True),
        _time("at", now=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_log_user_id_users"),
    )
    op.create_index("ix_audit_log_user_at", "audit_log", ["user_id", "at"])
    op.create_index("ix_audit_log_export_id", "audit_log", ["export_id"])
    _protect_audit_log()


def _protect_audit_log() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {verb} is not allowed'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table in (
        "audit_log",
        "templates",
        "preferences",
        "exports",
        "query_runs",
        "messages",
        "conversations",
        "api_keys",
        "users",
    ):
        op.drop_table(table)
