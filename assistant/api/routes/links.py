"""``GET /d/{token}``: a signed, expiring link to an export's file, usable without a key."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from assistant.api.deps import State
from assistant.api.errors import documented
from assistant.api.routes.exports import _FILE, serve_file
from assistant.errors import Forbidden, LinkExpired, LinkInvalid, NotFound
from assistant.store import Export

router = APIRouter(tags=["downloads"])


@router.get(
    "/d/{token}",
    response_class=Response,
    responses={**_FILE, **documented(403, 404, 409, 416, 422)},
)
def signed_download(token: str, request: Request, state: State) -> Response:
    """The file behind a signed link (from an export's ``download_url``)."""
    try:
        export_id, sha256 = state.signer.verify(token)
    except LinkExpired as exc:
        raise Forbidden(str(exc)) from None
    except LinkInvalid:
        raise Forbidden(
            "This download link is not valid; copy the whole link, or ask for a new one."
        ) from None
    with state.assistant.sessions.begin() as session:
        row = session.get(Export, export_id)
        if row is None or row.sha256 != sha256:  # deleted, or since replaced by a retry
            raise NotFound(
                "The file this link named no longer exists (the export was deleted "
                "or made again); ask for a new link."
            )
        return serve_file(state, row, request, session, via="link")
