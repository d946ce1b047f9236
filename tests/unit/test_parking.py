"""What a parked message carries: the event's own stream and sequence (a replay parked again too),
and no body when the body and the DLQ headers would be more than the server takes in one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from pathways_infra.consumer import (
    DLQ_BODY_OMITTED,
    DLQ_ORIGINAL_SEQUENCE,
    DLQ_ORIGINAL_STREAM,
    MessageRejectedError,
    park,
)
from tests.support.messages import envelope_headers


@dataclass
class Published:
    subject: str
    body: bytes
    headers: dict[str, str]


@dataclass
class FakeJetStream:
    max_payload: int = 1_048_576
    published: list[Published] = field(default_factory=list)

    @property
    def _nc(self) -> Any:
        return SimpleNamespace(max_payload=self.max_payload)

    async def publish(self, subject: str, payload: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.published.append(Published(subject, payload, headers or {}))


def delivered(subject: str, body: bytes, *, stream: str, sequence: int, headers: dict[str, str]) -> Msg:
    reply = f"$JS.ACK.{stream}.outcomes-read-models.5.{sequence}.{sequence}.1700000000000000000.0"
    return Msg(cast(Any, None), subject=subject, reply=reply, data=body, headers=headers)


async def _park(js: FakeJetStream, msg: Msg) -> Published:
    await park(cast(JetStreamContext, js), "outcomes-read-models", msg, MessageRejectedError("garbled"))
    return js.published[-1]


async def test_a_replay_parked_again_names_the_events_own_stream_and_sequence() -> None:
    headers = envelope_headers("enrollment:310", subject="p") | {
        "Pathways-Dlq-Original-Subject": "enrollment.v1.participant.enrolled",
        DLQ_ORIGINAL_STREAM: "ENROLLMENT",
        DLQ_ORIGINAL_SEQUENCE: "310",
    }
    replayed = delivered("replay.outcomes-read-models.enrollment.v1.participant.enrolled", b"{}", stream="REPLAY",
                         sequence=3, headers=headers)  # fmt: skip

    parked = await _park(FakeJetStream(), replayed)

    assert (parked.headers[DLQ_ORIGINAL_STREAM], parked.headers[DLQ_ORIGINAL_SEQUENCE]) == ("ENROLLMENT", "310")
    assert parked.subject == "dlq.outcomes-read-models.enrollment.v1.participant.enrolled"


async def test_a_body_too_large_to_park_with_its_headers_is_left_in_its_stream() -> None:
    js = FakeJetStream(max_payload=4_096)
    headers = envelope_headers("enrollment:7", subject="p")
    near_the_limit = delivered("enrollment.v1.participant.enrolled", b"z" * 3_500, stream="ENROLLMENT", sequence=7,
                               headers=headers)  # fmt: skip
    small = delivered("enrollment.v1.participant.enrolled", b"z" * 100, stream="ENROLLMENT", sequence=8,
                      headers=headers)  # fmt: skip

    omitted, kept = await _park(js, near_the_limit), await _park(js, small)

    assert omitted.body == b"" and "3500 bytes" in omitted.headers[DLQ_BODY_OMITTED]
    assert omitted.headers[DLQ_ORIGINAL_SEQUENCE] == "7"
    assert kept.body == b"z" * 100 and DLQ_BODY_OMITTED not in kept.headers
