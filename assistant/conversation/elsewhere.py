"""Places we cannot send files to yet (Google Drive, S3, Slack, SFTP, Dropbox...), said so.

The assistant gives files as a download or sends them by email (schedules also to a
webhook through the API). A message that asks for another place is never carried out as
if that place had not been named: the conversation says which place it cannot reach and
offers what it can, keeping the rest of the request pending, so "email it" or "a
download" (or just a format) completes it.

The intent contract has no field for such a place, so it is found here, in the message:
a sending verb ("send", "upload", "put", "save", "post"...) and the place after "to",
"into", "in" or "on", or the place used as a verb ("slack it to me"). "A table I can
paste into Slack" is a format (Markdown), not a place.

>>> [place_named(m) for m in ("upload this to our S3 bucket as parquet",
...     "send it to google drive", "slack it to the team", "save the csv in Dropbox")]
['Amazon S3', 'Google Drive', 'Slack', 'Dropbox']
>>> place_named("give me a markdown table I can paste into Slack") is None
True
>>> place_named("export everything from the dropbox_files table") is None
True
>>> place_named("export the rows in the teams table as csv") is None
True
"""

from __future__ import annotations

import re

from assistant.conversation.memory import Answer, Asked
from assistant.replies import Reply
from intents import Destination, ExportRequest, Intent

__all__ = ["DOWNLOAD", "EMAIL", "PLACES", "place_named", "refuse_place", "without_place"]

#: Each place we cannot send to, by its name, and the words for it.
PLACES: dict[str, str] = {
    "Google Drive": r"google\s*drive|g-?drive|google\s+docs|google\s+sheets?",
    "Amazon S3": r"(?:amazon\s+|aws\s+)?s3(?:\s+bucket)?|(?:an?\s+|our\s+|my\s+|the\s+)?bucket",
    "Slack": r"slack(?:\s+channel)?",
    "SFTP": r"s?ftp(?:\s+(?:server|site))?",
    "Dropbox": r"drop\s?box",
    "OneDrive": r"one\s?drive",
    "SharePoint": r"share\s?point",
    "Microsoft Teams": r"(?:microsoft\s+|ms\s+)?teams",
}
DOWNLOAD, EMAIL = "Download", "Email"

_PLACE = "|".join(f"(?P<p{index}>{words})" for index, words in enumerate(PLACES.values()))
_VERB = (
    r"send|upload|put|save|push|post|drop|share|copy|move|sync|store|deliver|export|e-?mail"
    r"|mail|write|dump|publish|place|stick|transfer|ship|forward|load"
)
_VIA = re.compile(
    rf"\b(?:{_VERB})\w*\b(?P<between>[^.?!]{{0,60}}?)\s(?:to|into|in|on|onto|via|over|through)"
    rf"\s+(?:[\w#@'-]+\s+){{0,3}}?(?:{_PLACE})(?![\w-])(?!\s+(?:tables?|columns?|fields?)\b)",
    re.I,
)
_AS_VERB = re.compile(
    rf"^(?:\W*(?:please|pls|just|and|then|now|ok|okay)\b)*\W*(?:{_PLACE})(?=\s+(?:it|this|that"
    r"|them|these|those|the\s+\w+)\b)",
    re.I,
)
_NOT_A_PLACE = re.compile(r"\bpaste|\bfor\b", re.I)


def _match(message: str) -> tuple[str, tuple[int, int], tuple[int, int]] | None:
    """The place ``message`` names, the span of its words ("to our S3 bucket") and the
    span of the verb that sends it there ("upload"; "slack" when the place is the verb)."""
    for found in _VIA.finditer(message):
        if _NOT_A_PLACE.search(found["between"]):
            continue  # "a table I can paste into Slack": a format
        verb = (found.start(), found.start("between"))
        return _name(found), (found.end("between"), found.end()), verb
    as_verb = _AS_VERB.search(message)
    if as_verb is not None:
        place = next(key for key, value in as_verb.groupdict().items() if value)
        return _name(as_verb), as_verb.span(place), as_verb.span(place)
    return None


def _name(found: re.Match[str]) -> str:
    index = next(int(key[1:]) for key, value in found.groupdict().items()
                 if key.startswith("p") and value)  # fmt: skip
    return list(PLACES)[index]


def place_named(message: str) -> str | None:
    """The place ``message`` asks to send to that we cannot reach, if it names one."""
    found = _match(message)
    return None if found is None else found[0]


def without_place(message: str) -> str:
    """``message`` as an export, with the place taken out ("upload this to S3 as csv" →
    "export this as csv"), to read the rest of the request."""
    found = _match(message)
    if found is None:
        return message
    _, (start, end), (verb_start, verb_end) = found
    if verb_end <= start:
        text = f"{message[:verb_start]} export {message[verb_end:start]} {message[end:]}"
    else:  # "slack it to me": the place is the verb
        text = f"{message[:verb_start]} export {message[verb_end:]}"
    return " ".join(text.split())


def refuse_place(place: str, request: ExportRequest, has_result: bool, *, email: bool) -> Answer:
    """Say ``place`` cannot be reached and offer what can (email only when ``email``: a
    mail server is set up); the rest of ``request`` waits."""
    if request.intent not in (Intent.EXPORT, Intent.SCHEDULE):
        request = ExportRequest(intent=Intent.EXPORT)
    request = request.model_copy(update={"destination": Destination.DOWNLOAD, "email": None})
    if not email:  # a schedule only emails in the chat: what is left is a download now
        text = f"I can't send to {place} yet, and e-mail is not set up on this server"
        if request.intent is Intent.SCHEDULE:
            text += " for a schedule; I can give you a download now."
            update = {"intent": Intent.EXPORT, "cron": None}
            request = request.model_copy(update=update)
        else:
            text += "; I can give you a download."
        choices = [DOWNLOAD]
    elif request.intent is Intent.SCHEDULE:
        text = f"I can't send to {place} yet; I can email it {_when(request)} instead."
        choices = [EMAIL]
    else:
        text = f"I can't send to {place} yet; I can give you a download or email it."
        choices = [DOWNLOAD, EMAIL]
    if request.target is None and has_result:
        request = request.model_copy(update={"target": "last_result"})
    pending = request.model_copy(update={"clarify": text, "choices": choices})
    return Answer(reply=Reply(text=text, choices=choices), pending=pending, asked=Asked.DESTINATION)


def _when(request: ExportRequest) -> str:
    return "on its schedule" if request.cron else "on a schedule"
