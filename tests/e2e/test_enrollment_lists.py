"""What a programme officer and a mentor see: units, projects, mentors and the duplicates worklist, over HTTP.

Everything is created and moved through its lifecycle with the enrollment API; the lists follow
once the read models have caught up with the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx

from pathways_infra.settings import Settings
from tests.support.journeys import BASELINE, created, open_project, register
from tests.support.system import RunningSystem, eventually, listed_once_known, running_system

NEEDS = {
    "problems": ["low farm income"],
    "community_capital": ["hand-loom skills"],
    "opportunities": ["online craft market"],
    "assessed_on": "2025-03-01",
}
NATIONAL_ID = "3-1006-00445-63-5"

Listed = list[dict[str, Any]]


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> str:
    answer: str = created(await client.post(path, json=body or {}))["id"]
    return answer


async def listed(system: RunningSystem, path: str, until: Callable[[Listed], bool], **params: Any) -> Listed:
    """GET the list until the read model shows what ``until`` waits for (read models follow the events)."""

    async def probe() -> Listed | None:
        response = await system.client("enrollment").get(path, params=params)
        if response.status_code == 404 and "(yet:" in response.text:
            return None  # a filter's id the read models have not heard of yet: asked again, it is found
        assert response.status_code == 200, response.text
        body: Listed = response.json()
        return body if until(body) else None

    return await eventually(probe, what=f"GET {path} {params}")


async def get(system: RunningSystem, path: str, **params: Any) -> Listed:
    response = await system.client("enrollment").get(path, params=params)
    assert response.status_code == 200, response.text
    body: Listed = response.json()
    return body


def ids(items: Listed, key: str = "id") -> list[str]:
    return [item[key] for item in items]


async def unit(client: httpx.AsyncClient, name: str, province_code: str) -> str:
    return await post(client, "/units", {"name": name, "province_code": province_code, "registered_on": "2024-06-01"})


async def project(client: httpx.AsyncClient, name: str, unit_id: str, province_code: str) -> str:
    proposal = {"name": name, "province_code": province_code, "unit_id": unit_id, "grant_thb": "450000"}
    proposal["proposed_on"] = "2025-02-01"  # before the days its later steps are dated
    return await post(client, "/projects", proposal)


async def test_officers_list_units_projects_and_mentors_by_region_province_and_status(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        chiang_mai = await unit(client, "CDU Chiang Mai", "TH-50")
        songkhla = await unit(client, "CDU Songkhla", "TH-90")
        khon_kaen = await unit(client, "CDU Khon Kaen", "TH-40")
        for active in (chiang_mai, songkhla):
            await post(client, f"/units/{active}/activation")
        weaving = await project(client, "Weaving co-op", chiang_mai, "TH-50")
        batik = await project(client, "Batik studio", songkhla, "TH-90")
        rice = await project(client, "Rice mill", khon_kaen, "TH-40")
        await post(client, f"/projects/{weaving}/needs-assessment", NEEDS)
        await post(client, f"/projects/{weaving}/needs-assessment/validation")
        await post(client, f"/projects/{batik}/needs-assessment", NEEDS)
        await post(client, f"/projects/{batik}/needs-assessment/validation")
        await post(client, f"/projects/{rice}/needs-assessment", NEEDS)
        for step in ("approval", "activation"):
            await post(client, f"/projects/{weaving}/{step}")
        await post(client, f"/projects/{batik}/approval")
        await post(client, f"/projects/{batik}/termination", {"reason": "grant withdrawn"})
        await post(client, f"/units/{songkhla}/suspension", {"reason": "audit"})

        coach, former = await post(client, "/mentors"), await post(client, "/mentors")
        ended = str(uuid4())
        await post(client, f"/mentors/{former}/assignments", {"assignment_id": ended, "project_id": weaving,
                                                              "from_date": "2024-06-01"})  # fmt: skip
        await post(client, f"/mentors/{former}/assignments/{ended}/end", {"to_date": "2024-12-31"})
        await post(client, f"/mentors/{coach}/assignments", {"project_id": weaving, "from_date": "2025-01-01"})
        await post(client, f"/mentors/{coach}/assignments", {"unit_id": songkhla, "from_date": "2025-02-01"})

        units = await listed(system, "/units", lambda found: "SUSPENDED" in {u["status"] for u in found})
        projects = await listed(system, "/projects", lambda found: any(p["mentor_ids"] == [coach] for p in found))
        mentors = await listed(system, "/mentors", lambda found: sum(len(m["units"]) for m in found) == 1)
        north = await get(system, "/units", region="NORTH")
        songkhla_units = await get(system, "/units", province_code="90")
        registered = await get(system, "/units", status="REGISTERED")
        second_page = await get(system, "/units", limit=2, offset=1)
        in_north = await get(system, "/projects", region="north", status="ACTIVE")
        of_songkhla_unit = await get(system, "/projects", unit_id=songkhla)
        coached = await get(system, "/projects", mentor_id=coach)
        once_coached = await get(system, "/projects", mentor_id=former)
        proposed_page = await get(system, "/projects", status="PROPOSED", limit=1, offset=0)
        on_weaving = await get(system, "/mentors", project_id=weaving)
        in_south = await get(system, "/mentors", region="SOUTH")
        in_central = await get(system, "/mentors", region="CENTRAL")
        of_chiang_mai_unit = await get(system, "/mentors", unit_id=chiang_mai)  # through its project
        of_songkhla = await get(system, "/mentors", unit_id=songkhla)  # the unit itself
        of_khon_kaen = await get(system, "/mentors", unit_id=khon_kaen)

    assert [(u["name"], u["province_code"], u["region"], u["status"]) for u in units] == [
        ("CDU Chiang Mai", "TH-50", "NORTH", "ACTIVE"),
        ("CDU Khon Kaen", "TH-40", "NORTHEAST", "REGISTERED"),
        ("CDU Songkhla", "TH-90", "SOUTH", "SUSPENDED"),
    ]
    assert ids(units) == [chiang_mai, khon_kaen, songkhla]
    assert (ids(north), ids(songkhla_units), ids(registered)) == ([chiang_mai], [songkhla], [khon_kaen])
    assert ids(second_page) == [khon_kaen, songkhla]

    by_id = {p["id"]: p for p in projects}
    assert [p["name"] for p in projects] == ["Batik studio", "Rice mill", "Weaving co-op"]
    assert {p: (by_id[p]["status"], by_id[p]["needs_assessment_status"]) for p in by_id} == {
        weaving: ("ACTIVE", "VALIDATED"),
        batik: ("TERMINATED", "VALIDATED"),
        rice: ("PROPOSED", "DRAFTED"),
    }
    assert (by_id[weaving]["unit_id"], by_id[weaving]["region"], by_id[weaving]["grant_thb"]) == (
        chiang_mai,
        "NORTH",
        "450000.00",
    )
    assert by_id[weaving]["mentor_ids"] == [coach]
    assert [(a["mentor_id"], a["to_date"]) for a in by_id[weaving]["mentor_assignments"]] == [
        (former, "2024-12-31"),
        (coach, None),
    ]
    assert (ids(in_north), ids(of_songkhla_unit), ids(coached)) == ([weaving], [batik], [weaving])
    assert (once_coached, ids(proposed_page)) == ([], [rice])

    by_mentor = {m["id"]: m for m in mentors}
    assert set(by_mentor) == {coach, former}
    assert [(p["project_id"], p["region"]) for p in by_mentor[coach]["projects"]] == [(weaving, "NORTH")]
    assert [(u["unit_id"], u["province_code"]) for u in by_mentor[coach]["units"]] == [(songkhla, "TH-90")]
    assert (by_mentor[former]["status"], by_mentor[former]["projects"]) == ("ACTIVE", [])
    assert (ids(on_weaving), ids(in_south), in_central) == ([coach], [coach], [])
    assert (ids(of_chiang_mai_unit), ids(of_songkhla), of_khon_kaen) == ([coach], [coach], [])


async def test_unknown_regions_provinces_and_statuses_are_refused_naming_the_parameter(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        client = system.client("enrollment")
        answers = {
            (path, name): await client.get(path, params={name: value})
            for path in ("/units", "/projects", "/mentors")
            for name, value in (("region", "MIDWEST"), ("province_code", "TH-99"), ("status", "DORMANT"))
        }
        paging = await client.get("/participants/potential-duplicates", params={"limit": 0})
    for (path, name), response in answers.items():
        assert response.status_code == 422, (path, name, response.text)
        [error] = response.json()["fields"]
        assert error["field"] == f"query.{name}"
    assert "MIDWEST" in answers[("/units", "region")].json()["fields"][0]["message"]
    assert "TH-99" in answers[("/projects", "province_code")].json()["fields"][0]["message"]
    assert paging.status_code == 422


async def test_an_unknown_id_is_a_404_naming_it_and_a_known_one_with_nothing_to_list_an_empty_list(
    settings: Settings,
) -> None:
    """Staff who mistype an id are told which id and what it was taken for, never shown an empty list that reads
    as "nothing there"; a unit, project, mentor or participant with nothing to list yet is an empty list."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        quiet_unit = await unit(client, "CDU Lampang", "TH-52")  # runs no project
        tea = await project(client, "Tea garden", await unit(client, "CDU Phrae", "TH-54"), "TH-54")  # no one in it
        mentor = await post(client, "/mentors")  # coaches nothing yet
        participant = await register(system)  # has applied nowhere yet
        filters = [
            ("/projects", "unit_id", "unit", quiet_unit),
            ("/projects", "mentor_id", "mentor", mentor),
            ("/mentors", "project_id", "project", tea),
            ("/mentors", "unit_id", "unit", quiet_unit),
            ("/enrollments", "participant_id", "participant", participant),
            ("/enrollments", "project_id", "project", tea),
            ("/enrollments", "unit_id", "unit", quiet_unit),
        ]
        empty = [await listed_once_known(client, path, **{name: known}) for path, name, _, known in filters]
        visits = await listed_once_known(client, f"/mentors/{mentor}/coaching-visits")
        unknown = str(uuid4())
        mistyped = [await client.get(path, params={name: unknown}) for path, name, _, _ in filters]
        no_such_mentor = await client.get(f"/mentors/{unknown}/coaching-visits")
        several = await client.get(
            "/enrollments", params={"participant_id": unknown, "project_id": tea, "unit_id": tea}
        )  # a project's id given as a unit's

    for answer in [*empty, visits]:
        assert (answer.status_code, answer.json(), answer.headers["X-Total-Count"]) == (200, [], "0"), answer.url
    yet = " (yet: read models follow the events)"
    for (path, name, kind, _), answer in zip(filters, mistyped, strict=True):
        assert answer.status_code == 404, (path, name, answer.text)
        said = f"{kind} {unknown} is not known here" + ("" if kind == "participant" else yet)
        assert answer.json()["error"] == said, (path, name)
    assert no_such_mentor.status_code == 404
    assert no_such_mentor.json()["error"] == f"mentor {unknown} is not known here{yet}"
    assert several.status_code == 404
    assert several.json()["error"] == f"participant {unknown}, unit {tea} are not known here{yet}"


async def test_potential_duplicates_stay_on_the_worklist_until_resolved(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        holder = await register(system, national_id=NATIONAL_ID)
        kept_apart = await register(system, national_id=NATIONAL_ID)
        to_merge = await register(system, national_id=NATIONAL_ID)
        await register(system)  # no national ID: never flagged
        both = await listed(system, "/participants/potential-duplicates", lambda found: len(found) == 2)
        await post(client, f"/participants/{kept_apart}/duplicate-resolution", {"resolution": "NOT_A_DUPLICATE"})
        left = await listed(system, "/participants/potential-duplicates", lambda found: len(found) == 1)
        await post(client, f"/participants/{to_merge}/duplicate-resolution", {"resolution": "MERGED"})
        empty = await listed(system, "/participants/potential-duplicates", lambda found: found == [])
    assert [(d["participant_id"], d["duplicate_of"]) for d in both] == [(kept_apart, holder), (to_merge, holder)]
    assert set(both[0]) == {"participant_id", "duplicate_of", "flagged_at"}, "pseudonymous ids only"
    assert ids(left, "participant_id") == [to_merge]
    assert empty == []


async def test_a_deactivated_mentor_is_listed_inactive_coaching_nothing_until_reactivated(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        chiang_mai = await unit(client, "CDU Chiang Mai", "TH-50")
        weaving = await project(client, "Weaving co-op", chiang_mai, "TH-50")
        coach = await post(client, "/mentors")
        await post(client, f"/mentors/{coach}/assignments", {"project_id": weaving, "from_date": "2025-01-01"})
        await post(client, f"/mentors/{coach}/assignments", {"unit_id": chiang_mai, "from_date": "2025-02-01"})
        coaching = await listed(system, "/mentors", lambda found: bool(found and found[0]["units"]))

        path, ended_on = f"/mentors/{coach}/deactivation", {"deactivated_on": "2025-06-30"}
        keyed = {"Idempotency-Key": f"deactivate-{coach}"}
        deactivated = await client.post(path, json=ended_on, headers=keyed)
        retried = await client.post(path, json=ended_on, headers=keyed)
        again = await client.post(path, json={"deactivated_on": "2025-07-01"})
        inactive = await listed(system, "/mentors", lambda found: found[0]["status"] == "INACTIVE")
        inactive_only = await get(system, "/mentors", status="INACTIVE")
        coached_projects = await get(system, "/projects", mentor_id=coach)
        as_recorded = (await client.get(f"/mentors/{coach}")).json()

        reactivated = await client.post(f"/mentors/{coach}/reactivation")
        reactivated_again = await client.post(f"/mentors/{coach}/reactivation")
        active = await listed(system, "/mentors", lambda found: bool(found) and found[0]["status"] == "ACTIVE")
        unknown = await client.post(f"/mentors/{uuid4()}/deactivation", json=ended_on)
        no_day = await client.post(path, json={})

    assert [(m["id"], m["status"], len(m["projects"]), len(m["units"])) for m in coaching] == [(coach, "ACTIVE", 1, 1)]
    assert deactivated.status_code == 201, deactivated.text
    assert len(deactivated.json()["event_ids"]) == 3, "two assignments ended, then the mentor deactivated"
    assert (retried.status_code, retried.json(), retried.headers.get("Idempotent-Replayed")) == (
        201,
        deactivated.json(),
        "true",
    )
    assert again.status_code == 409
    assert again.json()["rule"] == "mentor-transition-not-allowed"
    assert "INACTIVE" in again.json()["error"]
    assert [(m["id"], m["status"], m["projects"], m["units"]) for m in inactive] == [(coach, "INACTIVE", [], [])]
    assert ids(inactive_only) == [coach]
    assert coached_projects == []
    assert {a["to_date"] for a in as_recorded["assignments"]} == {"2025-06-30"}
    assert reactivated.status_code == 201, reactivated.text
    assert reactivated_again.status_code == 409
    assert reactivated_again.json()["rule"] == "mentor-transition-not-allowed"
    assert [(m["status"], m["projects"]) for m in active] == [("ACTIVE", [])], "reactivation assigns nothing anew"
    assert unknown.status_code == 404
    assert no_day.status_code == 422
    assert no_day.json()["fields"][0]["field"] == "body.deactivated_on"


async def test_a_units_applicants_are_listed_by_stage_and_a_merge_withdraws_the_duplicates_applications(
    settings: Settings,
) -> None:
    """Staff see who applied and how far each got; a registration merged into its holder cannot enroll, so
    its open applications are withdrawn with the merge instead of waiting for ever."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        weaving = await open_project(system, name="Weaving co-op")
        holder = await register(system, national_id=NATIONAL_ID)
        duplicate = await register(system, national_id=NATIONAL_ID)
        applied_only = await apply(client, holder, weaving)
        duplicates_case = await apply(client, duplicate, weaving)
        await post(client, f"/enrollments/{duplicates_case}/screening", {"screened_on": "2025-05-03"})
        stages = await listed(
            system,
            "/enrollments",
            lambda found: {e["status"] for e in found} == {"APPLIED", "SCREENED_IN"},
            project_id=weaving,
        )
        merged = {"resolution": "MERGED", "resolved_on": "2025-05-06"}
        merge = await client.post(f"/participants/{duplicate}/duplicate-resolution", json=merged)
        after = await listed(
            system,
            "/enrollments",
            lambda found: "WITHDRAWN" in {e["status"] for e in found},
            project_id=weaving,
        )
        applicants = await get(system, "/enrollments", project_id=weaving, status="APPLIED")
    assert {(e["enrollment_id"], e["status"], e["applied_on"]) for e in stages} == {
        (applied_only, "APPLIED", "2025-05-02"),
        (duplicates_case, "SCREENED_IN", "2025-05-02"),
    }
    assert created(merge)["applications_withdrawn"] == [duplicates_case]
    assert {e["enrollment_id"]: (e["status"], e["withdrawal_reason"]) for e in after} == {
        applied_only: ("APPLIED", None),
        duplicates_case: ("WITHDRAWN", "DUPLICATE"),
    }
    assert ids(applicants, "enrollment_id") == [applied_only]


async def apply(client: httpx.AsyncClient, participant_id: str, project_id: str) -> str:
    application = {"participant_id": participant_id, "project_id": project_id, "applied_on": "2025-05-02"}
    return await post(client, "/enrollments", {**application, "baseline": BASELINE})


async def test_a_projects_lifecycle_steps_carry_their_days_and_keep_their_order(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        chiang_mai = await unit(client, "CDU Chiang Mai", "TH-50")
        weaving = await project(client, "Weaving co-op", chiang_mai, "TH-50")
        refused = [await client.post(f"/projects/{weaving}/approval", json={"on": "2025-03-10"})]
        await post(client, f"/projects/{weaving}/needs-assessment", NEEDS)
        refused.append(await client.post(f"/projects/{weaving}/approval", json={"on": "2025-03-10"}))
        await post(client, f"/projects/{weaving}/needs-assessment/validation")
        refused.append(await client.post(f"/projects/{weaving}/approval", json={"on": "2025-03-10"}))
        await post(client, f"/units/{chiang_mai}/activation")
        await post(client, f"/projects/{weaving}/approval", {"on": "2025-03-10"})
        approved = await listed(system, "/projects", lambda found: bool(found) and found[0]["status"] == "APPROVED")
        too_early = await client.post(f"/projects/{weaving}/activation", json={"on": "2025-03-09"})
        await post(client, f"/projects/{weaving}/activation", {"on": "2025-04-01"})
        active = await listed(system, "/projects", lambda found: bool(found) and found[0]["status"] == "ACTIVE")
        tomorrow = await client.post(f"/projects/{weaving}/closure", json={"on": "2399-01-01"})
    assert [(r.status_code, r.json()["rule"], r.json().get("retryable", False)) for r in refused] == [
        (409, "needs-assessment-required", False),  # none yet
        (409, "needs-assessment-required", False),  # drafted, not validated
        (409, "unit-not-active", True),  # the unit that takes its applications is only registered
    ]
    assert "validated community needs assessment before it is approved" in refused[0].json()["error"]
    assert approved[0]["status_since"] == "2025-03-10"
    assert (too_early.status_code, too_early.json()["rule"]) == (409, "project-step-before-the-last")
    assert "APPROVED since 2025-03-10; it cannot start before, on 2025-03-09" in too_early.json()["error"]
    assert active[0]["status_since"] == "2025-04-01"
    assert tomorrow.status_code == 422, "a step is a fact: never dated after today"


async def with_total(system: RunningSystem, path: str, **params: Any) -> tuple[Listed, int]:
    response = await system.client("enrollment").get(path, params=params)
    assert response.status_code == 200, response.text
    body: Listed = response.json()
    return body, int(response.headers["X-Total-Count"])


async def test_a_units_staff_list_their_cases_between_two_days_and_see_how_many_there_are(settings: Settings) -> None:
    """Intake staff of the Chiang Mai unit ask for their unit's cases applied for in May, their province's, and
    how many there are, without paging through the Songkhla unit's or June's."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        weaving = await open_project(system, name="Weaving co-op", province_code="TH-50")
        batik = await open_project(system, name="Batik studio", province_code="TH-90")
        opened = await listed(system, "/projects", lambda found: len(found) == 2)
        unit_of = {p["id"]: p["unit_id"] for p in opened}
        cases: dict[str, str] = {}
        for case, project_id, applied_on in [
            ("may", weaving, "2025-05-02"),
            ("end_of_may", weaving, "2025-05-31"),
            ("june", weaving, "2025-06-02"),
            ("songkhla", batik, "2025-05-20"),
        ]:
            application = {"participant_id": await register(system), "project_id": project_id, "applied_on": applied_on}
            cases[case] = await post(client, "/enrollments", {**application, "baseline": BASELINE})
        await post(client, f"/enrollments/{cases['may']}/screening", {"screened_on": "2025-05-03"})
        await post(client, f"/enrollments/{cases['may']}/enrollment", {"enrolled_on": "2025-05-05"})
        everything = await listed(
            system, "/enrollments", lambda found: len(found) == 4 and found[0]["status"] == "ENROLLED"
        )
        ours = unit_of[weaving]
        in_may = {"applied_from": "2025-05-01", "applied_to": "2025-05-31"}
        ours_in_may = await with_total(system, "/enrollments", unit_id=ours, **in_may)
        first_of_them = await with_total(system, "/enrollments", unit_id=ours, **in_may, limit=1)
        our_province = await with_total(system, "/enrollments", province_code="50")
        southern = await with_total(system, "/enrollments", region="SOUTH")
        ours_enrolled = await with_total(system, "/enrollments", unit_id=ours, enrolled_from="2025-05-05")
        all_in_may = await with_total(system, "/enrollments", **in_may)
        our_units = await with_total(system, "/units", province_code="TH-50")
        first_project = await with_total(system, "/projects", limit=1)
        reversed_range = {"enrolled_from": "2025-06-01", "enrolled_to": "2025-05-01"}
        backwards = await client.get("/enrollments", params=reversed_range)
        nowhere = await client.get("/enrollments", params={"province_code": "TH-99"})

    def case_ids(listed: tuple[Listed, int]) -> tuple[str, set[str], int]:
        """The first case (enrolled cases come first), every case, and the total."""
        found = ids(listed[0], "enrollment_id")
        return found[0], set(found), listed[1]

    may, end_of_may, june, songkhla = cases["may"], cases["end_of_may"], cases["june"], cases["songkhla"]
    assert everything[0]["enrollment_id"] == may
    assert case_ids(ours_in_may) == (may, {may, end_of_may}, 2), "June's and Songkhla's left out"
    assert case_ids(first_of_them) == (may, {may}, 2), "one page, and how many in all"
    assert case_ids(our_province) == (may, {may, end_of_may, june}, 3)
    assert case_ids(southern) == (songkhla, {songkhla}, 1)
    assert case_ids(ours_enrolled) == (may, {may}, 1)
    assert case_ids(all_in_may) == (may, {may, end_of_may, songkhla}, 3)
    assert {e["unit_id"] for e in ours_in_may[0]} == {ours}
    assert (ids(our_units[0]), our_units[1]) == ([unit_of[weaving]], 1)
    assert (len(first_project[0]), first_project[1]) == (1, 2)
    assert backwards.status_code == 422
    [refused] = backwards.json()["fields"]
    assert refused["field"] == "query.enrolled_to"
    assert refused["message"] == "2025-05-01 is before enrolled_from 2025-06-01"
    assert nowhere.status_code == 422
    assert nowhere.json()["fields"][0]["field"] == "query.province_code"
