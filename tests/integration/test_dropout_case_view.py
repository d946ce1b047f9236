"""A dropout's case view, whichever the cases read model hears first: training's dropout, or outcomes'
withdrawal and closure of the case.

Hand-written contract events are published straight onto OUTCOMES, then TRAINING; only the outcomes
service runs.
"""

from __future__ import annotations

from datetime import date

from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.outcomes import CaseClosedV1, CaseWithdrawnV1
from pathways_contracts.training import TrainingDroppedOutV1
from pathways_infra.settings import Settings
from tests.integration.test_programme_totals import caught_up
from tests.support.messages import publish_all
from tests.support.stream_cases import Case, Project
from tests.support.system import eventually, running_system

NAN = Project("TH-55", "NORTH")
DROPPED_OUT_ON, WITHDRAWN_ON, CLOSED_ON = date(2025, 6, 10), date(2025, 6, 20), date(2025, 7, 1)


def withdrawn_and_closed(case: Case, reason: str) -> list[IntegrationEvent]:
    return [
        CaseWithdrawnV1(**case.ids(), withdrawn_on=WITHDRAWN_ON),
        CaseClosedV1(**case.ids(), closed_on=CLOSED_ON, reason=reason),
    ]


async def test_a_dropouts_case_shows_the_withdrawal_and_closure_heard_before_the_dropout(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    dropout, withdrawn_in_training = Case(NAN), Case(NAN)
    dropped = TrainingDroppedOutV1(
        **dropout.ids(), project_id=NAN.project_id, reason="HEALTH", dropped_out_on=DROPPED_OUT_ON
    )
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime, outcomes = system.runtime("outcomes"), system.client("outcomes")
        await publish_all(operator_js, withdrawn_and_closed(dropout, "DROPPED_OUT"))
        await publish_all(operator_js, withdrawn_and_closed(withdrawn_in_training, "WITHDRAWN"))
        await eventually(lambda: caught_up(runtime), what="the outcomes events applied")
        before = await outcomes.get(f"/cases/{dropout.enrollment_id}")

        await publish_all(operator_js, [dropped])
        await eventually(lambda: caught_up(runtime), what="the dropout applied")
        case = (await outcomes.get(f"/cases/{dropout.enrollment_id}")).json()
        no_case = await outcomes.get(f"/cases/{withdrawn_in_training.enrollment_id}")
        worklist = (await outcomes.get("/follow-ups")).json()
    assert before.status_code == 404, "nothing shows before training's dropout is heard of"
    shown = ("project_id", "training", "dropped_out_on", "withdrawn_on", "closed_on", "closure_reason", "status")
    assert {key: case[key] for key in shown} == {
        "project_id": str(NAN.project_id),
        "training": "DROPPED_OUT",
        "dropped_out_on": DROPPED_OUT_ON.isoformat(),
        "withdrawn_on": WITHDRAWN_ON.isoformat(),
        "closed_on": CLOSED_ON.isoformat(),
        "closure_reason": "DROPPED_OUT",
        "status": "CLOSED",
    }
    assert case["follow_ups"] == []
    assert no_case.status_code == 404, "a case withdrawn during training has no case view"
    assert worklist == []
