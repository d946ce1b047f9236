"""`GET /programme/indicators`: which projects and units it takes, and what it refuses.

The real outcomes app, in process, without servers: a stand-in pool knows some projects and units,
records the SQL sent and answers every indicator query with no rows (a slice with no case).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.support.recording_pool import RecordingPool, in_process, is_known_ids_lookup

PATH = "/programme/indicators"


class KnownIds(RecordingPool):
    """Knows ``projects`` (opened) and ``units`` (running one of them); every other query finds nothing."""

    def __init__(self, *, projects: tuple[UUID, ...] = (), units: tuple[UUID, ...] = ()) -> None:
        super().__init__()
        self.projects, self.units = projects, units

    async def fetch(self, query: str, *args: Any) -> list[dict[str, Any]]:
        self.sent.append((query, args))
        if is_known_ids_lookup(query):
            kinds = [
                self.units if "unit_id = ANY" in branch else self.projects for branch in query.split(" UNION ALL ")
            ]
            return [{"asked": n, "id": one} for n, ids in enumerate(args) for one in ids if one in kinds[n]]
        return []

    async def fetchrow(self, query: str, *args: Any) -> dict[str, Any] | None:
        self.sent.append((query, args))
        return None  # no project was rejected

    async def execute(self, query: str, *args: Any) -> str:
        self.sent.append((query, args))
        return ""

    def indicator_queries(self) -> list[tuple[str, tuple[Any, ...]]]:
        return [(query, args) for query, args in self.sent if "rm_indicators_enrollments" in query]


async def get(pool: RecordingPool, params: Any) -> httpx.Response:
    async with in_process("outcomes", pool) as client:
        return await client.get(PATH, params=params)


async def test_projects_and_units_may_each_be_repeated_and_reach_the_query_once_each() -> None:
    p1, p2, u1, u2 = uuid4(), uuid4(), uuid4(), uuid4()
    pool = KnownIds(projects=(p1, p2), units=(u1, u2))
    params = [("project_id", str(p1)), ("project_id", str(p2)), ("project_id", str(p1))]
    params += [("unit_id", str(u2)), ("unit_id", str(u1)), ("as_of", "2025-06-30")]
    answer = await get(pool, params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["project_id"], body["unit_id"]) == ([str(p1), str(p2)], [str(u2), str(u1)])
    queries = pool.indicator_queries()
    assert queries, "the indicators were asked for"
    for _query, args in queries:
        assert (args[2], args[3]) == ([p1, p2], [u2, u1])


async def test_without_projects_or_units_the_query_takes_every_case_and_the_answer_echoes_none() -> None:
    pool = KnownIds()
    answer = await get(pool, {})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["project_id"], answer.json()["unit_id"]) == (None, None)
    assert all(args[2] is None and args[3] is None for _query, args in pool.indicator_queries())
    assert not [query for query, _args in pool.sent if "rm_programme_projects" in query], "nothing to look up"


async def test_each_unknown_project_and_unit_is_named_in_a_404_before_any_indicator_is_asked_for() -> None:
    known_project, unknown_project, known_unit, unknown_unit, other_unit = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    pool = KnownIds(projects=(known_project,), units=(known_unit,))
    params = [("project_id", str(known_project)), ("project_id", str(unknown_project))]
    params += [("unit_id", str(unknown_unit)), ("unit_id", str(known_unit)), ("unit_id", str(other_unit))]
    answer = await get(pool, params)
    assert answer.status_code == 404, answer.text
    error = answer.json()["error"]
    assert error.startswith(f"project {unknown_project}, unit {unknown_unit}, unit {other_unit} are not known here")
    assert str(known_project) not in error and str(known_unit) not in error
    assert pool.indicator_queries() == []


async def test_one_unknown_project_is_a_404_as_before() -> None:
    unknown = uuid4()
    answer = await get(KnownIds(), {"project_id": str(unknown)})
    assert answer.status_code == 404
    assert f"project {unknown} is not known here" in answer.json()["error"]


@pytest.mark.parametrize("name", ["project_id", "unit_id"])
async def test_an_id_that_is_not_a_uuid_is_refused_naming_the_parameter(name: str) -> None:
    pool = KnownIds()
    answer = await get(pool, [(name, str(uuid4())), (name, "unit-7")])
    assert answer.status_code == 422, answer.text
    [field] = answer.json()["fields"]
    assert field["field"].startswith(f"query.{name}")
    assert "UUID" in field["message"] or "uuid" in field["message"]
    assert pool.sent == []


async def test_other_filters_still_refuse_being_given_twice() -> None:
    answer = await get(KnownIds(), [("region", "NORTH"), ("region", "SOUTH")])
    assert answer.status_code == 422, answer.text
    [field] = answer.json()["fields"]
    assert (field["field"], "more than once" in field["message"]) == ("query.region", True)


async def test_a_breakdown_by_project_or_unit_is_named_like_the_filters_and_lists_the_ones_asked_about() -> None:
    p1, p2, unit = uuid4(), uuid4(), uuid4()
    pool = KnownIds(projects=(p1, p2), units=(unit,))
    by_project = await get(pool, [("by", "project_id"), ("project_id", str(p2)), ("project_id", str(p1))])
    by_unit = await get(pool, [("by", "unit_id"), ("unit_id", str(unit))])
    everyone_by_unit = await get(pool, {"by": "unit_id"})
    misnamed = await get(pool, {"by": "project"})
    assert by_project.status_code == by_unit.status_code == everyone_by_unit.status_code == 200
    assert list(by_project.json()["groups"]) == [str(p2), str(p1), "UNKNOWN"]  # no case in either, still listed
    assert {group: found["cases"] for group, found in by_unit.json()["groups"].items()} == {str(unit): 0, "UNKNOWN": 0}
    assert list(everyone_by_unit.json()["groups"]) == ["UNKNOWN"]
    assert misnamed.status_code == 422
    [field] = misnamed.json()["fields"]
    assert field["field"] == "query.by"
    assert "'project_id'" in field["message"] and "'unit_id'" in field["message"]
