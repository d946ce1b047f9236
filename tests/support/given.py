"""Given events, when a command, then events or a rule error: the domain tests' shared steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

S = TypeVar("S")
E = TypeVar("E", bound=Exception)


def given(evolve: Callable[[S | None, Any], S], *events: object) -> S | None:
    """The state that follows from ``events``."""
    state: S | None = None
    for event in events:
        state = evolve(state, event)
    return state


def then_rejected(error_type: type[E], when: Callable[[], object], *, rule: str, retryable: bool = False) -> E:
    """``when`` breaks ``rule`` (and says whether trying again later may help)."""
    with pytest.raises(error_type) as caught:
        when()
    assert getattr(caught.value, "rule", None) == rule, str(caught.value)
    assert getattr(caught.value, "retryable", False) is retryable
    return caught.value
