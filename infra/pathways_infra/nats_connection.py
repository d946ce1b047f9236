"""How a service connects to NATS: it never gives up on a server that went away, and says so in a line.

nats-py's default is 60 reconnect attempts two seconds apart; after a longer outage its client
closes for good, and a service would go on taking commands whose events nobody ever publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import nats.errors

from pathways_infra.settings import Settings

log = logging.getLogger(__name__)

RECONNECT_FOREVER = -1

# What nats-py reports just before it tells of a disconnection.
CONNECTION_LOST = (
    OSError,
    nats.errors.UnexpectedEOF,
    nats.errors.StaleConnectionError,
    nats.errors.ConnectionClosedError,
)


def connection_options(
    settings: Settings, name: str, *, closing: Callable[[], bool], quiet: bool = False
) -> dict[str, Any]:
    """Options for ``nats.connect`` and FastStream's ``NatsBroker`` alike. An outage is logged in one
    line when it starts, with the error that began it, and one when it ends, not once per attempt; a
    connection closed on purpose (``closing()`` is true: the service stopping, its consumers handed
    over) logs nothing. ``quiet``: a second connection of the same process, whose outage the first
    one's lines already tell, logs at DEBUG."""
    level = logging.DEBUG if quiet else logging.WARNING
    outage: dict[str, Any] = {"down": False, "cause": None}

    async def on_error(error: Exception) -> None:
        if outage["down"] or closing():
            log.debug("%s: NATS: %s", name, _said(error))
        elif isinstance(error, CONNECTION_LOST):  # the disconnection that follows says it
            outage["cause"] = error
        else:
            log.warning("%s: NATS: %s", name, _said(error))

    async def on_disconnected() -> None:
        cause, outage["cause"] = outage["cause"], None
        if closing():
            return
        outage["down"] = True
        because = f" ({_said(cause)})" if cause is not None else ""
        log.log(level, "%s: lost the NATS connection%s; reconnecting (committed events wait in the store)",
                name, because)  # fmt: skip

    async def on_reconnected() -> None:
        outage["down"] = False
        log.log(logging.DEBUG if quiet else logging.INFO, "%s: NATS connection back", name)

    return {
        "name": name,
        "max_reconnect_attempts": RECONNECT_FOREVER,
        "reconnect_time_wait": settings.nats_reconnect_wait_seconds,
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
    }


def _said(error: Exception) -> str:
    return str(error).removeprefix("nats: ") or type(error).__name__
