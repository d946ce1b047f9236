"""The training and outcomes services' lists tell how many rows match, and keyset paging counts every page."""

from __future__ import annotations

from uuid import uuid4

import pytest

from pathways_infra.listing import TOTAL_COUNT, fetch_page
from pathways_infra.settings import ServiceName
from tests.support.recording_pool import RecordingPool, in_process


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("training", "/curricula"),
        ("training", "/cohorts"),
        ("training", "/training-records"),
        ("outcomes", "/follow-ups"),
        ("outcomes", "/enterprises"),
    ],
)
async def test_every_list_of_the_training_and_outcomes_services_tells_its_total(
    service: ServiceName, path: str
) -> None:
    pool = RecordingPool(rows=[], total=7)
    async with in_process(service, pool) as client:
        first = await client.get(path)
        past_the_end = await client.get(path, params={"offset": 20})
    assert (first.status_code, first.json(), first.headers[TOTAL_COUNT]) == (200, [], "0")
    assert (past_the_end.status_code, past_the_end.json(), past_the_end.headers[TOTAL_COUNT]) == (200, [], "7")
    assert pool.transactions, "the page and its count in one snapshot"


async def test_a_filter_given_is_a_condition_of_the_page_and_of_its_count() -> None:
    project = uuid4()
    pool = RecordingPool(rows=[], total=3)
    async with in_process("outcomes", pool) as client:
        answer = await client.get(
            "/enterprises", params={"project_id": str(project), "status": "OPERATING", "offset": 5}
        )
    assert answer.headers[TOTAL_COUNT] == "3"
    (page, page_args), (count, count_args) = pool.sent
    assert "WHERE project_id = $1 AND status = $2 ORDER BY" in page and "kind" not in page
    assert page_args == (project, "OPERATING", 100, 5)
    assert (count, count_args) == (
        "SELECT count(*) FROM rm_enterprises WHERE project_id = $1 AND status = $2",
        page_args[:2],
    )


async def test_keyset_paging_cuts_the_page_but_not_the_total_and_a_join_is_left_out_of_the_count() -> None:
    last_seen = uuid4()
    short = RecordingPool(rows=[{"n": 1}], total=40)
    page = await fetch_page(
        short.as_pool(), columns="t.*, x.n", source="t", joined="CROSS JOIN LATERAL (SELECT 1 AS n) x",
        where="t.kind = $1", order_by="t.id", args=["a"], after=("t.id > {}", last_seen), limit=10, offset=0,
    )  # fmt: skip
    (query, query_args), (count, count_args) = short.sent
    assert query == (
        "SELECT t.*, x.n FROM t CROSS JOIN LATERAL (SELECT 1 AS n) x WHERE (t.kind = $1) AND t.id > $2 "
        "ORDER BY t.id LIMIT $3 OFFSET $4"
    )
    assert query_args == ("a", last_seen, 10, 0)
    assert (count, count_args) == ("SELECT count(*) FROM t WHERE t.kind = $1", ("a",))
    assert page.total == 40, "a short page after a key is the last, yet the rows before the key count too"

    from_the_start = RecordingPool(rows=[{"n": 1}], total=40)
    page = await fetch_page(
        from_the_start.as_pool(), columns="*", source="t", where="TRUE", order_by="id", args=[],
        after=("id > {}", None), limit=10, offset=0,
    )  # fmt: skip
    [(query, query_args)] = from_the_start.sent
    assert (query, query_args, page.total) == ("SELECT * FROM t WHERE TRUE ORDER BY id LIMIT $1 OFFSET $2", (10, 0), 1)
