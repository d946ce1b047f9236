"""Stream set-up the integration tests share."""

from __future__ import annotations

from nats.js import JetStreamContext


async def shorten_dedup_window(js: JetStreamContext, stream: str, seconds: float) -> None:
    """Makes ``stream`` forget message ids after ``seconds`` instead of two minutes.

    Done twice on purpose: when the window changes, nats-server fires its dedup purge at once, and
    that purge may read the old window before the update has stored the new one; it then keeps every
    id for the old window's two minutes (seen about once in a hundred updates). The second change's
    purge runs after the first update has stored its window, so it reads a short window either way."""
    for window in (seconds, seconds * 1.001):
        config = (await js.stream_info(stream)).config
        config.duplicate_window = window
        await js.update_stream(config)
