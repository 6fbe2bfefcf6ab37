"""Shared queries: ownership answers 404 alike, paging, retries, preferences, templates."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from assistant.errors import Conflict, InvalidInput, NotFound
from assistant.store import (
    ConversationRecord,
    Export,
    ExportStatus,
    QueryRun,
    Template,
    User,
    exports_page,
    find_template,
    get_owned,
    preferences_for,
    requeue,
    running_exports,
    visible_templates,
)
from tests.assistant.store.conftest import NOW

HOUR = dt.timedelta(hours=1)


def test_another_users_row_answers_like_a_missing_one(
    session: Session, ana: User, bo: User
) -> None:
    export = Export(owner_id=ana.id, request={}, format="csv")
    session.add(export)
    session.commit()
    assert get_owned(session, Export, export.id, ana.id) is export
    with pytest.raises(NotFound) as theirs:
        get_owned(session, Export, export.id, bo.id)
    with pytest.raises(NotFound) as missing:
        get_owned(session, Export, "nope", bo.id)
    assert str(theirs.value) == str(missing.value).replace("'nope'", repr(export.id))
    with pytest.raises(NotFound, match="no conversation"):
        get_owned(session, ConversationRecord, "nope", ana.id)
    with pytest.raises(NotFound, match="no query"):
        get_owned(session, QueryRun, "nope", ana.id)


def test_exports_page_filters_and_pages_newest_first(session: Session, ana: User, bo: User) -> None:
    exports = [
        Export(
            owner_id=ana.id,
            request={},
            format="csv" if i % 2 else "xlsx",
            status=ExportStatus.DONE if i < 4 else ExportStatus.RUNNING,
            created_at=NOW - i * HOUR,
        )
        for i in range(5)
    ]
    session.add_all([*exports, Export(owner_id=bo.id, request={}, format="csv")])
    session.commit()

    first = exports_page(session, ana.id, per_page=2)
    assert (first.total, [e.id for e in first.items]) == (5, [exports[0].id, exports[1].id])
    third = exports_page(session, ana.id, page=3, per_page=2)
    assert [e.id for e in third.items] == [exports[4].id]
    csv = exports_page(session, ana.id, format="csv")
    assert [e.id for e in csv.items] == [exports[1].id, exports[3].id]
    window = exports_page(session, ana.id, since=NOW - 2 * HOUR, until=NOW)
    assert [e.id for e in window.items] == [exports[1].id, exports[2].id]
    running = exports_page(session, ana.id, status=ExportStatus.RUNNING)
    assert [e.id for e in running.items] == [exports[4].id]
    assert running_exports(session, ana.id) == 1 and running_exports(session, bo.id) == 0
    with pytest.raises(InvalidInput):
        exports_page(session, ana.id, per_page=0)


@pytest.mark.parametrize("status", [ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.DONE])
def test_requeue_refuses_live_or_finished_exports(
    session: Session, ana: User, status: ExportStatus
) -> None:
    export = Export(owner_id=ana.id, request={}, format="csv", status=status)
    with pytest.raises(Conflict, match=status.value):
        requeue(export)


def test_requeue_clears_the_previous_attempt(session: Session, ana: User) -> None:
    export = Export(
        owner_id=ana.id,
        request={"format": "csv"},
        format="csv",
        status=ExportStatus.EXPIRED,
        rows_done=3,
        bytes=10,
        sha256="0" * 64,
        file_name="a.csv",
        expires_at=NOW,
    )
    requeue(export)
    assert (export.status, export.rows_done, export.bytes, export.file_name) == (
        ExportStatus.QUEUED,
        0,
        None,
        None,
    )


def test_preferences_are_created_on_first_use(session: Session, ana: User) -> None:
    preference = preferences_for(session, ana.id)
    preference.default_format = "xlsx"
    session.commit()
    session.expire_all()
    again = preferences_for(session, ana.id)
    assert (again.default_format, again.options) == ("xlsx", {})


def test_templates_own_first_then_shared(session: Session, ana: User, bo: User) -> None:
    cy = User(name="cy")
    session.add(cy)
    session.flush()
    session.add_all(
        [
            Template(owner_id=ana.id, name="weekly", request={"v": "ana"}, shared=True),
            Template(owner_id=bo.id, name="weekly", request={"v": "bo"}),
            Template(owner_id=bo.id, name="daily", request={"v": "bo-private"}),
            Template(owner_id=cy.id, name="monthly", request={"v": "cy"}, shared=True),
            Template(owner_id=bo.id, name="monthly", request={"v": "bo"}, shared=True),
        ]
    )
    session.commit()
    assert find_template(session, bo.id, "weekly").request == {"v": "bo"}
    assert find_template(session, cy.id, "weekly").request == {"v": "ana"}
    with pytest.raises(NotFound, match="daily"):
        find_template(session, ana.id, "daily")
    with pytest.raises(Conflict, match="2 users shared"):
        find_template(session, ana.id, "monthly")
    visible = [(t.name, t.request["v"]) for t in visible_templates(session, bo.id)]
    assert visible == [
        ("daily", "bo-private"),
        ("monthly", "bo"),
        ("monthly", "cy"),
        ("weekly", "bo"),
        ("weekly", "ana"),
    ]
