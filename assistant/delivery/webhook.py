"""Webhook delivery: a signed JSON POST, retried with backoff while the receiver may recover.

Each attempt is one request::

    POST <url>
    Content-Type: application/json
    User-Agent: data-assistant-webhook/1
    X-Assistant-Delivery: <uuid>            the same on every retry: receivers dedupe on it
    X-Assistant-Timestamp: <unix seconds>   when this attempt was signed
    X-Assistant-Signature: sha256=<hex>     HMAC-SHA256, keyed with the shared secret, of
                                            the bytes "<timestamp>." followed by the body

    <body: JSON, keys sorted, no spaces, UTF-8>

Signing the timestamp with the body lets receivers refuse replays: check the signature
over the exact bytes received (before parsing them), refuse timestamps more than a few
minutes away, and ignore a delivery id already handled. :func:`verify_signature` does the
first two.

A 2xx answer is delivered. 408, 425, 429, any 5xx, timeouts and connection errors are
retried after ``backoff × 2ⁿ`` seconds, or the ``Retry-After`` the receiver asked for,
capped at ``max_delay``. Any other answer (a 4xx; a 3xx, since redirects are never
followed) fails at once. Error messages name only the URL's scheme, host and port: webhook
paths and queries often hold tokens.

The URL is a user's, the request our server's, so each attempt goes only where
:mod:`assistant.delivery.outbound` allows: the host is resolved once, every address must
be public (or allowed by ``ASSISTANT_OUTBOUND_ALLOW_HOSTS``), and the request connects to
one of those very addresses, the name sent as ``Host`` and TLS SNI (so the certificate is
still checked against it). A private address fails at once, saying so. Every network
failure (refused, timed out, reset, no such name) says only :data:`UNREACHABLE`: telling
them apart would let a user map ports; the details go to the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from assistant.delivery.outbound import OutboundPolicy, ip_literal, resolve_checked
from assistant.errors import DeliveryFailed, InvalidInput

__all__ = [
    "MAX_DELAY_SECONDS",
    "UNREACHABLE",
    "USER_AGENT",
    "WebhookResult",
    "encode_body",
    "send_webhook",
    "sign",
    "verify_signature",
    "webhook_payload",
]

USER_AGENT = "data-assistant-webhook/1"
#: The longest wait between two attempts, whatever Retry-After asks for.
MAX_DELAY_SECONDS = 60.0
_RETRY_STATUSES = frozenset({408, 425, 429})
#: What a person is told of any network failure: the same words for every kind.
UNREACHABLE = "The webhook could not be reached."
_NOT_HTTP = "A webhook URL must be an http:// or https:// URL with a host."

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    """A delivered webhook: the receiver's status, the attempts it took, the delivery id."""

    status: int
    attempts: int
    delivery_id: str


def webhook_payload(export: Mapping[str, Any], download_url: str) -> dict[str, Any]:
    """The body of an ``export.done`` event (a ``path`` key, if any, is left out).

    >>> webhook_payload({"id": "exp_1", "rows": 2, "path": "/srv/f.csv"}, "https://a.example/d/t")
    {'event': 'export.done', 'export': {'id': 'exp_1', 'rows': 2}, 'download_url': 'https://a.example/d/t'}
    """
    # A server path means nothing to the receiver and says too much about the server.
    export = {key: value for key, value in export.items() if key != "path"}
    return {"event": "export.done", "export": export, "download_url": download_url}


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent: JSON with sorted keys, no spaces, UTF-8.

    >>> encode_body({"b": 1, "a": "é"})
    b'{"a":"\\xc3\\xa9","b":1}'
    """
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sign(body: bytes, timestamp: str, secret: str) -> str:
    """The ``X-Assistant-Signature`` value for ``body`` sent at ``timestamp``."""
    message = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    timestamp: str,
    signature_header: str,
    secret: str,
    *,
    max_age_seconds: float = 300,
    now: float | None = None,
) -> bool:
    """Whether a request is genuine and recent: for receivers of our webhooks.

    ``body`` is the raw request body, ``timestamp`` and ``signature_header`` the
    ``X-Assistant-Timestamp`` and ``X-Assistant-Signature`` headers. A timestamp more than
    ``max_age_seconds`` from ``now`` (default: the current time) either way fails.

    >>> body = b'{"event":"export.done"}'
    >>> header = sign(body, "1700000000", "s3cret")
    >>> verify_signature(body, "1700000000", header, "s3cret", now=1_700_000_010)
    True
    >>> verify_signature(body + b" ", "1700000000", header, "s3cret", now=1_700_000_010)
    False
    >>> verify_signature(body, "1700000000", header, "s3cret", now=1_700_000_400)
    False
    """
    # Bounded digits: int() of a huge string is slow (and refused past 4300 digits).
    if not secret or not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age_seconds:
        return False
    expected = sign(body, timestamp, secret).encode("ascii")
    return hmac.compare_digest(expected, signature_header.strip().encode("utf-8"))


def send_webhook(
    url: str,
    payload: Mapping[str, Any],
    secret: str,
    *,
    policy: OutboundPolicy | None = None,
    timeout: float = 10.0,
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    client: httpx.Client | None = None,
    clock: Callable[[], float] = time.time,
    max_delay: float = MAX_DELAY_SECONDS,
) -> WebhookResult:
    """POST ``payload`` to ``url``, signed with ``secret``, trying up to ``attempts`` times.

    Only to public addresses, or private ones ``policy`` allows (default: none).
    Raises :class:`InvalidInput` for a URL that is not http(s) or an empty secret, and
    :class:`DeliveryFailed` when it was not delivered: ``transient`` is false for an answer
    that retrying would not change (a 4xx, a private address), true when the attempts ran
    out. A ``client`` given is used as it is, but redirects are never followed.
    """
    where = _origin(url)
    if not secret:
        raise InvalidInput("A webhook needs a secret to sign its requests.")
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    body = encode_body(payload)
    delivery_id = str(uuid.uuid4())
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        failure: str | None = None  # the last answer; None: the last attempt never got one
        for attempt in range(1, attempts + 1):
            timestamp = str(int(clock()))  # signed per attempt, so late retries stay fresh
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Assistant-Delivery": delivery_id,
                "X-Assistant-Timestamp": timestamp,
                "X-Assistant-Signature": sign(body, timestamp, secret),
            }
            wait: float | None = None
            try:
                status, reason, retry_after = _post(http, url, policy, body, headers, timeout)
            except InvalidInput as exc:  # a private address: resolved again, refused again
                raise DeliveryFailed(exc.message, transient=False) from exc
            except (OSError, httpx.TransportError) as exc:
                failure = None
                _log.warning(
                    "webhook %s attempt %d/%d could not be reached: %s: %s",
                    where, attempt, attempts, type(exc).__name__, exc,
                )  # fmt: skip
            else:
                if 200 <= status < 300:
                    return WebhookResult(status=status, attempts=attempt, delivery_id=delivery_id)
                if not (status >= 500 or status in _RETRY_STATUSES):
                    raise DeliveryFailed(
                        f"The webhook at {where} answered {status} {reason}; it was not "
                        "retried, since the same request would be refused again. Check the "
                        "webhook's URL and secret"
                        + (" (redirects are not followed)." if 300 <= status < 400 else "."),
                        transient=False,
                    )
                failure = f"answered {status} {reason}".rstrip()
                wait = _retry_after(retry_after, clock())
                _log.warning("webhook %s attempt %d/%d %s", where, attempt, attempts, failure)
            if attempt < attempts:
                delay = backoff * 2 ** (attempt - 1) if wait is None else wait
                sleep(min(max(delay, 0.0), max_delay))
        if failure is None:
            raise DeliveryFailed(UNREACHABLE, transient=True)
        raise DeliveryFailed(
            f"The webhook at {where} {failure} (tried {attempts} time"
            f"{'' if attempts == 1 else 's'}).",
            transient=True,
        )
    finally:
        if client is None:
            http.close()


def _post(
    http: httpx.Client,
    url: str,
    policy: OutboundPolicy | None,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> tuple[int, str, str | None]:
    """One POST to an address ``url``'s host resolves to now, each checked: the status,
    its reason and ``Retry-After``. Raises :class:`InvalidInput` for a private address,
    :class:`OSError` for a name that does not resolve, httpx's errors for the rest."""
    target = resolve_checked(url, policy or OutboundPolicy())
    try:
        named = httpx.URL(url)
    except httpx.InvalidURL as exc:  # "010.0.0.1": public, but not a URL httpx can send
        raise InvalidInput(_NOT_HTTP) from exc
    headers = {**headers, "Host": named.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and ip_literal(target.host) is None:
        extensions["sni_hostname"] = named.raw_host.decode("ascii")  # the certificate's name
    refused: httpx.ConnectError | None = None
    for address in target.addresses:
        try:
            # Streamed and never read: the receiver's answer body is not needed.
            with http.stream(
                "POST",
                named.copy_with(host=str(address)),
                content=body,
                headers=headers,
                timeout=timeout,
                follow_redirects=False,
                extensions=extensions,
            ) as response:
                status, reason = response.status_code, response.reason_phrase
                return status, reason, response.headers.get("retry-after")
        except httpx.ConnectError as exc:
            refused = exc  # the name's next address may answer
    assert refused is not None  # resolve_checked never gives no address
    raise refused


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, or :class:`InvalidInput`.

    Read with the standard library, not httpx: httpx refuses hosts like ``0177.0.0.1``
    that libc reads as an address, and those must reach the address check to be named.
    """
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except (TypeError, ValueError):
        parsed, port = None, None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInput(_NOT_HTTP)
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    return f"{parsed.scheme}://{host}{'' if port is None else f':{port}'}"


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta seconds or an HTTP date).

    >>> _retry_after("7", 0), _retry_after("Thu, 01 Jan 1970 00:00:30 GMT", 10.0)
    (7.0, 20.0)
    >>> _retry_after("soon", 0) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)
