"""The enrollment service's lists: which filters they take, what they refuse, and the total they tell.

The real app, in process, without servers: a stand-in pool records the SQL each list sends and answers
with the rows it is given, so the tests see the filters reach the query as conditions of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from pathways_infra.listing import TOTAL_COUNT, Page, Where, fetch_page
from tests.support.recording_pool import RecordingPool, in_process, is_known_ids_lookup


@asynccontextmanager
async def enrollment(pool: RecordingPool) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process("enrollment", pool) as client:
        yield client


def refused(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    [field] = answer.json()["fields"]
    assert isinstance(field, dict)
    return field


@pytest.mark.parametrize(
    ("start", "end"), [("applied_from", "applied_to"), ("enrolled_from", "enrolled_to")]
)  # fmt: skip
async def test_a_day_range_ending_before_it_starts_is_refused_naming_its_end(start: str, end: str) -> None:
    pool = RecordingPool()
    async with enrollment(pool) as client:
        answer = await client.get("/enrollments", params={start: "2025-06-01", end: "2025-05-31"})
    field = refused(answer)
    assert field["field"] == f"query.{end}"
    assert field["message"] == f"2025-05-31 is before {start} 2025-06-01"
    assert pool.sent == [], "refused before any query"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("province_code", "TH-99", "TH-99"),
        ("province_code", "Chiang Mai", "Chiang Mai"),
        ("region", "MIDWEST", "MIDWEST"),
        ("unit_id", "unit-7", "UUID"),
        ("applied_from", "2025-5-1", "YYYY-MM-DD"),
        ("enrolled_to", "2568-05-01", "2025"),  # a Buddhist-era year names the Common Era one meant
        ("status", "ACTIVE", "ENROLLED"),
    ],
)
async def test_an_unknown_province_region_unit_or_day_is_refused_naming_the_parameter(
    name: str, value: str, said: str
) -> None:
    pool = RecordingPool()
    async with enrollment(pool) as client:
        answer = await client.get("/enrollments", params={name: value})
    field = refused(answer)
    assert field["field"] == f"query.{name}"
    assert said in field["message"]
    assert pool.sent == []


async def test_each_filter_given_is_a_condition_of_the_query_and_the_total_is_counted_in_the_same_snapshot() -> None:
    unit = uuid4()
    pool = RecordingPool(rows=[{"enrollment_id": uuid4()}, {"enrollment_id": uuid4()}], total=57, known=[unit])
    params = {"unit_id": str(unit), "province_code": "50", "region": "north", "status": "ENROLLED"}
    params |= {"training_ended": "DROPPED_OUT"}
    days = {"applied_from": "2025-05-01", "applied_to": "2025-05-01", "enrolled_from": "2025-05-01"}
    async with enrollment(pool) as client:
        answer = await client.get("/enrollments", params=params | days | {"limit": 2, "offset": 4})

    assert answer.status_code == 200, answer.text
    assert len(answer.json()) == 2
    assert answer.headers[TOTAL_COUNT] == "57"
    (lookup, lookup_args), (page, page_args), (count, count_args) = pool.sent
    assert is_known_ids_lookup(lookup) and lookup_args == ([unit],), "the unit looked up once, before the page"
    cases = "rm_enrollments LEFT JOIN rm_enrollment_training_ends USING (enrollment_id)"
    assert page.startswith(f"SELECT * FROM {cases} WHERE unit_id = $1 AND region = $2 AND province_code = $3 ")
    assert (
        "status = $4 AND applied_on >= $5 AND applied_on <= $6 AND enrolled_on >= $7 AND training_ended = $8 " in page
    )
    assert "enrolled_to" not in page and "enrolled_on <= " not in page, "a filter not given is not in the SQL"
    assert page.endswith("LIMIT $9 OFFSET $10")
    day = date(2025, 5, 1)
    assert page_args == (unit, "NORTH", "TH-50", "ENROLLED", day, day, day, "DROPPED_OUT", 2, 4)
    assert count.startswith(f"SELECT count(*) FROM {cases} WHERE unit_id = $1 AND region = $2")
    assert count_args == page_args[:-2]
    assert pool.transactions == [{"isolation": "repeatable_read", "readonly": True}]


async def test_every_list_of_the_enrollment_service_tells_its_total() -> None:
    for path in ("/units", "/projects", "/mentors", "/participants/potential-duplicates", "/enrollments"):
        async with enrollment(RecordingPool()) as client:
            answer = await client.get(path)
        assert (answer.status_code, answer.json(), answer.headers[TOTAL_COUNT]) == (200, [], "0"), path


async def one_page(pool: RecordingPool, *, where: Where, limit: int, offset: int) -> Page[asyncpg.Record]:
    return await fetch_page(
        pool.as_pool(), columns="*", source="t", where=where.sql, order_by="n", args=where.args, limit=limit,
        offset=offset,
    )  # fmt: skip


async def test_a_page_shorter_than_the_limit_is_the_last_one_and_tells_the_total_without_counting() -> None:
    where = Where()
    where.add("unit_id = {}", None)
    assert (where.sql, where.args) == ("TRUE", [])

    last = RecordingPool(rows=[{"n": 1}, {"n": 2}], total=999)
    page = await one_page(last, where=where, limit=5, offset=10)
    assert (len(page.items), page.total, len(last.sent)) == (2, 12, 1)

    beyond = RecordingPool(rows=[], total=12)
    page = await one_page(beyond, where=Where(), limit=5, offset=50)
    assert (page.items, page.total, len(beyond.sent)) == ([], 12, 2), "past the end: counted, not taken as 50"

    empty = RecordingPool(rows=[], total=999)
    page = await one_page(empty, where=Where(), limit=5, offset=0)
    assert (page.total, len(empty.sent)) == (0, 1)


async def test_every_id_a_list_is_filtered_by_is_looked_up_in_one_query_and_each_unknown_one_named() -> None:
    participant, project, unit = uuid4(), uuid4(), uuid4()
    pool = RecordingPool(known=[project])
    params = {"participant_id": str(participant), "project_id": str(project), "unit_id": str(unit)}
    async with enrollment(pool) as client:
        answer = await client.get("/enrollments", params=params)
        unfiltered = await client.get("/enrollments", params={"status": "ENROLLED"})

    assert answer.status_code == 404, answer.text
    assert answer.json() == {
        "error": f"participant {participant}, unit {unit} are not known here (yet: read models follow the events)"
    }
    [(lookup, args), *_unfiltered_page] = pool.sent
    assert is_known_ids_lookup(lookup) and args == ([participant], [project], [unit]), "one query, no page"
    assert lookup.count(" UNION ALL ") == 2
    assert 'FROM "enrollment_events"' in lookup and "ParticipantRegistered'" in lookup, "the registry's own record"
    assert unfiltered.status_code == 200
    assert not any(is_known_ids_lookup(query) for query, _ in pool.sent[1:]), "no id given: nothing looked up"
