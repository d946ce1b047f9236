"""A message knows its place in its own stream, even when an operator replays it from the DLQ."""

from __future__ import annotations

from nats.aio.msg import Msg

from pathways_infra.consumer import DLQ_ORIGINAL_SEQUENCE, DLQ_ORIGINAL_STREAM, DLQ_ORIGINAL_SUBJECT, parse
from tests.support.messages import enrolled_event, envelope_headers

SUBJECT = "enrollment.v1.participant.enrolled"


def _delivered(subject: str, *, stream: str, sequence: int, headers: dict[str, str]) -> Msg:
    event = enrolled_event()
    body = event.model_dump_json().encode()
    ack_subject = f"$JS.ACK.{stream}.some-consumer.1.{sequence}.1.1700000000000000000.0"
    return Msg(_client=None, subject=subject, reply=ack_subject, data=body, headers=headers)  # type: ignore[arg-type]


def test_a_message_from_its_stream_has_that_streams_position() -> None:
    headers = envelope_headers("enrollment:12", subject="p")
    inbound = parse(_delivered(SUBJECT, stream="ENROLLMENT", sequence=12, headers=headers))

    assert (inbound.stream, inbound.stream_sequence) == ("ENROLLMENT", 12)


def test_a_replayed_message_keeps_its_original_position_not_the_replay_streams() -> None:
    headers = {
        **envelope_headers("enrollment:12", subject="p"),
        DLQ_ORIGINAL_SUBJECT: SUBJECT,
        DLQ_ORIGINAL_STREAM: "ENROLLMENT",
        DLQ_ORIGINAL_SEQUENCE: "12",
    }
    replayed = _delivered(f"replay.enrollment-enrollments.{SUBJECT}", stream="REPLAY", sequence=9041, headers=headers)

    inbound = parse(replayed)

    assert (inbound.subject, inbound.stream, inbound.stream_sequence) == (SUBJECT, "ENROLLMENT", 12)
