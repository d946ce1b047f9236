"""Stored events → outbound messages, their header lines encoded once, ahead of publishing.

(Translating in a worker process was tried: on two cores shared with NATS and PostgreSQL it
gained nothing measurable, so the relay translates inline.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pathways_contracts.base import IntegrationEvent
from pathways_infra.eventstore import RecordedEvent, RecordedEventMapper
from pathways_infra.log_digest import LogChain
from pathways_infra.outbound_message import OutboundMessage, build_message

Translator = Callable[[RecordedEvent], IntegrationEvent | None]


class Encoder:
    def __init__(self, service: str, mapper: RecordedEventMapper, translate: Translator) -> None:
        self._service = service
        self._mapper = mapper
        self._translate = translate

    def encode(self, rows: Sequence[Any], chain: LogChain | None = None) -> list[OutboundMessage]:
        """Rows of the events table, in notification order → messages for the events that are public.

        With ``chain``, every row (public or not) is added to it and each message carries the
        chain's value after its event."""
        messages: list[OutboundMessage] = []
        decode = self._mapper.decode_row
        for notification_id, originator_id, originator_version, topic, state in rows:
            digest = None
            if chain is not None:
                digest = chain.add(notification_id, originator_id, originator_version, topic, state)
            recorded = decode(originator_id, originator_version, topic, state, notification_id)
            event = self._translate(recorded)
            if event is None:
                continue
            messages.append(build_message(self._service, recorded, event, log_digest=digest))
        return messages
