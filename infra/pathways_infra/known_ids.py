"""Ids a query names that the service does not know: a ``404`` naming each one and its kind, never an empty list.

A list filtered by a mistyped id would answer ``[]``, which reads as "nothing there" when the truth is "no
such thing". So every id a query is given, in its path or as a filter, is looked up first: those the service
does not know are named, with what kind of thing each is (``project … is not known here``), and a known id
whose list is empty is an empty list. Every id of a request is looked up in one query (one branch per kind,
each on an indexed column), and none is sent when no id is given.

Each kind says where its ids are known: the read model that lists them (the module owning that table defines
it), or the event store for kinds no read model holds. Where the service may simply not have heard of an id
yet (read models follow the events; another service's facts arrive by its stream), the ``404`` says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from pathways_infra.http import NotFoundError

READ_MODELS_FOLLOW = "read models follow the events"


@dataclass(frozen=True)
class Known:
    """Where a service knows the ids of one kind of thing."""

    kind: str
    """What the ``404`` calls it: ``project``, ``unit``, ``mentor``, …"""
    query: str
    """SQL selecting, of the ids in ``{ids}`` (a ``uuid[]``), those known, as its first column. Table and column
    names in it are constants, never input."""
    not_yet: str | None = READ_MODELS_FOLLOW
    """Why an id given rightly may not be known yet, said in the ``404``; None when it is known once recorded."""
    explain: Callable[[asyncpg.Pool, UUID], Awaitable[str | None]] | None = None
    """A better ``404`` for one id, when it is the only unknown one (a rejected project's, say); None: the usual."""


Asked = tuple[Known, UUID | Sequence[UUID] | None]
"""A kind and the ids of it a request gives: one, several, or none (a filter left out)."""


def known_from_events(kind: str, first_event: type, events_table: str, *, not_yet: str | None = None) -> Known:
    """Ids of the aggregates of one kind in this service's event store, told by their first event: an id of
    another kind of record is not one of them."""
    return Known(
        kind=kind,
        query=f'SELECT originator_id FROM "{events_table}" '
        f"WHERE originator_id = ANY({{ids}}) AND originator_version = 1 AND topic = '{get_topic(first_event)}'",
        not_yet=not_yet,
    )


async def require_known(pool: asyncpg.Pool, *asked: Asked) -> None:
    """Raise :class:`NotFoundError` naming every id given that is not known, in the order given."""
    given = [(known, ids) for known, ids in ((known, _listed(ids)) for known, ids in asked) if ids]
    if not given:
        return
    rows = await pool.fetch(_lookup([known for known, _ in given]), *(ids for _, ids in given))
    found = {(row["asked"], row["id"]) for row in rows}
    unknown = [(known, one) for n, (known, ids) in enumerate(given) for one in ids if (n, one) not in found]
    if unknown:
        raise NotFoundError(await _not_known(pool, unknown))


def _listed(ids: UUID | Sequence[UUID] | None) -> list[UUID]:
    if ids is None:
        return []
    if isinstance(ids, UUID):
        return [ids]
    return list(dict.fromkeys(ids))


def _lookup(kinds: Sequence[Known]) -> str:
    """One query for every kind asked: which of each kind's ids (``$1``, ``$2``, …) are known, by the kind's place."""
    return " UNION ALL ".join(
        f"SELECT {n} AS asked, known.id FROM ({known.query.format(ids=f'${n + 1}::uuid[]')}) AS known (id)"
        for n, known in enumerate(kinds)
    )


async def _not_known(pool: asyncpg.Pool, unknown: Sequence[tuple[Known, UUID]]) -> str:
    [(known, one), *others] = unknown
    if not others and known.explain is not None and (explained := await known.explain(pool, one)) is not None:
        return explained
    named = ", ".join(f"{known.kind} {one}" for known, one in unknown)
    verb = "is" if not others else "are"
    reasons = list(dict.fromkeys(known.not_yet for known, _ in unknown if known.not_yet))
    yet = f" (yet: {'; '.join(reasons)})" if reasons else ""
    return f"{named} {verb} not known here{yet}"
