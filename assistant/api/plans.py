"""The export plan as the API answers a dry run (``"dry_run": true``)."""

from __future__ import annotations

from assistant.api.schemas import PartPlanPublic, PlanPublic
from assistant.exports.plan import ExportPlan
from assistant.settings import Settings

__all__ = ["plan_view"]


def plan_view(plan: ExportPlan, settings: Settings) -> PlanPublic:
    """``plan`` as ``PlanPublic``; ``confirm`` says whether the chat would ask first."""
    return PlanPublic(
        format=plan.format.value,
        rows=plan.rows,
        rows_estimated=plan.estimated,
        bytes=plan.bytes,
        parts=[
            PartPlanPublic(
                name=part.name,
                rows=part.rows,
                rows_estimated=part.estimated,
                bytes=part.bytes,
                bytes_per_row=part.bytes_per_row,
                caps=list(part.caps),
            )
            for part in plan.parts
        ],
        caps=list(plan.caps),
        masked=list(plan.masked),
        confirm=plan.asks(settings),
        text=" ".join(filter(None, (plan.line(), plan.details()))),
    )
