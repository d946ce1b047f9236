"""The demo programme, decided up front: pure and deterministic for a seed (no I/O, no clock).

194 projects run by career development units in 51 provinces across the programme's 4 regions;
14,414 enrolled participants, plus applicants screened out. Each enrolled participant gets a fate:
withdrawn, dropped out, or completed, and a completer an outcome: wage employment, self-employment,
an enterprise, a community enterprise, or none yet. Some transfer to another project mid-training.
Every completer is followed up at 3, 6 and 12 months after training: all answer at 3 months; later
some are missed, some withdraw consent to be followed up, some lose or find work, and incomes drift.
:func:`expected_totals` says what the outcomes service's programme totals must then show,
:func:`expected_follow_ups` what its indicators must count at each follow-up, and
:func:`expected_groups` how many cases its indicators count in each group of their breakdowns.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from pathways_contracts.reference import PROGRAMME_REGIONS, age_band_of
from pathways_enrollment.domain.national_id import check_digit
from pathways_enrollment.domain.screening import age_on
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS, add_months

ARTICLE_PROJECTS = 194
ARTICLE_PROVINCES = 51
ARTICLE_PARTICIPANTS = 14_414
SESSIONS_PER_COHORT = 5
SESSION_HOURS = Decimal("6")
CURRICULUM_HOURS = SESSION_HOURS * SESSIONS_PER_COHORT  # what the sessions add up to: a completer attends 80% of it
ATTENDANCE_THRESHOLD = 0.8
SESSION_STARTS_AT = "09:00"  # one session a week, in the morning: a start time tells sessions of one day apart
FIRST_START = date(2021, 7, 1)

_FIRST_NAMES = ("Somchai", "Somsri", "Malee", "Boonmee", "Arunee", "Prasert", "Kanya", "Wichai", "Nittaya",
                "Sombat", "Ratana", "Chaiya", "Pranee", "Surachai", "Jintana", "Anan", "Siriporn")  # fmt: skip
_LAST_NAMES = ("Jaidee", "Srisuk", "Thongdee", "Saengchan", "Wongsa", "Kaewmanee", "Boonyarat", "Phromma",
               "Chanthavong", "Intharasuk", "Sukprasert", "Rattanakul")  # fmt: skip
_CRAFTS = ("weaving", "food processing", "organic farming", "herbal products", "community tourism",
           "small engine repair", "online selling", "batik", "coffee roasting", "fishery products")  # fmt: skip


class Fate(StrEnum):
    WITHDRAWN = "WITHDRAWN"
    DROPPED_OUT = "DROPPED_OUT"
    COMPLETED = "COMPLETED"


class Outcome(StrEnum):
    WAGE = "WAGE"
    SELF_EMPLOYED = "SELF_EMPLOYED"
    ENTERPRISE = "ENTERPRISE"
    COMMUNITY_ENTERPRISE = "COMMUNITY_ENTERPRISE"
    NONE = "NONE"


FATES = ((Fate.WITHDRAWN, 0.03), (Fate.DROPPED_OUT, 0.07), (Fate.COMPLETED, 0.90))
OUTCOMES = (
    (Outcome.WAGE, 0.42),
    (Outcome.SELF_EMPLOYED, 0.25),
    (Outcome.COMMUNITY_ENTERPRISE, 0.12),
    (Outcome.ENTERPRISE, 0.04),
    (Outcome.NONE, 0.17),
)
TRANSFER_SHARE = 0.02
SCREENED_OUT_SHARE = 0.06
WORKING = (Outcome.WAGE, Outcome.SELF_EMPLOYED)  # what a follow-up answer records as an employment


class Reply(StrEnum):
    """How a follow-up went."""

    ANSWERED = "ANSWERED"
    NO_RESPONSE = "NO_RESPONSE"  # marked missed by staff, as UNREACHABLE
    UNREACHABLE = "UNREACHABLE"
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN"  # consent to be followed up was withdrawn before it: nobody asks


LATER_REPLIES = {
    6: ((Reply.ANSWERED, 0.88), (Reply.NO_RESPONSE, 0.07), (Reply.UNREACHABLE, 0.05)),
    12: ((Reply.ANSWERED, 0.83), (Reply.NO_RESPONSE, 0.09), (Reply.UNREACHABLE, 0.08)),
}
CONSENT_WITHDRAWN_SHARE = 0.015  # of those still consenting, before each later follow-up
NEXT_WORK: dict[Outcome | None, tuple[tuple[Outcome | None, float], ...]] = {
    Outcome.WAGE: ((Outcome.WAGE, 0.88), (None, 0.07), (Outcome.SELF_EMPLOYED, 0.05)),
    Outcome.SELF_EMPLOYED: ((Outcome.SELF_EMPLOYED, 0.87), (None, 0.06), (Outcome.WAGE, 0.07)),
    None: ((None, 0.70), (Outcome.WAGE, 0.18), (Outcome.SELF_EMPLOYED, 0.12)),
}
THREE_MONTH_ANSWER_AFTER_TRAINING = timedelta(days=92)  # on or after the 3-month due day, whatever the month


@dataclass(frozen=True)
class ProjectPlan:
    index: int
    project_id: UUID
    unit_id: UUID
    curriculum_id: UUID
    cohort_id: UUID
    name: str
    province_code: str
    region: str
    starts_on: date
    track: str

    @property
    def session_days(self) -> list[date]:
        return [self.starts_on + timedelta(days=7 * week) for week in range(SESSIONS_PER_COHORT)]

    @property
    def ends_on(self) -> date:
        return self.session_days[-1]


@dataclass(frozen=True)
class PersonPlan:
    participant_id: UUID
    full_name: str
    national_id: str
    phone: str
    address: str
    date_of_birth: date
    sex: str
    monthly_income_thb: Decimal
    employment_status: str
    informal_worker: bool
    covid_affected: bool


@dataclass(frozen=True)
class Answer:
    """What a participant told at a follow-up: in work (WAGE or SELF_EMPLOYED) or not, and their monthly income."""

    on: date
    monthly_income_thb: Decimal
    employment_type: Outcome | None = None
    related_to_training: bool = False


@dataclass(frozen=True)
class FollowUpPlan:
    """One follow-up of a completer: answered, marked missed by staff, or never asked for want of consent
    (outcomes marks it missed on the day consent was withdrawn)."""

    month: int
    due_on: date
    reply: Reply
    answer: Answer | None = None  # when ANSWERED
    missed_on: date | None = None  # when NO_RESPONSE or UNREACHABLE

    @property
    def marked_missed(self) -> bool:
        return self.missed_on is not None


@dataclass(frozen=True)
class JourneyPlan:
    """One applicant: screened out, or enrolled with a fate (and, when completed, an outcome and follow-ups)."""

    person: PersonPlan
    project: ProjectPlan
    screened_out: bool = False
    fate: Fate | None = None
    outcome: Outcome | None = None
    transfer_to: ProjectPlan | None = None
    sessions_attended: int = 0
    income_after_thb: Decimal | None = None
    follow_ups: tuple[FollowUpPlan, ...] = ()  # a completer's, at 3, 6 and 12 months, loaded or not
    follow_up_consent_withdrawn_at: datetime | None = None

    def follow_up(self, month: int) -> FollowUpPlan | None:
        return next((planned for planned in self.follow_ups if planned.month == month), None)

    @property
    def current_project(self) -> ProjectPlan:
        return self.transfer_to or self.project

    @property
    def registered_on(self) -> date:
        """The day the participant registered and consented, just before applying."""
        return self.applied_on - timedelta(days=1)

    @property
    def consented_at(self) -> datetime:
        """Consent to take part and be followed up, given when registering."""
        return datetime.combine(self.registered_on, time(9), UTC)

    @property
    def applied_on(self) -> date:
        return self.project.starts_on - timedelta(days=21)

    @property
    def screened_on(self) -> date:
        return self.applied_on + timedelta(days=3)

    @property
    def age_band(self) -> str | None:
        return age_band_of(age_on(self.person.date_of_birth, self.registered_on))

    @property
    def enrolled_on(self) -> date:
        """A week after applying (so after the screening), two weeks before the cohort starts."""
        return self.project.starts_on - timedelta(days=14)

    @property
    def transferred_on(self) -> date:
        """In training (enrolled, in a cohort) but before its first session: the move takes every session along."""
        return self.project.starts_on - timedelta(days=1)

    @property
    def attended_days(self) -> list[date]:
        return self.current_project.session_days[: self.sessions_attended]

    @property
    def left_on(self) -> date:
        """When a dropout or withdrawal happened: after their last session, or when the cohort began."""
        return (self.attended_days or [self.current_project.starts_on])[-1] + timedelta(days=1)


@dataclass
class Programme:
    seed: int
    projects: list[ProjectPlan]
    journeys: list[JourneyPlan]
    mentors: list[tuple[UUID, list[ProjectPlan]]] = field(default_factory=list)
    follow_up_months: tuple[int, ...] = FOLLOW_UP_MONTHS  # the follow-ups loaded (every completer has all three)

    @property
    def run_id(self) -> str:
        """Names this programme in idempotency keys: the seed and the scale decide everything in it."""
        return f"{self.seed}-{len(self.journeys)}-{len(self.projects)}"

    @property
    def enrolled(self) -> list[JourneyPlan]:
        return [journey for journey in self.journeys if not journey.screened_out]

    def with_follow_up_months(self, months: Iterable[int]) -> Programme:
        """The same programme, loading only the follow-up rounds of ``months`` (some of 3, 6 and 12)."""
        chosen = tuple(sorted(set(months)))
        if not chosen or set(chosen) - set(FOLLOW_UP_MONTHS):
            known = ", ".join(map(str, FOLLOW_UP_MONTHS))
            raise ValueError(f"follow-ups are at {known} months: give some of them, not {chosen}")
        return replace(self, follow_up_months=chosen)

    @property
    def completers(self) -> list[JourneyPlan]:
        return [journey for journey in self.journeys if journey.fate is Fate.COMPLETED]

    def loaded_follow_up(self, journey: JourneyPlan, month: int) -> FollowUpPlan | None:
        """The journey's follow-up at ``month``, if that round is loaded."""
        return journey.follow_up(month) if month in self.follow_up_months else None

    def answer_at(self, journey: JourneyPlan, month: int) -> Answer | None:
        """The journey's answer at ``month``, if that round is loaded and they answered."""
        planned = self.loaded_follow_up(journey, month)
        return None if planned is None else planned.answer

    def latest_answer(self, journey: JourneyPlan) -> Answer | None:
        answers = [answer for month in self.follow_up_months if (answer := self.answer_at(journey, month))]
        return answers[-1] if answers else None

    def consent_withdrawn_in(self, journey: JourneyPlan) -> int | None:
        """The loaded round whose phase withdraws the journey's consent to be followed up: the first loaded one
        it came before (None: consent stays, or was withdrawn only after the last loaded round)."""
        never_asked = (
            month
            for month in self.follow_up_months
            if (planned := journey.follow_up(month)) is not None and planned.reply is Reply.CONSENT_WITHDRAWN
        )
        return next(never_asked, None)

    def outcome_of(self, journey: JourneyPlan) -> Outcome | None:
        """What the programme totals count the journey under once every loaded round is in: an enterprise stays
        one; otherwise the work told at the latest follow-up answered, else the outcome recorded after training."""
        latest = self.latest_answer(journey)
        if journey.outcome not in (*WORKING, Outcome.NONE) or latest is None:
            return journey.outcome
        return latest.employment_type or Outcome.NONE


class _Ids:
    """Deterministic UUIDs from the seeded generator (uuid4-shaped)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def next(self) -> UUID:
        return UUID(int=self._rng.getrandbits(128), version=4)


def plan_programme(
    seed: int,
    *,
    participants: int = ARTICLE_PARTICIPANTS,
    projects: int = ARTICLE_PROJECTS,
    provinces: int = ARTICLE_PROVINCES,
) -> Programme:
    if not 4 <= provinces <= projects:
        raise ValueError("need at least 4 provinces (one per region) and no more provinces than projects")
    rng = random.Random(seed)
    ids = _Ids(rng)
    planned = _projects(rng, ids, projects=projects, provinces=provinces)
    enrolled = [_followed_up(seed, journey) for journey in _enrolled(rng, ids, planned, participants)]
    journeys = enrolled + _screened_out(rng, ids, planned, participants)
    mentors = _mentors(ids, planned)
    return Programme(seed=seed, projects=planned, journeys=journeys, mentors=mentors)


def _chosen_provinces(rng: random.Random, count: int) -> list[str]:
    by_region = {
        region: [p.iso for p in PROGRAMME_REGIONS.provinces_in(region)] for region in PROGRAMME_REGIONS.region_ids
    }
    chosen = [rng.choice(codes) for codes in by_region.values()]  # every region has at least one
    rest = sorted({iso for codes in by_region.values() for iso in codes} - set(chosen))
    return sorted(chosen + rng.sample(rest, count - len(chosen)))


def _projects(rng: random.Random, ids: _Ids, *, projects: int, provinces: int) -> list[ProjectPlan]:
    where = _chosen_provinces(rng, provinces)
    where += [rng.choice(where) for _ in range(projects - provinces)]
    planned = []
    for index, province in enumerate(sorted(where)):
        craft = rng.choice(_CRAFTS)
        planned.append(
            ProjectPlan(
                index=index,
                project_id=ids.next(),
                unit_id=ids.next(),
                curriculum_id=ids.next(),
                cohort_id=ids.next(),
                name=f"{craft.capitalize()} for livelihoods #{index + 1}",
                province_code=province,
                region=PROGRAMME_REGIONS.region_of(province),
                starts_on=FIRST_START + timedelta(days=rng.randrange(0, 540)),
                track=rng.choice(("RESKILL", "UPSKILL")),
            )
        )
    return planned


def _person(rng: random.Random, ids: _Ids, serial: int, *, eligible: bool) -> PersonPlan:
    first12 = f"{rng.choice('1358')}{serial:011d}"
    income = Decimal(rng.randrange(2_500, 14_500, 100) if eligible else rng.randrange(18_000, 40_000, 500))
    status = rng.choice(("SELF_EMPLOYED", "UNEMPLOYED", "EMPLOYED"))
    informal = status != "EMPLOYED" or rng.random() < 0.6
    covid = rng.random() < 0.7 or (eligible and not informal)  # the eligible are in a target group
    return PersonPlan(
        participant_id=ids.next(),
        full_name=f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
        national_id=first12 + str(check_digit(first12)),
        phone=f"+66 8{rng.randrange(10)} {rng.randrange(1000):03d} {rng.randrange(10000):04d}",
        address=f"{rng.randrange(1, 300)} Moo {rng.randrange(1, 15)}",
        date_of_birth=date(rng.randrange(1962, 2003), rng.randrange(1, 13), rng.randrange(1, 29)),
        sex=rng.choice("FFFMMX"),
        monthly_income_thb=income,
        employment_status=status,
        informal_worker=informal,
        covid_affected=covid,
    )


def _weighted(rng: random.Random, choices: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _enrolled(rng: random.Random, ids: _Ids, projects: list[ProjectPlan], count: int) -> list[JourneyPlan]:
    journeys = []
    for serial in range(count):
        project = projects[serial % len(projects)]
        fate: Fate = _weighted(rng, FATES)
        outcome: Outcome | None = _weighted(rng, OUTCOMES) if fate is Fate.COMPLETED else None
        transfer = _transfer_target(rng, project, projects) if rng.random() < TRANSFER_SHARE else None
        attended = {
            Fate.COMPLETED: rng.choice((4, 5, 5)),
            Fate.DROPPED_OUT: rng.randrange(0, 3),
            Fate.WITHDRAWN: rng.randrange(0, 4),
        }[fate]
        person = _person(rng, ids, serial, eligible=True)
        after = None
        if outcome in (Outcome.WAGE, Outcome.SELF_EMPLOYED, Outcome.ENTERPRISE, Outcome.COMMUNITY_ENTERPRISE):
            after = (person.monthly_income_thb * Decimal(rng.uniform(1.0, 1.8))).quantize(Decimal("100"))
        journeys.append(
            JourneyPlan(
                person=person,
                project=project,
                fate=fate,
                outcome=outcome,
                transfer_to=transfer,
                sessions_attended=attended,
                income_after_thb=after,
            )
        )
    return journeys


def _followed_up(seed: int, journey: JourneyPlan) -> JourneyPlan:
    """A completer with every follow-up decided, from a generator of its own: the rest of the programme, and each
    round, are the same whichever rounds are loaded."""
    if journey.fate is not Fate.COMPLETED:
        return journey
    rng = random.Random(f"{seed}:follow-ups:{journey.person.participant_id}")
    completed_on = journey.current_project.ends_on
    latest = _three_month_answer(journey)
    rounds = [FollowUpPlan(month=3, due_on=add_months(completed_on, 3), reply=Reply.ANSWERED, answer=latest)]
    withdrawn_at = None
    for month in FOLLOW_UP_MONTHS[1:]:
        due_on = add_months(completed_on, month)
        if withdrawn_at is None and rng.random() < CONSENT_WITHDRAWN_SHARE:
            # After the round before was answered or marked missed (at most 60 days after its due day).
            withdrawn_at = datetime.combine(due_on - timedelta(days=rng.randrange(7, 60)), time(10), UTC)
        if withdrawn_at is not None:
            rounds.append(FollowUpPlan(month=month, due_on=due_on, reply=Reply.CONSENT_WITHDRAWN))
            continue
        reply: Reply = _weighted(rng, LATER_REPLIES[month])
        if reply is Reply.ANSWERED:
            latest = _later_answer(rng, journey, due_on, latest)
            rounds.append(FollowUpPlan(month=month, due_on=due_on, reply=reply, answer=latest))
        else:  # marked missed once overdue (30 days after the due day)
            missed_on = due_on + timedelta(days=rng.randrange(31, 61))
            rounds.append(FollowUpPlan(month=month, due_on=due_on, reply=reply, missed_on=missed_on))
    return replace(journey, follow_ups=tuple(rounds), follow_up_consent_withdrawn_at=withdrawn_at)


def _three_month_answer(journey: JourneyPlan) -> Answer:
    """Everyone answers at 3 months: still in the work found after training, or not working, with the income
    after training (the baseline's when there was no new one)."""
    working = journey.outcome if journey.outcome in WORKING else None
    return Answer(
        on=journey.current_project.ends_on + THREE_MONTH_ANSWER_AFTER_TRAINING,
        monthly_income_thb=journey.income_after_thb or journey.person.monthly_income_thb,
        employment_type=working,
        related_to_training=working is not None,
    )


def _later_answer(rng: random.Random, journey: JourneyPlan, due_on: date, before: Answer) -> Answer:
    """An answer at a later round, from the last one given: in work or not, and the income drifted."""
    if journey.outcome in (*WORKING, Outcome.NONE):
        working: Outcome | None = _weighted(rng, NEXT_WORK[before.employment_type])
    else:  # an enterprise's people tell of their enterprise, not of an employment
        working = None
    same_job = working is not None and working is before.employment_type
    related = before.related_to_training if same_job else working is not None and rng.random() < 0.6
    return Answer(
        on=due_on + timedelta(days=rng.randrange(0, 45)),  # some answer only once overdue
        monthly_income_thb=_drifted(rng, before.monthly_income_thb, before=before.employment_type, now=working),
        employment_type=working,
        related_to_training=related,
    )


def _drifted(rng: random.Random, income: Decimal, *, before: Outcome | None, now: Outcome | None) -> Decimal:
    if before is not None and now is None:
        factor = rng.uniform(0.4, 0.8)  # lost the job
    elif before is None and now is not None:
        factor = rng.uniform(1.1, 1.6)  # found one
    elif before is not now:
        factor = rng.uniform(0.9, 1.3)  # from a wage to self-employment, or back
    else:
        factor = rng.uniform(1.0, 1.2) if rng.random() < 0.75 else rng.uniform(0.85, 1.0)
    return (income * Decimal(factor)).quantize(Decimal("1"))


OPENS_BEFORE_START = timedelta(days=30)  # a project is approved (open for enrollment) this long before its cohort


def _transfer_target(rng: random.Random, origin: ProjectPlan, projects: list[ProjectPlan]) -> ProjectPlan | None:
    """Another project, already open when the participant moves, whose cohort starts after the move (so every
    session there counts)."""
    moved_on = origin.starts_on - timedelta(days=1)
    later = [
        p
        for p in projects
        if p.starts_on > origin.starts_on + timedelta(days=2) and p.starts_on - OPENS_BEFORE_START <= moved_on
    ]
    return rng.choice(later) if later else None


def _screened_out(rng: random.Random, ids: _Ids, projects: list[ProjectPlan], enrolled: int) -> list[JourneyPlan]:
    count = round(enrolled * SCREENED_OUT_SHARE)
    return [
        JourneyPlan(
            person=_person(rng, ids, enrolled + n, eligible=False), project=rng.choice(projects), screened_out=True
        )
        for n in range(count)
    ]


def _mentors(ids: _Ids, projects: list[ProjectPlan], per_mentor: int = 5) -> list[tuple[UUID, list[ProjectPlan]]]:
    return [(ids.next(), projects[start : start + per_mentor]) for start in range(0, len(projects), per_mentor)]


def community_enterprises(programme: Programme) -> dict[UUID, list[JourneyPlan]]:
    """Completers with a community-enterprise outcome, grouped by the project they finished in."""
    groups: dict[UUID, list[JourneyPlan]] = {}
    for journey in programme.enrolled:
        if journey.outcome is Outcome.COMMUNITY_ENTERPRISE:
            groups.setdefault(journey.current_project.project_id, []).append(journey)
    return groups


def expected_totals(programme: Programme) -> dict[str, Any]:
    """What ``GET /programme/totals`` of the outcomes service must show once everything is processed."""
    enrolled = programme.enrolled
    stages = Counter(journey.fate.value for journey in enrolled if journey.fate is not None)
    outcomes = Counter(outcome.value for journey in enrolled if (outcome := programme.outcome_of(journey)))
    latest = [answer.monthly_income_thb for journey in enrolled if (answer := programme.latest_answer(journey))]
    baselines = [journey.person.monthly_income_thb for journey in enrolled]
    return {
        "participants": len(enrolled),
        "enrollments": len(enrolled),
        "projects": len(programme.projects),
        "provinces": len({project.province_code for project in programme.projects}),
        "regions": len({project.region for project in programme.projects}),
        "screened_out": len(programme.journeys) - len(enrolled),
        "transferred": sum(1 for journey in enrolled if journey.transfer_to is not None),
        "by_stage": {"IN_TRAINING": 0, **{fate.value: stages[fate.value] for fate in Fate}},
        "by_outcome": {outcome.value: outcomes[outcome.value] for outcome in Outcome},
        "by_region": dict(sorted(Counter(journey.current_project.region for journey in enrolled).items())),
        "income": {
            "baseline_median_thb": _median_baht(baselines),
            "latest_median_thb": _median_baht(latest),
            "with_baseline": len(baselines),
            "with_income_observed": len(latest),
        },
    }


def follow_up_figures_key(month: int) -> str:
    """Names the figures of one follow-up round among the demo's expected figures."""
    return f"follow_ups_at_{month}_months"


def expected_follow_ups(programme: Programme) -> dict[str, dict[str, Any]]:
    """What ``GET /programme/indicators`` of the whole programme must count at each follow-up (every one is due,
    long before today), keyed by :func:`follow_up_figures_key`: ``due`` and ``completed`` (follow-up
    completion), ``employed`` (employment's numerator), ``panel`` and ``employed_in_panel`` (employment with
    ``panel=true``: over those who answered all three), ``income_rose`` and the medians of the income and of
    its change against the baseline, over those who answered."""
    completers = programme.completers
    panel = [j for j in completers if all(programme.answer_at(j, month) for month in FOLLOW_UP_MONTHS)]
    figures = {}
    for month in FOLLOW_UP_MONTHS:
        answers = [(j, answer) for j in completers if (answer := programme.answer_at(j, month))]
        changes = [answer.monthly_income_thb - j.person.monthly_income_thb for j, answer in answers]
        figures[follow_up_figures_key(month)] = {
            "due": len(completers),
            "completed": len(answers),
            "employed": sum(1 for _, answer in answers if answer.employment_type is not None),
            "panel": len(panel),
            "employed_in_panel": sum(1 for j in panel if _working_at(programme, j, month)),
            "income_rose": sum(1 for change in changes if change > 0),
            "median_income_change_thb": _median_baht(changes),
            "median_income_thb": _median_baht([answer.monthly_income_thb for _, answer in answers]),
        }
    return figures


def _working_at(programme: Programme, journey: JourneyPlan, month: int) -> bool:
    answer = programme.answer_at(journey, month)
    return answer is not None and answer.employment_type is not None


def _median_baht(amounts: list[Decimal]) -> str | None:
    """As the outcomes service gives a median: the mean of the two middle amounts, to the satang; None of none."""
    return None if not amounts else str(Decimal(statistics.median(amounts)).quantize(Decimal("0.01")))


def expected_groups(programme: Programme) -> dict[str, dict[str, int]]:
    """Enrolled cases per sex, age band (on registering) and track (of the cohort they ended in)."""
    enrolled = programme.enrolled
    return {
        "sex": dict(Counter(journey.person.sex for journey in enrolled)),
        "age_band": dict(Counter(journey.age_band or "UNKNOWN" for journey in enrolled)),
        "track": dict(Counter(journey.current_project.track for journey in enrolled)),
    }
