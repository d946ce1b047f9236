"""The demo programme, decided up front: pure and deterministic for a seed (no I/O, no clock).

194 projects run by career development units in 51 provinces across the programme's 4 regions;
14,414 enrolled participants, plus applicants screened out. Each enrolled participant gets a fate:
withdrawn, dropped out, or completed, and a completer an outcome: wage employment, self-employment,
an enterprise, a community enterprise, or none yet. Some transfer to another project mid-training.
:func:`expected_totals` says what the outcomes service's programme totals must then show, and
:func:`expected_groups` how many cases its indicators count in each group of their breakdowns.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from pathways_contracts.reference import PROGRAMME_REGIONS, age_band_of
from pathways_enrollment.domain.national_id import check_digit
from pathways_enrollment.domain.screening import age_on

ARTICLE_PROJECTS = 194
ARTICLE_PROVINCES = 51
ARTICLE_PARTICIPANTS = 14_414
SESSIONS_PER_COHORT = 5
SESSION_HOURS = Decimal("6")
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
class JourneyPlan:
    """One applicant: screened out, or enrolled with a fate (and, when completed, an outcome)."""

    person: PersonPlan
    project: ProjectPlan
    screened_out: bool = False
    fate: Fate | None = None
    outcome: Outcome | None = None
    transfer_to: ProjectPlan | None = None
    sessions_attended: int = 0
    income_after_thb: Decimal | None = None

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

    @property
    def run_id(self) -> str:
        """Names this programme in idempotency keys: the seed and the scale decide everything in it."""
        return f"{self.seed}-{len(self.journeys)}-{len(self.projects)}"

    @property
    def enrolled(self) -> list[JourneyPlan]:
        return [journey for journey in self.journeys if not journey.screened_out]


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
    journeys = _enrolled(rng, ids, planned, participants) + _screened_out(rng, ids, planned, participants)
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
    outcomes = Counter(journey.outcome.value for journey in enrolled if journey.outcome is not None)
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
    }


def expected_groups(programme: Programme) -> dict[str, dict[str, int]]:
    """Enrolled cases per sex, age band (on registering) and track (of the cohort they ended in)."""
    enrolled = programme.enrolled
    return {
        "sex": dict(Counter(journey.person.sex for journey in enrolled)),
        "age_band": dict(Counter(journey.age_band or "UNKNOWN" for journey in enrolled)),
        "track": dict(Counter(journey.current_project.track for journey in enrolled)),
    }
