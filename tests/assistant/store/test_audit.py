"""The audit log is append-only: via the ORM, bulk statements and raw SQL, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from assistant.errors import AuditLogIsAppendOnly
from assistant.store import AuditAction, AuditEntry, Base, User, audit
from tests.assistant.store.conftest import NOW

AUDIT_TABLE = Base.metadata.tables["audit_log"]


@pytest.fixture
def entry(session: Session, ana: User) -> AuditEntry:
    row = audit(
        session,
        AuditAction.EXPORT_DONE,
        user_id=ana.id,
        export_id="e1",
        rows=1234,
        details={"format": "xlsx"},
        at=NOW,
    )
    session.commit()
    return row


def _unchanged(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT action, rows FROM audit_log")).all()
    assert [tuple(row) for row in rows] == [("export_done", 1234)]


def test_appending_works(session: Session, entry: AuditEntry) -> None:
    session.expire_all()
    loaded = session.scalars(select(AuditEntry)).one()
    assert (loaded.action, loaded.export_id, loaded.rows, loaded.at) == (
        "export_done",
        "e1",
        1234,
        NOW,
    )
    assert loaded.details == {"format": "xlsx"}


def test_orm_update_is_refused(engine: Engine, session: Session, entry: AuditEntry) -> None:
    entry.rows = 1
    with pytest.raises(AuditLogIsAppendOnly, match="cannot be changed"):
        session.commit()
    session.rollback()
    _unchanged(engine)


def test_orm_delete_is_refused(engine: Engine, session: Session, entry: AuditEntry) -> None:
    session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly, match="cannot be deleted"):
        session.commit()
    session.rollback()
    _unchanged(engine)


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEntry).values(rows=1),
        delete(AuditEntry),
        update(AUDIT_TABLE).values(rows=1),
        delete(AUDIT_TABLE),
    ],
    ids=["orm-update", "orm-delete", "core-update", "core-delete"],
)
def test_bulk_statements_are_refused(
    engine: Engine, session: Session, entry: AuditEntry, statement: object
) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        session.execute(statement)  # type: ignore[call-overload]
    session.rollback()
    _unchanged(engine)


@pytest.mark.parametrize(
    "sql",
    ["UPDATE audit_log SET rows = 1", "DELETE FROM audit_log", "UPDATE audit_log SET action = ''"],
)
def test_raw_sql_is_refused_by_the_database(engine: Engine, entry: AuditEntry, sql: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql(sql)
    _unchanged(engine)


def test_raw_sql_through_a_session_is_refused(
    engine: Engine, session: Session, entry: AuditEntry
) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_log"))
    session.rollback()
    _unchanged(engine)


def test_truncate_is_refused_on_postgresql(engine: Engine, entry: AuditEntry) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE audit_log")
    _unchanged(engine)


def test_a_user_with_history_cannot_be_deleted(
    session: Session, ana: User, entry: AuditEntry
) -> None:
    session.delete(ana)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert session.get(User, ana.id) is not None
