"""Face: the HTTP API (docs/api.md); :func:`create_app` builds it from settings.

Holds the app, its routes (one router per resource), what they depend on (the caller, their
scope, limits), the error mapping and file downloads. May import the process and every
room below it; nothing but the command line imports it.
"""

from assistant.api.app import create_app

__all__ = ["create_app"]
