"""Contracts evolve without breaking readers: a field added later is ignored by an older reader."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pathways_contracts.enrollment import ParticipantEnrolledV1
from tests.support.messages import enrolled_event


def test_a_reader_ignores_a_field_its_contract_does_not_know_yet() -> None:
    sent = enrolled_event()
    body = json.loads(sent.model_dump_json()) | {"added_in_a_later_release": "anything"}

    read = ParticipantEnrolledV1.model_validate_json(json.dumps(body))

    assert read == sent


def test_a_field_the_reader_knows_must_still_be_valid() -> None:
    body = json.loads(enrolled_event().model_dump_json()) | {"enrollment_id": "not-a-uuid"}

    with pytest.raises(ValidationError, match="enrollment_id"):
        ParticipantEnrolledV1.model_validate_json(json.dumps(body))
