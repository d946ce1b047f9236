"""The demo's training days keep the order the training domain requires (a refusal would stop the demo).

The driver assigns a project's members on their enrollment day, moves a transferring participant to the
new cohort on the day the enrollment moves, drops out on ``left_on`` and completes training on the
cohort's last session day.
"""

from __future__ import annotations

from datetime import date

import pytest

from pathways_infra.demo.plan import Fate, JourneyPlan, plan_programme


def _joined_current_cohort_on(journey: JourneyPlan) -> date:
    return journey.enrolled_on if journey.transfer_to is None else journey.transferred_on


@pytest.mark.parametrize("seed", [1, 7, 2021])
def test_every_journey_s_training_days_are_in_order(seed: int) -> None:
    programme = plan_programme(seed, participants=1000, projects=40, provinces=12)

    for journey in programme.enrolled:
        joined_on = _joined_current_cohort_on(journey)
        assert journey.enrolled_on <= joined_on
        if journey.transfer_to is not None:
            assert joined_on < journey.transfer_to.starts_on, "no session there before the move"
        if journey.fate is Fate.DROPPED_OUT:
            assert joined_on <= journey.left_on
        if journey.fate is Fate.COMPLETED:
            first_session, last_session = journey.current_project.session_days[0], journey.current_project.ends_on
            assert joined_on <= first_session <= last_session
