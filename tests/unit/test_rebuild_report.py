"""What `pathways read-models rebuild` says of the messages it skipped (each named, a long list capped), and
where it keeps old tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pathways_infra.rebuild import SKIPPED_SHOWN, Rebuilt, Skipped, describe, retired_schema

SUBJECT = "enrollment.v1.participant.enrolled"


def _rebuilt(skipped: int) -> Rebuilt:
    rebuilt = Rebuilt("outcomes", "programme", applied=2_827, read_through={"ENROLLMENT": 1_027})
    rebuilt.skipped = [Skipped("ENROLLMENT", 1_000 + n, SUBJECT, "bad envelope: no ce-id") for n in range(skipped)]
    return rebuilt


def test_each_skipped_message_is_named_with_its_stream_sequence_and_why() -> None:
    said = describe(_rebuilt(2))
    assert "2,827 events, 2 unreadable (skipped: see below)" in said
    assert f"    ENROLLMENT #1000 ({SUBJECT}): bad envelope: no ce-id" in said
    assert f"    ENROLLMENT #1001 ({SUBJECT}): bad envelope: no ce-id" in said
    assert "more" not in said


def test_a_long_list_of_skipped_messages_is_capped_and_counted() -> None:
    said = describe(_rebuilt(SKIPPED_SHOWN + 5)).splitlines()
    named = [line for line in said if line.startswith("    ENROLLMENT #")]
    assert len(named) == SKIPPED_SHOWN
    assert "    and 5 more (--json lists every one)" in said
    assert len(_rebuilt(SKIPPED_SHOWN + 5).as_dict()["skipped"]) == SKIPPED_SHOWN + 5


def test_nothing_is_said_of_skipping_when_every_message_was_read() -> None:
    assert "unreadable" not in describe(_rebuilt(0)) and "skipped" not in describe(_rebuilt(0))


def test_old_tables_are_kept_in_a_schema_sql_takes_without_quotes() -> None:
    kept = retired_schema("training-records", datetime(2026, 12, 8, 0, 48, 45, tzinfo=UTC))
    assert kept == "retired_training_records_20261208004845"
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", kept), "an unquoted PostgreSQL identifier"
