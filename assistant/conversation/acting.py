"""From one understood request to what happens: ask, show, export, send or schedule.

::

    act(turn, request)
      ├─ email, and no ASSISTANT_SMTP_URL ─► said at once: an export becomes a download
      │     (the rest goes on as below), a schedule is refused with a download offered
      ├─ not ready ─► its question, with choices; the request waits (pending)
      ├─ query ─────► show: run the question, the table, its SQL and its result in words
      │     (assistant.conversation.results: one value said, an empty result's filter
      │     named, the reader's assumptions said); a question not understood as said
      │     offers the questions it may have meant as choices
      ├─ export / schedule ─► carry_out
      │     ├─ an export spends the user's export budget before the file's work, after
      │     │  any question asked back (TooManyRequests: the engine says how long to
      │     │  wait; nothing is queued)
      │     ├─ sent by email (or on a schedule) with no address: the user's own, else
      │     │  ask for it once (assistant.conversation.addresses)
      │     ├─ the export plan first (assistant.conversation.confirming): over the
      │     │  confirm thresholds, "Export 3,060,840 rows (about 410 MB as CSV)?"
      │     │  (Export / Cancel; nothing spent); below, the reply carries its line
      │     ├─ history / this conversation ─► a bundle (the last N runs, or a window)
      │     ├─ a question made only of the columns on screen ("just the emails") ─► those
      │     │  columns of the result on screen (assistant.conversation.onscreen)
      │     ├─ a new question ─► show it first, then export its run
      │     ├─ a column the result does not have ─► which column is meant (nothing recorded)
      │     ├─ schedule ─► a stored schedule of the run's SQL
      │     └─ export ─► the file: downloaded, or made whole and emailed
      └─ help / unknown ─► what the assistant can do, with the source's real tables
"""

from __future__ import annotations

import dataclasses

from assistant.conversation.addresses import ask_address, own_address
from assistant.conversation.confirming import history_parts, plan_first, run_part
from assistant.conversation.elsewhere import DOWNLOAD
from assistant.conversation.memory import Answer, Asked
from assistant.conversation.newrows import ask_cursor, export_new
from assistant.conversation.onscreen import ask_columns, fit_columns, fit_question
from assistant.conversation.results import result_text
from assistant.conversation.scheduling import schedule_from_chat
from assistant.conversation.turn import Turn
from assistant.conversation.words import help_text
from assistant.delivery import NOT_SET_UP, email_set_up
from assistant.errors import DeliveryFailed, Unanswerable
from assistant.exports.background import export_query_run
from assistant.exports.bundles import export_past
from assistant.exports.mailing import email_export, finished_export
from assistant.exports.plan import ExportPlan
from assistant.questions.runs import first_empty, run_question
from assistant.replies import ExportInfo, Reply
from assistant.store import QueryRun
from exporters import ExporterError
from intents import Destination, ExportRequest, Intent, Target

__all__ = ["act", "carry_out", "download_instead", "send_file", "show"]

_NO_RESULT = (
    "There is no result to export yet. Ask a question first, like “show orders from today”."
)
_NO_RESULT_TO_SCHEDULE = (
    "Ask for a result first (like “show orders from today”), then say how often to send it."
)


def act(turn: Turn, request: ExportRequest) -> Answer:
    """Do what ``request`` asks, or ask what it still needs."""
    wants_email = request.destination is Destination.EMAIL or request.intent is Intent.SCHEDULE
    if wants_email and not email_set_up(turn.scope.settings):
        return _without_email(turn, request)
    if not request.ready:
        text = request.clarify or "Could you say more?"
        return Answer(reply=Reply(text=text, choices=request.choices or None), pending=request)
    if request.intent is Intent.QUERY:
        return show(turn, turn.message, also=request.query)
    if request.intent in (Intent.EXPORT, Intent.SCHEDULE):
        return carry_out(turn, request)
    return Answer(reply=Reply(text=help_text(turn.scope.source.schema)))


def _without_email(turn: Turn, request: ExportRequest) -> Answer:
    """Email asked for on a server that cannot send it: said before anything is written,
    asked or stored. An export goes on as a download; a schedule (which only emails, in
    the chat) is refused, with the download of its result offered instead."""
    download = request.model_copy(update={"destination": Destination.DOWNLOAD, "email": None})
    if request.intent is not Intent.SCHEDULE:
        answer = act(turn, download)
        reply = answer.reply or Reply(text="")
        return answer.model_copy(update={"reply": download_instead(reply)})
    text = f"{NOT_SET_UP}, so I can't email it on a schedule; I can give you a download now."
    pending = download.model_copy(
        update={"intent": Intent.EXPORT, "cron": None, "clarify": text, "choices": [DOWNLOAD]}
    )
    reply = Reply(text=text, choices=[DOWNLOAD])
    return Answer(reply=reply, pending=pending, asked=Asked.DESTINATION)


def download_instead(reply: Reply) -> Reply:
    """``reply`` (a download's, or its question) after saying email cannot be sent."""
    if reply.export is not None and reply.export.status == "done":
        said = f"{NOT_SET_UP}, so I can't send it; here is the download instead."
    else:
        said = f"{NOT_SET_UP}, so I can't send it; I can give you a download instead."
    return reply.model_copy(update={"text": f"{said} {reply.text}".strip()})


def show(turn: Turn, question: str, *, also: str | None = None) -> Answer:
    """The chat's answer to a question: the table, the SQL that ran, the result in words.

    A question read as something else it may have meant answers with those questions as
    choices; the reply leaves no request pending, so a chosen one is read as a question.
    """
    try:
        ran = run_question(turn.scope, question, also=also, mode=turn.mode, llm=turn.llm)
    except Unanswerable as exc:
        return Answer(reply=Reply(text=exc.message, choices=list(exc.choices) or None))
    except ExporterError as exc:
        return Answer(reply=Reply(text=f"I could not run that query: {exc.message}"))
    empty = ran.table.row_count == 0 and ran.probes
    emptied = first_empty(turn.scope, ran.probes) if empty else None
    reply = Reply(text=result_text(ran, emptied), table=ran.table, sql=ran.run.sql)
    return Answer(reply=reply, query_run_id=ran.run.id)


def carry_out(turn: Turn, request: ExportRequest) -> Answer:
    """Export or schedule the last result, the query the request asks for first, or past
    results; sent where the request says."""
    scope = turn.scope
    if (request.destination is Destination.EMAIL or request.intent is Intent.SCHEDULE) and (
        request.email is None
    ):
        address = own_address(scope)
        if address is None:
            return ask_address(request)
        request = request.model_copy(update={"email": address})
    if request.intent is Intent.EXPORT and request.target in (Target.HISTORY, Target.CONVERSATION):
        plan, confirm = plan_first(turn, request, history_parts(turn, request))
        if confirm is not None:  # large: asked first, nothing spent
            return confirm
        request = request.model_copy(update={"confirmed": False})  # a "yes" is for now only
        turn = _spending(turn)
        reply = _sent(turn, request, export_past(turn.scope, request, turn.now))
        return Answer(reply=_with_plan(reply, plan))
    on_screen = _run(turn, turn.recall.query_run_id)
    if on_screen is not None:
        request = fit_question(request, on_screen.columns, scope.source.schema)
    shown = Answer()
    if request.target is Target.QUERY and request.query:
        shown = show(turn, request.query)
        if shown.query_run_id is None:
            return shown
    run = _run(turn, shown.query_run_id) if shown.query_run_id else on_screen
    if run is not None:
        request = fit_columns(request, run.columns)
        question = ask_columns(request, run.columns)
        if question is not None:  # asked, not recorded as a failed export
            asked = Reply(text=question)
            if shown.reply is not None:
                asked = shown.reply.model_copy(update={"text": f"{shown.reply.text} {question}"})
            return Answer(reply=asked, query_run_id=shown.query_run_id)
    if request.intent is Intent.SCHEDULE:
        if run is None:
            return Answer(reply=Reply(text=_NO_RESULT_TO_SCHEDULE))
        done = ask_cursor(turn, request, run) or schedule_from_chat(scope, request, run)
    elif run is None:
        return Answer(reply=Reply(text=_NO_RESULT))
    elif request.only_new:  # the rows new since the last export (conversation.newrows)
        done = export_new(turn, request, run, send_file)
    else:
        plan, confirm = plan_first(turn, request, [run_part(run)], shown.reply)
        if confirm is not None:  # large: asked first, nothing spent
            return confirm.model_copy(update={"query_run_id": shown.query_run_id})
        request = request.model_copy(update={"confirmed": False})  # a "yes" is for now only
        reply = _export(_spending(turn), request, run)
        done = Answer(reply=_with_plan(reply, plan))
    if shown.reply is None or done.reply is None:
        return done.model_copy(update={"query_run_id": shown.query_run_id})
    both = done.reply.model_copy(
        update={
            "text": f"{shown.reply.text} {done.reply.text}",
            "table": shown.reply.table,
            "sql": shown.reply.sql,
        }
    )
    return done.model_copy(update={"reply": both, "query_run_id": shown.query_run_id})


def _with_plan(reply: Reply, plan: ExportPlan | None) -> Reply:
    """``reply`` with the plan in a line when the file is not simply done and said: a
    background export's size (its reply says its rows), a bundle's parts, rows and size."""
    if plan is None or reply.export is None:
        return reply
    if len(plan.parts) > 1:
        said = f"Plan: {plan.line()}"
    elif reply.export.status in ("queued", "running"):
        said = f"The file will be {plan.size_words()}."
    else:
        return reply
    return reply.model_copy(update={"text": f"{reply.text} {said}"})


def _spending(turn: Turn) -> Turn:
    """``turn`` with one export counted against the user's budget, just before the file's
    work: after any question asked back (a column not in the result), which counts nothing;
    under the scope it returns nothing counts again, so an emailed file counts once."""
    return dataclasses.replace(turn, scope=turn.scope.spend_export())


def _run(turn: Turn, run_id: str | None) -> QueryRun | None:
    if run_id is None:
        return None
    with turn.scope.sessions() as session:
        return session.get(QueryRun, run_id)


def _export(turn: Turn, request: ExportRequest, run: QueryRun) -> Reply:
    """``run``'s file as ``request`` asks: a download, or made whole and emailed."""
    assert request.format is not None  # a ready export request names its format
    if request.destination is not Destination.EMAIL:
        return export_query_run(turn.scope, request, run, turn.now)
    info = finished_export(turn.scope, request, run, turn.now)
    assert request.email is not None  # carry_out found the address
    return send_file(turn, info, request.email, run.question or info.file_name or "Your export")


def _sent(turn: Turn, request: ExportRequest, reply: Reply) -> Reply:
    """A bundle's reply, and the bundle emailed when the request says so."""
    if request.destination is not Destination.EMAIL or reply.export is None:
        return reply
    assert request.email is not None
    return send_file(turn, reply.export, request.email, reply.export.file_name or "Your export")


def send_file(turn: Turn, info: ExportInfo, to: str, title: str) -> Reply:
    """Email the finished export ``info`` to ``to`` and say so (or why it could not go)."""
    rows = "1 row" if info.rows == 1 else f"{info.rows or 0:,} rows"
    try:
        email_export(turn.scope, info, to, title)
    except DeliveryFailed as exc:
        text = f"I made {info.file_name} ({rows}) but could not email it: {exc.message}"
        return Reply(text=text, export=info)
    return Reply(text=f"Sent {info.file_name} ({rows}) to {to}.", export=info)
