"""Integrators read OUTCOMES only: a completed case's baseline corrected at enrollment, and a completed case moved
to a project in another region, reach them there, so that their figures agree with the outcomes service's own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nats
from nats.js import JetStreamContext

from pathways_infra.embedded import ServerUrls
from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, Enrolled, complete_training, created, enroll, open_project
from tests.support.messages import INTEGRATOR
from tests.support.outcomes_steps import case_when, due_on
from tests.support.system import RunningSystem, eventually, running_system

CORRECTED, TRANSFERRED = "outcomes.v1.case.baseline_corrected", "outcomes.v1.case.transferred"


@dataclass(frozen=True)
class Told:
    """A message as an integrator reads it: subject, JSON body, headers, in stream order."""

    subject: str
    body: dict[str, Any]
    headers: dict[str, str]


async def _read_as_integrator(url: str, *, until: set[str]) -> list[Told]:
    """Every OUTCOMES message through the integrator's own durable consumer, once ``until``'s subjects are among
    them."""
    nc = await nats.connect(url)
    read: list[Told] = []
    try:
        mine = await nc.jetstream().pull_subscribe("outcomes.v1.>", durable=INTEGRATOR, stream="OUTCOMES")

        async def read_enough() -> list[Told] | None:
            try:
                batch = await mine.fetch(100, timeout=0.5)
            except TimeoutError:  # nats' own is one
                batch = []
            for message in batch:
                read.append(Told(message.subject, json.loads(message.data), dict(message.headers or {})))
                await message.ack_sync()
            return read if until <= {told.subject for told in read} else None

        return await eventually(read_enough, what=f"{', '.join(sorted(until))} on the OUTCOMES stream")
    finally:
        await nc.close()


def _of_case(told: list[Told], subject: str, enrollment_id: str) -> list[Told]:
    return [t for t in told if t.subject == subject and t.body.get("enrollment_id") == enrollment_id]


def _regions_as_an_integrator_counts_them(told: list[Told]) -> dict[str, int]:
    """Each case followed up, in the region of its latest transfer, else of the project its follow-ups name."""
    region_of_project = {t.body["project_id"]: t.body["region"] for t in told if t.subject.endswith("project.placed")}
    region_of_case = {
        t.body["enrollment_id"]: region_of_project[t.body["project_id"]]
        for t in told
        if t.subject.endswith("followups.scheduled")
    }
    region_of_case |= {t.body["enrollment_id"]: t.body["region"] for t in told if t.subject == TRANSFERRED}
    counts: dict[str, int] = {}
    for region in region_of_case.values():
        counts[region] = counts.get(region, 0) + 1
    return counts


async def _followed_up(system: RunningSystem, enrolled: Enrolled) -> dict[str, Any]:
    await complete_training(system, enrolled)
    return await case_when(
        system.client("outcomes"), enrolled, lambda c: len(c["follow_ups"]) == 3, what="the follow-ups"
    )


async def test_an_integrator_learns_a_completed_case_s_corrected_baseline_and_its_move_to_another_region(
    settings: Settings, server_urls: ServerUrls, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        nan = await open_project(system, name="Nan weaving", province_code="TH-55", income_threshold_thb="50000")
        bangkok = await open_project(system, name="Bangkok online shops", province_code="TH-10")
        mistyped = await enroll(system, nan, baseline={**BASELINE, "monthly_income_thb": "45000"})  # 4500 meant
        moving = await enroll(system, nan)
        scheduled = await _followed_up(system, mistyped)
        await _followed_up(system, moving)
        answer = {"completed_on": due_on(scheduled, 3).isoformat(), "monthly_income_thb": "6000"}
        created(await outcomes.post(f"/cases/{mistyped.enrollment_id}/follow-ups/3", json=answer))
        await case_when(outcomes, mistyped, lambda c: len(c["incomes"]) == 1, what="the 3-month income")

        correction = {**BASELINE, "monthly_income_thb": "4500", "reason": "monthly income typed 45000 for 4500"}
        created(await enrollment.post(f"/enrollments/{mistyped.enrollment_id}/baseline-correction", json=correction))
        transfer = {"to_project_id": bangkok, "transferred_on": "2025-09-15", "reason": "RELOCATION"}
        created(await enrollment.post(f"/enrollments/{moving.enrollment_id}/transfer", json=transfer))

        told = await _read_as_integrator(
            server_urls.nats_integrator_urls.get(INTEGRATOR, settings.nats_url or ""), until={CORRECTED, TRANSFERRED}
        )

        async def totals_moved() -> dict[str, Any] | None:
            found: dict[str, Any] = (await outcomes.get("/programme/totals")).json()
            return found if found["by_region"].get("CENTRAL") == 1 else None

        totals = await eventually(totals_moved, what="the totals to count the transferred case in its new region")
        indicators = (await outcomes.get("/programme/indicators", params={"project_id": nan})).json()
        counted = {
            subject: ((await operator_js.stream_info("OUTCOMES", subjects_filter=subject)).state.subjects or {}).get(
                subject
            )
            for subject in (CORRECTED, TRANSFERRED)
        }

    [observed] = _of_case(told, "outcomes.v1.income.observed", mistyped.enrollment_id)
    [corrected] = _of_case(told, CORRECTED, mistyped.enrollment_id)
    assert Decimal(observed.body["baseline_monthly_income_thb"]) == 45000, "what integrators held before"
    assert told.index(corrected) > told.index(observed), "the correction comes after: the latest is the baseline"
    assert corrected.body == {
        "occurred_at": corrected.body["occurred_at"],
        "participant_id": mistyped.participant_id,
        "enrollment_id": mistyped.enrollment_id,
        "baseline_monthly_income_thb": corrected.body["baseline_monthly_income_thb"],
        "informal_worker": True,
        "covid_affected": True,
        "corrected_on": corrected.body["corrected_on"],
    }, "no more than that: the rest of the baseline, and why it was corrected, stay with enrollment"
    assert Decimal(corrected.body["baseline_monthly_income_thb"]) == 4500
    assert corrected.headers["ce-subject"] == mistyped.participant_id
    change = Decimal(observed.body["monthly_income_thb"]) - Decimal(corrected.body["baseline_monthly_income_thb"])
    assert change == Decimal(str(indicators["median_income_change_thb"]["3"])) == 1500

    [followed] = _of_case(told, "outcomes.v1.followups.scheduled", moving.enrollment_id)
    [moved] = _of_case(told, TRANSFERRED, moving.enrollment_id)
    assert followed.body["project_id"] == nan, "the follow-ups still name the project training completed it in"
    assert moved.body == {
        "occurred_at": moved.body["occurred_at"],
        "participant_id": moving.participant_id,
        "enrollment_id": moving.enrollment_id,
        "project_id": bangkok,
        "province_code": "TH-10",
        "region": "CENTRAL",
        "from_project_id": nan,
        "transferred_on": "2025-09-15",
    }
    assert _regions_as_an_integrator_counts_them(told) == totals["by_region"] == {"NORTH": 1, "CENTRAL": 1}
    assert not _of_case(told, TRANSFERRED, mistyped.enrollment_id) and not _of_case(
        told, CORRECTED, moving.enrollment_id
    )
    assert counted == {CORRECTED: 1, TRANSFERRED: 1}, "each told once"
