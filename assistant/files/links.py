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

__all__ = ["DEFAULT_PUBLIC_URL", "MIN_SECRET_CHARS", "download_url", "secret_key", "weak_secret"]

#: Where `python -m assistant serve` listens by default: links point there unless
#: ``ASSISTANT_PUBLIC_URL`` says otherwise.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def download_url(settings: Settings, export_id: str, sha256: str) -> str:
    """A signed link to a finished export's file, served by the API (``serve``)."""
    signer = LinkSigner(secret_key(settings), settings.link_ttl_hours * 3600)
    base = (settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")
    return f"{base}/d/{signer.sign(export_id, sha256)}"


MIN_SECRET_CHARS = 32
# Placeholders from our own compose file and the usual examples: a key anyone can read
# in a repository lets them sign download links to every file.
_PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "your-secret", "secret",
                 "example", "placeholder", "default", "password", "test")  # fmt: skip


def weak_secret(settings: Settings) -> str | None:
    """Why the configured ``ASSISTANT_SECRET_KEY`` must not sign links, or None.

    None when none is configured: a random key is generated and kept on disk then.
    """
    key = settings.secret_key
    if key is None:
        return None
    folded = key.strip().lower()
    if any(folded.startswith(word) or folded == word for word in _PLACEHOLDERS):
        return (
            "ASSISTANT_SECRET_KEY is a placeholder: anyone who has read it can sign download "
            "links to every file. Set a long random one, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, or leave it unset."
        )
    if len(key) < MIN_SECRET_CHARS:
        return (
            f"ASSISTANT_SECRET_KEY is {len(key)} characters: use at least {MIN_SECRET_CHARS} "
            "random ones (`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
            "or leave it unset."
        )
    return None


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
