"""A programme officer plans mentors ahead: an assignment from a later day shows on that day's rota,
not today's, and one that has not begun can be withdrawn. The rota and the project list name each mentor,
from a contact kept in the vault only, and the contact can be read, corrected and erased."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import UNIT_REGISTERED_ON, created, open_project
from tests.support.leaks import everything_stored, found
from tests.support.system import RunningSystem, eventually, running_system

SOMCHAI = {"full_name": "Somchai Rattanakorn", "phone": "+66 81 234 5678"}
CORRECTED_PHONE = "089-765-4321"
SECRETS = [
    SOMCHAI["full_name"],
    *SOMCHAI["full_name"].split(),
    SOMCHAI["phone"],
    "66812345678",
    CORRECTED_PHONE,
    "0897654321",
]


async def _rota(system: RunningSystem, **params: Any) -> list[dict[str, Any]]:
    response = await system.client("enrollment").get("/mentors", params=params)
    assert response.status_code == 200, response.text
    rota: list[dict[str, Any]] = response.json()
    return rota


async def test_an_assignment_planned_ahead_shows_on_its_day_and_can_be_withdrawn_before_it_begins(
    settings: Settings,
) -> None:
    today = thai_today()
    begins = today + timedelta(days=30)
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Lamphun", "province_code": "TH-51"}))["id"]
        mentor_id = created(await client.post("/mentors", json={}))["id"]
        planned = await client.post(
            f"/mentors/{mentor_id}/assignments", json={"unit_id": unit_id, "from_date": begins.isoformat()}
        )
        assignment = (await client.get(f"/mentors/{mentor_id}")).json()["assignments"][0]

        async def on_the_day() -> list[dict[str, Any]] | None:
            rota = await _rota(system, on=begins.isoformat())
            return rota if rota and rota[0]["units"] else None

        that_day = await eventually(on_the_day, what="the planned assignment on its first day's rota")
        today_rota = await _rota(system)
        no_day = await client.get("/mentors", params={"on": "next month"})
        visit = await client.post(
            f"/mentors/{mentor_id}/coaching-visits",
            json={"assignment_id": assignment["id"], "visited_on": begins.isoformat()},
        )
        too_early = await client.post(
            f"/mentors/{mentor_id}/assignments/{assignment['id']}/end",
            json={"to_date": (begins - timedelta(days=2)).isoformat()},
        )
        withdrawn = await client.post(
            f"/mentors/{mentor_id}/assignments/{assignment['id']}/end",
            json={"to_date": (begins - timedelta(days=1)).isoformat()},
        )

        instead_id = str(uuid4())
        instead = await client.post(
            f"/mentors/{mentor_id}/assignments",
            json={"assignment_id": instead_id, "unit_id": unit_id, "from_date": today.isoformat()},
        )

        async def off_the_rota() -> bool | None:
            units = (await _rota(system, on=begins.isoformat()))[0]["units"]
            return True if [u["assignment_id"] for u in units] == [instead_id] else None

        await eventually(off_the_rota, what="the withdrawn assignment to leave the rota, the new one to take its place")

    assert planned.status_code == 201, planned.text
    assert [u["unit_id"] for u in that_day[0]["units"]] == [unit_id]
    assert (no_day.status_code, no_day.json()["fields"][0]["field"]) == (422, "query.on"), no_day.text
    assert today_rota == [
        {"id": mentor_id, "via": None, "full_name": None, "status": "ACTIVE", "projects": [], "units": []}
    ]
    assert (visit.status_code, visit.json()["fields"][0]["field"]) == (422, "body.visited_on"), "not yet happened"
    assert (too_early.status_code, too_early.json()["rule"]) == (409, "assignment-ends-before-it-starts")
    assert "withdraws it as never begun" in too_early.json()["error"]
    assert withdrawn.status_code == 201, withdrawn.text
    assert instead.status_code == 201, "a withdrawn plan keeps nobody from the unit"


async def _named_on_the_rota(system: RunningSystem, mentor_id: str, name: str | None) -> dict[str, Any]:
    async def listed() -> dict[str, Any] | None:
        rota = {m["id"]: m for m in await _rota(system)}
        found = rota.get(mentor_id)
        return found if found is not None and found["full_name"] == name else None

    return await eventually(listed, what=f"mentor {mentor_id} on the rota named {name!r}")


async def test_a_mentors_contact_is_named_on_the_rota_read_corrected_and_erased_and_never_stored_in_clear(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_system(settings) as system:
        client = system.client("enrollment")
        refused = await client.post(
            "/mentors", json={"contact": {**SOMCHAI, "national_id": "3-1006-00445-63-5", "address": "Nan"}}
        )
        mentor_id = created(await client.post("/mentors", json={"contact": SOMCHAI}))["id"]
        nameless_id = created(await client.post("/mentors", json={}))["id"]
        listed = await _named_on_the_rota(system, mentor_id, SOMCHAI["full_name"])
        nameless = await _named_on_the_rota(system, nameless_id, None)
        read = await client.get(f"/mentors/{mentor_id}/contact")
        none_given = await client.get(f"/mentors/{nameless_id}/contact")
        not_a_participant = await client.get(f"/participants/{mentor_id}/personal-data")
        first_without_name = await client.post(f"/mentors/{nameless_id}/contact", json={"phone": "0812223333"})

        corrected = await client.post(f"/mentors/{mentor_id}/contact", json={"phone": CORRECTED_PHONE})
        read_corrected = await client.get(f"/mentors/{mentor_id}/contact")
        recorded = (await client.get(f"/mentors/{mentor_id}")).json()
        before = await everything_stored(system, settings)

        erased = await client.post(f"/mentors/{mentor_id}/contact/erasure", json={})
        again = await client.post(f"/mentors/{mentor_id}/contact/erasure", json={})
        after = await client.get(f"/mentors/{mentor_id}/contact")
        given_again = await client.post(f"/mentors/{mentor_id}/contact", json=SOMCHAI)
        unnamed = await _named_on_the_rota(system, mentor_id, None)
        after_erasure = await everything_stored(system, settings)

    assert refused.status_code == 422, refused.text
    assert [f["field"] for f in refused.json()["fields"]] == ["body.contact"]
    assert "national_id is not kept for mentors" in refused.json()["fields"][0]["message"]
    assert "Nan" not in refused.text and "3-1006" not in refused.text, "the refused values are not echoed"
    assert listed["full_name"] == SOMCHAI["full_name"] and "phone" not in listed
    assert nameless["full_name"] is None
    assert (read.status_code, read.json()) == (200, SOMCHAI)
    assert none_given.status_code == 404 and not_a_participant.status_code == 404
    assert (first_without_name.status_code, first_without_name.json()["rule"]) == (409, "mentor-contact-needs-name")
    assert corrected.status_code == 201, corrected.text
    assert read_corrected.json() == {**SOMCHAI, "phone": CORRECTED_PHONE}
    assert recorded["contact"] == "HELD"
    for where in ("every stream", "tables of enrollment", "pg_dump of enrollment"):
        assert found(before[where], SECRETS) == [], f"the mentor's contact in clear in the {where} before the erasure"
    assert erased.status_code == 201, erased.text
    assert (again.status_code, again.json()["rule"]) == (409, "mentor-contact-erased")
    assert after.status_code == 410
    assert (given_again.status_code, given_again.json()["rule"]) == (409, "mentor-contact-erased")
    assert unnamed["status"] == "ACTIVE", "the mentor stays; only the contact went"
    for where, haystack in after_erasure.items():
        assert found(haystack, SECRETS) == [], f"the mentor's contact left in the {where}"
    assert mentor_id.encode() in after_erasure["tables of enrollment"], "the pseudonymous mentor is gone"
    assert found(caplog.text.encode(), SECRETS) == [], "the mentor's contact in the logs"


async def test_the_project_list_names_each_mentor_from_the_vault_until_the_contact_is_erased(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        weaving = await open_project(system, name="Weaving co-op", province_code="TH-50")
        rice = await open_project(system, name="Rice mill", province_code="TH-51")
        somchai = created(await client.post("/mentors", json={"contact": SOMCHAI}))["id"]
        nameless = created(await client.post("/mentors", json={}))["id"]
        today = {"from_date": thai_today().isoformat()}
        for mentor_id in (somchai, nameless):
            created(await client.post(f"/mentors/{mentor_id}/assignments", json={"project_id": weaving, **today}))

        async def both_on_weaving() -> dict[str, Any] | None:
            found = {p["id"]: p for p in (await client.get("/projects")).json()}
            return found if len(found.get(weaving, {}).get("mentors", [])) == 2 else None

        listed = await eventually(both_on_weaving, what="both mentors on the weaving project")
        first_page = await client.get("/projects", params={"limit": 1})
        erased = await client.post(f"/mentors/{somchai}/contact/erasure", json={})
        after_erasure = {p["id"]: p for p in (await client.get("/projects")).json()}

    def names(project: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, str | None]]:
        """Each mentor's name, today's and in the assignments."""
        now = {m["id"]: m["full_name"] for m in project["mentors"]}
        assigned = {a["mentor_id"]: a["full_name"] for a in project["mentor_assignments"]}
        return now, assigned

    named = {somchai: SOMCHAI["full_name"], nameless: None}
    assert names(listed[weaving]) == (named, named)
    assert sorted(m["id"] for m in listed[weaving]["mentors"]) == sorted(listed[weaving]["mentor_ids"])
    assert SOMCHAI["phone"] not in str(listed[weaving]), "a name only"
    assert (listed[rice]["mentors"], listed[rice]["mentor_assignments"]) == ([], [])
    assert ([p["name"] for p in first_page.json()], first_page.headers["X-Total-Count"]) == (["Rice mill"], "2")
    assert erased.status_code == 201, erased.text
    unnamed = {somchai: None, nameless: None}
    assert names(after_erasure[weaving]) == (unnamed, unnamed), "read from the vault on each list: gone at once"


ANONG = {"full_name": "Anong Srisuk"}


async def test_a_mentor_assigned_to_units_coaches_their_projects_in_both_directions(settings: Settings) -> None:
    """Anong coaches three northern units: she sees their open projects as hers, and each project lists her
    (via its UNIT) beside Somchai, assigned to one project itself; a project that was rejected is nobody's."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        weaving = await open_project(system, name="Weaving co-op", province_code="TH-50")
        rice = await open_project(system, name="Rice mill", province_code="TH-51")
        units = [(await client.get(f"/projects/{p}")).json()["unit_id"] for p in (weaving, rice)]
        registration = {"name": "CDU Lampang", "province_code": "TH-52", "registered_on": UNIT_REGISTERED_ON}
        lampang = created(await client.post("/units", json=registration))["id"]
        proposal = {"name": "Tea garden", "province_code": "TH-52", "unit_id": lampang, "grant_thb": "300000"}
        tea = created(await client.post("/projects", json=proposal))["id"]
        created(await client.post(f"/projects/{tea}/rejection", json={"reason": "outside the programme"}))
        anong = created(await client.post("/mentors", json={"contact": ANONG}))["id"]
        somchai = created(await client.post("/mentors", json={"contact": SOMCHAI}))["id"]
        for unit_id in (*units, lampang):
            assignment = {"unit_id": unit_id, "from_date": UNIT_REGISTERED_ON}
            created(await client.post(f"/mentors/{anong}/assignments", json=assignment))
        for target in ({"project_id": weaving}, {"unit_id": units[0]}):  # both ways: listed once, as PROJECT
            created(await client.post(f"/mentors/{somchai}/assignments", json={**target, "from_date": "2025-04-01"}))

        async def hers() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = (await client.get("/projects", params={"mentor_id": anong})).json()
            return found if len(found) == 2 and all(len(p["mentors"]) >= 1 for p in found) else None

        async def on_weaving() -> list[dict[str, Any]] | None:
            found: list[dict[str, Any]] = (await client.get("/mentors", params={"project_id": weaving})).json()
            return found if len(found) == 2 else None

        anongs = await eventually(hers, what="the projects of Anong's units listed as hers")
        weavings = await eventually(on_weaving, what="Anong and Somchai on the weaving project")
        somchais = (await client.get("/projects", params={"mentor_id": somchai})).json()
        on_tea = await client.get("/mentors", params={"project_id": tea})
        all_projects = {p["id"]: p for p in (await client.get("/projects")).json()}

    assert [p["id"] for p in anongs] == [rice, weaving], "by name; the rejected tea garden is not coached"
    assert [p["id"] for p in somchais] == [weaving], "Somchai's unit assignment is the weaving unit's"
    weaving_listed = all_projects[weaving]
    assert weaving_listed["mentors"] == [
        {"id": somchai, "full_name": SOMCHAI["full_name"], "via": "PROJECT"},
        {"id": anong, "full_name": ANONG["full_name"], "via": "UNIT"},
    ]
    assert weaving_listed["mentor_ids"] == [somchai, anong], "every mentor coaching it today"
    assert [a["mentor_id"] for a in weaving_listed["mentor_assignments"]] == [somchai], "the project's own"
    assert all_projects[rice]["mentors"] == [{"id": anong, "full_name": ANONG["full_name"], "via": "UNIT"}]
    assert (all_projects[tea]["mentor_ids"], all_projects[tea]["status"]) == ([], "REJECTED")
    assert {m["id"]: (m["via"], m["full_name"]) for m in weavings} == {
        anong: ("UNIT", ANONG["full_name"]),
        somchai: ("PROJECT", SOMCHAI["full_name"]),
    }
    assert on_tea.status_code == 200 and on_tea.json() == []
