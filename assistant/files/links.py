"""Where a finished export can be fetched: the signing key and the signed download URL.

Used by every sender of links (the scheduler's deliveries, the chat's "email it", the
API's ``download_url``), so they all make links the API serves (``/d/{token}``).

A link points at (:func:`link_base`) ``ASSISTANT_PUBLIC_URL`` when it is set; else, for
work an API request started, at the host that request came to (it reached the API, so
may the recipient); else, for a scheduled run or the terminal chat, at
:data:`DEFAULT_PUBLIC_URL`, which only works on this machine. Which one was used is
logged with each link made here, so a link that does not open can be explained.

>>> link_base(Settings(public_url="https://data.example/"), "http://10.0.0.5:8000/")
('https://data.example', 'ASSISTANT_PUBLIC_URL')
>>> link_base(Settings(), "http://10.0.0.5:8000/")
('http://10.0.0.5:8000', 'the host the request came to')
>>> link_base(Settings())[0]
'http://127.0.0.1:8000'
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from assistant.files.signing import LinkSigner
from assistant.settings import Settings

__all__ = [
    "DEFAULT_PUBLIC_URL",
    "MIN_SECRET_CHARS",
    "download_url",
    "link_base",
    "mask_key",
    "secret_key",
    "weak_secret",
]

#: Where `python -m assistant serve` listens by default: links point there unless
#: ``ASSISTANT_PUBLIC_URL`` says otherwise.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
_DEFAULT_SAID = "the default: ASSISTANT_PUBLIC_URL is not set, so only this machine can open it"

_log = logging.getLogger(__name__)


def link_base(settings: Settings, request_base: str | None = None) -> tuple[str, str]:
    """Where links point, and why: ``ASSISTANT_PUBLIC_URL``, else ``request_base`` (the
    host an API request came to), else the default (see the module's docstring)."""
    if settings.public_url:
        return settings.public_url.rstrip("/"), "ASSISTANT_PUBLIC_URL"
    if request_base:
        return request_base.rstrip("/"), "the host the request came to"
    return DEFAULT_PUBLIC_URL, _DEFAULT_SAID


def download_url(
    settings: Settings, export_id: str, sha256: str, *, request_base: str | None = None
) -> str:
    """A signed link to a finished export's file, served by the API (``serve``), at
    :func:`link_base`; logged with the base and why (never the token)."""
    signer = LinkSigner(secret_key(settings), settings.link_ttl_hours * 3600)
    base, why = link_base(settings, request_base)
    _log.info("download link for export %s points at %s (%s)", export_id, base, why)
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


def mask_key(settings: Settings) -> bytes:
    """The key of masking's keyed hashes, derived from :func:`secret_key` (never the
    signing key itself: a hash published in a file must not help forge a link)."""
    return hmac.new(secret_key(settings).encode("utf-8"), b"mask", hashlib.sha256).digest()


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
