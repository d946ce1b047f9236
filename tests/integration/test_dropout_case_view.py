"""A dropout's case view, whichever the cases read model hears first: training's dropout, or outcomes'
withdrawal and closure of the case; and the view of a case enrollment withdrew during training.

Hand-written contract events are published straight onto OUTCOMES, ENROLLMENT and TRAINING; only the
outcomes service runs.
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
from tests.support.stream_cases import Case, Project, withdrawn
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
    dropout = Case(NAN)
    dropped = TrainingDroppedOutV1(
        **dropout.ids(), project_id=NAN.project_id, reason="HEALTH", dropped_out_on=DROPPED_OUT_ON
    )
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime, outcomes = system.runtime("outcomes"), system.client("outcomes")
        await publish_all(operator_js, withdrawn_and_closed(dropout, "DROPPED_OUT"))
        await eventually(lambda: caught_up(runtime), what="the outcomes events applied")
        before = await outcomes.get(f"/cases/{dropout.enrollment_id}")

        await publish_all(operator_js, [dropped])
        await eventually(lambda: caught_up(runtime), what="the dropout applied")
        case = (await outcomes.get(f"/cases/{dropout.enrollment_id}")).json()
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
    assert worklist == []


async def test_a_case_withdrawn_during_training_shows_once_both_withdrawals_are_heard_in_either_order(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    enrollment_first, outcomes_first, applicant = Case(NAN), Case(NAN), Case(NAN)
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime, outcomes = system.runtime("outcomes"), system.client("outcomes")
        await publish_all(operator_js, [withdrawn(enrollment_first, was_enrolled=True, on=WITHDRAWN_ON)])
        await publish_all(operator_js, withdrawn_and_closed(outcomes_first, "WITHDRAWN"))
        await publish_all(operator_js, withdrawn_and_closed(applicant, "WITHDRAWN"))
        await publish_all(operator_js, [withdrawn(applicant, was_enrolled=False, on=WITHDRAWN_ON)])
        await eventually(lambda: caught_up(runtime), what="the first halves applied")
        before = [await outcomes.get(f"/cases/{case.enrollment_id}") for case in (enrollment_first, outcomes_first)]

        await publish_all(operator_js, withdrawn_and_closed(enrollment_first, "WITHDRAWN"))
        await publish_all(operator_js, [withdrawn(outcomes_first, was_enrolled=True, on=WITHDRAWN_ON)])
        await eventually(lambda: caught_up(runtime), what="the second halves applied")
        shown = [
            (await outcomes.get(f"/cases/{case.enrollment_id}")).json() for case in (enrollment_first, outcomes_first)
        ]
        not_a_case = await outcomes.get(f"/cases/{applicant.enrollment_id}")
        worklist = (await outcomes.get("/follow-ups")).json()
    assert [answer.status_code for answer in before] == [404, 404], "one withdrawal alone shows nothing"
    keys = ("project_id", "training", "completed_on", "dropped_out_on", "withdrawn_on", "closed_on", "status")
    expected = {
        "project_id": str(NAN.project_id),
        "training": "WITHDRAWN",
        "completed_on": None,
        "dropped_out_on": None,
        "withdrawn_on": WITHDRAWN_ON.isoformat(),
        "closed_on": CLOSED_ON.isoformat(),
        "status": "CLOSED",
    }
    assert [{key: case[key] for key in keys} for case in shown] == [expected, expected]
    assert [(case["closure_reason"], case["follow_ups"]) for case in shown] == [("WITHDRAWN", [])] * 2
    assert not_a_case.status_code == 404, "an applicant withdrawn before enrollment has no case view"
    assert worklist == []
