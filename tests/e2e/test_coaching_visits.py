"""A mentor logs coaching visits with what was found and agreed, and lists them by month for the report to the
fund: the day, the project and unit visited, the notes. A visit typed in twice is refused, naming the first."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from nats.js import JetStreamContext

from pathways_contracts.enrollment import MentorCoachingVisitLoggedV1
from pathways_contracts.registry import STREAMS
from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.cli import run_pathways
from tests.support.journeys import created, open_project
from tests.support.streams import shorten_dedup_window
from tests.support.system import eventually, running_system

LAST_MONTH_NOTES = "Found: the stall's prices are not written down. Agreed: a price list by the next market day."
THIS_MONTH_NOTES = "Price list in use. Agreed: try selling the woven bags online."


def _month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    return first, next_first - timedelta(days=1)


async def test_a_mentor_lists_their_visits_by_month_with_notes_and_a_visit_typed_in_twice_is_refused(
    settings: Settings,
) -> None:
    this_month, _ = _month_of(thai_today())
    last_month, last_month_end = _month_of(this_month - timedelta(days=1))
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        project_id = await open_project(system, name="Weaving co-op", province_code="TH-50")
        unit_id = (await client.get(f"/projects/{project_id}")).json()["unit_id"]
        mentor_id = created(await client.post("/mentors", json={}))["id"]
        created(
            await client.post(
                f"/mentors/{mentor_id}/assignments",
                json={"project_id": project_id, "from_date": last_month.isoformat()},
            )
        )
        assignment_id = (await client.get(f"/mentors/{mentor_id}")).json()["assignments"][0]["id"]

        def visit(day: date, notes: str | None = None) -> dict[str, Any]:
            return {"assignment_id": assignment_id, "visited_on": day.isoformat(), "notes": notes}

        first = created(
            await client.post(
                f"/mentors/{mentor_id}/coaching-visits", json=visit(last_month + timedelta(days=9), LAST_MONTH_NOTES)
            )
        )
        key = {"Idempotency-Key": "visit-this-month"}
        second = await client.post(
            f"/mentors/{mentor_id}/coaching-visits", json=visit(this_month, THIS_MONTH_NOTES), headers=key
        )
        retried = await client.post(
            f"/mentors/{mentor_id}/coaching-visits", json=visit(this_month, THIS_MONTH_NOTES), headers=key
        )
        twice = await client.post(
            f"/mentors/{mentor_id}/coaching-visits", json=visit(last_month + timedelta(days=9), "typed in again")
        )
        too_long = await client.post(f"/mentors/{mentor_id}/coaching-visits", json=visit(this_month, "x" * 2001))

        async def both_listed() -> Any:
            listed = await client.get(f"/mentors/{mentor_id}/coaching-visits")
            return listed if len(listed.json()) == 2 else None

        everything = await eventually(both_listed, what="both visits in the read model")
        by_month = await client.get(
            f"/mentors/{mentor_id}/coaching-visits",
            params={"visited_from": last_month.isoformat(), "visited_to": last_month_end.isoformat()},
        )
        first_page = await client.get(f"/mentors/{mentor_id}/coaching-visits", params={"limit": 1})
        this_month_only = await client.get(
            f"/mentors/{mentor_id}/coaching-visits", params={"visited_from": this_month.isoformat()}
        )
        backwards = await client.get(
            f"/mentors/{mentor_id}/coaching-visits",
            params={"visited_from": this_month.isoformat(), "visited_to": last_month.isoformat()},
        )
        unknown = await client.get(f"/mentors/{project_id}/coaching-visits")
        recorded = (await client.get(f"/mentors/{mentor_id}")).json()

    assert first["id"] == mentor_id and first["visit_id"] != mentor_id, "the mentor's id, and the new visit's"
    assert second.status_code == 201, second.text
    assert retried.json() == second.json(), "a retry with the key gets the first answer, the visit's id with it"
    assert (twice.status_code, twice.json()["rule"]) == (409, "coaching-visit-duplicate")
    assert first["visit_id"] in twice.json()["error"], "names the visit already logged"
    assert (too_long.status_code, too_long.json()["fields"][0]["field"]) == (422, "body.notes")

    assert by_month.status_code == 200, by_month.text
    assert by_month.headers["X-Total-Count"] == "1"
    assert by_month.json() == [
        {
            "id": first["visit_id"],
            "visited_on": (last_month + timedelta(days=9)).isoformat(),
            "assignment_id": assignment_id,
            "project_id": project_id,
            "unit_id": unit_id,
            "province_code": "TH-50",
            "region": "NORTH",
            "notes": LAST_MONTH_NOTES,
        }
    ]
    assert [v["id"] for v in this_month_only.json()] == [second.json()["visit_id"]]
    assert this_month_only.json()[0]["notes"] == THIS_MONTH_NOTES
    assert [v["visited_on"] for v in everything.json()] == [
        (last_month + timedelta(days=9)).isoformat(),
        this_month.isoformat(),
    ], "by day"
    assert ([v["id"] for v in first_page.json()], first_page.headers["X-Total-Count"]) == ([first["visit_id"]], "2")
    assert (backwards.status_code, backwards.json()["fields"][0]["field"]) == (422, "query.visited_to")
    assert unknown.status_code == 404, unknown.text
    visits = recorded["assignments"][0]["visits"]
    assert sorted(v["visited_on"] for v in visits) == sorted(v["visited_on"] for v in everything.json())


async def test_visits_the_stream_lacks_are_republished_and_the_read_model_rebuilt_from_it(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    """As after an upgrade, where visits logged before they were published are in the event store only."""
    day = thai_today()
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        project_id = await open_project(system)
        mentor_id = created(await client.post("/mentors", json={}))["id"]
        created(
            await client.post(
                f"/mentors/{mentor_id}/assignments", json={"project_id": project_id, "from_date": day.isoformat()}
            )
        )
        assignment_id = (await client.get(f"/mentors/{mentor_id}")).json()["assignments"][0]["id"]
        logged = created(
            await client.post(
                f"/mentors/{mentor_id}/coaching-visits",
                json={"assignment_id": assignment_id, "visited_on": day.isoformat(), "notes": LAST_MONTH_NOTES},
            )
        )

        async def listed() -> list[dict[str, Any]] | None:
            answer = await client.get(f"/mentors/{mentor_id}/coaching-visits")
            found: list[dict[str, Any]] = answer.json()
            return found if answer.status_code == 200 and found else None

        before = await eventually(listed, what="the visit in the read model")
        stream = STREAMS["enrollment"].name
        message = await operator_js.get_last_msg(stream, MentorCoachingVisitLoggedV1.SUBJECT)
        assert message.seq is not None
        await operator_js.delete_msg(stream, message.seq)
        await system.runtime("enrollment").pool.execute("DELETE FROM rm_coaching_visits")
        # An upgrade's old visits were never published: no dedup window holds their ids.
        await shorten_dedup_window(operator_js, stream, 1.0)
        await asyncio.sleep(1.5)
        republished = await asyncio.to_thread(run_pathways, settings, "streams", "republish", "enrollment")
        rebuilt = await asyncio.to_thread(
            run_pathways, settings, "read-models", "rebuild", "enrollment", "coaching-visits"
        )
        after = await client.get(f"/mentors/{mentor_id}/coaching-visits")

    assert [v["id"] for v in before] == [logged["visit_id"]]
    assert republished.returncode == 0, republished.stdout + republished.stderr
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert after.json() == before, "rebuilt from the stream, the republished visit with it"
