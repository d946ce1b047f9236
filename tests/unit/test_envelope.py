"""An inbound message's envelope is held to what the services themselves publish: RFC 3339 times with
their offset, a UUID correlation id, identity headers no longer than the HTTP APIs take."""

from __future__ import annotations

import pytest

from pathways_contracts.envelope import ACTOR_ID, CORRELATION_ID, RECORDED_AT, Envelope, EnvelopeError, header_safe
from tests.support.messages import envelope_headers


def test_what_the_services_publish_is_read_back() -> None:
    headers = envelope_headers("enrollment:1", subject="p")
    assert Envelope.from_headers(headers).to_headers() == headers


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("ce-time", "2025-05-05T00:00:00", "no UTC offset"),
        (RECORDED_AT, "2025-05-05T00:00:00", "no UTC offset"),
        ("ce-time", "yesterday", "bad timestamp"),
        (CORRELATION_ID, "not-a-uuid", "not a UUID"),
        (ACTOR_ID, "x" * 2_401, "longer than 2,400 characters"),
    ],
)
def test_an_envelope_the_services_would_not_publish_is_refused_with_the_reason(
    header: str, value: str, reason: str
) -> None:
    headers = envelope_headers("enrollment:1", subject="p") | {header: value}
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.from_headers(headers)


@pytest.mark.parametrize(
    "actor",
    ["สมศรี ใจดี", "%E0%B8%AA", "100%41", "plain-officer-7", "tab\there"],
    ids=["thai", "escapes-sent-as-text", "a-percent-sign", "ascii", "control-character"],
)
def test_an_actor_is_read_back_as_sent_whatever_its_characters(actor: str) -> None:
    """Percent-escaping escapes ``%`` too: text that looks escaped is not read as what it spells."""
    headers = envelope_headers("enrollment:1", subject="p") | {ACTOR_ID: header_safe(actor)}
    assert headers[ACTOR_ID].isascii() and headers[ACTOR_ID].isprintable()
    assert Envelope.from_headers(headers).actor_id == actor


def test_the_thai_letter_and_its_escape_sent_as_text_are_published_apart() -> None:
    assert header_safe("ส") != header_safe("%E0%B8%AA")
