"""Schedules whose webhook leads to a private address: refused when stored or redirected,
and again when sent, in the chat's words too. Names resolve through a stub of
:func:`socket.getaddrinfo` (there is no network beyond loopback)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from assistant import Conversation
from assistant.errors import InvalidInput
from assistant.schedules import SchedulePatch, ScheduleSpec, WebhookDestination, service
from intents import ExportRequest
from tests.assistant.delivery.test_outbound import answers

REFUSED = "Webhooks may only go to public addresses; {} is a private address."


def spec(url: str) -> ScheduleSpec:
    request = ExportRequest.model_validate(
        {"intent": "export", "format": "csv", "target": "query", "query": "SELECT * FROM orders"}
    )
    return ScheduleSpec(
        name="Hooked orders",
        cron="0 8 * * 1",
        request=request,
        destination=WebhookDestination(url=url),
    )


def resolve(monkeypatch: pytest.MonkeyPatch, name: str, *lists: list[str]) -> None:
    """``name`` resolves to each list in turn (the last repeats); nothing else resolves."""
    script = list(lists)

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != name:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers(*(script.pop(0) if len(script) > 1 else script[0]))

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://0x7f000001:6379/", "0x7f000001"),
        ("https://[fd00::1]/hook", "fd00::1"),
        ("https://hooks.example/hook", "hooks.example"),  # resolves to 10.0.0.7
    ],
)
def test_a_private_webhook_is_not_stored(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch, url: str, host: str
) -> None:
    resolve(monkeypatch, "hooks.example", ["10.0.0.7"])
    with pytest.raises(InvalidInput) as refused:
        service.create(chat.scope, spec(url))
    assert refused.value.message == REFUSED.format(host)
    assert service.list_all(chat.scope) == []


def test_a_schedule_is_not_redirected_to_a_private_webhook(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve(monkeypatch, "hooks.example", ["93.184.215.14"])
    made = service.create(chat.scope, spec("https://hooks.example/hook"))
    patch = SchedulePatch(destination=WebhookDestination(url="http://127.1:8080/"))
    with pytest.raises(InvalidInput, match=r"127\.1 is a private address"):
        service.update(chat.scope, made.id, patch)
    assert service.get(chat.scope, made.id).destination == made.destination


def test_sending_now_says_why_in_the_chat(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Public when stored, private when sent: DNS rebinding, or a changed record.
    resolve(monkeypatch, "hooks.example", ["93.184.215.14"], ["127.0.0.1"])
    service.create(chat.scope, spec("https://hooks.example/hook"))
    reply = chat.handle("send the hooked report now")
    assert reply.text == (
        "I could not send “Hooked orders” now: Webhooks may only go to public addresses; "
        "hooks.example is a private address."
    )


def test_sending_now_to_nothing_says_only_that_it_could_not_be_reached(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve(monkeypatch, "hooks.example", ["93.184.215.14"], [])  # then: no such name
    service.create(chat.scope, spec("https://hooks.example/hook"))
    reply = chat.handle("send the hooked report now")
    assert reply.text == "I could not send “Hooked orders” now: The webhook could not be reached."
