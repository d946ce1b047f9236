"""The follow-up worklist across cases: statuses as of a day, filters, paging; withdrawn cases are no work."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import Enrolled, created, open_project
from tests.support.outcomes_steps import completed_case, due_on
from tests.support.system import RunningSystem, eventually, running_system

FAR_FUTURE = date(2030, 1, 1)  # every follow-up still open is overdue by then
Named = dict[tuple[str, int], Any]  # (participant's name in the test, month) → a field of the follow-up


def as_query(params: dict[str, Any]) -> dict[str, str | list[str]]:
    """Each value as text; a list is a parameter repeated."""
    return {k: [str(one) for one in v] if isinstance(v, list) else str(v) for k, v in params.items()}


async def worklist(outcomes: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await outcomes.get("/follow-ups", params=as_query(params))
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def total(outcomes: httpx.AsyncClient, **params: Any) -> tuple[int, int]:
    """How many follow-ups the page holds, and how many match in all (``X-Total-Count``)."""
    response = await outcomes.get("/follow-ups", params=as_query(params))
    assert response.status_code == 200, response.text
    return len(response.json()), int(response.headers["X-Total-Count"])


def month_of(day: date) -> tuple[date, date]:
    """The first and last days of the day's month."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def named(rows: list[dict[str, Any]], names: dict[str, str], field: str = "status") -> Named:
    return {(names[r["enrollment_id"]], r["month"]): r[field] for r in rows}


async def answer_miss_and_withdraw(
    system: RunningSystem, *, answers: Enrolled, unreachable: Enrolled, withdraws: Enrolled, due: date
) -> None:
    """The 3-month follow-up answered 2 days after it is due, another missed after 6; a third case withdrawn."""
    outcomes = system.client("outcomes")
    completion = {"completed_on": (due + timedelta(days=2)).isoformat()}
    created(await outcomes.post(f"/cases/{answers.enrollment_id}/follow-ups/3", json=completion))
    missing = {"reason": "UNREACHABLE", "missed_on": (due + timedelta(days=6)).isoformat()}
    created(await outcomes.post(f"/cases/{unreachable.enrollment_id}/follow-ups/3/missed", json=missing))
    withdrawal = {"reason": "FOUND_EMPLOYMENT", "withdrawn_on": thai_today().isoformat()}
    path = f"/enrollments/{withdraws.enrollment_id}/withdrawal"
    created(await system.client("enrollment").post(path, json=withdrawal))


async def test_the_worklist_shows_each_follow_up_s_status_as_of_a_day(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        soap, dye = await asyncio.gather(
            open_project(system, name="Herbal soap", province_code="TH-50"),
            open_project(system, name="Indigo dye", province_code="TH-47"),
        )
        cases = await asyncio.gather(*(completed_case(system, project_id=p) for p in (soap, soap, soap, dye)))
        (answers, _), (unreachable, _), (withdraws, _), (waiting, scheduled) = cases
        names = {enrolled.enrollment_id: name for name, (enrolled, _) in zip("auwd", cases, strict=True)}
        three, six = due_on(scheduled, 3), due_on(scheduled, 6)  # one completion day: the same due dates
        await answer_miss_and_withdraw(system, answers=answers, unreachable=unreachable, withdraws=withdraws, due=three)

        async def settled() -> list[dict[str, Any]] | None:
            rows = await worklist(outcomes)  # as of today
            now = named(rows, names)
            done = (now.get(("a", 3)), now.get(("u", 3)), now.get(("w", 12))) == ("COMPLETED", "MISSED", "MISSED")
            return rows if done else None

        await eventually(settled, what="the answer, the missed follow-up and the withdrawal")
        everything = await worklist(outcomes, as_of=three + timedelta(days=10))
        pages = [await worklist(outcomes, as_of=three + timedelta(days=10), limit=5, offset=o) for o in (0, 5, 10)]
        totals = {
            name: await total(outcomes, **params)
            for name, params in {
                "every page": {"as_of": three + timedelta(days=10), "limit": 5, "offset": 5},
                "first due": {"status": "DUE", "as_of": three + timedelta(days=10), "limit": 1},
                "overdue, second page": {"status": "OVERDUE", "as_of": FAR_FUTURE, "limit": 3, "offset": 3},
                "soap's sixes": {"project_id": soap, "month": 6, "limit": 1},
                "none missed yet": {"status": "MISSED", "as_of": three - timedelta(days=1)},
            }.items()
        }
        d_three = [
            (await worklist(outcomes, project_id=dye, month=3, as_of=day))[0]["status"]
            for day in (three - timedelta(days=1), three, three + timedelta(days=29), three + timedelta(days=30))
        ]
        scheduled_in_soap = await worklist(
            outcomes, project_id=soap, status="SCHEDULED", as_of=three - timedelta(days=1)
        )
        due = await worklist(outcomes, status="DUE", as_of=three + timedelta(days=10))
        overdue = await worklist(outcomes, status="OVERDUE", as_of=FAR_FUTURE)
        completed = await worklist(outcomes, status="COMPLETED")
        missed = await worklist(outcomes, status="MISSED")
        missed_by_then = await worklist(outcomes, status="MISSED", as_of=three + timedelta(days=10))
        sixes = await worklist(outcomes, due_from=six, due_to=six)
        overdue_by_then = await worklist(outcomes, status="OVERDUE", as_of=FAR_FUTURE, due_to=three)
        answered_in, missed_in = month_of(three + timedelta(days=2)), month_of(three + timedelta(days=6))
        this_month = month_of(thai_today())
        asked: dict[str, dict[str, Any]] = {
            "answered in a's month": {"completed_from": answered_in[0], "completed_to": answered_in[1]},
            "answered before a's day": {"completed_to": three + timedelta(days=1)},
            "missed in u's month": {"missed_from": missed_in[0], "missed_to": missed_in[1]},
            "missed this month": {"missed_from": this_month[0], "missed_to": this_month[1]},
            "missed in u's month, as of before": {
                "missed_from": missed_in[0],
                "missed_to": missed_in[1],
                "as_of": three + timedelta(days=5),
            },
            "missed since u's month, fourth page of one": {"missed_from": missed_in[0], "limit": 1, "offset": 3},
            "missed threes this month": {"missed_from": this_month[0], "due_to": three},
        }
        periods = {
            name: (named(await worklist(outcomes, **params), names), (await total(outcomes, **params))[1])
            for name, params in asked.items()
        }

    assert len(everything) == 12
    order = [(r["due_on"], r["enrollment_id"], r["month"]) for r in everything]
    assert order == sorted(order)
    assert [r for page in pages for r in page] == everything
    assert [len(page) for page in pages] == [5, 5, 2]
    assert totals == {
        "every page": (5, 12),
        "first due": (1, 2),
        "overdue, second page": (3, 7),
        "soap's sixes": (1, 3),
        "none missed yet": (0, 0),
    }, "(rows on the page, X-Total-Count)"
    waiting_row = next(r for r in everything if r["enrollment_id"] == waiting.enrollment_id and r["month"] == 3)
    assert waiting_row == {
        "enrollment_id": waiting.enrollment_id,
        "participant_id": waiting.participant_id,
        "project_id": dye,
        "month": 3,
        "due_on": three.isoformat(),
        "status": "DUE",
        "completed_on": None,
        "missed_on": None,
        "missed_reason": None,
        "case_status": "OPEN",
    }

    assert d_three == ["SCHEDULED", "DUE", "DUE", "OVERDUE"]
    # As they stood the day before they were due: every answer, and the withdrawal (today), came later.
    assert named(scheduled_in_soap, names) == dict.fromkeys(
        [(who, month) for who in "auw" for month in (3, 6, 12)], "SCHEDULED"
    )
    assert named(due, names) == {("d", 3): "DUE", ("w", 3): "DUE"}, "w was withdrawn later, today"
    assert set(named(overdue, names)) == {("a", 6), ("a", 12), ("u", 6), ("u", 12), ("d", 3), ("d", 6), ("d", 12)}
    assert named(completed, names, "completed_on") == {("a", 3): (three + timedelta(days=2)).isoformat()}
    assert named(missed, names, "missed_reason") == {("u", 3): "UNREACHABLE"} | dict.fromkeys(
        [("w", 3), ("w", 6), ("w", 12)], "WITHDRAWN"
    )
    assert {r["case_status"] for r in missed if r["enrollment_id"] == withdraws.enrollment_id} == {"WITHDRAWN"}
    assert named(missed_by_then, names, "missed_reason") == {("u", 3): "UNREACHABLE"}
    assert set(named(sixes, names)) == {("a", 6), ("u", 6), ("w", 6), ("d", 6)}
    assert named(overdue_by_then, names) == {("d", 3): "OVERDUE"}
    assert periods == {
        "answered in a's month": ({("a", 3): "COMPLETED"}, 1),
        "answered before a's day": ({}, 0),
        "missed in u's month": ({("u", 3): "MISSED"}, 1),
        "missed this month": (dict.fromkeys([("w", 3), ("w", 6), ("w", 12)], "MISSED"), 3),
        "missed in u's month, as of before": ({}, 0),
        "missed since u's month, fourth page of one": ({("w", 12): "MISSED"}, 4),
        "missed threes this month": ({("w", 3): "MISSED"}, 1),
    }, "(follow-ups listed, X-Total-Count)"


async def test_bad_worklist_filters_get_422_naming_the_parameter(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"]) as system:
        outcomes = system.client("outcomes")
        asked: list[tuple[str, dict[str, str | list[str]]]] = [
            ("query.status.0", {"status": "LATE"}),  # repeatable: which one is named by its place
            ("query.status.1", {"status": ["DUE", "LATE"]}),
            ("query.unit_id.0", {"unit_id": "the north"}),
            ("query.month", {"month": "4"}),
            ("query.as_of", {"as_of": "next week"}),
            ("query.as_of", {"as_of": "0001-01-01", "status": "DUE"}),  # before any programme
            ("query.project_id", {"project_id": "soap"}),
            ("query.due_to", {"due_from": "2026-03-01", "due_to": "2026-02-01"}),
            ("query.completed_to", {"completed_from": "2026-03-01", "completed_to": "2026-02-28"}),
            ("query.missed_to", {"missed_from": "2026-03-01", "missed_to": "2026-02-28"}),
            ("query.missed_from", {"missed_from": "March"}),
            ("query.limit", {"limit": "0"}),
        ]
        answers = [(field, await outcomes.get("/follow-ups", params=params)) for field, params in asked]
        nothing_yet = await outcomes.get("/follow-ups", params={"status": "DUE"})

    for field, response in answers:
        assert response.status_code == 422, (field, response.text)
        assert [f["field"] for f in response.json()["fields"]] == [field]
    status_message = answers[0][1].json()["fields"][0]["message"]
    assert all(status in status_message for status in ("SCHEDULED", "DUE", "OVERDUE", "COMPLETED", "MISSED"))
    assert (nothing_yet.status_code, nothing_yet.json()) == (200, [])


async def unit_of(system: RunningSystem, project_id: str) -> str:
    unit_id: str = (await system.client("enrollment").get(f"/projects/{project_id}")).json()["unit_id"]
    return unit_id


async def test_a_unit_s_worklist_holds_the_follow_ups_of_each_project_it_runs(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        soap = await open_project(system, name="Herbal soap", province_code="TH-50")
        ours = await unit_of(system, soap)
        silk, dye = await asyncio.gather(
            open_project(system, name="Silk weaving", province_code="TH-50", unit_id=ours),
            open_project(system, name="Indigo dye", province_code="TH-47"),
        )
        theirs = await unit_of(system, dye)
        cases = await asyncio.gather(*(completed_case(system, project_id=p) for p in (soap, silk, dye)))
        (in_soap, scheduled), (in_silk, _), (in_dye, _) = cases
        names = {enrolled.enrollment_id: name for name, (enrolled, _) in zip("sid", cases, strict=True)}
        three, six = due_on(scheduled, 3), due_on(scheduled, 6)
        answered = {"completed_on": (three + timedelta(days=2)).isoformat()}
        created(await outcomes.post(f"/cases/{in_soap.enrollment_id}/follow-ups/3", json=answered))

        async def answer_shown() -> list[dict[str, Any]] | None:
            rows = await worklist(outcomes, status="COMPLETED", unit_id=ours)
            return rows or None

        await eventually(answer_shown, what="soap's answer")
        calls_to_make = {"status": ["DUE", "OVERDUE"], "as_of": six + timedelta(days=10)}
        ours_to_call = await worklist(outcomes, unit_id=ours, **calls_to_make)
        both_units = await worklist(outcomes, unit_id=[ours, theirs], **calls_to_make)
        ours_in_silk = await worklist(outcomes, unit_id=ours, project_id=silk, **calls_to_make)
        ours_overdue = await total(outcomes, unit_id=ours, status="OVERDUE", as_of=six + timedelta(days=10))
        theirs_everything = await total(outcomes, unit_id=theirs)

    # As of ten days after the 6-month follow-ups were due: the 3-month ones are overdue (soap's was answered).
    assert named(ours_to_call, names) == {("s", 6): "DUE", ("i", 3): "OVERDUE", ("i", 6): "DUE"}
    assert named(both_units, names) == named(ours_to_call, names) | {("d", 3): "OVERDUE", ("d", 6): "DUE"}
    assert named(ours_in_silk, names) == {("i", 3): "OVERDUE", ("i", 6): "DUE"}
    assert ours_overdue == (1, 1)
    assert theirs_everything == (3, 3), "the dye case's three follow-ups, none of our unit's"
    assert in_silk.enrollment_id in {r["enrollment_id"] for r in ours_to_call}
    assert in_dye.enrollment_id not in {r["enrollment_id"] for r in ours_to_call}


async def test_an_unknown_unit_is_a_404_naming_it(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        soap = await open_project(system, name="Herbal soap", province_code="TH-50")
        ours = await unit_of(system, soap)

        async def unit_known() -> list[dict[str, Any]] | None:
            response = await outcomes.get("/follow-ups", params={"unit_id": ours})
            return [] if response.status_code == 200 else None

        await eventually(unit_known, what="the project's unit known to outcomes")
        unknown = await outcomes.get("/follow-ups", params={"unit_id": [ours, soap], "status": ["DUE", "OVERDUE"]})

    assert unknown.status_code == 404, unknown.text
    assert f"unit {soap} is not known here" in unknown.json()["error"]  # a project's id, not a unit's
    assert ours not in unknown.json()["error"]
