"""The demo's follow-ups at 3, 6 and 12 months: the same people each round, most answering again, some missed,
some withdrawing consent, some losing or finding work; deterministic for a seed, and the 3-month round as it
was whichever rounds are loaded. Played through the outcomes domain's own decisions, in the driver's order and
on its days, every command is accepted, and the case ends where the demo's expected totals count it."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from pathways_infra.cli import main
from pathways_infra.demo import cli as demo_cli
from pathways_infra.demo.plan import (
    WORKING,
    Answer,
    Fate,
    JourneyPlan,
    Outcome,
    Programme,
    Reply,
    expected_follow_ups,
    expected_totals,
    follow_up_figures_key,
    plan_programme,
)
from pathways_infra.http_client import Response
from pathways_infra.settings import SERVICE_NAMES
from pathways_outcomes.domain.case import (
    Case,
    EmploymentRecorded,
    EmploymentType,
    FollowUpCompleted,
    complete_follow_up,
    evolve_case,
    in_work,
    mark_follow_up_missed,
    note_baseline_income,
    note_follow_up_consent,
    observe_income,
    record_employment,
    schedule_follow_ups,
)
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS, FollowUpStatus, MissedReason, add_months
from tests.support.given import given

SMALL = {"participants": 240, "projects": 12, "provinces": 8}  # the e2e demo test's programme


@pytest.fixture(scope="module")
def programme() -> Programme:
    return plan_programme(1, participants=3000)


def test_every_completer_is_followed_up_at_3_6_and_12_months_from_the_day_training_ended(
    programme: Programme,
) -> None:
    for journey in programme.enrolled:
        if journey.fate is not Fate.COMPLETED:
            assert journey.follow_ups == (), "only completers have follow-ups"
            continue
        ended = journey.current_project.ends_on
        assert [(f.month, f.due_on) for f in journey.follow_ups] == [(m, add_months(ended, m)) for m in (3, 6, 12)]


def test_every_answer_and_miss_is_dated_on_or_after_its_due_day(programme: Programme) -> None:
    for journey in programme.completers:
        for planned in journey.follow_ups:
            if planned.answer is not None:
                assert planned.answer.on >= planned.due_on
            if planned.marked_missed:
                assert planned.missed_on is not None and planned.missed_on >= planned.due_on + timedelta(days=30)


def _replies(programme: Programme, month: int) -> Counter[Reply]:
    return Counter(planned.reply for j in programme.completers if (planned := j.follow_up(month)) is not None)


def test_most_are_followed_up_again_and_some_are_missed_or_withdraw_consent(programme: Programme) -> None:
    completers = len(programme.completers)
    assert _replies(programme, 3) == {Reply.ANSWERED: completers}, "everyone answers at 3 months, as before"
    for month, answered_share in ((6, (0.82, 0.94)), (12, (0.75, 0.9))):
        replies = _replies(programme, month)
        low, high = answered_share
        assert low < replies[Reply.ANSWERED] / completers < high, (month, replies)
        assert replies[Reply.NO_RESPONSE] and replies[Reply.UNREACHABLE] and replies[Reply.CONSENT_WITHDRAWN], month


def _work(answer: Answer | None) -> Outcome | None:
    return None if answer is None else answer.employment_type


def test_some_lose_or_find_work_or_start_self_employment_between_rounds(programme: Programme) -> None:
    changes = Counter(
        (_work(before.answer), _work(after.answer))
        for journey in programme.completers
        for before, after in zip(journey.follow_ups, journey.follow_ups[1:], strict=False)
        if before.answer is not None and after.answer is not None
    )
    lost = sum(n for (was, now), n in changes.items() if was is not None and now is None)
    found = sum(n for (was, now), n in changes.items() if was is None and now is not None)
    started_own = sum(n for (was, now), n in changes.items() if now is Outcome.SELF_EMPLOYED and was != now)
    stayed = sum(n for (was, now), n in changes.items() if was == now)
    assert lost and found and started_own, changes
    assert stayed > 4 * (lost + found), "most stay as they were"


def test_incomes_drift_mostly_up_from_one_answer_to_the_next(programme: Programme) -> None:
    drifts = [
        after.answer.monthly_income_thb - before.answer.monthly_income_thb
        for journey in programme.completers
        for before, after in zip(journey.follow_ups, journey.follow_ups[1:], strict=False)
        if before.answer is not None and after.answer is not None and _work(before.answer) == _work(after.answer)
    ]
    rose, fell = sum(1 for d in drifts if d > 0), sum(1 for d in drifts if d < 0)
    assert rose > 2 * fell > 0, (rose, fell)


def test_the_same_people_are_followed_up_every_round(programme: Programme) -> None:
    at = {
        month: {j.person.participant_id for j in programme.journeys if j.follow_up(month) is not None}
        for month in FOLLOW_UP_MONTHS
    }
    assert at[3] == at[6] == at[12] == {j.person.participant_id for j in programme.completers}
    answered_all = expected_follow_ups(programme)[follow_up_figures_key(12)]["panel"]
    assert 0.6 * len(at[3]) < answered_all < len(at[3]), "a panel answered every round, not everyone"


def test_withdrawn_cases_are_never_followed_up_nor_is_anyone_after_withdrawing_consent(
    programme: Programme,
) -> None:
    withdrawn = [j for j in programme.enrolled if j.fate is Fate.WITHDRAWN]
    assert withdrawn and all(j.follow_ups == () for j in withdrawn)
    stopped = [j for j in programme.completers if j.follow_up_consent_withdrawn_at is not None]
    assert stopped
    for journey in stopped:
        assert journey.follow_up_consent_withdrawn_at is not None
        day = journey.follow_up_consent_withdrawn_at.date()
        asked = [f for f in journey.follow_ups if f.reply is not Reply.CONSENT_WITHDRAWN]
        never_asked = [f for f in journey.follow_ups if f.reply is Reply.CONSENT_WITHDRAWN]
        assert never_asked and all(f.answer is None and f.missed_on is None for f in never_asked)
        assert all(f.due_on > day for f in never_asked), "withdrawn before each round it stops"
        assert all((f.answer.on if f.answer else f.missed_on or day) < day for f in asked), "after the last contact"
        assert never_asked == list(journey.follow_ups[len(asked) :]), "no answer comes once it is withdrawn"


def test_the_same_seed_and_months_give_the_same_programme_and_another_seed_other_follow_ups() -> None:
    one, again = plan_programme(7, participants=300), plan_programme(7, participants=300)
    assert one.journeys == again.journeys and expected_follow_ups(one) == expected_follow_ups(again)
    other = plan_programme(8, participants=300)
    assert [j.follow_ups for j in one.journeys] != [j.follow_ups for j in other.journeys]


# The 3-month round and the totals of seed 1's small programme as the demo made them before it loaded later rounds.
THREE_MONTH_ROUND_SHA256 = "788781a4c1a55aa6e5ff7b4e4c6e7e77eb554ea127845767cec5549150bbb8e9"
TOTALS_BEFORE_LATER_ROUNDS = {
    "participants": 240, "enrollments": 240, "projects": 12, "provinces": 8, "regions": 4, "screened_out": 14,
    "transferred": 1, "by_stage": {"IN_TRAINING": 0, "WITHDRAWN": 7, "DROPPED_OUT": 15, "COMPLETED": 218},
    "by_outcome": {"WAGE": 92, "SELF_EMPLOYED": 65, "ENTERPRISE": 7, "COMMUNITY_ENTERPRISE": 20, "NONE": 34},
    "by_region": {"CENTRAL": 60, "NORTH": 20, "NORTHEAST": 60, "SOUTH": 100},
}  # fmt: skip


def _three_month_round(programme: Programme) -> str:
    """What the driver sends at 3 months (who, when, income, work), as a digest."""
    sent = []
    for journey in programme.completers:
        answer = programme.answer_at(journey, 3)
        assert answer is not None
        work = None if answer.employment_type is None else answer.employment_type.value
        sent.append((str(journey.person.participant_id), str(answer.on), str(answer.monthly_income_thb), work))
    return hashlib.sha256(repr(sent).encode()).hexdigest()


def test_loading_later_rounds_leaves_the_3_month_round_and_the_earlier_totals_as_they_were() -> None:
    only_three = plan_programme(1, **SMALL).with_follow_up_months((3,))
    every_round = plan_programme(1, **SMALL)
    assert only_three.journeys == every_round.journeys
    assert _three_month_round(only_three) == _three_month_round(every_round) == THREE_MONTH_ROUND_SHA256
    totals = expected_totals(only_three)
    assert {key: totals[key] for key in TOTALS_BEFORE_LATER_ROUNDS} == TOTALS_BEFORE_LATER_ROUNDS
    at_three = follow_up_figures_key(3)
    assert expected_follow_ups(only_three)[at_three] | {"panel": 0, "employed_in_panel": 0} == expected_follow_ups(
        every_round
    )[at_three] | {"panel": 0, "employed_in_panel": 0}, "only the panel (answered all three) needs later rounds"
    assert expected_totals(every_round)["by_outcome"] != TOTALS_BEFORE_LATER_ROUNDS["by_outcome"], "work changed"


def test_rounds_not_loaded_stay_due_and_unanswered() -> None:
    figures = expected_follow_ups(plan_programme(1, **SMALL).with_follow_up_months((3,)))
    for month in (6, 12):
        assert figures[follow_up_figures_key(month)] == {
            "due": 218, "completed": 0, "employed": 0, "panel": 0, "employed_in_panel": 0, "income_rose": 0,
            "median_income_change_thb": None, "median_income_thb": None,
        }  # fmt: skip


@pytest.mark.parametrize("months", ["4", "3,9", "3,,6", "six", "", "3;6"])
def test_follow_up_months_other_than_3_6_and_12_are_a_usage_error(
    months: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--participants", "20", "--projects", "4", "--provinces", "4", "--follow-up-months", months])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --follow-up-months:" in err and "follow-ups are at 3, 6, 12 months" in err, err


class _RecordingServices:
    """Stands in for the three services: every command accepted and kept; no totals yet."""

    posted: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def __init__(self, host: str, port: int, connections: int = 64) -> None:
        pass

    async def __aenter__(self) -> _RecordingServices:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return Response(404, b"{}")

    async def post(self, path: str, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        _RecordingServices.posted.append((path, payload))
        return Response(201, json.dumps({"id": str(uuid.uuid4()), "version": 1}).encode())


@pytest.mark.parametrize("months", [(3,), (3, 6, 12)])
async def test_the_demo_sends_each_loaded_round_in_a_phase_of_its_own_and_nothing_of_the_others(
    months: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_cli, "LeanClient", _RecordingServices)
    monkeypatch.setattr(_RecordingServices, "posted", [])
    monkeypatch.setattr(demo_cli, "CATCH_UP_SECONDS", 0.1)  # no totals will come: the commands are what counts
    programme = plan_programme(3, participants=400, projects=8, provinces=4).with_follow_up_months(months)
    summary = await demo_cli.load(programme, {service: ("127.0.0.1", 1) for service in SERVICE_NAMES})
    assert [phase for phase in summary["phases"] if "follow-ups" in phase] == [f"{m}-month follow-ups" for m in months]
    sent = Counter(
        re.sub(r"^/cases/[^/]+|^/participants/[^/]+", "", path)
        for path, _ in _RecordingServices.posted
        if "/follow-ups/" in path or path.endswith("/consents/withdrawal")
    )
    planned: Counter[str] = Counter()
    for journey in programme.completers:
        for month in months:
            planned_round = journey.follow_up(month)
            assert planned_round is not None
            if planned_round.answer is not None:
                planned[f"/follow-ups/{month}"] += 1
            elif planned_round.marked_missed:
                planned[f"/follow-ups/{month}/missed"] += 1
        if programme.consent_withdrawn_in(journey) is not None:
            planned["/consents/withdrawal"] += 1
    assert sent == planned
    assert set(sent) >= ({"/follow-ups/6/missed", "/consents/withdrawal"} if 12 in months else {"/follow-ups/3"})


# --- played through the outcomes domain ------------------------------------------------------------------


class _OutcomesCase:
    """One case in the outcomes service, changed only by its domain's decisions; a broken rule raises."""

    def __init__(self, journey: JourneyPlan) -> None:
        self.journey = journey
        self.events: list[Any] = []
        self.ids = {"enrollment_id": journey.person.participant_id}

    @property
    def state(self) -> Case | None:
        return given(evolve_case, *self.events)

    def decide(self, decision: Any, **command: Any) -> None:
        events = decision(self.state, **self.ids, **command)
        assert events, f"{decision.__name__} changed nothing"
        self.events += events


def _learned_from_enrollment_and_training(journey: JourneyPlan) -> _OutcomesCase:
    case, ids = _OutcomesCase(journey), {"participant_id": journey.person.participant_id}
    project = {"project_id": journey.current_project.project_id}
    case.decide(
        note_baseline_income, **ids, **project, monthly_income_thb=journey.person.monthly_income_thb,
        enrolled_on=journey.enrolled_on,
    )  # fmt: skip
    case.decide(schedule_follow_ups, **ids, **project, completed_on=journey.current_project.ends_on)
    if journey.outcome in WORKING:  # the driver's outcomes phase
        assert journey.outcome is not None and journey.income_after_thb is not None
        case.decide(
            record_employment, employment_type=EmploymentType(journey.outcome.value), related_to_training=True,
            monthly_income_thb=journey.income_after_thb, days_to_first_job=30,
            observed_on=journey.current_project.ends_on + timedelta(days=30),
        )  # fmt: skip
    return case


def _answered(case: _OutcomesCase, month: int, answer: Answer) -> None:
    """As the outcomes service completes a follow-up: the answer, the employment it found, the income."""
    working = answer.employment_type
    case.decide(complete_follow_up, month=month, completed_on=answer.on, working=working is not None)
    if working is not None:
        case.decide(
            record_employment, employment_type=EmploymentType(working.value),
            related_to_training=answer.related_to_training, monthly_income_thb=answer.monthly_income_thb,
            days_to_first_job=None, follow_up_month=month, observed_on=answer.on,
        )  # fmt: skip
    case.decide(observe_income, at_month=month, monthly_income_thb=answer.monthly_income_thb, observed_on=answer.on)


def _play_round(programme: Programme, case: _OutcomesCase, month: int) -> None:
    journey, planned = case.journey, case.journey.follow_up(month)
    assert planned is not None
    if planned.answer is not None:
        _answered(case, month, planned.answer)
    elif planned.missed_on is not None:
        reason = MissedReason(planned.reply.value)
        case.decide(mark_follow_up_missed, month=month, missed_on=planned.missed_on, reason=reason)
    elif programme.consent_withdrawn_in(journey) == month:  # enrollment tells outcomes
        assert journey.follow_up_consent_withdrawn_at is not None
        case.decide(
            note_follow_up_consent, participant_id=journey.person.participant_id,
            project_id=journey.current_project.project_id, consented=False,
            noted_on=journey.follow_up_consent_withdrawn_at.date(),
        )  # fmt: skip


def _in_work(case: _OutcomesCase) -> bool | None:
    """Whether the case shows its participant in work (the domain's rule, which the programme totals follow)."""
    jobs = [e for e in case.events if isinstance(e, EmploymentRecorded) and e.observed_on is not None]
    jobs.sort(key=lambda e: e.observed_on or date.min)
    idle = [e for e in case.events if isinstance(e, FollowUpCompleted) and e.working is False]
    return in_work(
        employment_on=jobs[-1].observed_on if jobs else None,
        employment_month=jobs[-1].follow_up_month if jobs else None,
        not_working_on=idle[-1].completed_on if idle else None,
        not_working_month=idle[-1].month if idle else None,
        employed=bool(jobs),
    )


def _expected_status(programme: Programme, journey: JourneyPlan, month: int) -> FollowUpStatus:
    """Answered or marked missed in a loaded round; else missed if consent was withdrawn in one (every follow-up
    still open then is), else overdue: due long ago and never answered."""
    planned = programme.loaded_follow_up(journey, month)
    if planned is not None and planned.answer is not None:
        return FollowUpStatus.COMPLETED
    if (planned is not None and planned.marked_missed) or programme.consent_withdrawn_in(journey) is not None:
        return FollowUpStatus.MISSED
    return FollowUpStatus.OVERDUE


@pytest.mark.parametrize("months", [(3, 6, 12), (3,), (6, 12), (3, 12)])
def test_every_round_played_through_the_outcomes_domain_is_accepted_and_ends_where_the_totals_count_it(
    months: tuple[int, ...],
) -> None:
    programme = plan_programme(9, participants=600, projects=40, provinces=12).with_follow_up_months(months)
    cases = {j.person.participant_id: _learned_from_enrollment_and_training(j) for j in programme.completers}
    for month in programme.follow_up_months:  # phase after phase, as the driver sends them
        for case in cases.values():
            _play_round(programme, case, month)
    far_later = max(j.current_project.ends_on for j in programme.completers) + timedelta(days=800)
    for case in cases.values():
        state, journey = case.state, case.journey
        assert state is not None
        statuses = state.follow_up_statuses(far_later)
        assert statuses == {m: _expected_status(programme, journey, m) for m in FOLLOW_UP_MONTHS}
        outcome = programme.outcome_of(journey)
        if outcome in WORKING:
            assert _in_work(case) and state.employment is not None
            assert state.employment.employment_type.value == outcome, journey.person.participant_id
        elif journey.outcome is Outcome.NONE or outcome is Outcome.NONE:
            assert not _in_work(case)
        for month in FOLLOW_UP_MONTHS:
            answer = programme.answer_at(journey, month)
            assert state.income_at(month) == (None if answer is None else answer.monthly_income_thb)
    withdrawn = [j for j in programme.completers if j.follow_up_consent_withdrawn_at is not None]
    assert withdrawn, "the seed's programme has participants who withdrew consent"


def test_incomes_answered_are_positive_whole_baht(programme: Programme) -> None:
    incomes = [f.answer.monthly_income_thb for j in programme.completers for f in j.follow_ups if f.answer]
    assert min(incomes) > 0 and all(income == income.quantize(Decimal(1)) for income in incomes)
