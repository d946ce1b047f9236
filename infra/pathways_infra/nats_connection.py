"""How a service connects to NATS: it never gives up on a server that went away, and says so in a line.

nats-py's default is 60 reconnect attempts two seconds apart; after a longer outage its client
closes for good, and a service would go on taking commands whose events nobody ever publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pathways_infra.settings import Settings

log = logging.getLogger(__name__)

RECONNECT_FOREVER = -1


def connection_options(settings: Settings, name: str, *, closing: Callable[[], bool]) -> dict[str, Any]:
    """Options for ``nats.connect`` and FastStream's ``NatsBroker`` alike. An outage is logged when
    it starts and ends, with its first error, not once per attempt; a connection closed on purpose
    (``closing()`` is true: the service stopping, its consumers handed over) logs nothing."""
    outage = {"reported": False}

    async def on_error(error: Exception) -> None:
        if not outage["reported"] and not closing():
            outage["reported"] = True
            log.warning("%s: NATS: %s", name, str(error) or type(error).__name__)

    async def on_disconnected() -> None:
        if not closing():
            log.warning("%s: lost the NATS connection; reconnecting (committed events wait in the store)", name)

    async def on_reconnected() -> None:
        outage["reported"] = False
        log.info("%s: NATS connection back", name)

    return {
        "name": name,
        "max_reconnect_attempts": RECONNECT_FOREVER,
        "reconnect_time_wait": settings.nats_reconnect_wait_seconds,
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
    }
