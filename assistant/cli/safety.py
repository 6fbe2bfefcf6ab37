"""What makes a deployment unsafe, checked when a server or a worker starts.

A weak or placeholder ``ASSISTANT_SECRET_KEY`` stops the start unless
``ASSISTANT_DEV_MODE`` is set: anyone who read it could sign download links to every
file. A data source role that can read catalogue secrets (a superuser, or a member of
``pg_read_all_data``...) is logged loudly, and ``/api/health`` shows it to the users named
in ``ASSISTANT_ADMIN_USERS``.
"""

from __future__ import annotations

import logging

from assistant.errors import InvalidInput
from assistant.files.links import weak_secret
from assistant.settings import Settings
from assistant.source.privileges import catalogue_exposure

__all__ = ["check_deployment"]

_log = logging.getLogger("assistant")


def check_deployment(settings: Settings) -> list[str]:
    """The warnings for this deployment; raises InvalidInput for a weak secret."""
    weak = weak_secret(settings)
    warnings = []
    if weak is not None:
        if not settings.dev_mode:
            raise InvalidInput(f"{weak} (ASSISTANT_DEV_MODE=true starts anyway, for development)")
        warnings.append(weak)
    exposed = catalogue_exposure(settings.source_url)
    if exposed is not None:
        warnings.append(exposed)
    for warning in warnings:
        _log.warning("UNSAFE DEPLOYMENT: %s", warning)
    return warnings
