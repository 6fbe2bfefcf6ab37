"""The one error delivery raises, saying whether trying again later can help."""

from __future__ import annotations

from assistant.errors import AssistantError

__all__ = ["DeliveryFailed"]


class DeliveryFailed(AssistantError):
    """An email or webhook could not be delivered.

    ``transient`` is true when the same delivery may work later (connection refused, a
    timeout, an SMTP 4xx or HTTP 5xx/429 answer) and false when it will fail again until
    something is changed (a wrong password, a refused address, an HTTP 4xx answer).

    >>> error = DeliveryFailed("The mail server refused the login.", transient=False)
    >>> error.code, error.transient
    ('delivery_failed', False)
    """

    code = "delivery_failed"

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient
