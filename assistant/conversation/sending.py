""" "Send it now": the latest thing the chat made goes where it is meant to, now.

"It" is the newest of what the conversation last spoke of:

- a schedule ("email me this every Monday", "pause it"): fired once now through the
  scheduler's run-now path (:func:`assistant.schedules.now.run_schedule_now`, as
  ``POST /api/schedules/{id}/run``), so the run is recorded and delivered as every run
  is, and counted against the user's export budget; "send the Monday report now" picks
  the schedule by its words;
- an export: the same file emailed, to the address it was sent to before or else the
  user's own (asked for once when there is none); an expired or failed one is made
  again first; either spends the export budget once;
- a result on screen: exported as the user's default format (or the one they pick) and
  emailed to them.

Never a plain download when email works: "send" means it leaves the chat. Without
``ASSISTANT_SMTP_URL`` that is said at once, nothing is run or counted for a schedule,
and an export is offered as its download.

>>> bool(SEND_NOW.search("send it now")), bool(SEND_NOW.search("Can you send it now please?"))
(True, True)
>>> SEND_NOW.search("fire the monday report right away")["what"]
'the monday report'
>>> SEND_NOW.search("send the orders from Berlin now") is None
True
"""

from __future__ import annotations

import dataclasses
import re

from assistant.conversation.acting import download_instead, send_file
from assistant.conversation.addresses import ask_address, own_address
from assistant.conversation.memory import Answer
from assistant.conversation.scheduling import pick_schedule, when_text
from assistant.conversation.turn import Turn
from assistant.delivery import NOT_SET_UP, email_set_up
from assistant.errors import Conflict, EmailNotSetUp
from assistant.exports.again import export_again
from assistant.exports.records import export_info
from assistant.replies import Reply
from assistant.schedules.models import EmailDestination
from assistant.schedules.now import run_schedule_now
from assistant.store import Export, ExportStatus, get_owned
from intents import Destination, ExportRequest, Intent, Target
from intents.build import ask

__all__ = ["SEND_NOW", "send_now"]

SEND_NOW = re.compile(
    r"^\W*(?:(?:please|pls|ok(?:ay)?|so|and|then|now|just|actually|go\s+ahead\s+and"
    r"|(?:can|could|would|will)\s+you(?:\s+please)?)[\s,]+)*"
    r"(?:s(?:end|ned|edn)|run|fire|deliver|e-?mail|mail|trigger|push|ship)"
    r"(?:\s+(?:me|us))?"
    r"(?:\s+(?P<what>it|that|this|one|a\s+copy|a\s+test(?:\s+run)?|the\s+(?:[\w-]+\s+){0,3}?"
    r"(?:report|schedule|scheduled\s+export|export|file|results?)))?"
    r"(?:\s+(?:out|off|over|through))?(?:\s+to\s+(?:me|us))?"
    r"\s+(?:now|right\s+now|right\s+away|immediately|straight\s+away|asap|this\s+minute)"
    r"(?:\s+(?:please|pls|thanks|too|as\s+well))?\W*$",
    re.I,
)
_SCHEDULE_WORDS = re.compile(r"\b(?:report|schedule|scheduled)\b", re.I)
_ONLY_KIND = re.compile(r"^the\s+(?:schedule|report|scheduled\s+export)$", re.I)


def send_now(turn: Turn, found: re.Match[str]) -> Answer:
    """Send what "it" means now (see the module's docstring)."""
    what = (found["what"] or "").strip()
    recall = turn.recall
    if _SCHEDULE_WORDS.search(what):
        words = "it" if _ONLY_KIND.match(what) else what
        return _fire(turn, pick_schedule(turn.scope, words, recall.schedule_id).id)
    latest = recall.latest
    if latest is not None and latest.schedule_id:
        return _fire(turn, latest.schedule_id)
    if latest is not None and latest.export:
        return _resend(turn, latest.export.id)
    if latest is None or latest.query_run_id is None:
        text = "There is nothing to send yet. Ask a question first, like “show orders from today”."
        return Answer(reply=Reply(text=text))
    request = ExportRequest(
        intent=Intent.EXPORT, target=Target.LAST_RESULT, destination=Destination.EMAIL
    )
    return Answer(request=ask(request, turn.context()))


def _fire(turn: Turn, schedule_id: str) -> Answer:
    """Fire the schedule once now, delivered where it says; say how it went."""
    try:
        info, run = run_schedule_now(turn.scope, schedule_id, mode=turn.mode, llm=turn.llm)
    except Conflict as exc:  # another run of it is under way ("already running")
        return Answer(reply=Reply(text=exc.message), schedule_id=schedule_id)
    except EmailNotSetUp:  # stored while email worked; nothing was run
        text = f"{NOT_SET_UP}, so I can't send it now, and its runs fail until an admin sets it."
        return Answer(reply=Reply(text=text), schedule_id=schedule_id)
    where = info.destination.to if isinstance(info.destination, EmailDestination) else "its webhook"
    if run.status != "done":
        text = f"I could not send “{info.name}” now: {run.error}"
        return Answer(reply=Reply(text=text), schedule_id=info.id)
    rows = "1 row" if run.rows == 1 else f"{run.rows or 0:,} rows"
    nxt = f" Its next run is still {when_text(info, turn.scope)}." if info.active else ""
    text = f"Sent “{info.name}” to {where} now ({rows}).{nxt}"
    return Answer(reply=Reply(text=text), schedule_id=info.id)


def _resend(turn: Turn, export_id: str) -> Answer:
    """Email the export ``export_id`` (made again first if its file is gone)."""
    scope = turn.scope
    with scope.sessions() as session:
        row = get_owned(session, Export, export_id, scope.user_id)
        info, request = export_info(row, scope), ExportRequest.model_validate(row.request)
        done = row.status is ExportStatus.DONE
    if not email_set_up(scope.settings):  # the file itself, or made again, as a download
        reply = Reply(text="", export=info) if done else export_again(scope, export_id)
        return Answer(reply=download_instead(reply))
    sent_to = request.email if request.destination is Destination.EMAIL else None
    to = sent_to or own_address(scope)
    if to is None:
        return ask_address(request.model_copy(update={"destination": Destination.EMAIL}))
    if not done:
        again = export_again(scope, export_id)  # spends the budget
        if again.export is None or again.export.status != ExportStatus.DONE.value:
            return Answer(reply=again)
        info = again.export
    else:  # the same file sent again is work started now too
        turn = dataclasses.replace(turn, scope=scope.spend_export())
    title = request.query or info.file_name or "Your export"
    return Answer(reply=send_file(turn, info, to, title))
