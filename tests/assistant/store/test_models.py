"""Every model round-trips on SQLite and PostgreSQL: create, read, update, delete."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from assistant.store import (
    ApiKey,
    ConversationRecord,
    Export,
    ExportStatus,
    Message,
    Preference,
    QueryRun,
    Role,
    Template,
    User,
    new_id,
)
from tests.assistant.store.conftest import NOW

BERLIN = ZoneInfo("Europe/Berlin")
REQUEST = {"intent": "export", "format": "xlsx", "target": "last_result", "columns": ["név"]}


def test_user_crud_and_unique_name(session: Session) -> None:
    session.add(User(name="ana", email="ana@example.com"))
    session.commit()
    user = session.scalars(select(User).where(User.name == "ana")).one()
    assert user.email == "ana@example.com"
    assert user.created_at.tzinfo is dt.UTC
    user.email = "ana@example.org"
    session.commit()
    session.expire_all()
    assert session.get(User, user.id) is not None
    assert session.get(User, user.id).email == "ana@example.org"  # type: ignore[union-attr]
    session.add(User(name="ana"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.delete(user)
    session.commit()
    assert session.scalars(select(User)).all() == []


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    local = dt.datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)  # just after the DST switch
    session.add(User(name="tz", created_at=local))
    session.commit()
    session.expire_all()
    stored = session.scalars(select(User.created_at)).one()
    assert stored == local
    assert stored.tzinfo is dt.UTC
    assert stored.hour == 1


def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(User(name="naive", created_at=dt.datetime(2026, 1, 1)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()


def test_server_default_time_reads_as_utc(engine: Engine, session: Session) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO users (name) VALUES ('raw')"))
    user = session.scalars(select(User).where(User.name == "raw")).one()
    assert user.created_at.tzinfo is dt.UTC
    assert abs(user.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(hours=1)


def test_api_key_rows_belong_to_their_user(session: Session, ana: User) -> None:
    ana.api_keys.append(ApiKey(prefix="ak_000000000001", key_hash="0" * 64))
    session.commit()
    key = session.scalars(select(ApiKey)).one()
    assert key.user is ana and key.last_used_at is None and key.revoked_at is None
    key.revoked_at = NOW
    session.commit()
    session.delete(ana)
    session.commit()
    assert session.scalars(select(ApiKey)).all() == []


def test_conversation_and_messages(session: Session, ana: User) -> None:
    conversation = ConversationRecord(owner_id=ana.id, title="Orders from Berlin")
    conversation.messages.append(Message(role=Role.USER, content="show orders from today"))
    conversation.messages.append(
        Message(
            role=Role.ASSISTANT,
            content="Here are 3 orders.",
            payload={"table": {"columns": ["id"], "row_count": 3}, "export_id": None},
        )
    )
    session.add(conversation)
    session.commit()
    assert len(conversation.id) == 22
    session.expire_all()
    loaded = session.get(ConversationRecord, conversation.id)
    assert loaded is not None
    assert [m.role for m in loaded.messages] == [Role.USER, Role.ASSISTANT]
    assert loaded.messages[1].payload == {
        "table": {"columns": ["id"], "row_count": 3},
        "export_id": None,
    }
    loaded.title = "Berlin"
    session.commit()
    session.delete(loaded)
    session.commit()
    assert session.scalars(select(Message)).all() == []


def test_message_roles_are_checked_by_the_database(engine: Engine, ana: User) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO conversations (id, owner_id) VALUES ('c1', :owner)"),
            {"owner": ana.id},
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO messages (conversation_id, role, content) "
                "VALUES ('c1', 'system', 'hi')"
            )
        )


def test_a_missing_payload_is_sql_null(engine: Engine, session: Session, ana: User) -> None:
    conversation = ConversationRecord(owner_id=ana.id)
    conversation.messages.append(Message(role=Role.USER, content="hi", payload=None))
    session.add(conversation)
    session.commit()
    with engine.connect() as connection:
        nulls = connection.execute(text("SELECT COUNT(*) FROM messages WHERE payload IS NULL"))
        assert nulls.scalar() == 1


def test_query_run_crud(session: Session, ana: User) -> None:
    conversation = ConversationRecord(owner_id=ana.id)
    session.add(conversation)
    session.flush()
    run = QueryRun(
        owner_id=ana.id,
        conversation_id=conversation.id,
        question="orders from today",
        sql="SELECT id, total FROM orders WHERE created_at >= :today",
        columns=["id", "total"],
        row_count=3_000_000_000,
        duration_ms=12,
        created_at=NOW,
    )
    session.add(run)
    session.commit()
    session.expire_all()
    loaded = session.get(QueryRun, run.id)
    assert loaded is not None
    assert (loaded.columns, loaded.row_count, loaded.error) == (
        ["id", "total"],
        3_000_000_000,
        None,
    )
    loaded.error = "no such column: totl"
    session.commit()
    session.delete(session.get(ConversationRecord, conversation.id))
    session.commit()
    session.expire_all()
    assert session.get(QueryRun, run.id) is not None  # the run outlives its conversation
    assert session.get(QueryRun, run.id).conversation_id is None  # type: ignore[union-attr]
    session.delete(session.get(QueryRun, run.id))
    session.commit()


def test_export_crud(session: Session, ana: User) -> None:
    run = QueryRun(owner_id=ana.id, sql="SELECT 1", columns=["1"])
    session.add(run)
    session.flush()
    export = Export(owner_id=ana.id, query_run_id=run.id, request=REQUEST, format="xlsx")
    session.add(export)
    session.commit()
    session.expire_all()
    loaded = session.get(Export, export.id)
    assert loaded is not None
    assert (loaded.status, loaded.rows_done, loaded.request) == (ExportStatus.QUEUED, 0, REQUEST)
    loaded.status = ExportStatus.DONE
    loaded.rows_done = loaded.rows_total = 3
    loaded.bytes = 5_000_000_000
    loaded.sha256 = "ab" * 32
    loaded.file_path = f"{ana.id}/{loaded.id}/orders.xlsx"
    loaded.file_name = "orders – 2026-11-18.xlsx"
    loaded.started_at, loaded.finished_at = NOW, NOW + dt.timedelta(seconds=2)
    loaded.expires_at = NOW + dt.timedelta(hours=24)
    session.commit()
    session.expire_all()
    loaded = session.get(Export, export.id)
    assert loaded is not None
    assert loaded.status is ExportStatus.DONE
    assert loaded.bytes == 5_000_000_000
    assert loaded.expires_at == NOW + dt.timedelta(hours=24)
    assert loaded.file_name == "orders – 2026-11-18.xlsx"
    session.delete(run)
    session.commit()
    session.expire_all()
    assert session.get(Export, export.id).query_run_id is None  # type: ignore[union-attr]
    session.delete(session.get(Export, export.id))
    session.commit()


def test_export_status_is_checked_by_the_database(engine: Engine, ana: User) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO exports (id, owner_id, request, format, status) "
                "VALUES (:id, :owner, '{}', 'csv', 'paused')"
            ),
            {"id": new_id(), "owner": ana.id},
        )


def test_preferences_one_row_per_user(session: Session, ana: User) -> None:
    session.add(
        Preference(
            owner_id=ana.id,
            default_format="xlsx",
            options={"csv": {"delimiter": ";"}},
            timezone="Europe/Berlin",
        )
    )
    session.commit()
    session.expire_all()
    preference = session.get(Preference, ana.id)
    assert preference is not None
    assert preference.options == {"csv": {"delimiter": ";"}}
    preference.default_format = "csv"
    session.commit()
    session.expunge_all()
    session.add(Preference(owner_id=ana.id, options={}))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.delete(session.get(Preference, ana.id))
    session.commit()


def test_templates_unique_per_owner(session: Session, ana: User, bo: User) -> None:
    session.add(Template(owner_id=ana.id, name="weekly-sales", request=REQUEST, shared=True))
    session.add(Template(owner_id=bo.id, name="weekly-sales", request=REQUEST))
    session.commit()
    session.expire_all()
    names = session.execute(select(Template.owner_id, Template.shared).order_by(Template.id)).all()
    assert [tuple(row) for row in names] == [(ana.id, True), (bo.id, False)]
    session.add(Template(owner_id=ana.id, name="weekly-sales", request={}))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    template = session.scalars(select(Template).where(Template.owner_id == bo.id)).one()
    template.request = {**REQUEST, "format": "csv"}
    session.commit()
    session.delete(template)
    session.commit()
    assert len(session.scalars(select(Template)).all()) == 1


def test_deleting_a_user_removes_what_they_own(session: Session, ana: User) -> None:
    conversation = ConversationRecord(owner_id=ana.id)
    session.add(conversation)
    session.flush()
    session.add(Export(owner_id=ana.id, conversation_id=conversation.id, request={}, format="csv"))
    session.add(Preference(owner_id=ana.id, options={}))
    session.commit()
    session.delete(ana)
    session.commit()
    for model in (ConversationRecord, Export, Preference):
        assert session.scalars(select(model)).all() == []
