"""A baseline corrected after enrollment, across enrollment and outcomes: the case view, the programme totals and
the indicators measure against the corrected one, and rebuilding the read models from the streams agrees."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nats.js import JetStreamContext

from pathways_infra.database import DatabaseAddress
from pathways_infra.rebuild import rebuild_read_model
from pathways_infra.services import definition_of
from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, complete_training, created, enroll, open_project
from tests.support.outcomes_steps import case_when, due_on
from tests.support.system import RunningSystem, eventually, running_system

TYPED = {**BASELINE, "monthly_income_thb": "45000"}  # a typing mistake: 4500 was meant
MEANT = {**BASELINE, "monthly_income_thb": "4500"}


def money(amount: object) -> Decimal | None:
    return None if amount is None else Decimal(str(amount))


async def _views(system: RunningSystem, enrollment_id: str, project_id: str) -> dict[str, Any]:
    outcomes = system.client("outcomes")
    case = (await outcomes.get(f"/cases/{enrollment_id}")).json()
    totals = (await outcomes.get("/programme/totals")).json()
    indicators = (await outcomes.get("/programme/indicators", params={"project_id": project_id})).json()
    return {
        "baseline": case["baseline"],
        "incomes": case["incomes"],
        "totals": totals["income"],
        "change": indicators["median_income_change_thb"],
    }


async def test_a_baseline_corrected_after_training_is_what_outcomes_measures_against(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        project_id = await open_project(system, name="Rattan baskets", income_threshold_thb="50000")
        enrolled = await enroll(system, project_id, baseline=TYPED)
        case_id = enrolled.enrollment_id
        await complete_training(system, enrolled)
        scheduled = await case_when(
            outcomes, enrolled, lambda c: len(c["follow_ups"]) == 3 and c["baseline"] is not None, what="the case"
        )
        answered = await outcomes.post(
            f"/cases/{case_id}/follow-ups/3",
            json={"completed_on": due_on(scheduled, 3).isoformat(), "monthly_income_thb": "6000"},
        )
        created(answered)
        await case_when(outcomes, enrolled, lambda c: len(c["incomes"]) == 1, what="the 3-month income")
        before = await _views(system, case_id, project_id)

        path = f"/enrollments/{case_id}/baseline-correction"
        body = {**MEANT, "reason": "monthly income typed 45000 for 4500"}
        version = (await enrollment.get(f"/versions/{case_id}")).json()["version"]
        stale = await enrollment.post(path, json=body, headers={"If-Match": f'"{version - 1}"'})
        once = {"If-Match": f'"{version}"', "Idempotency-Key": f"correct-{case_id}"}
        corrected = await enrollment.post(path, json=body, headers=once)
        retried = await enrollment.post(path, json=body, headers=once)
        unchanged = await enrollment.post(path, json=body)
        outside = await enrollment.post(
            path, json={**MEANT, "monthly_income_thb": "60000", "reason": "payslip found: 60000"}
        )
        back = await enrollment.post(path, json=body)
        recorded = (await enrollment.get(f"/enrollments/{case_id}/case")).json()

        def corrected_everywhere(views: dict[str, Any]) -> bool:
            return money(views["baseline"]["monthly_income_thb"]) == 4500 and money(views["change"]["3"]) == 1500

        async def live_views() -> dict[str, Any] | None:
            views = await _views(system, case_id, project_id)
            return views if corrected_everywhere(views) else None

        live = await eventually(live_views, what="outcomes to measure against the corrected baseline")

        outcomes_database = DatabaseAddress.parse(settings.database_url or "").with_database(
            settings.database_name("outcomes")
        )
        for read_model in definition_of("outcomes").read_models:
            if read_model.name in ("cases", "programme", "indicators"):
                await rebuild_read_model(
                    definition_of("outcomes"), read_model, database_url=outcomes_database.url, js=operator_js
                )
        rebuilt = await _views(system, case_id, project_id)

    assert money(before["baseline"]["monthly_income_thb"]) == 45000
    assert money(before["incomes"][0]["change_from_baseline_thb"]) == -39000
    assert money(before["totals"]["baseline_median_thb"]) == 45000
    assert money(before["change"]["3"]) == -39000

    assert (stale.status_code, stale.json()["rule"]) == (409, "optimistic-concurrency")
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["would_have_failed_screening"] == []
    assert retried.json() == corrected.json(), "the same Idempotency-Key acts once"
    assert (unchanged.status_code, unchanged.json()["rule"]) == (409, "baseline-correction-changes-nothing")
    assert outside.status_code == 201, outside.text
    assert outside.json()["would_have_failed_screening"] == ["income-above-threshold"]
    assert back.status_code == 201, back.text
    assert recorded["status"] == "ENROLLED", "still enrolled: screening is not run again"
    assert Decimal(recorded["baseline"]["monthly_income_thb"]) == Decimal(4500)

    assert money(live["incomes"][0]["baseline_monthly_income_thb"]) == 4500
    assert money(live["incomes"][0]["change_from_baseline_thb"]) == 1500
    assert money(live["totals"]["baseline_median_thb"]) == 4500
    assert rebuilt == live, "rebuilt from the streams, the read models say what they said live"
