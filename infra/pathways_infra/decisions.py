"""The commonest command: one aggregate, one domain decision, answered with its new version and event ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from pathways_infra.commands import CommandContext, CommandRunner, Evolver, IdempotentRequest, Session
from pathways_infra.http import CommandAccepted

S = TypeVar("S")
Decision = Callable[[S | None], Sequence[Any]]


async def decide(
    runner: CommandRunner,
    evolve: Evolver[S],
    aggregate_id: UUID,
    decision: Callable[[Session], Decision[S]],
    context: CommandContext,
    idempotent: IdempotentRequest | None = None,
) -> CommandAccepted:
    """Run ``decision`` on the aggregate's state and append what it decided.

    ``decision`` gets the session first, for what the rule needs besides the aggregate (its clock,
    other aggregates), and returns the function of the state that decides.
    """

    def job(session: Session) -> CommandAccepted:
        return CommandAccepted.of(session.decide(evolve, aggregate_id, decision(session), context))

    return await runner.run(job, idempotent=idempotent)
