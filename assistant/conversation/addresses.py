"""Where "me" is: the user's own saved address, asked for once when there is none.

A request sent by email with no address of its own ("email me this every day", "send it
to my inbox") goes to the user's saved address (``User.email``), never to an address typed
for an earlier request. Without one saved, the conversation asks "What address should I
send it to?" and keeps the request pending; the answer is saved as the user's address
and the request carried on (:mod:`assistant.conversation.asking`).

>>> address_in("sure, it's Ana.Lopez+reports@Example.com thanks")
'Ana.Lopez+reports@Example.com'
>>> address_in("ana at example dot com") is None
True
"""

from __future__ import annotations

import re

from assistant.conversation.memory import Answer, Asked
from assistant.delivery.addresses import addresses
from assistant.replies import Reply
from assistant.scope import UserScope
from assistant.store import User
from intents import ExportRequest

__all__ = ["ADDRESS_QUESTION", "address_in", "ask_address", "own_address", "save_own_address"]

ADDRESS_QUESTION = "What address should I send it to? I'll keep it as your address."
_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.])")


def address_in(message: str) -> str | None:
    """The first email address written in ``message``."""
    found = _ADDRESS.search(message)
    return None if found is None else found.group()


def own_address(scope: UserScope) -> str | None:
    """The user's saved address, if they have one."""
    with scope.sessions() as session:
        user = session.get(User, scope.user_id)
        return None if user is None else user.email


def save_own_address(scope: UserScope, address: str) -> str:
    """Save ``address`` (checked like any recipient) as the user's own; return it."""
    [(_, checked)] = addresses(address, "email address")
    with scope.sessions.begin() as session:
        user = session.get(User, scope.user_id)
        assert user is not None  # the scope's user exists
        user.email = checked
    return checked


def ask_address(request: ExportRequest) -> Answer:
    """Ask where to send ``request``; the answer completes it."""
    pending = request.model_copy(update={"clarify": ADDRESS_QUESTION, "choices": None})
    return Answer(reply=Reply(text=ADDRESS_QUESTION), pending=pending, asked=Asked.ADDRESS)
