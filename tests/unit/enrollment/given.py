"""Given events, when a command, then events or a broken rule.

    given(evolve_project, *proposed_project()).when(approve_project).events == [ProjectApproved(...)]
    given(evolve_project).rejects(approve_project, rule="must-exist")

``when`` also folds the new events into the state, so a test fails if ``evolve`` cannot follow them;
the resulting state is ``then.state``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pytest

from pathways_enrollment.domain.errors import EnrollmentRuleError

S = TypeVar("S")
Evolve = Callable[[S | None, object], S]
Decide = Callable[..., Sequence[object]]


@dataclass(frozen=True)
class Then(Generic[S]):
    events: list[object]
    state: S | None


class Given(Generic[S]):
    def __init__(self, evolve: Evolve[S], events: Sequence[object]) -> None:
        self._evolve = evolve
        self.events = list(events)

    @property
    def state(self) -> S | None:
        return fold(self._evolve, self.events)

    def when(self, decide: Decide, /, **command: Any) -> Then[S]:
        new = list(decide(self.state, **command))
        return Then(events=new, state=fold(self._evolve, [*self.events, *new]))

    def rejects(self, decide: Decide, /, *, rule: str, retryable: bool = False, **command: Any) -> EnrollmentRuleError:
        with pytest.raises(EnrollmentRuleError) as caught:
            decide(self.state, **command)
        assert (caught.value.rule, caught.value.retryable) == (rule, retryable), str(caught.value)
        return caught.value


def fold(evolve: Evolve[S], events: Sequence[object]) -> S | None:
    state: S | None = None
    for event in events:
        state = evolve(state, event)
    return state


def given(evolve: Evolve[S], *events: object) -> Given[S]:
    return Given(evolve, events)
