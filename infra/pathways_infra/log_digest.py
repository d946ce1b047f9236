"""A hash chain over a service's whole notification log, carried in the messages the relay publishes.

Each public message carries ``Pathways-Log-Digest``: the SHA-256 chain over every stored event,
public or private, up to and including the one it was made from. The stream keeps these digests
outside the event store (in production on three other machines), so a stored event that is later
altered, removed or slipped in between makes the store's chain differ from the digest published
after it; ``pathways streams check`` recomputes the chain and names the span where it differs.

Event stores commit under a table lock, so notification ids become visible in order and the chain
the relay computes while tailing is the chain of the log.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import Any
from uuid import UUID

LOG_DIGEST = "Pathways-Log-Digest"
GENESIS = bytes(32)
"""The chain's value before the first event."""

_HEAD = struct.Struct(">qq16sI")


def chain_step(
    previous: bytes, notification_id: int, originator_id: Any, version: int, topic: str, state: bytes
) -> bytes:
    """The chain's value once this event is added. Every field is framed, so no two different
    events hash alike by shifting bytes from one field into the next."""
    topic_bytes = topic.encode()
    head = _HEAD.pack(notification_id, version, _uuid_bytes(originator_id), len(topic_bytes))
    return hashlib.sha256(previous + head + topic_bytes + struct.pack(">I", len(state)) + state).digest()


def _uuid_bytes(value: Any) -> bytes:
    return value.bytes if isinstance(value, UUID) else UUID(str(value)).bytes


class LogChain:
    """The running chain, from ``digest`` after notification ``position``."""

    def __init__(self, position: int = 0, digest: bytes = GENESIS) -> None:
        self.position = position
        self.digest = digest

    def add(self, notification_id: int, originator_id: Any, version: int, topic: str, state: bytes) -> bytes:
        if notification_id <= self.position:
            raise ValueError(f"notification {notification_id} is not after {self.position}: the chain runs in order")
        self.digest = chain_step(self.digest, notification_id, originator_id, version, topic, bytes(state))
        self.position = notification_id
        return self.digest

    def add_rows(self, rows: Iterable[Any]) -> None:
        """Rows of (notification_id, originator_id, originator_version, topic, state), in order."""
        for notification_id, originator_id, version, topic, state in rows:
            self.add(notification_id, originator_id, version, topic, state)


def parse_digest(value: str | None) -> bytes | None:
    """A header's digest, or None if it is absent or not 64 hex digits."""
    if value is None or len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None
