"""``POST /api/queries``: run a read-only query (SQL or a question) and preview it."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import UserConversation
from assistant.api.errors import documented
from assistant.api.schemas import QueryCreate, QueryPublic

router = APIRouter(tags=["queries"])


@router.post("/api/queries", status_code=201, responses=documented(400, 401, 408, 413, 422, 502))
def run_query(body: QueryCreate, conversation: UserConversation) -> QueryPublic:
    """Run ``sql`` or ``question`` through the query guard; a query that would write
    answers 400 ``query_rejected``. Export the result with ``POST /api/exports``."""
    ran = conversation.query(body.sql or body.question or "", sql=body.sql is not None)
    return QueryPublic(
        id=ran.run.id,
        columns=ran.table.columns,
        rows=ran.table.rows,
        row_count=ran.table.row_count,
    )
