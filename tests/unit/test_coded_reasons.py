"""Integrators read each coded reason's values in the schema: every value a service records is listed there."""

from __future__ import annotations

from enum import StrEnum

import pytest

from pathways_contracts.base import OPEN_SET, IntegrationEvent
from pathways_contracts.enrollment import ApplicationScreenedOutV1, ParticipantTransferredV1, ParticipantWithdrawnV1
from pathways_contracts.outcomes import CaseClosedV1, FollowUpMissedV1
from pathways_contracts.training import TrainingDroppedOutV1
from pathways_enrollment.domain.enrollment import TransferReason, WithdrawalReason
from pathways_enrollment.domain.screening import ScreeningReason
from pathways_outcomes.domain.case import ClosureReason
from pathways_outcomes.domain.follow_ups import MissedReason
from pathways_training.domain.training import DropoutReason

CODED: list[tuple[type[IntegrationEvent], str, type[StrEnum]]] = [
    (ApplicationScreenedOutV1, "reasons", ScreeningReason),
    (ParticipantTransferredV1, "reason", TransferReason),
    (ParticipantWithdrawnV1, "reason", WithdrawalReason),
    (FollowUpMissedV1, "reason", MissedReason),
    (CaseClosedV1, "reason", ClosureReason),
    (TrainingDroppedOutV1, "reason", DropoutReason),
]


@pytest.mark.parametrize(("event", "field", "codes"), CODED, ids=lambda value: getattr(value, "__name__", value))
def test_every_value_a_service_records_is_listed_in_the_schema(
    event: type[IntegrationEvent], field: str, codes: type[StrEnum]
) -> None:
    description = event.model_json_schema()["properties"][field]["description"]
    assert [code.value for code in codes if code.value not in description] == []
    assert OPEN_SET in description, "integrators are told the set may grow"
