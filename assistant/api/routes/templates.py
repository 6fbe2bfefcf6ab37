"""Templates: named saved requests; a shared one is usable (never changeable) by others."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from assistant.api.deps import CurrentScope
from assistant.api.errors import documented
from assistant.api.schemas import TemplateCreate, TemplatePublic
from assistant.errors import NotFound
from assistant.store import Template, own_template, visible_templates

router = APIRouter(tags=["templates"])


def _view(template: Template, user_id: int) -> TemplatePublic:
    return TemplatePublic(
        id=template.id,
        name=template.name,
        request=template.request,
        shared=template.shared,
        mine=template.owner_id == user_id,
        created_at=template.created_at,
    )


@router.get("/api/templates", responses=documented(401))
def list_templates(scope: CurrentScope) -> list[TemplatePublic]:
    """The caller's templates and those other users shared, by name."""
    with scope.sessions() as session:
        found = visible_templates(session, scope.user_id)
        return [_view(template, scope.user_id) for template in found]


@router.put("/api/templates", responses=documented(400, 401, 413, 422))
def save(body: TemplateCreate, scope: CurrentScope) -> TemplatePublic:
    """Create the caller's template ``name``, or replace theirs of that name."""
    data = body.request.model_dump(mode="json")
    with scope.sessions.begin() as session:
        # Saves of one new name at once: one creates it, the rest replace it (last wins).
        template = own_template(session, scope.user_id, body.name, data)
        template.request = data
        template.shared = body.shared
        session.flush()
        return _view(template, scope.user_id)


@router.delete("/api/templates/{template_id}", status_code=204, responses=documented(401, 404, 422))
def delete(template_id: Annotated[int, Path(ge=1, le=2**63 - 1)], scope: CurrentScope) -> Response:
    """Delete one of the caller's templates (another user's answers 404, shared or not)."""
    with scope.sessions.begin() as session:
        template = session.get(Template, template_id)
        if template is None or template.owner_id != scope.user_id:
            raise NotFound(f"There is no template {template_id} of yours.")
        session.delete(template)
    return Response(status_code=204)
