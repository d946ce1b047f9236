"""Programme indicators over HTTP: six participants driven to known outcomes, the programme and slices of it.

Every baseline income is 6,500 baht and every training completes on 2025-08-29, so follow-ups are
due on 2025-11-29, 2026-02-28 and 2026-08-29 (all due today).

- answered_all (Chiang Mai): a wage job at each follow-up, found in 21 days and unrelated to the training
  at 3 months (9,000 baht), related at 6 (9,500) and at 12 (10,000; "300 days" given again then).
- lost_after_six (Chiang Mai): not working at 3 months (6,000); self-employed at 6, unrelated, after
  150 days (7,000); then the case is closed, so the 12-month follow-up is missed.
- dropped (Chiang Mai): dropped out of training.
- self_employed (Bangkok): 3-month follow-up missed; self-employed (unrelated, 60 days) in an
  enterprise of their own that sells online; the 6- and 12-month follow-ups are left open.
- withdrawn (Bangkok): withdrawn during training.
- moved (Chiang Mai, then Bangkok): transferred, still in training.

answered_all and lost_after_six start a community enterprise together.

For the breakdowns (everyone registered on 2025-05-01, born on 1 April): answered_all is a woman born
in 1985 (35-44), lost_after_six a man born in 1995 (25-34), dropped a participant of another sex born
in 2003 (15-24), self_employed a woman born in 1962 (60+), withdrawn a man born in 1975 (45-59), moved
a woman born in 1985. answered_all and lost_after_six trained on a RESKILL curriculum, self_employed
on an UPSKILL one; the other three were never in a cohort, so their track is not known.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

import httpx

from pathways_infra.eventstore import RecordedEvent
from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_day, thai_today
from pathways_outcomes.domain.case import Case, EmploymentRecorded, evolve_case
from pathways_outcomes.domain.enterprise import Enterprise, evolve_enterprise
from pathways_outcomes.domain.indicators import (
    IndicatorsByGroup,
    ProgrammeIndicators,
    facts_counted_by,
    indicators_by_group,
    programme_indicators,
)
from pathways_outcomes.projections import indicators
from tests.support.given import given
from tests.support.indicators import per_month, rate
from tests.support.journeys import Enrolled, complete_training, created, enroll, in_training, open_project
from tests.support.system import RunningSystem, eventually, get_json_when_found, running_system

PATH = "/programme/indicators"
ECHOED = ("as_of", "region", "province_code", "project_id", "unit_id", "panel", "by")
BEFORE_TWELVE_MONTHS_DUE = date(2026, 8, 28)
REGISTERED_ON = "2025-05-01"  # the day everyone's age band is taken on


WHOLE = {
    "cases": 6,
    "training_completion": rate(3, 5),  # moved, still in training, is left out
    "follow_up_completion": per_month(rate(2, 3), rate(2, 3), rate(1, 3)),
    "employment": per_month(rate(1, 2), rate(2, 2), rate(1, 1)),
    "median_income_change_thb": per_month("1000.00", "1750.00", "3500.00"),
    # answered_all rose each time (9,000, 9,500, 10,000); lost_after_six fell to 6,000, then rose to 7,000
    "income_rose": per_month(rate(1, 2), rate(2, 2), rate(1, 1)),
    "median_baseline_income_thb": per_month("6500.00", "6500.00", "6500.00"),
    "median_income_thb": per_month("7500.00", "8250.00", "10000.00"),
    "median_days_to_first_job": 60.0,  # 21 (the first given), 60 and 150
    "employment_related_to_training": rate(1, 3),  # the latest employment of each
    "enterprises_started": {"ENTERPRISE": 1, "COMMUNITY_ENTERPRISE": 1},
    "online_sales_adoption": rate(1, 2),
}
BEFORE_TWELVE_MONTHS = {  # as of the day before the 12-month follow-ups were due: what had happened by then
    **WHOLE,
    "training_completion": rate(3, 4),  # dropped dropped out today
    # the 12-month follow-up was answered on its due day, after this one
    "follow_up_completion": per_month(rate(2, 3), rate(2, 3), rate(0, 1)),
    "employment": per_month(rate(1, 2), rate(2, 2), rate(0, 0)),
    "median_income_change_thb": per_month("1000.00", "1750.00", None),
    "income_rose": per_month(rate(1, 2), rate(2, 2), rate(0, 0)),
    "median_baseline_income_thb": per_month("6500.00", "6500.00", None),
    "median_income_thb": per_month("7500.00", "8250.00", None),
    "median_days_to_first_job": 85.5,  # 21 and 150: self_employed's job was recorded today
    "employment_related_to_training": rate(1, 2),  # answered_all's 6-month job; self_employed's not yet
    "enterprises_started": {"ENTERPRISE": 1, "COMMUNITY_ENTERPRISE": 0},  # the community one started today
    "online_sales_adoption": rate(1, 1),
}
PANEL = {**WHOLE, "employment": per_month(rate(1, 1), rate(1, 1), rate(1, 1))}  # only answered_all answered all
CHIANG_MAI = {
    "cases": 3,
    "training_completion": rate(2, 3),
    "follow_up_completion": per_month(rate(2, 2), rate(2, 2), rate(1, 2)),
    "employment": per_month(rate(1, 2), rate(2, 2), rate(1, 1)),
    "median_income_change_thb": per_month("1000.00", "1750.00", "3500.00"),
    "income_rose": per_month(rate(1, 2), rate(2, 2), rate(1, 1)),
    "median_baseline_income_thb": per_month("6500.00", "6500.00", "6500.00"),
    "median_income_thb": per_month("7500.00", "8250.00", "10000.00"),
    "median_days_to_first_job": 85.5,
    "employment_related_to_training": rate(1, 2),
    "enterprises_started": {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1},
    "online_sales_adoption": rate(0, 1),
}
CENTRAL = {
    "cases": 3,  # moved counts where it moved to
    "training_completion": rate(1, 2),
    "follow_up_completion": per_month(rate(0, 1), rate(0, 1), rate(0, 1)),
    "employment": per_month(rate(0, 0), rate(0, 0), rate(0, 0)),
    "median_income_change_thb": per_month(None, None, None),
    "income_rose": per_month(rate(0, 0), rate(0, 0), rate(0, 0)),
    "median_baseline_income_thb": per_month(None, None, None),
    "median_income_thb": per_month(None, None, None),
    "median_days_to_first_job": 60.0,
    "employment_related_to_training": rate(0, 1),
    "enterprises_started": {"ENTERPRISE": 1, "COMMUNITY_ENTERPRISE": 0},
    "online_sales_adoption": rate(1, 1),
}
UPSKILL = {**CENTRAL, "cases": 1, "training_completion": rate(1, 1)}  # self_employed alone
CASES_BY = {
    "sex": {"F": 3, "M": 2, "X": 1, "UNKNOWN": 0},
    "age_band": {"0-14": 0, "15-24": 1, "25-34": 1, "35-44": 2, "45-59": 1, "60+": 1, "UNKNOWN": 0},
    "track": {"RESKILL": 2, "UPSKILL": 1, "UNKNOWN": 3},
}
NOBODY = {
    "cases": 0,
    "training_completion": rate(0, 0),
    "follow_up_completion": per_month(rate(0, 0), rate(0, 0), rate(0, 0)),
    "employment": per_month(rate(0, 0), rate(0, 0), rate(0, 0)),
    "median_income_change_thb": per_month(None, None, None),
    "income_rose": per_month(rate(0, 0), rate(0, 0), rate(0, 0)),
    "median_baseline_income_thb": per_month(None, None, None),
    "median_income_thb": per_month(None, None, None),
    "median_days_to_first_job": None,
    "employment_related_to_training": rate(0, 0),
    "enterprises_started": {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 0},
    "online_sales_adoption": rate(0, 0),
}


@dataclass(frozen=True)
class Programme:
    chiang_mai: str
    bangkok: str
    chiang_mai_unit: str  # each project is run by a unit of its own
    bangkok_unit: str
    answered_all: Enrolled
    lost_after_six: Enrolled
    dropped: Enrolled
    self_employed: Enrolled
    withdrawn: Enrolled
    moved: Enrolled
    enterprise_ids: tuple[str, ...]

    @property
    def enrollments(self) -> list[Enrolled]:
        return [self.answered_all, self.lost_after_six, self.dropped, self.self_employed, self.withdrawn, self.moved]

    def groups(self, by: indicators.Breakdown) -> dict[UUID, str]:
        """Each case's group as the module docstring tells (None: not known)."""
        groups: dict[indicators.Breakdown, list[str | None]] = {
            indicators.Breakdown.SEX: ["F", "M", "X", "F", "M", "F"],
            indicators.Breakdown.AGE_BAND: ["35-44", "25-34", "15-24", "60+", "45-59", "35-44"],
            indicators.Breakdown.TRACK: ["RESKILL", "RESKILL", None, "UPSKILL", None, None],
            indicators.Breakdown.REGION: ["NORTH", "NORTH", "NORTH", "CENTRAL", "CENTRAL", "CENTRAL"],
            indicators.Breakdown.PROVINCE: ["TH-50", "TH-50", "TH-50", "TH-10", "TH-10", "TH-10"],
            indicators.Breakdown.PROJECT: [*([self.chiang_mai] * 3), *([self.bangkok] * 3)],  # moved: where it went
            indicators.Breakdown.UNIT: [*([self.chiang_mai_unit] * 3), *([self.bangkok_unit] * 3)],
            indicators.Breakdown.COVID_AFFECTED: ["YES"] * 6,  # every baseline says so
            indicators.Breakdown.INFORMAL_WORKER: ["YES"] * 6,
        }
        return {
            UUID(e.enrollment_id): group
            for e, group in zip(self.enrollments, groups[by], strict=True)
            if group is not None
        }


def indicators_in(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key not in (*ECHOED, "groups")}


def cases_by_group(answer: dict[str, Any]) -> dict[str, int] | None:
    groups = answer.get("groups")
    return None if groups is None else {group: found["cases"] for group, found in groups.items()}


async def follow_ups_scheduled(system: RunningSystem, enrolled: Enrolled) -> None:
    async def scheduled() -> bool | None:
        case = await get_json_when_found(system.client("outcomes"), f"/cases/{enrolled.enrollment_id}")
        return True if len(case["follow_ups"]) == 3 else None

    await eventually(scheduled, what="follow-ups scheduled")


async def completed(system: RunningSystem, project_id: str, *, track: str = "RESKILL", **person: Any) -> Enrolled:
    enrolled = await enroll(system, project_id, registered_on=REGISTERED_ON, **person)
    await complete_training(system, enrolled, track=track)
    await follow_ups_scheduled(system, enrolled)
    return enrolled


async def answer(outcomes: httpx.AsyncClient, enrolled: Enrolled, month: int, on: str, **employment: Any) -> None:
    body = {"completed_on": on, **employment}
    created(await outcomes.post(f"/cases/{enrolled.enrollment_id}/follow-ups/{month}", json=body))


def wage(*, related: bool, days: int | None = None) -> dict[str, Any]:
    return {"employment_type": "WAGE", "related_to_training": related, "days_to_first_job": days}


async def answered_all_three(system: RunningSystem, project_id: str) -> Enrolled:
    enrolled = await completed(system, project_id, sex="F", birth_year=1985)
    outcomes = system.client("outcomes")
    await answer(outcomes, enrolled, 3, "2025-12-01", **wage(related=False, days=21), monthly_income_thb="9000")
    await answer(outcomes, enrolled, 6, "2026-03-02", **wage(related=True), monthly_income_thb="9500")
    await answer(outcomes, enrolled, 12, "2026-09-01", **wage(related=True, days=300), monthly_income_thb="10000")
    return enrolled


async def answered_three_and_six(system: RunningSystem, project_id: str) -> Enrolled:
    enrolled = await completed(system, project_id, sex="M", birth_year=1995)
    outcomes = system.client("outcomes")
    await answer(outcomes, enrolled, 3, "2025-12-01", monthly_income_thb="6000")
    self_employed = {"employment_type": "SELF_EMPLOYED", "related_to_training": False, "days_to_first_job": 150}
    await answer(outcomes, enrolled, 6, "2026-03-02", **self_employed, monthly_income_thb="7000")
    return enrolled


async def self_employed_online(system: RunningSystem, project_id: str) -> tuple[Enrolled, str]:
    enrolled = await completed(system, project_id, track="UPSKILL", sex="F", birth_year=1962)
    outcomes, path = system.client("outcomes"), f"/cases/{enrolled.enrollment_id}"
    missed = {"reason": "NO_RESPONSE", "missed_on": "2025-12-15"}
    created(await outcomes.post(f"{path}/follow-ups/3/missed", json=missed))
    employment = {
        "employment_type": "SELF_EMPLOYED",
        "related_to_training": False,
        "monthly_income_thb": "8000",
        "days_to_first_job": 60,
    }
    created(await outcomes.post(f"{path}/employment", json=employment))
    shop = {
        "kind": "ENTERPRISE",
        "name": "Bangkok gift boxes",
        "project_id": project_id,
        "enrollment_ids": [enrolled.enrollment_id],
        "members_count": 2,
        "started_on": "2025-12-20",  # before its online channel opened
    }
    enterprise_id: str = created(await outcomes.post("/enterprises", json=shop))["id"]
    channel = {"channel": "Shopee", "opened_on": "2026-01-10"}
    created(await outcomes.post(f"/enterprises/{enterprise_id}/online-sales-channel", json=channel))
    return enrolled, enterprise_id


async def community_enterprise(system: RunningSystem, project_id: str, *members: Enrolled) -> str:
    start = {
        "kind": "COMMUNITY_ENTERPRISE",
        "name": "Mae Rim herbal soap group",
        "project_id": project_id,
        "enrollment_ids": [m.enrollment_id for m in members],
        "members_count": 9,
    }
    enterprise_id: str = created(await system.client("outcomes").post("/enterprises", json=start))["id"]
    return enterprise_id


async def dropped_out(system: RunningSystem, project_id: str) -> Enrolled:
    enrolled = await enroll(system, project_id, sex="X", birth_year=2003, registered_on=REGISTERED_ON)
    await in_training(system, enrolled)
    dropout = {"reason": "FAMILY_DUTIES"}
    created(await system.client("training").post(f"/training-records/{enrolled.enrollment_id}/dropout", json=dropout))
    return enrolled


async def withdrawn_in_training(system: RunningSystem, project_id: str) -> Enrolled:
    enrolled = await enroll(system, project_id, sex="M", birth_year=1975, registered_on=REGISTERED_ON)
    await in_training(system, enrolled)
    withdrawal = {"reason": "PARTICIPANT_REQUEST", "withdrawn_on": "2025-06-01"}
    created(
        await system.client("enrollment").post(f"/enrollments/{enrolled.enrollment_id}/withdrawal", json=withdrawal)
    )
    return enrolled


async def moved_in_training(system: RunningSystem, origin: str, destination: str) -> Enrolled:
    enrolled = await enroll(system, origin, sex="F", birth_year=1985, registered_on=REGISTERED_ON)
    await in_training(system, enrolled)
    transfer = {"to_project_id": destination, "transferred_on": "2025-05-20", "reason": "RELOCATION"}
    created(await system.client("enrollment").post(f"/enrollments/{enrolled.enrollment_id}/transfer", json=transfer))
    return enrolled


async def unit_of(system: RunningSystem, project_id: str) -> str:
    project = (await system.client("enrollment").get(f"/projects/{project_id}")).json()
    unit_id: str = project["unit_id"]
    return unit_id


async def drive(system: RunningSystem) -> Programme:
    chiang_mai = await open_project(system, name="Herbal soap", province_code="TH-50")
    bangkok = await open_project(system, name="Gift boxes", province_code="TH-10")
    answered_all = await answered_all_three(system, chiang_mai)
    lost_after_six = await answered_three_and_six(system, chiang_mai)
    community = await community_enterprise(system, chiang_mai, answered_all, lost_after_six)
    closure = {"reason": "LOST_CONTACT", "closed_on": "2026-04-01"}
    created(await system.client("outcomes").post(f"/cases/{lost_after_six.enrollment_id}/closure", json=closure))
    self_employed, shop = await self_employed_online(system, bangkok)
    return Programme(
        chiang_mai=chiang_mai,
        bangkok=bangkok,
        chiang_mai_unit=await unit_of(system, chiang_mai),
        bangkok_unit=await unit_of(system, bangkok),
        answered_all=answered_all,
        lost_after_six=lost_after_six,
        dropped=await dropped_out(system, chiang_mai),
        self_employed=self_employed,
        withdrawn=await withdrawn_in_training(system, bangkok),
        moved=await moved_in_training(system, chiang_mai, bangkok),
        enterprise_ids=(community, shop),
    )


async def settled(outcomes: httpx.AsyncClient, expected: dict[str, Any], **params: Any) -> dict[str, Any]:
    """The answer once it shows what is expected (read models follow the events), else the last one."""
    last: dict[str, Any] = {}

    async def probe() -> dict[str, Any] | None:
        nonlocal last
        last = (await outcomes.get(PATH, params=params)).json()  # an error's body shows in the caller's diff
        return last if indicators_in(last) == expected else None

    with contextlib.suppress(AssertionError):  # the caller's assertion shows how the last answer differs
        await eventually(probe, timeout=30, what="the indicators to show every event")
    return last


async def settled_groups(
    outcomes: httpx.AsyncClient, by: str, expected: dict[str, int], **params: Any
) -> dict[str, Any]:
    """The breakdown once its groups hold the cases expected, else the last answer."""
    last: dict[str, Any] = {}

    async def probe() -> dict[str, Any] | None:
        nonlocal last
        last = (await outcomes.get(PATH, params={"by": by, **params})).json()
        return last if cases_by_group(last) == expected else None

    with contextlib.suppress(AssertionError):
        await eventually(probe, timeout=30, what=f"the indicators by {by} to show every event")
    return last


async def replayed(
    system: RunningSystem, cases_of: list[Enrolled], enterprise_ids: tuple[str, ...]
) -> tuple[list[Case], list[Enterprise]]:
    """The cases and enterprises as the outcomes event store holds them."""
    store = system.runtime("outcomes").store

    def replay() -> tuple[list[Case], list[Enterprise]]:
        cases = [given(evolve_case, *map(dated, store.history(UUID(e.enrollment_id)))) for e in cases_of]
        enterprises = [given(evolve_enterprise, *(r.event for r in store.history(UUID(i)))) for i in enterprise_ids]
        return [c for c in cases if isinstance(c, Case)], [e for e in enterprises if isinstance(e, Enterprise)]

    return await asyncio.to_thread(replay)


def dated(recorded: RecordedEvent) -> object:
    """The event, an employment given its day as the read model takes it when it carries none: its occurred_at's."""
    event = recorded.event
    if isinstance(event, EmploymentRecorded) and event.observed_on is None:
        return replace(event, observed_on=thai_day(recorded.metadata.occurred_at))
    return event


async def reference(
    system: RunningSystem, cases_of: list[Enrolled], enterprise_ids: tuple[str, ...], *, on: date, panel: bool = False
) -> ProgrammeIndicators:
    """The domain's definitions, applied to the cases and enterprises as the outcomes event store holds them."""
    cases, enterprises = await replayed(system, cases_of, enterprise_ids)
    facts_by = facts_counted_by(on, thai_today())
    return programme_indicators(cases, on=on, enterprises=enterprises, panel=panel, facts_by=facts_by)


async def both_ways(
    system: RunningSystem, programme: Programme, by: indicators.Breakdown, *, on: date
) -> tuple[IndicatorsByGroup, IndicatorsByGroup]:
    """The breakdown answered in SQL, and by the domain's definitions over the cases grouped as the test knows them."""
    in_sql = await indicators.indicators_by_group(system.runtime("outcomes").pool, indicators.Slice(), by, on=on)
    cases, enterprises = await replayed(system, programme.enrollments, programme.enterprise_ids)
    group = programme.groups(by)
    by_the_domain = indicators_by_group(
        cases, lambda c: group.get(c.enrollment_id), known=indicators.KNOWN_GROUPS[by], on=on, enterprises=enterprises
    )
    return in_sql, by_the_domain


async def test_indicators_of_the_programme_and_of_its_slices_count_what_happened(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        programme = await drive(system)
        today = thai_today()
        whole = await settled(outcomes, WHOLE)
        before_twelve = await settled(outcomes, BEFORE_TWELVE_MONTHS, as_of=BEFORE_TWELVE_MONTHS_DUE.isoformat())
        panel = await settled(outcomes, PANEL, panel="true")
        chiang_mai = await settled(outcomes, CHIANG_MAI, province_code="TH-50")
        central = await settled(outcomes, CENTRAL, region="central")
        bangkok = await settled(outcomes, CENTRAL, project_id=programme.bangkok)
        nobody = await settled(outcomes, NOBODY, project_id=programme.chiang_mai, region="CENTRAL")
        broken_down = {name: await settled_groups(outcomes, name, expected) for name, expected in CASES_BY.items()}
        by_place = await broken_down_by_project_and_unit(outcomes, programme)

        pool, everyone = system.runtime("outcomes").pool, programme.enrollments
        in_chiang_mai = [programme.answered_all, programme.lost_after_six, programme.dropped]
        cross_checks = [
            (everyone, indicators.Slice(), today, False),
            (everyone, indicators.Slice(), BEFORE_TWELVE_MONTHS_DUE, True),
            (in_chiang_mai, indicators.Slice(province_code="TH-50"), today, False),
        ]
        compared = [
            (
                await indicators.programme_indicators(pool, of, on=on, panel=panel_only),
                await reference(system, cases, programme.enterprise_ids, on=on, panel=panel_only),
            )
            for cases, of, on, panel_only in cross_checks
        ]
        compared_by_group = [await both_ways(system, programme, by, on=today) for by in indicators.Breakdown]
    assert indicators_in(whole) == WHOLE
    nothing_else = {
        "region": None,
        "province_code": None,
        "project_id": None,
        "unit_id": None,
        "panel": False,
        "by": None,
    }
    asked = {"as_of": today.isoformat(), **nothing_else}
    assert {key: whole[key] for key in ECHOED} == asked
    assert indicators_in(before_twelve) == BEFORE_TWELVE_MONTHS
    assert indicators_in(panel) == PANEL
    assert indicators_in(chiang_mai) == CHIANG_MAI
    assert indicators_in(central) == CENTRAL
    assert central["region"] == "CENTRAL"
    assert indicators_in(bangkok) == CENTRAL
    assert indicators_in(nobody) == NOBODY
    for answered_in_sql, defined_by_the_domain in compared:
        assert answered_in_sql == defined_by_the_domain
    for name, answer in broken_down.items():
        assert (answer["by"], indicators_in(answer), cases_by_group(answer)) == (name, WHOLE, CASES_BY[name])
    assert broken_down["track"]["groups"]["UPSKILL"] == UPSKILL
    assert whole["groups"] is None
    for grouped_in_sql, grouped_by_the_domain in compared_by_group:
        assert grouped_in_sql == grouped_by_the_domain
    assert_by_project_and_unit(programme, by_place)


async def broken_down_by_project_and_unit(outcomes: httpx.AsyncClient, programme: Programme) -> dict[str, Any]:
    """Slices by unit and by several projects or units at once, and the breakdowns by project and by unit."""
    both_projects = {"project_id": [programme.chiang_mai, programme.bangkok]}
    both_units = {"unit_id": [programme.bangkok_unit, programme.chiang_mai_unit]}
    by_project = {programme.chiang_mai: 3, programme.bangkok: 3, "UNKNOWN": 0}
    by_unit = {programme.chiang_mai_unit: 3, programme.bangkok_unit: 3, "UNKNOWN": 0}
    return {
        "chiang_mai_unit": await settled(outcomes, CHIANG_MAI, unit_id=programme.chiang_mai_unit),
        "bangkok_unit": await settled(outcomes, CENTRAL, unit_id=programme.bangkok_unit),
        "both_projects": await settled(outcomes, WHOLE, **both_projects),
        "both_units": await settled(outcomes, WHOLE, **both_units),
        "both_units_before_twelve": await settled(
            outcomes, BEFORE_TWELVE_MONTHS, **both_units, as_of=BEFORE_TWELVE_MONTHS_DUE.isoformat()
        ),
        "unit_and_other_project": await settled(
            outcomes, NOBODY, unit_id=programme.chiang_mai_unit, project_id=programme.bangkok
        ),
        "by_project": await settled_groups(outcomes, "project_id", by_project),
        "by_unit": await settled_groups(outcomes, "unit_id", by_unit),
        "by_unit_of_one_project": await settled_groups(
            outcomes, "unit_id", {programme.bangkok_unit: 3, "UNKNOWN": 0}, project_id=programme.bangkok
        ),
        "by_project_in_the_north": await settled_groups(
            outcomes, "project_id", {programme.chiang_mai: 3, "UNKNOWN": 0}, region="NORTH"
        ),
        "unknown": await outcomes.get(PATH, params={"unit_id": [programme.bangkok_unit, programme.chiang_mai]}),
    }


def assert_by_project_and_unit(programme: Programme, answers: dict[str, Any]) -> None:
    assert indicators_in(answers["chiang_mai_unit"]) == CHIANG_MAI
    assert answers["chiang_mai_unit"]["unit_id"] == [programme.chiang_mai_unit]
    assert indicators_in(answers["bangkok_unit"]) == CENTRAL  # moved counts where it moved to
    assert indicators_in(answers["both_projects"]) == WHOLE  # medians of both projects' cases together
    assert answers["both_projects"]["project_id"] == [programme.chiang_mai, programme.bangkok]
    assert indicators_in(answers["both_units"]) == WHOLE
    assert indicators_in(answers["both_units_before_twelve"]) == BEFORE_TWELVE_MONTHS
    assert indicators_in(answers["unit_and_other_project"]) == NOBODY
    by_project, by_unit = answers["by_project"], answers["by_unit"]
    for answer, chiang_mai, bangkok in (
        (by_project, programme.chiang_mai, programme.bangkok),
        (by_unit, programme.chiang_mai_unit, programme.bangkok_unit),
    ):
        assert indicators_in(answer) == WHOLE
        assert sum(group["cases"] for group in answer["groups"].values()) == answer["cases"]
        assert indicators_in(answer["groups"][chiang_mai]) == CHIANG_MAI
        assert indicators_in(answer["groups"][bangkok]) == CENTRAL
        assert indicators_in(answer["groups"]["UNKNOWN"]) == NOBODY
    assert cases_by_group(answers["by_unit_of_one_project"]) == {programme.bangkok_unit: 3, "UNKNOWN": 0}
    assert cases_by_group(answers["by_project_in_the_north"]) == {programme.chiang_mai: 3, "UNKNOWN": 0}
    unknown = answers["unknown"]
    assert unknown.status_code == 404, unknown.text
    assert f"unit {programme.chiang_mai} is not known here" in unknown.json()["error"]  # a project's id, not a unit's
    assert programme.bangkok_unit not in unknown.json()["error"]


async def test_an_unknown_province_region_or_breakdown_is_refused_naming_the_parameter(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"]) as system:
        outcomes = system.client("outcomes")
        province = await outcomes.get(PATH, params={"province_code": "TH-99"})
        region = await outcomes.get(PATH, params={"region": "MIDWEST"})
        bare_code = await outcomes.get(PATH, params={"province_code": "50"})
        breakdown = await outcomes.get(PATH, params={"by": "religion"})
        nobody_by_sex = await outcomes.get(PATH, params={"by": "sex"})
    assert province.status_code == 422
    [province_error] = province.json()["fields"]
    assert province_error["field"] == "query.province_code"
    assert "TH-99" in province_error["message"]
    assert region.status_code == 422
    [region_error] = region.json()["fields"]
    assert region_error["field"] == "query.region"
    assert "MIDWEST" in region_error["message"]
    assert bare_code.status_code == 200, bare_code.text
    assert bare_code.json()["province_code"] == "TH-50"
    assert breakdown.status_code == 422
    [breakdown_error] = breakdown.json()["fields"]
    assert breakdown_error["field"] == "query.by"
    assert all(allowed in breakdown_error["message"] for allowed in ("'sex'", "'age_band'", "'track'"))
    assert nobody_by_sex.status_code == 200, nobody_by_sex.text
    assert {group: indicators_in(found) for group, found in nobody_by_sex.json()["groups"].items()} == {
        group: NOBODY for group in ("F", "M", "X", "UNKNOWN")
    }
