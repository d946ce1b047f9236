"""The demo's phases: what each unit, project, participant and cohort goes through, as HTTP commands."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from pathways_infra.demo.driver import Driver
from pathways_infra.demo.plan import (
    ATTENDANCE_THRESHOLD,
    CURRICULUM_HOURS,
    OPENS_BEFORE_START,
    SESSION_HOURS,
    SESSION_STARTS_AT,
    Answer,
    Fate,
    JourneyPlan,
    Outcome,
    Programme,
    ProjectPlan,
    Reply,
    community_enterprises,
)

Step = Callable[[], Awaitable[None]]
DEMO_IDS = UUID("3f6f5f0e-8d7c-4d0b-a3a5-5d1c2e9b7a10")
PROPOSED_BEFORE_START = timedelta(days=60)  # a project (and its unit, registered that day) before its cohort starts


class ProgrammeRun:
    """Sends the programme, phase after phase; each phase waits for the one before it."""

    def __init__(self, driver: Driver, programme: Programme) -> None:
        self.d = driver
        self.p = programme
        self.enrollment_ids: dict[UUID, str] = {}

    async def everything(self) -> None:
        journeys = self.p.journeys
        enrolled = self.p.enrolled
        await self.d.phase("units", [self._unit(p) for p in self.p.projects], total=len(self.p.projects))
        await self.d.phase("projects", [self._project(p) for p in self.p.projects], total=len(self.p.projects))
        await self.d.phase("mentors", [self._mentor(m, ps) for m, ps in self.p.mentors], total=len(self.p.mentors))
        await self.d.phase(
            "curricula and cohorts", [self._cohort(p) for p in self.p.projects], total=len(self.p.projects)
        )
        await self.d.phase("participants: register → enroll", [self._intake(j) for j in journeys], total=len(journeys))
        members = self._original_members()
        await self.d.phase("cohort members", [self._members(p, members[p.project_id]) for p in self.p.projects],
                           total=len(self.p.projects))  # fmt: skip
        moving = [j for j in enrolled if j.transfer_to is not None]
        await self.d.phase("transfers", [self._transfer(j) for j in moving], total=len(moving))
        await self.d.phase(
            "sessions and attendance", [self._sessions(p) for p in self.p.projects], total=len(self.p.projects)
        )
        leaving = [j for j in enrolled if j.fate is not Fate.COMPLETED]
        await self.d.phase("dropouts and withdrawals", [self._leave(j) for j in leaving], total=len(leaving))
        completing = [j for j in enrolled if j.fate is Fate.COMPLETED]
        await self.d.phase("completions", [self._complete(j) for j in completing], total=len(completing))
        await self.d.phase("outcomes", [self._outcome(j) for j in completing], total=len(completing))
        groups = community_enterprises(self.p)
        await self.d.phase("community enterprises", [self._community_enterprise(pid, js) for pid, js in groups.items()],
                           total=len(groups))  # fmt: skip
        for month in self.p.follow_up_months:
            asked = [j for j in completing if self._asked(j, month)]
            await self.d.phase(f"{month}-month follow-ups", [self._follow_up(j, month) for j in asked],
                               total=len(asked))  # fmt: skip

    # --- projects ----------------------------------------------------------------------------

    def _unit(self, project: ProjectPlan) -> Step:
        async def step() -> None:
            unit = {
                "unit_id": str(project.unit_id),
                "name": f"CDU {project.index + 1}",
                "province_code": project.province_code,
                "registered_on": str(project.starts_on - PROPOSED_BEFORE_START),  # no later than its proposal
            }
            await self.d.send(self.d.command("enrollment", "/units", unit, f"unit-{project.index}"))
            await self.d.send(
                self.d.command("enrollment", f"/units/{project.unit_id}/activation", {}, f"unit-on-{project.index}")
            )

        return step

    def _project(self, project: ProjectPlan) -> Step:
        async def step() -> None:
            path, n = f"/projects/{project.project_id}", project.index
            proposal = {
                "project_id": str(project.project_id), "name": project.name, "province_code": project.province_code,
                "unit_id": str(project.unit_id), "grant_thb": "450000",
                "proposed_on": str(project.starts_on - PROPOSED_BEFORE_START),
            }  # fmt: skip
            needs = {
                "problems": ["informal workers lost income in COVID-19"],
                "community_capital": ["local crafts", "community savings group"],
                "opportunities": ["online markets", "community tourism"],
                "assessed_on": str(project.starts_on - PROPOSED_BEFORE_START),
            }
            await self.d.send(self.d.command("enrollment", "/projects", proposal, f"project-{n}"))
            await self.d.send(self.d.command("enrollment", f"{path}/needs-assessment", needs, f"needs-{n}"))
            await self.d.send(self.d.command("enrollment", f"{path}/needs-assessment/validation", {}, f"valid-{n}"))
            opened = {"on": str(project.starts_on - OPENS_BEFORE_START)}  # before its first applications
            await self.d.send(self.d.command("enrollment", f"{path}/approval", opened, f"approve-{n}"))
            started = {"on": str(project.starts_on)}  # active from its training's start, not the day the demo runs
            await self.d.send(self.d.command("enrollment", f"{path}/activation", started, f"activate-{n}"))

        return step

    def _mentor(self, mentor_id: UUID, projects: list[ProjectPlan]) -> Step:
        async def step() -> None:
            await self.d.send(
                self.d.command("enrollment", "/mentors", {"mentor_id": str(mentor_id)}, f"mentor-{mentor_id}")
            )
            for project in projects:
                assignment = {
                    "project_id": str(project.project_id),
                    "from_date": str(project.starts_on - timedelta(days=30)),
                }
                path = f"/mentors/{mentor_id}/assignments"
                await self.d.send(self.d.command("enrollment", path, assignment, f"assign-{mentor_id}-{project.index}"))

        return step

    def _cohort(self, project: ProjectPlan) -> Step:
        async def step() -> None:
            n, curriculum = project.index, f"/curricula/{project.curriculum_id}"
            designed_on = str(project.starts_on - timedelta(days=45))
            draft = {
                "curriculum_id": str(project.curriculum_id), "project_id": str(project.project_id),
                "title": project.name, "track": project.track, "competencies": ["craft skills", "selling online"],
                "hours": str(CURRICULUM_HOURS), "attendance_threshold": ATTENDANCE_THRESHOLD, "drafted_on": designed_on,
            }  # fmt: skip
            co_design = {"version": 1, "community": f"community of project {n + 1}", "co_designed_on": designed_on}
            cohort = {
                "cohort_id": str(project.cohort_id), "project_id": str(project.project_id),
                "curriculum_id": str(project.curriculum_id), "curriculum_version": 1,
                "starts_on": str(project.starts_on),
            }  # fmt: skip
            send, cmd = self.d.send, self.d.command
            await send(cmd("training", "/curricula", draft, f"curriculum-{n}", waits=True))
            await send(cmd("training", f"{curriculum}/co-design", co_design, f"co-design-{n}"))
            await send(
                cmd("training", f"{curriculum}/approval", {"version": 1, "approved_on": designed_on}, f"approve-c-{n}")
            )
            await send(cmd("training", "/cohorts", cohort, f"cohort-{n}", waits=True))
            start = {"started_on": str(project.starts_on)}
            await send(cmd("training", f"/cohorts/{project.cohort_id}/start", start, f"start-{n}"))

        return step

    # --- participants ------------------------------------------------------------------------

    def _intake(self, journey: JourneyPlan) -> Step:
        async def step() -> None:
            person, pid = journey.person, journey.person.participant_id
            registration = {
                "participant_id": str(pid),
                "personal_data": {
                    "full_name": person.full_name, "national_id": person.national_id, "phone": person.phone,
                    "address": f"{person.address}, {journey.project.province_code}",
                    "date_of_birth": str(person.date_of_birth),
                },
                "sex": person.sex, "registered_on": str(journey.registered_on),
                "consent": {
                    "purposes": ["programme-participation", "outcome-follow-up"], "notice_version": "2021-06",
                    "granted_at": journey.consented_at.isoformat(),
                },
            }  # fmt: skip
            application = {
                "participant_id": str(pid), "project_id": str(journey.project.project_id),
                "applied_on": str(journey.applied_on),
                "baseline": {
                    "employment_status": person.employment_status, "occupation": None,
                    "monthly_income_thb": str(person.monthly_income_thb), "informal_worker": person.informal_worker,
                    "covid_affected": person.covid_affected,
                },
            }  # fmt: skip
            await self.d.send(self.d.command("enrollment", "/participants", registration, f"register-{pid}"))
            case = await self.d.send(self.d.command("enrollment", "/enrollments", application, f"apply-{pid}"))
            case_path = f"/enrollments/{case['id']}"
            screening = {"screened_on": str(journey.screened_on)}
            await self.d.send(self.d.command("enrollment", f"{case_path}/screening", screening, f"screen-{pid}"))
            self.enrollment_ids[pid] = case["id"]
            if not journey.screened_out:
                enrolling = {"enrolled_on": str(journey.enrolled_on)}
                await self.d.send(self.d.command("enrollment", f"{case_path}/enrollment", enrolling, f"enroll-{pid}"))

        return step

    def _case(self, journey: JourneyPlan) -> str:
        return self.enrollment_ids[journey.person.participant_id]

    def _original_members(self) -> dict[UUID, list[JourneyPlan]]:
        members: dict[UUID, list[JourneyPlan]] = defaultdict(list)
        for journey in self.p.enrolled:
            members[journey.project.project_id].append(journey)
        return members

    def _members(self, project: ProjectPlan, journeys: list[JourneyPlan]) -> Step:
        async def step() -> None:
            if not journeys:
                return
            joined_on = max(j.enrolled_on for j in journeys)  # no one joins a cohort before being enrolled
            body = {"enrollment_ids": [self._case(j) for j in journeys], "assigned_on": str(joined_on)}
            path = f"/cohorts/{project.cohort_id}/members"
            await self.d.send(self.d.command("training", path, body, f"members-{project.index}", waits=True))

        return step

    def _transfer(self, journey: JourneyPlan) -> Step:
        async def step() -> None:
            assert journey.transfer_to is not None
            case, target = self._case(journey), journey.transfer_to
            moved = {"to_project_id": str(target.project_id), "transferred_on": str(journey.transferred_on),
                     "reason": "RELOCATION"}  # fmt: skip
            await self.d.send(self.d.command("enrollment", f"/enrollments/{case}/transfer", moved, f"transfer-{case}"))
            await self._training_knows_project(case, target)
            cohort_move = {"to_cohort_id": str(target.cohort_id), "transferred_on": str(journey.transferred_on)}
            path = f"/training-records/{case}/cohort-transfer"
            await self.d.send(self.d.command("training", path, cohort_move, f"cohort-transfer-{case}", waits=True))

        return step

    async def _training_knows_project(self, case: str, target: ProjectPlan) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            response = await self.d.get("training", f"/training-records/{case}")
            if response.status_code == 200 and response.json().get("project_id") == str(target.project_id):
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"training never learned that enrollment {case} moved to project {target.project_id}")

    def _sessions(self, project: ProjectPlan) -> Step:
        members = [j for j in self.p.enrolled if j.current_project is project]

        async def step() -> None:
            for number, held_on in enumerate(project.session_days):
                attended = [self._case(j) for j in members if j.sessions_attended > number]
                session = {
                    "session_id": str(uuid5(DEMO_IDS, f"{project.cohort_id}:{number}")),
                    "held_on": str(held_on), "starts_at": SESSION_STARTS_AT, "hours": str(SESSION_HOURS),
                    "attended": attended,
                }  # fmt: skip
                path = f"/cohorts/{project.cohort_id}/sessions"
                await self.d.send(self.d.command("training", path, session, f"session-{project.index}-{number}"))

        return step

    def _leave(self, journey: JourneyPlan) -> Step:
        async def step() -> None:
            case = self._case(journey)
            if journey.fate is Fate.DROPPED_OUT:
                dropout = {"reason": "FAMILY_DUTIES", "dropped_out_on": str(journey.left_on)}
                await self.d.send(
                    self.d.command("training", f"/training-records/{case}/dropout", dropout, f"drop-{case}")
                )
            else:
                withdrawal = {"reason": "PARTICIPANT_REQUEST", "withdrawn_on": str(journey.left_on)}
                path = f"/enrollments/{case}/withdrawal"
                await self.d.send(self.d.command("enrollment", path, withdrawal, f"withdraw-{case}"))

        return step

    def _complete(self, journey: JourneyPlan) -> Step:
        async def step() -> None:
            case = self._case(journey)
            completion = {"completed_on": str(journey.current_project.ends_on)}
            path = f"/training-records/{case}/completion"
            await self.d.send(self.d.command("training", path, completion, f"complete-{case}"))

        return step

    # --- outcomes ----------------------------------------------------------------------------

    def _outcome(self, journey: JourneyPlan) -> Step:
        async def step() -> None:
            case, ends = self._case(journey), journey.current_project.ends_on
            if journey.outcome in (Outcome.WAGE, Outcome.SELF_EMPLOYED):
                assert journey.outcome is not None
                employment = {
                    "employment_type": journey.outcome.value, "related_to_training": True,
                    "monthly_income_thb": str(journey.income_after_thb), "days_to_first_job": 30,
                    "observed_on": str(ends + timedelta(days=30)),
                }  # fmt: skip
                path = f"/cases/{case}/employment"
                await self.d.send(self.d.command("outcomes", path, employment, f"employment-{case}", waits=True))
            elif journey.outcome is Outcome.ENTERPRISE:
                enterprise = {
                    "enterprise_id": str(uuid5(DEMO_IDS, f"enterprise:{case}")), "kind": "ENTERPRISE",
                    "name": f"{journey.current_project.name} family shop",  # never from personal data: it is published
                    "project_id": str(journey.current_project.project_id),
                    "enrollment_ids": [case], "members_count": 2, "products": ["processed food"],
                    "started_on": str(ends + timedelta(days=20)),
                }  # fmt: skip
                await self.d.send(
                    self.d.command("outcomes", "/enterprises", enterprise, f"enterprise-{case}", waits=True)
                )

        return step

    def _community_enterprise(self, project_id: UUID, journeys: list[JourneyPlan]) -> Step:
        async def step() -> None:
            project = journeys[0].current_project
            enterprise = {
                "enterprise_id": str(uuid5(DEMO_IDS, f"community-enterprise:{project_id}")),
                "kind": "COMMUNITY_ENTERPRISE", "name": f"Community enterprise of {project.name}",
                "project_id": str(project_id), "enrollment_ids": [self._case(j) for j in journeys],
                "members_count": max(7, len(journeys) + 3), "products": ["handicrafts", "local food"],
                "started_on": str(max(j.current_project.ends_on for j in journeys) + timedelta(days=40)),
            }  # fmt: skip
            key = f"community-enterprise-{project.index}"
            await self.d.send(self.d.command("outcomes", "/enterprises", enterprise, key, waits=True))

        return step

    def _asked(self, journey: JourneyPlan, month: int) -> bool:
        """Whether the round has something to send for the journey: an answer, a miss, or the withdrawal of
        consent that stops it (the rounds after that have nothing: outcomes marks them missed itself)."""
        planned = journey.follow_up(month)
        if planned is None:
            return False
        return planned.reply is not Reply.CONSENT_WITHDRAWN or self.p.consent_withdrawn_in(journey) == month

    def _follow_up(self, journey: JourneyPlan, month: int) -> Step:
        planned = journey.follow_up(month)
        assert planned is not None

        async def step() -> None:
            if planned.answer is not None:
                await self._answer(journey, month, planned.answer)
            elif planned.missed_on is not None:
                await self._miss(journey, month, planned.reply, planned.missed_on)
            else:
                await self._withdraw_follow_up_consent(journey)

        return step

    async def _answer(self, journey: JourneyPlan, month: int, answer: Answer) -> None:
        case = self._case(journey)
        body: dict[str, Any] = {"completed_on": str(answer.on), "monthly_income_thb": str(answer.monthly_income_thb)}
        if answer.employment_type is not None:
            # In work: what the employment indicator of that round counts.
            body |= {"employment_type": answer.employment_type.value, "related_to_training": answer.related_to_training}
        path = f"/cases/{case}/follow-ups/{month}"
        await self.d.send(self.d.command("outcomes", path, body, f"follow-up-{month}-{case}", waits=True))

    async def _miss(self, journey: JourneyPlan, month: int, reason: Reply, missed_on: date) -> None:
        case = self._case(journey)
        body = {"reason": reason.value, "missed_on": str(missed_on)}
        path = f"/cases/{case}/follow-ups/{month}/missed"
        await self.d.send(self.d.command("outcomes", path, body, f"follow-up-{month}-missed-{case}", waits=True))

    async def _withdraw_follow_up_consent(self, journey: JourneyPlan) -> None:
        """Enrollment tells outcomes, which marks every open follow-up of the case missed and takes no more."""
        pid, withdrawn_at = journey.person.participant_id, journey.follow_up_consent_withdrawn_at
        assert withdrawn_at is not None
        body = {"purposes": ["outcome-follow-up"], "withdrawn_at": withdrawn_at.isoformat()}
        path = f"/participants/{pid}/consents/withdrawal"
        await self.d.send(self.d.command("enrollment", path, body, f"follow-up-consent-off-{pid}"))
