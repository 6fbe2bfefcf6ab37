"""Any text at all gives a valid request: nothing a person types can break the parser."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from intents import Context, ExportRequest, Intent, parse

CONTEXT = Context.at("2026-11-18T15:30:00", "Europe/Berlin")
CONTRACT_KEYS = {
    "intent",
    "format",
    "target",
    "query",
    "since",
    "until",
    "columns",
    "exclude_columns",
    "limit",
    "compression",
    "destination",
    "email",
    "cron",
    "clarify",
}


def check(request: ExportRequest) -> None:
    data = request.contract_json()
    assert set(data) >= CONTRACT_KEYS
    json.dumps(data)  # serialisable as the contract's one JSON object
    assert ExportRequest.model_validate(request.model_dump()) == request


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_raises(message: str) -> None:
    check(parse(message, CONTEXT, mode="rules"))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=200))
def test_control_characters_never_raise(message: str) -> None:
    check(parse(message, CONTEXT, mode="rules"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "export",
                "this",
                "as",
                "csv",
                "every",
                "monday",
                "at",
                "9",
                "only",
                "name",
                ",",
                "and",
                "email",
                "since",
                "yesterday",
                "zip",
                "first",
                "10",
                "rows",
                "me",
                "to",
                "a@b.co",
                "excel",
                "or",
                "pdf",
                "not",
                "yet",
            ]
        ),
        max_size=30,
    ).map(" ".join)
)
def test_word_salad_of_keywords_never_raises(message: str) -> None:
    check(parse(message, CONTEXT, mode="rules"))


def test_a_hundred_kilobytes_is_handled() -> None:
    for message in (
        "export this as csv " * 6000,
        "a" * 100_000,
        "\x00" * 100_000,
        "only " + ", ".join(f"c{i}" for i in range(20_000)),
        # shapes that once made a pattern re-read the rest of the message from every letter
        "a.b" * 1_500,
        "a," * 2_000,
        "x->" * 1_500,
    ):
        check(parse(message, CONTEXT, mode="rules"))


def test_empty_message_is_unknown() -> None:
    assert parse("", CONTEXT, mode="rules").intent is Intent.UNKNOWN
