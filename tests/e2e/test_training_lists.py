"""Curricula and cohorts listed for a unit's staff: filtered by project, status, track, community; paged, with
how many match in all (``X-Total-Count``). Training records at risk of not completing, for a mentor: each with
its cohort's threshold, listed with ``at_risk``, counted on their cohort. Records completed or closed in a month."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.cli import run_pathways
from tests.support.journeys import Enrolled, created, enroll, in_training, open_project
from tests.support.system import RunningSystem, eventually, listed_once_known, running_system
from tests.support.training_steps import COMPETENCIES, FIRST_SESSION_ON, accepted_once_known


async def listed(training: httpx.AsyncClient, path: str, key: str, **params: str) -> tuple[list[str], int]:
    """The ids (``key``) a list endpoint answers, in its order, and how many match in all (``X-Total-Count``)."""
    response = await training.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()], int(response.headers["X-Total-Count"])


async def co_designed_upskill_curriculum(system: RunningSystem, project_id: str) -> str:
    """An UPSKILL curriculum co-designed with Mae Chaem farmers, not approved."""
    training = system.client("training")
    content = {"title": "Drip irrigation", "track": "UPSKILL", "competencies": ["irrigation"], "hours": "12"}
    drafted = await accepted_once_known(
        training, "/curricula", {"project_id": project_id, "drafted_on": "2025-04-06", **content}
    )
    co_design = {"version": 1, "community": "Mae Chaem farmers", "co_designed_on": "2025-04-12"}
    created(await training.post(f"/curricula/{drafted['id']}/co-design", json=co_design))
    curriculum_id: str = drafted["id"]
    return curriculum_id


async def revised(system: RunningSystem, curriculum_id: str) -> None:
    """An approved curriculum revised: version 2 is a draft, version 1 stays approved."""
    content = {"title": "Weaving, revised", "track": "RESKILL", "competencies": COMPETENCIES, "hours": "72"}
    created(await system.client("training").post(f"/curricula/{curriculum_id}/revision", json=content))


async def planned_cohort(system: RunningSystem, project_id: str, curriculum_id: str, starts_on: str) -> str:
    plan = {"project_id": project_id, "curriculum_id": curriculum_id, "curriculum_version": 1, "starts_on": starts_on}
    cohort_id: str = created(await system.client("training").post("/cohorts", json=plan))["id"]
    return cohort_id


async def test_curricula_and_cohorts_are_listed_with_filters_and_pages(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        soap, dye = await asyncio.gather(
            open_project(system, name="Herbal soap", province_code="TH-50"),
            open_project(system, name="Indigo dye", province_code="TH-47"),
        )
        weaving = await training_steps.approved_curriculum(system, soap)
        irrigation = await co_designed_upskill_curriculum(system, soap)
        dyeing = await training_steps.approved_curriculum(system, dye, drafted_on=date(2025, 4, 7))
        await revised(system, dyeing)
        running = await training_steps.started_cohort(system, soap, weaving)  # starts 2025-05-12
        await training_steps.hold_session(system, running, FIRST_SESSION_ON, attended=[])
        later = await planned_cohort(system, soap, weaving, "2025-06-01")
        elsewhere = await planned_cohort(system, dye, dyeing, "2025-05-20")

        async def caught_up() -> bool | None:
            curricula = [(c["curriculum_id"], c["status"]) for c in (await training.get("/curricula")).json()]
            cohorts = [
                (c["cohort_id"], c["status"], c["sessions_held"]) for c in (await training.get("/cohorts")).json()
            ]
            expected_curricula = [(weaving, "APPROVED"), (irrigation, "CO_DESIGNED"), (dyeing, "DRAFT")]
            expected_cohorts = [(running, "IN_PROGRESS", 1), (elsewhere, "PLANNED", 0), (later, "PLANNED", 0)]
            return (curricula, cohorts) == (expected_curricula, expected_cohorts) or None

        await eventually(caught_up, what="every curriculum and cohort in the read models")
        in_soap = (await training.get("/cohorts", params={"project_id": soap})).json()
        curricula = {
            name: await listed(training, "/curricula", "curriculum_id", **params)
            for name, params in {
                "soap": {"project_id": soap},
                "approved": {"status": "APPROVED"},
                "co-designed": {"status": "CO_DESIGNED"},
                "upskill": {"track": "UPSKILL"},
                "approved upskill": {"status": "APPROVED", "track": "UPSKILL"},
                "weavers": {"community": "WEAVERS"},
                "mae chaem": {"community": "mae chaem", "project_id": soap},
                "page 2": {"limit": "2", "offset": "2"},
                "first of the approved": {"status": "APPROVED", "limit": "1"},
                "past the end": {"offset": "5"},
            }.items()
        }
        cohorts = {
            name: await listed(training, "/cohorts", "cohort_id", **params)
            for name, params in {
                "all": {},
                "in progress": {"status": "IN_PROGRESS"},
                "planned in soap": {"status": "PLANNED", "project_id": soap},
                "on dyeing": {"curriculum_id": dyeing},
                "page 2": {"limit": "1", "offset": "1"},
                "first planned": {"status": "PLANNED", "limit": "1"},
            }.items()
        }
        hours_held = {
            cohort: (await training.get(f"/cohorts/{cohort}")).json()["hours_held"] for cohort in (running, later)
        }
        listed_dyeing = (await training.get("/curricula", params={"project_id": dye})).json()
        one_dyeing = (await training.get(f"/curricula/{dyeing}")).json()
        refused = [
            (field, await training.get(path, params=params))
            for field, path, params in [
                ("query.track", "/curricula", {"track": "BOTH"}),
                ("query.status", "/curricula", {"status": "ACTIVE"}),
                ("query.status", "/cohorts", {"status": "RUNNING"}),
                ("query.curriculum_id", "/cohorts", {"curriculum_id": "weaving"}),
            ]
        ]

    assert hours_held == {running: "3", later: "0"}, "one type, with sessions or without"
    assert curricula == {  # the page, and how many match all pages together
        "soap": ([weaving, irrigation], 2),
        "approved": ([weaving, dyeing], 2),  # dyeing's version 1 is approved, its newest a draft
        "co-designed": ([irrigation], 1),
        "upskill": ([irrigation], 1),
        "approved upskill": ([], 0),
        "weavers": ([weaving, dyeing], 2),
        "mae chaem": ([irrigation], 1),
        "page 2": ([dyeing], 3),
        "first of the approved": ([weaving], 2),
        "past the end": ([], 3),
    }
    assert listed_dyeing == [one_dyeing]
    assert (one_dyeing["status"], one_dyeing["latest_version"]) == ("DRAFT", 2)
    assert cohorts == {
        "all": ([running, elsewhere, later], 3),  # by the day they start
        "in progress": ([running], 1),
        "planned in soap": ([later], 1),
        "on dyeing": ([elsewhere], 1),
        "page 2": ([elsewhere], 3),
        "first planned": ([elsewhere], 2),
    }
    assert [(c["cohort_id"], c["status"], c["members_count"]) for c in in_soap] == [
        (running, "IN_PROGRESS", 0),
        (later, "PLANNED", 0),
    ]
    for field, response in refused:
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["fields"]] == [field]


async def test_an_unknown_id_is_a_404_naming_it_and_a_known_one_with_nothing_to_list_an_empty_list(
    settings: Settings,
) -> None:
    """A unit's staff who mistype a project, curriculum or cohort id are told which id and what it was taken for;
    a project training knows with nothing in it yet, a curriculum no cohort follows and a cohort nobody is in
    are empty lists."""
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project = await open_project(system, name="Herbal soap", province_code="TH-50")
        nothing_yet = [
            await listed_once_known(training, path, project_id=project)
            for path in ("/curricula", "/cohorts", "/training-records")
        ]  # training heard the project open: known, with nothing in it
        curriculum = await training_steps.approved_curriculum(system, project)
        unfollowed = await listed_once_known(training, "/cohorts", curriculum_id=curriculum)
        cohort = await planned_cohort(system, project, curriculum, "2025-06-01")
        unattended = await listed_once_known(training, "/training-records", cohort_id=cohort)
        unknown = str(uuid4())
        filters = [
            ("/curricula", "project_id"),
            ("/cohorts", "project_id"),
            ("/cohorts", "curriculum_id"),
            ("/training-records", "project_id"),
            ("/training-records", "cohort_id"),
        ]
        mistyped = [await training.get(path, params={name: unknown}) for path, name in filters]
        several = await training.get("/cohorts", params={"project_id": unknown, "curriculum_id": project})
        from_anywhere = await training.get("/training-records", params={"after": unknown})

    for answer in [*nothing_yet, unfollowed, unattended]:
        assert (answer.status_code, answer.json(), answer.headers["X-Total-Count"]) == (200, [], "0"), answer.url
    not_heard = "training hears of a project once it opens in the enrollment service"
    for (path, name), answer in zip(filters, mistyped, strict=True):
        assert answer.status_code == 404, (path, name, answer.text)
        kind = name.removesuffix("_id")
        yet = not_heard if kind == "project" else "read models follow the events"
        assert answer.json()["error"] == f"{kind} {unknown} is not known here (yet: {yet})", (path, name)
    assert several.status_code == 404, "a project's id given as a curriculum's"
    assert several.json()["error"] == (
        f"project {unknown}, curriculum {project} are not known here (yet: {not_heard}; read models follow the events)"
    )
    assert from_anywhere.status_code == 200, "`after` is a place in the order, not a filter"


async def test_a_mentor_lists_who_attends_below_their_cohort_threshold(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        soap, dye = await asyncio.gather(
            open_project(system, name="Herbal soap", province_code="TH-50"),
            open_project(system, name="Indigo dye", province_code="TH-47"),
        )
        people = [await enroll(system, soap) for _ in range(6)] + [await enroll(system, dye)]
        full, edge, low, absent, gone, loner, elsewhere = people
        for enrolled in people:
            await in_training(system, enrolled)
        weaving = await training_steps.approved_curriculum(system, soap)  # completion needs 80%
        dyeing = await training_steps.approved_curriculum(system, dye, attendance_threshold=0.75)
        cohort = await training_steps.started_cohort(system, soap, weaving)
        other = await training_steps.started_cohort(system, dye, dyeing)
        unstarted = await planned_cohort(system, soap, weaving, "2025-09-01")
        members = {"enrollment_ids": [e.enrollment_id for e in (full, edge, low, absent, gone)]}
        created(await training.post(f"/cohorts/{cohort}/members", json=members))
        created(await training.post(f"/cohorts/{other}/members", json={"enrollment_ids": [elsewhere.enrollment_id]}))
        # 12.5 hours in 5 sessions: full all, edge 10 (80%), low 9 (72%: 3 sessions of 5), absent 0, gone 3
        attended: dict[int, tuple[str, list[Enrolled]]] = {
            0: ("3", [full, edge, low, gone]),
            1: ("3", [full, edge, low]),
            2: ("3", [full, edge, low]),
            3: ("1", [full, edge]),
            4: ("2.5", [full]),
        }
        for week, (hours, present) in attended.items():
            await training_steps.hold_session(
                system, cohort, FIRST_SESSION_ON + timedelta(weeks=week), attended=present, hours=hours
            )
        await training_steps.hold_session(system, other, FIRST_SESSION_ON, attended=[])
        dropout = {"reason": "FAMILY_DUTIES", "dropped_out_on": "2025-06-20"}
        created(await training.post(f"/training-records/{gone.enrollment_id}/dropout", json=dropout))

        at_risk = sorted([low.enrollment_id, absent.enrollment_id, elsewhere.enrollment_id])

        async def caught_up() -> bool | None:
            records = {r["enrollment_id"]: r for r in (await training.get("/training-records")).json()}
            settled = records.get(gone.enrollment_id, {}).get("status") == "DROPPED_OUT"
            listed_at_risk = (await listed(training, "/training-records", "enrollment_id", at_risk="true"))[0]
            return (settled and listed_at_risk == at_risk) or None

        await eventually(caught_up, what="the records at risk in the read model")
        lists = {
            name: await listed(training, "/training-records", "enrollment_id", **params)
            for name, params in {
                "at risk": {"at_risk": "true"},
                "at risk in the cohort": {"at_risk": "true", "cohort_id": cohort},
                "at risk in soap": {"at_risk": "true", "project_id": soap},
                "at risk in dye": {"at_risk": "true", "project_id": dye},
                "first page at risk": {"at_risk": "true", "limit": "1"},
                "at risk after the first": {"at_risk": "true", "after": at_risk[0]},
                "not at risk in the cohort": {"at_risk": "false", "cohort_id": cohort},
                "in training, not at risk, in the cohort": {
                    "at_risk": "false",
                    "cohort_id": cohort,
                    "status": "IN_TRAINING",
                },
            }.items()
        }
        records = {r["enrollment_id"]: r for r in (await training.get("/training-records")).json()}
        one = {e.enrollment_id: (await training.get(f"/training-records/{e.enrollment_id}")).json() for e in people}
        cohorts_listed = {c["cohort_id"]: c for c in (await training.get("/cohorts")).json()}
        cohorts_read = {k: (await training.get(f"/cohorts/{k}")).json() for k in (cohort, other, unstarted)}
        refused = await training.get("/training-records", params={"at_risk": "maybe"})
        rebuild = ("read-models", "rebuild", "training", "training-records")
        rebuilt = await asyncio.to_thread(run_pathways, settings, *rebuild)
        at_risk_rebuilt = await listed(training, "/training-records", "enrollment_id", at_risk="true")
        records_rebuilt = {r["enrollment_id"]: r for r in (await training.get("/training-records")).json()}
        cohorts_rebuilt = {c["cohort_id"]: c for c in (await training.get("/cohorts")).json()}

    def ids(*enrolled: Enrolled) -> list[str]:
        return sorted(e.enrollment_id for e in enrolled)

    assert lists == {
        "at risk": (at_risk, 3),
        "at risk in the cohort": (ids(low, absent), 2),
        "at risk in soap": (ids(low, absent), 2),
        "at risk in dye": ([elsewhere.enrollment_id], 1),
        "first page at risk": (at_risk[:1], 3),
        "at risk after the first": (at_risk[1:], 3),
        "not at risk in the cohort": (ids(full, edge, gone), 3),  # on the threshold is not below it; a dropout
        "in training, not at risk, in the cohort": (ids(full, edge), 2),
    }
    assert one == records, "a record reads the same alone and listed"
    assert {e.enrollment_id: records[e.enrollment_id]["attendance_rate"] for e in people} == {
        full.enrollment_id: 1.0,
        edge.enrollment_id: 0.8,
        low.enrollment_id: 0.72,
        absent.enrollment_id: 0.0,
        gone.enrollment_id: 0.24,
        loner.enrollment_id: None,
        elsewhere.enrollment_id: 0.0,
    }, "rates of hours, not of sessions"
    shown = ("sessions_attended", "hours_attended", "hours_expected", "curriculum_hours", "hours_needed")
    assert {field: records[low.enrollment_id][field] for field in shown} == {
        "sessions_attended": 3,
        "hours_attended": "9",
        "hours_expected": "12.5",
        "curriculum_hours": "60",
        "hours_needed": "48",
    }
    flags = {
        e.enrollment_id: (records[e.enrollment_id]["attendance_threshold"], records[e.enrollment_id]["at_risk"])
        for e in people
    }
    assert flags == {
        full.enrollment_id: (0.8, False),
        edge.enrollment_id: (0.8, False),
        low.enrollment_id: (0.8, True),
        absent.enrollment_id: (0.8, True),
        gone.enrollment_id: (0.8, False),  # no longer in training
        loner.enrollment_id: (None, False),  # in no cohort
        elsewhere.enrollment_id: (0.75, True),
    }
    assert "can_still_complete" not in records[low.enrollment_id], "not computable from what is known"
    figures = {
        k: (c["attendance_threshold"], c["members_in_training"], c["mean_attendance_rate"], c["members_at_risk"])
        for k, c in cohorts_read.items()
    }
    assert figures == {
        cohort: (0.8, 4, pytest.approx((1.0 + 0.8 + 0.72 + 0.0) / 4), 2),
        other: (0.75, 1, 0.0, 1),
        unstarted: (0.8, 0, None, 0),
    }
    assert {k: figures_of(c) for k, c in cohorts_listed.items()} == {k: figures_of(c) for k, c in cohorts_read.items()}
    assert refused.status_code == 422, refused.text
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "rm_training_record_sessions" in rebuilt.stdout, "the read model's own copy of the sessions, rebuilt"
    assert (at_risk_rebuilt, records_rebuilt) == ((at_risk, 3), records), "rebuilt from the stream, the same"
    assert {k: figures_of(c) for k, c in cohorts_rebuilt.items()} == {k: figures_of(c) for k, c in cohorts_read.items()}


def figures_of(cohort: dict[str, Any]) -> tuple[object, ...]:
    return (cohort["mean_attendance_rate"], cohort["members_at_risk"], cohort["attendance_threshold"])


async def test_records_completed_or_closed_in_a_month_are_listed_by_those_days(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        soap = await open_project(system, name="Herbal soap", province_code="TH-50")
        people = [await enroll(system, soap) for _ in range(4)]
        july, august, dropped, still = people
        for enrolled in people:
            await in_training(system, enrolled)
        weaving = await training_steps.approved_curriculum(system, soap, hours="3")  # the one session
        cohort = await training_steps.started_cohort(system, soap, weaving)
        created(
            await training.post(
                f"/cohorts/{cohort}/members", json={"enrollment_ids": [e.enrollment_id for e in people]}
            )
        )
        await training_steps.hold_session(system, cohort, FIRST_SESSION_ON, attended=[july, august, still])
        for enrolled, day in ((july, "2025-07-15"), (august, "2025-08-29")):
            path = f"/training-records/{enrolled.enrollment_id}/completion"
            created(await training.post(path, json={"completed_on": day}))
        dropout = {"reason": "FAMILY_DUTIES", "dropped_out_on": "2025-06-20"}
        created(await training.post(f"/training-records/{dropped.enrollment_id}/dropout", json=dropout))

        async def caught_up() -> bool | None:
            records = {r["enrollment_id"]: r["status"] for r in (await training.get("/training-records")).json()}
            ended = [records.get(e.enrollment_id) for e in (july, august, dropped)]
            return ended == ["COMPLETED", "COMPLETED", "DROPPED_OUT"] or None

        await eventually(caught_up, what="the completions and the dropout in the read model")
        lists = {
            name: await listed(training, "/training-records", "enrollment_id", **params)
            for name, params in {
                "completed in July": {"completed_from": "2025-07-01", "completed_to": "2025-07-31"},
                "completed in August": {"completed_from": "2025-08-01", "completed_to": "2025-08-31"},
                "completed from July, first page": {"completed_from": "2025-07-01", "limit": "1"},
                "completed by June": {"completed_to": "2025-06-30"},
                "closed in June": {"closed_from": "2025-06-01", "closed_to": "2025-06-30"},
                "completions closed in June": {
                    "closed_from": "2025-06-01",
                    "closed_to": "2025-06-30",
                    "status": "COMPLETED",
                },
                "closed by July": {"closed_to": "2025-07-31", "project_id": soap},
                "closed in August in the cohort": {
                    "closed_from": "2025-08-01",
                    "closed_to": "2025-08-31",
                    "cohort_id": cohort,
                },
            }.items()
        }
        reversed_range = await training.get(
            "/training-records", params={"closed_from": "2025-07-01", "closed_to": "2025-06-30"}
        )

    def ids(*enrolled: Enrolled) -> list[str]:
        return sorted(e.enrollment_id for e in enrolled)

    assert lists == {
        "completed in July": ([july.enrollment_id], 1),
        "completed in August": ([august.enrollment_id], 1),
        "completed from July, first page": (ids(july, august)[:1], 2),
        "completed by June": ([], 0),
        "closed in June": ([dropped.enrollment_id], 1),
        "completions closed in June": ([], 0),
        "closed by July": (ids(dropped, july), 2),
        "closed in August in the cohort": ([august.enrollment_id], 1),
    }, "(ids listed, X-Total-Count)"
    assert reversed_range.status_code == 422
    assert [f["field"] for f in reversed_range.json()["fields"]] == ["query.closed_to"]
