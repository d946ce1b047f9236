"""The stream check's comparison: what an operator is told about a stream against its event store."""

from __future__ import annotations

import json

from pathways_infra.stream_audit import (
    Duplicate,
    Foreign,
    LogCheck,
    StoredEntry,
    StreamCopy,
    StreamEntry,
    WrongSubject,
    compare,
    describe,
)

ENROLLED = "enrollment.v1.participant.enrolled"
WITHDRAWN = "enrollment.v1.participant.withdrawn"


def _stored(*ids: int, subject: str = ENROLLED) -> list[StoredEntry]:
    return [StoredEntry(n, subject) for n in ids]


def _copy_of(stored: list[StoredEntry]) -> list[StreamEntry]:
    """The stream as the relay leaves it: each public event once, in order, from sequence 1."""
    public = [entry for entry in stored if entry.subject is not None]
    return [
        StreamEntry(sequence, f"enrollment:{entry.notification_id}", entry.subject or "")
        for sequence, entry in enumerate(public, start=1)
    ]


def test_a_perfect_copy_is_ok() -> None:
    stored = _stored(*range(1, 101))
    audit = compare("enrollment", stored, _copy_of(stored), published_through=100)
    assert audit.ok
    assert (audit.stored_events, audit.stream_messages) == (100, 100)
    assert audit.missing.count == audit.pending.count == audit.duplicated.count == 0
    assert "OK, an exact copy" in describe(audit)


def test_a_lost_middle_range_is_reported_as_compact_ranges() -> None:
    stored = _stored(*range(1, 101))
    messages = [
        m for m in _copy_of(stored) if not (41 <= int(m.msg_id.split(":")[1]) <= 57) and m.msg_id != "enrollment:90"
    ]
    audit = compare("enrollment", stored, messages, published_through=100)
    assert not audit.ok
    assert audit.missing.ranges == ((41, 57), (90, 90))
    assert audit.missing.count == 18
    assert audit.missing.text() == "41-57, 90"
    assert "41-57, 90" in describe(audit)
    assert "NOT AN EXACT COPY" in describe(audit)


def test_events_after_the_relays_position_are_pending_not_missing() -> None:
    stored = _stored(*range(1, 11))
    audit = compare("enrollment", stored, _copy_of(stored)[:7], published_through=7)
    assert audit.ok
    assert audit.missing.count == 0
    assert audit.pending.ranges == ((8, 10),)
    assert "pending, not an error" in describe(audit)


def test_a_loss_before_the_relays_position_is_missing_even_if_later_ones_are_pending() -> None:
    stored = _stored(*range(1, 11))
    messages = [m for m in _copy_of(stored)[:7] if m.msg_id != "enrollment:3"]
    audit = compare("enrollment", stored, messages, published_through=7)
    assert not audit.ok
    assert audit.missing.ranges == ((3, 3),)
    assert audit.pending.ranges == ((8, 10),)


def test_a_message_id_at_two_sequences_is_a_duplicate() -> None:
    stored = _stored(1, 2, 3)
    messages = [*_copy_of(stored), StreamEntry(4, "enrollment:2", ENROLLED)]
    audit = compare("enrollment", stored, messages, published_through=3)
    assert not audit.ok
    assert audit.duplicated.count == 1
    assert audit.duplicated.first == (Duplicate("enrollment:2", first_sequence=2, sequence=4),)
    assert audit.out_of_order.count == 0, "a duplicate is reported once, as a duplicate"
    assert "enrollment:2 at #2 and #4" in describe(audit)


def test_messages_behind_a_later_one_are_out_of_order() -> None:
    stored = _stored(1, 2, 3, 4, 5)
    order = [1, 4, 2, 3, 5]
    messages = [StreamEntry(sequence, f"enrollment:{n}", ENROLLED) for sequence, n in enumerate(order, start=1)]
    audit = compare("enrollment", stored, messages, published_through=5)
    assert not audit.ok
    assert audit.out_of_order.count == 2
    assert audit.out_of_order.first == (3, 4)
    assert audit.missing.count == 0
    assert "at stream sequences #3, #4" in describe(audit)


def test_the_first_few_offenders_are_kept_and_all_are_counted() -> None:
    stored = _stored(*range(1, 101))
    messages = [StreamEntry(sequence, f"enrollment:{n}", ENROLLED) for sequence, n in enumerate(range(100, 0, -1), 1)]
    audit = compare("enrollment", stored, messages, published_through=100, examples=3)
    assert audit.out_of_order.count == 99
    assert audit.out_of_order.first == (2, 3, 4)
    assert "(96 more)" in describe(audit)


def test_a_message_no_stored_public_event_stands_for_is_foreign() -> None:
    stored = [StoredEntry(1, ENROLLED), StoredEntry(2, None), StoredEntry(3, ENROLLED)]
    messages = [
        *_copy_of(stored),
        StreamEntry(3, "manual-fix-1", ENROLLED),
        StreamEntry(4, "enrollment:2", ENROLLED),  # a private event's id
        StreamEntry(5, "enrollment:99", ENROLLED),  # an event the store does not hold
        StreamEntry(6, "training:1", ENROLLED),
        StreamEntry(7, "enrollment:01", ENROLLED),
        StreamEntry(8, "", ENROLLED),
    ]
    audit = compare("enrollment", stored, messages, published_through=3)
    assert not audit.ok
    assert audit.foreign.count == 6
    assert [f.sequence for f in audit.foreign.first] == [3, 4, 5, 6, 7, 8]
    assert audit.foreign.first[0] == Foreign(3, "manual-fix-1", ENROLLED)
    assert audit.duplicated.count == audit.out_of_order.count == audit.missing.count == 0
    assert "(no Nats-Msg-Id)" in describe(audit)


def test_a_message_on_another_subject_than_its_event_is_reported() -> None:
    stored = _stored(1, 2, 3)
    messages = _copy_of(stored)
    messages[1] = messages[1]._replace(subject=WITHDRAWN)
    audit = compare("enrollment", stored, messages, published_through=3)
    assert not audit.ok
    assert audit.wrong_subject.first == (WrongSubject(2, "enrollment:2", WITHDRAWN, expected=ENROLLED),)
    assert f"expected {ENROLLED}" in describe(audit)


def test_private_events_are_never_missing() -> None:
    stored = [StoredEntry(n, ENROLLED if n % 2 == 0 else None) for n in range(1, 21)]
    audit = compare("enrollment", stored, _copy_of(stored), published_through=20)
    assert audit.ok
    assert (audit.stored_events, audit.private_events, audit.stream_messages) == (10, 10, 10)
    assert audit.missing.count == 0


def test_a_missing_range_runs_across_private_events_between_lost_ones() -> None:
    stored = [StoredEntry(n, ENROLLED if n % 2 == 0 else None) for n in range(1, 21)]
    messages = [m for m in _copy_of(stored) if m.msg_id not in {"enrollment:6", "enrollment:8", "enrollment:10"}]
    audit = compare("enrollment", stored, messages, published_through=20)
    assert audit.missing.ranges == ((6, 10),)
    assert audit.missing.count == 3


def test_the_compact_stream_copy_gives_back_what_it_was_given() -> None:
    given = [
        StreamEntry(1, "enrollment:1", ENROLLED),
        StreamEntry(3, "by-hand", WITHDRAWN),
        StreamEntry(4, "", ENROLLED),
        StreamEntry(9, "enrollment:12", ENROLLED),
    ]
    copy = StreamCopy("enrollment")
    for entry in given:
        copy.add(entry.sequence, entry.msg_id, entry.subject, republished=entry.republished)
    assert list(copy) == given
    assert len(copy) == 4


def test_the_json_form_names_the_problems() -> None:
    stored = _stored(1, 2, 3, 4)
    messages = [m for m in _copy_of(stored) if m.msg_id != "enrollment:2"]
    document = json.loads(json.dumps(compare("enrollment", stored, messages, published_through=4).as_dict()))
    assert document["ok"] is False
    assert document["stream"] == "ENROLLMENT"
    assert document["missing"] == {"count": 1, "ranges": [[2, 2]], "text": "2"}
    assert document["stream_messages"] == 3


def test_a_republished_message_behind_later_ones_fills_its_gap_and_is_not_out_of_order() -> None:
    stored = _stored(*range(1, 11))
    copy = [m for m in _copy_of(stored) if m.msg_id != "enrollment:4"]
    copy.append(StreamEntry(10, "enrollment:4", ENROLLED, republished=True))
    audit = compare("enrollment", stored, copy, published_through=10)
    assert audit.ok, describe(audit)
    assert audit.republished == 1
    assert audit.out_of_order.count == audit.missing.count == 0
    assert "republished              1" in describe(audit)


def test_a_republished_copy_of_a_message_still_there_is_a_duplicate() -> None:
    stored = _stored(*range(1, 6))
    copy = [*_copy_of(stored), StreamEntry(6, "enrollment:2", ENROLLED, republished=True)]
    audit = compare("enrollment", stored, copy, published_through=5)
    assert not audit.ok
    assert audit.duplicated.first == (Duplicate("enrollment:2", 2, 6),)


def test_an_altered_store_is_not_ok_and_its_spans_are_named() -> None:
    stored = _stored(*range(1, 11))
    audit = compare(
        "enrollment", stored, _copy_of(stored), published_through=10, log_check=LogCheck(10, ((3, 4), (5, 9)))
    )
    assert not audit.ok
    assert "NO: 2 of 10 published digests differ" in describe(audit)
    assert "within notifications 4, 6-9" in describe(audit)
    assert audit.as_dict()["log_digests"]["altered"] == [{"after": 3, "through": 4}, {"after": 5, "through": 9}]


def test_a_message_for_a_published_event_the_store_no_longer_holds_is_named_as_such() -> None:
    stored = [StoredEntry(1, ENROLLED), StoredEntry(3, ENROLLED)]  # notification 2, published, was removed
    messages = [*_copy_of(stored), StreamEntry(3, "enrollment:2", ENROLLED)]
    audit = compare("enrollment", stored, messages, published_through=3)
    assert not audit.ok
    assert (audit.unstored.count, audit.foreign.count) == (1, 0)
    assert audit.unstored.first == (Foreign(3, "enrollment:2", ENROLLED),)
    assert "not in the store         1: #3 enrollment:2" in describe(audit)
    assert audit.as_dict()["not_in_the_store"]["count"] == 1
