"""Replies a person reads once: questions asked as questions, no internal ids, no promises
the page does not keep (issue 19)."""

from __future__ import annotations

from assistant import Conversation


def test_a_question_back_is_asked_not_reported_as_a_failure(chat: Conversation) -> None:
    chat.handle("show customers")
    chat.handle("email me this as Excel every weekday at 7 to ana@example.com")
    chat.handle("show products")
    chat.handle("email me this as csv every monday at 9 to ana@example.com")
    reply = chat.handle("pause the report")
    assert reply.text.startswith("Which schedule do you mean? You have: “show")
    assert "Sorry" not in reply.text
