"""Saved preferences: validated when saved, applied to every export unless the request says."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant import Conversation
from assistant.errors import InvalidInput
from assistant.settings import Settings
from assistant.store import Preference, create_store_engine, session_factory
from assistant.store.preferences import UserPreferences, export_options, parse_preferences
from intents import ExportRequest, Format, Intent


def test_saved_csv_options_shape_the_file(chat: Conversation) -> None:
    chat.save_preferences(parse_preferences({"options": {"csv": {"delimiter": ";", "bom": True}}}))
    chat.handle("show customers")
    reply = chat.handle("export this as csv")
    assert reply.export is not None
    data = Path(reply.export.path or "").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader([data[3:].decode().splitlines()[0]], delimiter=";"))
    assert header[:2] == ["id", "name"]


def test_the_request_wins_over_the_saved_options() -> None:
    saved = parse_preferences({"options": {"csv": {"delimiter": ";", "bom": True}}})
    request = ExportRequest(intent=Intent.EXPORT, format=Format.CSV, options={"delimiter": "|"},
                            columns=["id"])  # fmt: skip
    assert export_options(saved, request) == {"delimiter": "|", "bom": True, "columns": ["id"]}
    other = request.model_copy(update={"format": Format.JSON, "options": {}})
    assert export_options(saved, other) == {"columns": ["id"]}


def test_preferences_round_trip_and_set_the_zone(chat: Conversation) -> None:
    saved = chat.save_preferences(
        UserPreferences(
            default_format=Format.XLSX,
            timezone="Europe/Berlin",
            options={Format.JSON: {"pretty": True}},
        )
    )
    assert chat.preferences() == saved and chat.timezone == "Europe/Berlin"
    chat.handle("show customers")
    reply = chat.handle("export it")  # the saved default, without asking
    assert reply.export is not None and reply.export.format == "xlsx"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"options": {"csv": {"delimiter": "x"}}}, "delimiter"),
        ({"options": {"csv": {"colour": "red"}}}, "unknown option 'colour'"),
        ({"options": {"csv": {"columns": "id"}}}, "belong to each export"),
        ({"options": {"docx": {}}}, "options.docx"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"default_format": "exe"}, "default_format"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_bad_preferences_are_refused_with_a_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_preferences(data)


def test_an_option_the_exporter_no_longer_takes_is_ignored(
    chat: Conversation, settings: Settings
) -> None:
    chat.save_preferences(UserPreferences(default_format=Format.CSV))
    engine = create_store_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            row = session.get(Preference, chat.user_id)
            assert row is not None
            row.options = {"csv": {"retired_option": 1}}
    finally:
        engine.dispose()
    assert chat.preferences() == UserPreferences(default_format=Format.CSV)
    chat.handle("show customers")
    reply = chat.handle("export it")
    assert reply.export is not None and reply.export.status == "done"
