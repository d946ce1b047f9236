"""Lists read from read models: a page of rows, how many match in all, and a day range's check.

Lists answer bare JSON arrays, paged with ``limit`` and ``offset``; the number of rows matching the
filters, all pages together, is in the ``X-Total-Count`` header. A header rather than an envelope
(``{"items": …, "total": …}``): every client that reads a list as an array keeps working.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import asyncpg
from fastapi import Response
from fastapi.exceptions import RequestValidationError

from pathways_infra.openapi_answers import answered_as

TOTAL_COUNT = "X-Total-Count"

TOTAL_COUNT_HEADER: dict[str, Any] = {
    TOTAL_COUNT: {
        "description": "How many rows match the filters, all pages together (`limit` and `offset` aside), counted "
        "in the same snapshot as the page.",
        "schema": {"type": "integer", "minimum": 0},
    }
}

LISTED: dict[str, Any] = {"responses": {200: {"headers": TOTAL_COUNT_HEADER}}}
"""Route options of a list whose items' model is the route's own: its answer's ``X-Total-Count`` header, documented."""


def listed(item: Any, *, more: Mapping[int | str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Route options of a list answered as plain rows: each documented as ``item`` (nothing validated), and the
    ``X-Total-Count`` header; ``more`` answers by status."""
    return answered_as(list[item], headers=TOTAL_COUNT_HEADER, more=more)


T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, and how many rows match its filters in all."""

    items: list[T]
    total: int

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.total)

    def answer(self, response: Response) -> list[T]:
        """The page's items, the total told in the answer's ``X-Total-Count`` header."""
        response.headers[TOTAL_COUNT] = str(self.total)
        return self.items


async def fetch_page(
    pool: asyncpg.Pool,
    *,
    columns: str,
    source: str,
    where: str,
    order_by: str,
    args: Sequence[Any],
    limit: int,
    offset: int,
    joined: str = "",
    after: tuple[str, Any] | None = None,
) -> Page[asyncpg.Record]:
    """``SELECT columns FROM source joined WHERE where ORDER BY order_by`` (``where`` uses ``$1``… of ``args``),
    one page of it, and how many rows match in all.

    ``joined`` adds columns to each row and never adds or removes rows (e.g. a ``CROSS JOIN LATERAL`` of an
    aggregate): the count leaves it out. ``after`` is keyset paging, a condition naming its value ``{}`` (e.g.
    ``("id > {}", last_id)``): it cuts the page, not the total, which counts every page.
    """
    cut, page_args, keyset = where, list(args), False
    if after is not None and after[1] is not None:
        condition, key = after
        page_args.append(key)
        cut, keyset = f"({where}) AND {condition.format(f'${len(page_args)}')}", True
    rows_from = f"{source} {joined}" if joined else source
    limit_at, offset_at = len(page_args) + 1, len(page_args) + 2
    query = f"SELECT {columns} FROM {rows_from} WHERE {cut} ORDER BY {order_by} LIMIT ${limit_at} OFFSET ${offset_at}"
    # One snapshot for both, so the total counts the rows the page was cut from.
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(query, *page_args, limit, offset)
        # Without a keyset, a short page is the last one: no need to count. After a key, earlier rows count too.
        if not keyset and ((rows and len(rows) < limit) or (not rows and offset == 0)):
            return Page(rows, offset + len(rows))
        total = await conn.fetchval(f"SELECT count(*) FROM {source} WHERE {where}", *args)
    return Page(rows, int(total))


def check_day_range(*, start: tuple[str, date | None], end: tuple[str, date | None]) -> None:
    """A ``…_from``/``…_to`` pair given the wrong way round is a 422 naming the ``…_to`` parameter."""
    (start_name, start_day), (end_name, end_day) = start, end
    if start_day is not None and end_day is not None and start_day > end_day:
        message = f"{end_day} is before {start_name} {start_day}"
        raise RequestValidationError([{"loc": ("query", end_name), "msg": message, "type": "value_error"}])


class Where:
    """The conditions of the filters given, and their arguments, numbered as they are added.

    A filter left out is left out of the SQL too (rather than ``$n IS NULL OR …``), so each
    combination of filters gets a plan of its own that can use the index made for it.
    """

    def __init__(self) -> None:
        self._conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, value: Any) -> None:
        """``condition`` names the value ``{}``, e.g. ``"unit_id = {}"``; nothing is added for a value of None."""
        if value is not None:
            self.args.append(value)
            self._conditions.append(condition.format(f"${len(self.args)}"))

    def add_any(self, alternatives: Sequence[Sequence[tuple[str, Any]]]) -> None:
        """Rows meeting any one of ``alternatives``, each the conditions (as ``add`` takes them, a value of None
        leaving its condition out) it meets all of; nothing is added for no alternatives. One alternative's
        conditions are added as ``add`` adds them, so its plan is that of those filters given one by one."""
        if len(alternatives) == 1:
            for condition, value in alternatives[0]:
                self.add(condition, value)
            return
        met = [self._all_of(conditions) for conditions in alternatives]
        if met:
            self._conditions.append("(" + " OR ".join(f"({conditions})" for conditions in met) + ")")

    def _all_of(self, conditions: Sequence[tuple[str, Any]]) -> str:
        given = [(condition, value) for condition, value in conditions if value is not None]
        for _, value in given:
            self.args.append(value)
        first = len(self.args) - len(given) + 1
        return " AND ".join(condition.format(f"${first + n}") for n, (condition, _) in enumerate(given)) or "TRUE"

    def require(self, condition: str) -> None:
        """A condition without a value, e.g. ``"at_risk"``: the planner sees it as written (a partial index's)."""
        self._conditions.append(condition)

    @property
    def sql(self) -> str:
        return " AND ".join(self._conditions) or "TRUE"
