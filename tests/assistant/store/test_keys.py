"""API keys: shown once, stored hashed, found by key, refused when wrong or revoked."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.errors import InvalidInput
from assistant.store import ApiKey, AuditEntry, User, create_user_with_key, revoke_key, user_for_key
from tests.assistant.store.conftest import NOW


def test_the_key_is_stored_hashed_and_shown_once(engine: Engine, session: Session) -> None:
    _, key = create_user_with_key(session, "ana", "ana@example.com", now=NOW)
    session.commit()
    assert key.startswith("ak_") and len(key) == 3 + 12 + 1 + 43
    row = session.scalars(select(ApiKey)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(row.prefix + "_")
    with engine.connect() as connection:
        dumped = repr(connection.exec_driver_sql("SELECT * FROM api_keys").all())
    assert key not in dumped and key[16:] not in dumped


def test_found_by_key(session: Session) -> None:
    user, key = create_user_with_key(session, "ana", now=NOW)
    session.commit()
    assert user_for_key(session, key, now=NOW) is user


@pytest.mark.parametrize(
    "wrong",
    [
        "",
        "ak_",
        "Bearer",
        "ak_000000000000_x",
        "no-prefix-at-all",
        "ak_zzzzzzzzzzzz_é",
        "ak_" * 999,
    ],
)
def test_wrong_keys_find_nobody(session: Session, wrong: str) -> None:
    create_user_with_key(session, "ana", now=NOW)
    session.commit()
    assert user_for_key(session, wrong) is None


def test_a_known_prefix_with_a_wrong_secret_finds_nobody(session: Session) -> None:
    _, key = create_user_with_key(session, "ana", now=NOW)
    session.commit()
    assert user_for_key(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert user_for_key(session, key + "x") is None


def test_existing_user_gets_one_more_key_and_both_work(session: Session) -> None:
    first, key1 = create_user_with_key(session, "ana", now=NOW)
    again, key2 = create_user_with_key(session, " ana ", "ana@example.org", now=NOW)
    session.commit()
    assert again is first and key1 != key2
    assert first.email == "ana@example.org"
    assert len(first.api_keys) == 2
    assert user_for_key(session, key1) is first and user_for_key(session, key2) is first
    assert len(session.scalars(select(User)).all()) == 1
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["key_created", "key_created"]


def test_revoked_keys_find_nobody(session: Session) -> None:
    user, key = create_user_with_key(session, "ana", now=NOW)
    other_key = create_user_with_key(session, "ana", now=NOW)[1]
    session.commit()
    assert revoke_key(session, key[:15], now=NOW)
    assert not revoke_key(session, key[:15], now=NOW)
    session.commit()
    assert user_for_key(session, key) is None
    assert user_for_key(session, other_key) is user


def test_last_use_is_recorded_at_most_once_a_minute(session: Session) -> None:
    _, key = create_user_with_key(session, "ana", now=NOW)
    session.commit()
    row = session.scalars(select(ApiKey)).one()
    user_for_key(session, key, now=NOW)
    session.commit()
    assert row.last_used_at == NOW
    user_for_key(session, key, now=NOW + dt.timedelta(seconds=30))
    assert row.last_used_at == NOW
    user_for_key(session, key, now=NOW + dt.timedelta(minutes=2))
    assert row.last_used_at == NOW + dt.timedelta(minutes=2)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there"])
def test_bad_names_are_refused(session: Session, name: str) -> None:
    with pytest.raises(InvalidInput, match="user name"):
        create_user_with_key(session, name)


@pytest.mark.parametrize("email", ["ana", "@example.com", "ana@", "a b@example.com"])
def test_bad_emails_are_refused(session: Session, email: str) -> None:
    with pytest.raises(InvalidInput, match="not an email address"):
        create_user_with_key(session, "ana", email)
