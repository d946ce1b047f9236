"""Every integration event by subject, and each service's stream."""

from __future__ import annotations

from dataclasses import dataclass

from pathways_contracts import enrollment, outcomes, training
from pathways_contracts.base import IntegrationEvent


@dataclass(frozen=True)
class StreamSpec:
    name: str
    service: str

    @property
    def subjects(self) -> list[str]:
        return [f"{self.service}.v1.>"]


STREAMS: dict[str, StreamSpec] = {
    service: StreamSpec(name=service.upper(), service=service) for service in ("enrollment", "training", "outcomes")
}
DLQ_STREAM = "DLQ"
REPLAY_STREAM = "REPLAY"
RESOLUTIONS_STREAM = "DLQ_RESOLUTIONS"

ALL_EVENTS: tuple[type[IntegrationEvent], ...] = (*enrollment.EVENTS, *training.EVENTS, *outcomes.EVENTS)
BY_SUBJECT: dict[str, type[IntegrationEvent]] = {event.SUBJECT: event for event in ALL_EVENTS}


class UnknownSubjectError(LookupError):
    def __init__(self, subject: str) -> None:
        super().__init__(f"no integration event is published on subject {subject!r}")
        self.subject = subject


def event_type_for(subject: str) -> type[IntegrationEvent]:
    try:
        return BY_SUBJECT[subject]
    except KeyError:
        raise UnknownSubjectError(subject) from None
