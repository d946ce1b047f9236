"""An erased participant's notice goes out once, for integrators who hold what outcomes told them."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from pathways_outcomes.domain.erasure import ErasureNoted, evolve_erasure_notice, note_erasure

PARTICIPANT, ERASED_ON = uuid4(), date(2026, 2, 1)


def test_the_erasure_is_noted_once() -> None:
    first = note_erasure(None, participant_id=PARTICIPANT, erased_on=ERASED_ON)
    state = evolve_erasure_notice(None, first[0])

    again = note_erasure(state, participant_id=PARTICIPANT, erased_on=ERASED_ON)

    assert first == [ErasureNoted(participant_id=PARTICIPANT, erased_on=ERASED_ON)]
    assert again == [], "told again (a redelivered message), it is not noted twice"
