"""The training and outcomes services' lists tell how many rows match, and keyset paging counts every page;
a period's filters (the days records completed or closed, follow-ups were answered or missed) reach the query."""

from __future__ import annotations

from datetime import date
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
    pool = RecordingPool(rows=[], total=3, known=[project])
    async with in_process("outcomes", pool) as client:
        answer = await client.get(
            "/enterprises", params={"project_id": str(project), "status": "OPERATING", "offset": 5}
        )
    assert answer.headers[TOTAL_COUNT] == "3"
    _project_known, (page, page_args), (count, count_args) = pool.sent
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


@pytest.mark.parametrize(
    ("service", "path", "start", "end"),
    [
        ("training", "/training-records", "completed_from", "completed_to"),
        ("training", "/training-records", "closed_from", "closed_to"),
        ("outcomes", "/follow-ups", "completed_from", "completed_to"),
        ("outcomes", "/follow-ups", "missed_from", "missed_to"),
    ],
)
async def test_a_period_ending_before_it_starts_is_refused_naming_its_end(
    service: ServiceName, path: str, start: str, end: str
) -> None:
    pool = RecordingPool()
    async with in_process(service, pool) as client:
        answer = await client.get(path, params={start: "2026-03-01", end: "2026-02-28"})
        bad_day = await client.get(path, params={start: "2026-3-1"})
    assert answer.status_code == 422, answer.text
    assert [(f["field"], f["message"]) for f in answer.json()["fields"]] == [
        (f"query.{end}", f"2026-02-28 is before {start} 2026-03-01")
    ]
    assert bad_day.status_code == 422 and [f["field"] for f in bad_day.json()["fields"]] == [f"query.{start}"]
    assert pool.sent == [], "refused before any query"


async def test_the_training_records_of_a_period_are_conditions_of_the_page_and_of_its_count() -> None:
    pool = RecordingPool(rows=[], total=4)
    params = {"status": "DROPPED_OUT", "closed_from": "2026-03-01", "closed_to": "2026-03-31", "offset": "10"}
    async with in_process("training", pool) as client:
        answer = await client.get("/training-records", params=params)
    assert answer.headers[TOTAL_COUNT] == "4"
    (page, page_args), (count, count_args), _assessments = pool.sent
    assert "WHERE r.status = $1 AND r.closed_on >= $2 AND r.closed_on <= $3 ORDER BY" in page
    assert "completed_on >=" not in page and "completed_on <=" not in page, "a filter not given is not in the SQL"
    assert page_args == ("DROPPED_OUT", date(2026, 3, 1), date(2026, 3, 31), 500, 10)
    assert (count, count_args) == (
        "SELECT count(*) FROM rm_training_records r WHERE r.status = $1 AND r.closed_on >= $2 AND r.closed_on <= $3",
        page_args[:3],
    )

    completed = RecordingPool(rows=[], total=0)
    async with in_process("training", completed) as client:
        await client.get("/training-records", params={"completed_from": "2026-03-01"})
    [(page, page_args), _assessments] = completed.sent
    assert "WHERE r.completed_on >= $1 ORDER BY" in page and page_args[0] == date(2026, 3, 1)


async def test_follow_ups_answered_or_missed_in_a_period_are_those_known_on_as_of() -> None:
    march, march_end, as_of = date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 20)
    answered = RecordingPool(rows=[], total=2)
    params = {"completed_from": "2026-03-01", "completed_to": "2026-03-31", "as_of": "2026-03-20", "offset": "5"}
    async with in_process("outcomes", answered) as client:
        answer = await client.get("/follow-ups", params=params)
    assert answer.headers[TOTAL_COUNT] == "2"
    (page, page_args), (count, count_args) = answered.sent
    assert "WHERE f.completed_on >= $1 AND f.completed_on <= $2 ORDER BY" in page
    assert "due_on >=" not in page and "missed_on" not in page, "a filter not given is not in the SQL"
    assert page_args == (march, as_of, 100, 5), "answers after as_of are not known yet"
    assert count.endswith("WHERE f.completed_on >= $1 AND f.completed_on <= $2") and count_args == page_args[:2]

    missed = RecordingPool(rows=[], total=0)
    params = {"missed_to": "2026-03-31", "month": "3", "status": "MISSED", "due_to": "2026-03-15"}
    async with in_process("outcomes", missed) as client:
        await client.get("/follow-ups", params=params | {"as_of": "2026-04-30"})
    [(page, page_args)] = missed.sent
    assert (
        "WHERE (f.completed_on IS NULL OR f.completed_on > $1) "
        "AND (f.missed_on <= $1 AND (f.missed_until IS NULL OR f.missed_until > $1)) AND f.due_on <= $2 "
        "AND f.month = $3 AND f.missed_on <= $4 AND (f.completed_on IS NULL OR f.completed_on > $5) "
        "AND (f.missed_until IS NULL OR f.missed_until > $6) ORDER BY"
    ) in page, "missed on as_of: not by a miss consent given again had undone by then"
    assert "missed_on >=" not in page
    as_of = date(2026, 4, 30)
    assert page_args == (as_of, date(2026, 3, 15), 3, march_end, as_of, as_of, 100, 0)


async def test_follow_ups_in_any_of_several_statuses_are_one_query_of_each_status_s_due_dates() -> None:
    calls = RecordingPool(rows=[], total=0)
    params: dict[str, str | list[str]] = {"status": ["DUE", "OVERDUE", "DUE"], "as_of": "2026-04-30"}
    async with in_process("outcomes", calls) as client:
        answer = await client.get("/follow-ups", params=params)
    assert answer.status_code == 200
    [(page, page_args)] = calls.sent
    not_answered = "(f.completed_on IS NULL OR f.completed_on > {0}) AND (f.missed_on IS NULL OR f.missed_on > {0} OR "
    assert (
        f"WHERE (({not_answered.format('$1')}f.missed_until <= $1) AND f.due_on >= $2 AND f.due_on <= $3) OR "
        f"({not_answered.format('$4')}f.missed_until <= $4) AND f.due_on <= $5)) ORDER BY"
    ) in page, "DUE or OVERDUE, each by its own due dates; DUE asked twice is asked once"
    as_of = date(2026, 4, 30)
    assert page_args == (as_of, date(2026, 4, 1), as_of, as_of, date(2026, 3, 31), 100, 0)
