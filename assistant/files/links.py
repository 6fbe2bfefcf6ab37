"""Where a finished export can be fetched: the signing key and the signed download URL.

Used by every sender of links (the scheduler's deliveries, the chat's "email it", the
API's ``download_url``), so they all make links the API serves (``/d/{token}``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from assistant.files.signing import LinkSigner
from assistant.settings import Settings

__all__ = ["DEFAULT_PUBLIC_URL", "download_url", "secret_key"]

#: Where `python -m assistant serve` listens by default: links point there unless
#: ``ASSISTANT_PUBLIC_URL`` says otherwise.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def download_url(settings: Settings, export_id: str, sha256: str) -> str:
    """A signed link to a finished export's file, served by the API (``serve``)."""
    signer = LinkSigner(secret_key(settings), settings.link_ttl_hours * 3600)
    base = (settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")
    return f"{base}/d/{signer.sign(export_id, sha256)}"


def secret_key(settings: Settings) -> str:
    """The key that signs download links: the configured one, else one kept on disk.

    Generated once (0600, beside the files it guards) so links survive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.storage_dir) / ".secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".secret.{secrets.token_hex(4)}.part")
        temporary.write_text(secrets.token_urlsafe(48))
        temporary.chmod(0o600)
        # Linked, not renamed: of two processes starting at once the first wins, both agree.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
        temporary.unlink()
    return path.read_text().strip()
