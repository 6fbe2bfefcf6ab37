"""The HTTP API: :func:`create_app` builds it (contracts/api.md)."""

from assistant.api.app import create_app

__all__ = ["create_app"]
