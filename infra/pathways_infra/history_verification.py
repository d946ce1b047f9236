"""``pathways history --verify``: each event shown, judged against the digests its service's stream carries.

The relay publishes, with each message, a digest of its store's whole chain up to that event, private
events included (``log_digest``); ``streams check`` recomputes the chain. An event is *verified* when a
digest published at or after it matches the chain of the span it is in, *altered* when that digest no
longer matches (the span's events, one of which changed: which one the chain cannot tell), and *not yet
published* when the relay has published no digest after it yet. A stream that is not an exact copy of
its store (a message removed, slipped in, or an event removed from the store) fails the whole service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pathways_infra.history import History, HistoryEvent
from pathways_infra.stream_audit import StreamAudit


class Verdict(StrEnum):
    VERIFIED = "verified"
    ALTERED = "altered"
    NOT_YET_PUBLISHED = "not-yet-published"


MARKS = {Verdict.VERIFIED: "✓", Verdict.ALTERED: "✗", Verdict.NOT_YET_PUBLISHED: "?"}


@dataclass(frozen=True)
class Verification:
    """The audits of the services shown, and the verdict on each event shown."""

    audits: Mapping[str, StreamAudit]

    def verdict(self, event: HistoryEvent) -> Verdict:
        check = self.audits[event.service].log_check
        if any(after < event.notification_id <= through for after, through in check.altered):
            return Verdict.ALTERED
        return Verdict.VERIFIED if event.notification_id <= check.through else Verdict.NOT_YET_PUBLISHED

    @property
    def ok(self) -> bool:
        """Every service's stream an exact copy of its unaltered store."""
        return all(audit.ok for audit in self.audits.values())

    def counts(self, events: Iterable[HistoryEvent]) -> dict[Verdict, int]:
        found = dict.fromkeys(Verdict, 0)
        for event in events:
            found[self.verdict(event)] += 1
        return found

    def as_dict(self, found: History) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": {str(verdict): n for verdict, n in self.counts(found.events).items()},
            "services": {service: audit.as_dict() for service, audit in self.audits.items()},
        }


def verified_dict(found: History, verification: Verification) -> dict[str, Any]:
    """The history's JSON document, each event with its verdict, and the verification's."""
    document = found.as_dict()
    for event, shown in zip(found.events, document["events"], strict=True):
        shown["verification"] = str(verification.verdict(event))
    document["verification"] = verification.as_dict(found)
    return document


def summary(found: History, verification: Verification) -> str:
    """What the check found, under the history's lines."""
    counts = verification.counts(found.events)
    lines = [
        "Checked against the digests the streams carry ("
        + ", ".join(f"{MARKS[verdict]} {verdict.replace('-', ' ')}: {n}" for verdict, n in counts.items())
        + ")"
    ]
    for service, audit in verification.audits.items():
        if audit.ok:
            lines.append(f"  {service:<10}  its stream is an exact copy of its unaltered store")
        else:
            lines.append(f"  {service:<10}  NOT VERIFIED: `pathways streams check {service}` says what differs")
    if counts[Verdict.NOT_YET_PUBLISHED]:
        lines.append("  ? recorded after the last digest its relay published: checked once the relay publishes more")
    return "\n".join(lines)
