"""Contracts evolve without breaking readers: a field added later is ignored by an older reader."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError, create_model

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import ParticipantEnrolledV1, ProjectProposedV1
from pathways_contracts.outcomes import EmploymentRecordedV1, IncomeObservedV1
from pathways_contracts.training import SkillsAssessedV1, TrainingSessionHeldV1
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


@pytest.mark.parametrize(
    ("event", "field", "given", "written"),
    [
        (ParticipantEnrolledV1, "baseline_monthly_income_thb", "1E+5", "100000"),
        (EmploymentRecordedV1, "monthly_income_thb", "1e5", "100000"),
        (IncomeObservedV1, "monthly_income_thb", "4.5E+4", "45000"),
        (IncomeObservedV1, "baseline_monthly_income_thb", "1E+5", "100000"),
        (ProjectProposedV1, "grant_thb", "4.5E+5", "450000"),
        (TrainingSessionHeldV1, "hours", "1E+1", "10"),
        (SkillsAssessedV1, "scores", {"welding": "5E+1"}, {"welding": "50"}),
    ],
)
def test_a_decimal_in_exponent_notation_is_read_as_the_number_written_out(
    event: type[IntegrationEvent], field: str, given: object, written: object
) -> None:
    """As commands took it (and the relay published it) before: still valid, and written out from now on."""
    declared = event.model_fields[field]
    assert declared.annotation is not None
    as_read = create_model("AsRead", value=(declared.annotation, declared))  # the field alone, as the event declares it

    read = as_read.model_validate_json(json.dumps({"value": given}))

    assert json.loads(read.model_dump_json())["value"] == written


@pytest.mark.parametrize(("field", "value"), [("sex", "Q"), ("age_band", "99-100")])
def test_an_enrollment_naming_a_sex_or_age_band_the_registry_never_records_is_refused(field: str, value: str) -> None:
    """Such a message was not published by the enrollment service: a consumer parks it, never counts it."""
    body = json.loads(enrolled_event().model_dump_json()) | {field: value}
    with pytest.raises(ValidationError, match=field):
        ParticipantEnrolledV1.model_validate(body)
