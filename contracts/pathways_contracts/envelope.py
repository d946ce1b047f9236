"""CloudEvents 1.0 attributes carried in NATS headers, around a JSON body.

An integrator in any language reads these with a stock NATS client; nothing here needs our code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote
from uuid import UUID

SPEC_VERSION = "1.0"
MSG_ID = "Nats-Msg-Id"
CORRELATION_ID = "pathways-correlation-id"
EVENT_ID = "pathways-event-id"  # the event's UUID: unique across installations, where ce-id is per stream
CAUSATION_ID = "pathways-causation-id"
RECORDED_AT = "pathways-recorded-at"
ACTOR_ID = "pathways-actor-id"
ACTOR_ROLE = "pathways-actor-role"
ACTOR_UNIT = "pathways-actor-unit"
TRACEPARENT = "traceparent"


class EnvelopeError(ValueError):
    """A message lacks, or garbles, the CloudEvents attributes every event must carry."""


@dataclass(frozen=True, kw_only=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    subject: str
    correlation_id: str
    causation_id: str | None
    recorded_at: datetime
    actor_id: str
    actor_role: str
    actor_unit: str | None
    traceparent: str

    def to_headers(self) -> dict[str, str]:
        headers = {
            MSG_ID: self.id,
            "ce-specversion": SPEC_VERSION,
            "ce-id": self.id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-time": self.time.isoformat(),
            "ce-subject": self.subject,
            "ce-datacontenttype": "application/json",
            CORRELATION_ID: self.correlation_id,
            RECORDED_AT: self.recorded_at.isoformat(),
            ACTOR_ID: header_safe(self.actor_id),
            ACTOR_ROLE: header_safe(self.actor_role),
            TRACEPARENT: self.traceparent,
        }
        if self.causation_id:
            headers[CAUSATION_ID] = header_safe(self.causation_id)
        if self.actor_unit:
            headers[ACTOR_UNIT] = header_safe(self.actor_unit)
        return headers

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None) -> Envelope:
        if not headers:
            raise EnvelopeError("message has no headers; CloudEvents attributes (ce-*) are required")
        missing = [name for name in _REQUIRED if not headers.get(name)]
        if missing:
            raise EnvelopeError(f"message lacks required headers: {', '.join(missing)}")
        if headers["ce-specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported ce-specversion {headers['ce-specversion']!r}")
        time, recorded_at = _instant(headers, "ce-time"), _instant(headers, RECORDED_AT)
        try:
            UUID(headers[CORRELATION_ID])
        except ValueError:
            raise EnvelopeError(f"{CORRELATION_ID} is not a UUID: {headers[CORRELATION_ID][:80]!r}") from None
        for name in (ACTOR_ID, ACTOR_ROLE, ACTOR_UNIT, CAUSATION_ID):
            if len(headers.get(name) or "") > MAX_IDENTITY_HEADER_LENGTH:
                raise EnvelopeError(f"{name} is longer than {MAX_IDENTITY_HEADER_LENGTH:,} characters")
        return cls(
            id=headers["ce-id"],
            source=headers["ce-source"],
            type=headers["ce-type"],
            time=time,
            subject=headers["ce-subject"],
            correlation_id=headers[CORRELATION_ID],
            causation_id=_text_or_none(headers.get(CAUSATION_ID)),
            recorded_at=recorded_at,
            actor_id=header_text(headers[ACTOR_ID]),
            actor_role=header_text(headers[ACTOR_ROLE]),
            actor_unit=_text_or_none(headers.get(ACTOR_UNIT)),
            traceparent=headers.get(TRACEPARENT, ""),
        )


# 200 characters (what the services' HTTP APIs take) percent-escaped as UTF-8: at most 12 bytes each.
MAX_IDENTITY_HEADER_LENGTH = 2_400


def _instant(headers: Mapping[str, str], name: str) -> datetime:
    """A timestamp header: RFC 3339, so with its UTC offset (events carry them on to other systems)."""
    try:
        instant = datetime.fromisoformat(headers[name])
    except ValueError as error:
        raise EnvelopeError(f"bad timestamp header {name}: {error}") from None
    if instant.tzinfo is None:
        raise EnvelopeError(f"timestamp header {name} has no UTC offset: {headers[name]!r}")
    return instant


_REQUIRED = ("ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject", CORRELATION_ID, RECORDED_AT,
             ACTOR_ID, ACTOR_ROLE)  # fmt: skip


def header_safe(value: str) -> str:
    """Header values are single-line printable ASCII: anything else, and ``%`` itself, is
    percent-escaped as UTF-8 (``header_text`` reads it back), so ``%E0%B8%AA`` sent as text stays
    told apart from the Thai letter it would otherwise read as."""
    if value.isascii() and value.isprintable() and "%" not in value:
        return value
    return "".join(_escaped(c) for c in value)


def _escaped(character: str) -> str:
    if character.isascii() and character.isprintable() and character != "%":
        return character
    return "".join(f"%{byte:02X}" for byte in character.encode())


def _text_or_none(value: str | None) -> str | None:
    return None if value is None else header_text(value)


def header_text(value: str) -> str:
    """What ``header_safe`` escaped, as it was."""
    return unquote(value, errors="replace") if "%" in value else value


def traceparent_for(correlation_id: UUID, event_id: UUID) -> str:
    """A W3C trace context: the correlation id is the trace, the event the span."""
    return f"00-{correlation_id.hex}-{event_id.hex[:16]}-01"
