"""Signed, expiring download links (``/d/{token}``) that work without an API key.

A token is an itsdangerous ``URLSafeTimedSerializer`` dump of ``[export_id, sha256]``,
HMAC-signed with the server secret and salted ``"download"`` so a token made for
anything else with the same secret never verifies here. Binding the SHA-256 means a link
to an export that was deleted and re-made (or whose id was reused) can't serve other
bytes. Every verification applies the maximum age; there is no way to skip it.

>>> now = [1_000_000.0]
>>> signer = LinkSigner("s3cret", max_age_seconds=60, clock=lambda: now[0])
>>> token = signer.sign("exp_1", "ab" * 32)
>>> signer.verify(token) == ("exp_1", "ab" * 32)
True
>>> now[0] += 61
>>> signer.verify(token)
Traceback (most recent call last):
...
assistant.errors.LinkExpired: This download link has expired. Ask for a new link \
(links work for 1 minute).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from assistant.errors import LinkExpired, LinkInvalid, LinkStale

DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60  # the default: a link works for a day
SALT = "download"
#: Tokens made in the current second that :meth:`LinkSigner.sign` hands out again.
SIGNED_KEPT = 1024


def _clocked_signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    # itsdangerous builds its signer from a class, so the clock is bound in a subclass;
    # both signing and the age check call get_timestamp.
    class ClockedTimestampSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedTimestampSigner


def _describe(seconds: float) -> str:
    """A rough human duration for messages: '24 hours', '1 minute', '90 seconds'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            if unit == "day" and n == 1:
                return "24 hours"  # how people say it about links
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


class LinkSigner:
    """Makes and checks download tokens for one secret and one maximum age."""

    def __init__(
        self,
        secret: str,
        max_age_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("a download-link secret is required")
        if not max_age_seconds > 0:
            raise ValueError("max_age_seconds must be positive: links always expire")
        self.max_age_seconds = max_age_seconds
        self._max_age = math.ceil(max_age_seconds)  # itsdangerous counts whole seconds
        self._clock = clock
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT, signer=_clocked_signer(clock))
        self._signed: dict[tuple[str, str], tuple[int, str]] = {}

    def sign(self, export_id: str, sha256: str) -> str:
        """A URL-safe token naming ``export_id`` with content ``sha256``.

        A token carries its second, so every one made for the same export in the same
        second is the same bytes: the last one made is handed out again within its second
        (a status polled by many clients signs once a second, not on every answer)."""
        second = int(self._clock())
        kept = self._signed.get((export_id, sha256))
        if kept is not None and kept[0] == second:
            return kept[1]
        token = self._serializer.dumps([export_id, sha256])
        if int(self._clock()) == second:  # so the token carries this second, not the next
            if len(self._signed) >= SIGNED_KEPT:
                self._signed.clear()
            self._signed[(export_id, sha256)] = (second, token)
        return token

    def verify(self, token: str, *, sha256: str | None = None) -> tuple[str, str]:
        """``(export_id, sha256)`` from a token we made that has not expired.

        With ``sha256`` (the export's current hash) a mismatch raises :class:`LinkStale`.
        Raises :class:`LinkExpired` when too old and :class:`LinkInvalid` otherwise.
        """
        try:
            payload = self._serializer.loads(token, max_age=self._max_age)
        except SignatureExpired as exc:
            # itsdangerous also reports a timestamp from the future as "expired";
            # only a genuine clock skew or forgery does that, so call it invalid.
            if exc.date_signed is not None and exc.date_signed.timestamp() > self._clock():
                raise LinkInvalid() from None
            raise LinkExpired(
                "This download link has expired. Ask for a new link "
                f"(links work for {_describe(self.max_age_seconds)})."
            ) from None
        except BadData:
            raise LinkInvalid() from None
        if not (
            isinstance(payload, list)
            and len(payload) == 2
            and all(isinstance(part, str) and part for part in payload)
        ):
            raise LinkInvalid()
        export_id, signed_sha = payload
        if sha256 is not None and signed_sha != sha256:
            raise LinkStale(
                "This download link points to a file that has since been deleted or "
                "replaced. Ask for a new link."
            )
        return export_id, signed_sha
