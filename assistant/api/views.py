"""Store rows and engine replies as the API shows them, with signed download links."""

from __future__ import annotations

import datetime as dt

from assistant.api.deps import LinkMaker
from assistant.api.schemas import ExportPublic, ReplyExport, ReplyPublic
from assistant.replies import Reply
from assistant.store import ExportStatus, ExportSummary

__all__ = ["export_view", "reply_view"]


def export_view(links: LinkMaker, row: ExportSummary, now: dt.datetime) -> ExportPublic:
    """The export as the API shows it at ``now`` (its ETA while it runs)."""
    done = row.status is ExportStatus.DONE
    return ExportPublic(
        id=row.id,
        format=row.format,
        status=row.status,
        rows_done=row.rows_done,
        rows_total=row.rows_total,
        eta_seconds=row.eta_seconds(now),
        bytes=row.bytes,
        sha256=row.sha256,
        file_name=row.file_name,
        created_at=row.created_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
        error=row.error,
        download_url=links.download(row.id, row.sha256) if done else None,
        notes=row.notes or [],
    )


def reply_view(links: LinkMaker, reply: Reply) -> ReplyPublic:
    """A chat reply without the server's file path, with a download link instead."""
    export = None
    if reply.export is not None:
        info = reply.export
        link = links.download(info.id, info.sha256) if info.status == "done" else None
        export = ReplyExport(
            id=info.id,
            format=info.format,
            status=info.status,
            rows=info.rows,
            bytes=info.bytes,
            sha256=info.sha256,
            file_name=info.file_name,
            download_url=link,
            notes=info.notes,
        )
    return ReplyPublic(
        text=reply.text, table=reply.table, export=export, choices=reply.choices, sql=reply.sql
    )
