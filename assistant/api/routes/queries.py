"""``POST /api/queries``: run a read-only query (SQL or a question) and preview it."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter

from assistant.api.deps import CurrentScope, State
from assistant.api.errors import documented
from assistant.api.schemas import QueryCreate, QueryPublic
from assistant.questions.runs import run_question

router = APIRouter(tags=["queries"])


@router.post(
    "/api/queries", status_code=201, responses=documented(400, 401, 408, 413, 422, 429, 502)
)
async def run_query(body: QueryCreate, scope: CurrentScope, state: State) -> QueryPublic:
    """Run ``sql`` or ``question`` through the query guard; a query that would write
    answers 400 ``query_rejected``, a caller with ``ASSISTANT_MAX_QUERIES_PER_USER``
    running answers 429. Export the result with ``POST /api/exports``."""
    question, sql = body.sql or body.question or "", body.sql is not None
    mode, llm = state.assistant.mode, state.assistant.llm
    work = partial(run_question, scope, question, sql=sql, mode=mode, llm=llm)
    ran = await state.heavy.run(scope.user_id, work)
    return QueryPublic(
        id=ran.run.id,
        columns=ran.table.columns,
        rows=ran.table.rows,
        row_count=ran.table.row_count,
        sql=ran.run.sql,
    )
