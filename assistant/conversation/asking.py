"""Answers to the conversation's own questions, read before the intent parser sees them.

The parser asks what a request lacks (a format, what to export, when to run) and reads
the answers itself (:func:`intents.followup.answer_pending`). Two questions are the
conversation's: where "me" is ("What address should I send it to?") and where to send a
file when the place asked for cannot be reached ("a download or an email?"). Their
answers complete the pending request, which keeps everything else it had:

- an address answers the address question; it is saved as the user's own address;
- "download", "email it", "email it to bob@example.com", "the second one", or "ok" when
  there is one choice, answer the place question; the request then asks whatever it
  still lacks (:func:`intents.build.ask`: a format, unless one is saved).

Anything else is a message of its own, left to the commands and the parser.

>>> _pick("yes please, email me", ["Download", "Email"]), _pick("1", ["Download", "Email"])
('Email', 'Download')
>>> _pick("the latter", ["Download", "Email"]), _pick("sure", ["Email"])
('Email', 'Email')
>>> _pick("as parquet", ["Download", "Email"]) is None
True
"""

from __future__ import annotations

import re

from assistant.conversation.addresses import address_in, save_own_address
from assistant.conversation.elsewhere import DOWNLOAD, EMAIL, place_named
from assistant.conversation.memory import Asked
from assistant.conversation.newrows import answer_cursor
from assistant.conversation.turn import Turn
from intents import Destination, ExportRequest
from intents.build import ask

__all__ = ["answer_asked"]

_WORDS = {
    DOWNLOAD: re.compile(r"\b(?:download|downloads?|the\s+file|a\s+file|link|locally|here)\b"),
    EMAIL: re.compile(r"\b(?:e-?mail|mail|inbox|send|sent)\b"),
}
_FIRST = re.compile(r"^(?:the\s+)?(?:first|1|1st|one|former|top)(?:\s+one)?\W*$")
_SECOND = re.compile(r"^(?:the\s+)?(?:second|2|2nd|two|latter|last|bottom)(?:\s+one)?\W*$")
_YES = re.compile(r"^(?:yes|yeah|yep|sure|ok(?:ay)?|please|go\s+ahead|do\s+it|fine)\b")


def _pick(message: str, choices: list[str]) -> str | None:
    """The choice ``message`` takes among ``choices`` (by word, number or "yes")."""
    low = message.lower().strip()
    named = [choice for choice in choices if _WORDS[choice].search(low)]
    if len(named) == 1:
        return named[0]
    if _FIRST.match(low):
        return choices[0]
    if _SECOND.match(low) and len(choices) > 1:
        return choices[1]
    if _YES.match(low) and len(choices) == 1 and not named:
        return choices[0]
    return None


def answer_asked(turn: Turn) -> ExportRequest | None:
    """The pending request completed by an answer to the conversation's own question."""
    asked, pending = turn.recall.asked, turn.recall.pending
    if asked is None or pending is None:
        return None
    if asked is Asked.CURSOR:  # "created_at" to "Which column says a row is new: ...?"
        return answer_cursor(turn.message, pending)
    address = address_in(turn.message)
    if asked is Asked.ADDRESS:
        if address is None:
            return None
        saved = save_own_address(turn.scope, address)
        return pending.model_copy(update={"email": saved, "clarify": None, "choices": None})
    if place_named(turn.message) is not None:
        return None  # another place we cannot reach: said again by the engine
    choice = EMAIL if address is not None else _pick(turn.message, pending.choices or [])
    if choice is None:
        return None
    destination = Destination.EMAIL if choice == EMAIL else Destination.DOWNLOAD
    request = pending.model_copy(
        update={"destination": destination, "email": address, "clarify": None, "choices": None}
    )
    return ask(request, turn.context())
