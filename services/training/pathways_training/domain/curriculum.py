"""A curriculum, co-designed with a community, in versions: Draft → CoDesigned → Approved → Retired.

Each version has its own lifecycle. Only the newest version can be changed: revising a Draft or
CoDesigned version replaces its content and makes it a Draft again (it has to be co-designed again);
revising when the newest version is Approved or Retired opens the next version as a Draft. Approved
versions stay usable by cohorts until they are retired.

Days keep their order: a version is co-designed no earlier than the day it was drafted (the draft, or
the revision that drafted or last replaced it), approved no earlier than the day it was co-designed,
and retired no earlier than the day it was approved; a revision is dated no earlier than the newest
version was drafted. Drafts and revisions recorded before their day was kept carry none, and nothing
is checked against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pathways_training.domain.errors import TrainingRuleError, refuse_if_before
from pathways_training.domain.project import KnownProject, require_known_project

DEFAULT_ATTENDANCE_THRESHOLD = 0.8


class Track(StrEnum):
    RESKILL = "RESKILL"  # new skills for new work
    UPSKILL = "UPSKILL"  # better skills in a new context


class CurriculumStatus(StrEnum):
    DRAFT = "DRAFT"
    CO_DESIGNED = "CO_DESIGNED"
    APPROVED = "APPROVED"
    RETIRED = "RETIRED"


@dataclass(frozen=True, kw_only=True)
class CurriculumContent:
    title: str
    track: Track
    competencies: tuple[str, ...]
    hours: Decimal
    attendance_threshold: float = DEFAULT_ATTENDANCE_THRESHOLD


@dataclass(frozen=True, kw_only=True)
class CurriculumDrafted:
    curriculum_id: UUID
    project_id: UUID
    content: CurriculumContent
    drafted_on: date | None = None  # None in curricula drafted before the day was kept


@dataclass(frozen=True, kw_only=True)
class CurriculumRevised:
    curriculum_id: UUID
    version: int
    content: CurriculumContent
    revised_on: date | None = None  # None in revisions recorded before the day was kept


@dataclass(frozen=True, kw_only=True)
class CurriculumCoDesigned:
    curriculum_id: UUID
    version: int
    community: str
    co_designed_on: date
    needs_assessment_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class CurriculumApproved:
    curriculum_id: UUID
    version: int
    approved_on: date


@dataclass(frozen=True, kw_only=True)
class CurriculumRetired:
    curriculum_id: UUID
    version: int
    retired_on: date


CurriculumEvent = CurriculumDrafted | CurriculumRevised | CurriculumCoDesigned | CurriculumApproved | CurriculumRetired


@dataclass(frozen=True, kw_only=True)
class CurriculumVersion:
    """``drafted_on`` is the day its content was drafted: the draft's, or the latest revision's."""

    version: int
    content: CurriculumContent
    drafted_on: date | None = None
    status: CurriculumStatus = CurriculumStatus.DRAFT
    co_designed_with: str | None = None
    co_designed_on: date | None = None
    approved_on: date | None = None
    retired_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Curriculum:
    curriculum_id: UUID
    project_id: UUID
    versions: tuple[CurriculumVersion, ...]

    @property
    def latest(self) -> CurriculumVersion:
        return self.versions[-1]

    def version(self, number: int) -> CurriculumVersion | None:
        return next((v for v in self.versions if v.version == number), None)


def curriculum_content(
    *,
    title: str,
    track: Track,
    competencies: Sequence[str],
    hours: Decimal,
    attendance_threshold: float = DEFAULT_ATTENDANCE_THRESHOLD,
) -> CurriculumContent:
    """Checked curriculum content (the rules every version's content follows)."""
    if not competencies:
        raise TrainingRuleError("a curriculum needs at least one competency", rule="competencies-required")
    if len(set(competencies)) != len(competencies):
        raise TrainingRuleError("a curriculum lists each competency once", rule="competencies-must-be-unique")
    if hours <= 0:
        raise TrainingRuleError(
            f"a curriculum needs a positive number of hours, not {hours}", rule="hours-must-be-positive"
        )
    if not 0 < attendance_threshold <= 1:
        raise TrainingRuleError(
            f"an attendance threshold is a share above 0 and at most 1, not {attendance_threshold}",
            rule="attendance-threshold-out-of-range",
        )
    return CurriculumContent(
        title=title,
        track=track,
        competencies=tuple(competencies),
        hours=hours,
        attendance_threshold=attendance_threshold,
    )


def draft_curriculum(
    state: Curriculum | None,
    *,
    curriculum_id: UUID,
    project: KnownProject | None,
    project_id: UUID,
    title: str,
    track: Track,
    competencies: Sequence[str],
    hours: Decimal,
    drafted_on: date,
    attendance_threshold: float = DEFAULT_ATTENDANCE_THRESHOLD,
) -> list[CurriculumDrafted]:
    """A curriculum for a project training has learned of; ``project`` is that project, if known."""
    if state is not None:
        raise TrainingRuleError(f"curriculum {curriculum_id} already exists", rule="curriculum-already-exists")
    require_known_project(project, project_id)
    checked = curriculum_content(
        title=title, track=track, competencies=competencies, hours=hours, attendance_threshold=attendance_threshold
    )
    return [
        CurriculumDrafted(curriculum_id=curriculum_id, project_id=project_id, content=checked, drafted_on=drafted_on)
    ]


def revise_curriculum(
    state: Curriculum | None,
    *,
    curriculum_id: UUID,
    title: str,
    track: Track,
    competencies: Sequence[str],
    hours: Decimal,
    revised_on: date,
    attendance_threshold: float = DEFAULT_ATTENDANCE_THRESHOLD,
) -> list[CurriculumRevised]:
    existing = existing_curriculum(state, curriculum_id)
    checked = curriculum_content(
        title=title, track=track, competencies=competencies, hours=hours, attendance_threshold=attendance_threshold
    )
    latest = existing.latest
    replaces_latest = latest.status in (CurriculumStatus.DRAFT, CurriculumStatus.CO_DESIGNED)
    if replaces_latest and latest.content == checked:
        return []
    refuse_if_before(
        revised_on,
        latest.drafted_on,
        rule="revision-before-draft",
        what=f"the revision of curriculum {curriculum_id}",
        after=f"version {latest.version} was drafted",
    )
    version = latest.version if replaces_latest else latest.version + 1
    return [CurriculumRevised(curriculum_id=curriculum_id, version=version, content=checked, revised_on=revised_on)]


def co_design(
    state: Curriculum | None,
    *,
    curriculum_id: UUID,
    version: int,
    community: str,
    co_designed_on: date,
    needs_assessment_id: UUID | None = None,
) -> list[CurriculumCoDesigned]:
    draft = _version_in(
        state, curriculum_id, version, CurriculumStatus.DRAFT, "only a draft is co-designed", "curriculum-must-be-draft"
    )
    refuse_if_before(
        co_designed_on,
        draft.drafted_on,
        rule="co-design-before-draft",
        what=f"the co-design of version {version} of curriculum {curriculum_id}",
        after="its draft",
    )
    return [
        CurriculumCoDesigned(
            curriculum_id=curriculum_id,
            version=version,
            community=community,
            co_designed_on=co_designed_on,
            needs_assessment_id=needs_assessment_id,
        )
    ]


def approve_curriculum(
    state: Curriculum | None, *, curriculum_id: UUID, version: int, approved_on: date
) -> list[CurriculumApproved]:
    co_designed = _version_in(
        state,
        curriculum_id,
        version,
        CurriculumStatus.CO_DESIGNED,
        "only a version co-designed with the community is approved",
        "curriculum-must-be-co-designed",
    )
    refuse_if_before(
        approved_on,
        co_designed.co_designed_on,
        rule="approval-before-co-design",
        what=f"the approval of version {version} of curriculum {curriculum_id}",
        after="its co-design",
    )
    return [CurriculumApproved(curriculum_id=curriculum_id, version=version, approved_on=approved_on)]


def retire_curriculum(
    state: Curriculum | None, *, curriculum_id: UUID, version: int, retired_on: date
) -> list[CurriculumRetired]:
    approved = _version_in(
        state,
        curriculum_id,
        version,
        CurriculumStatus.APPROVED,
        "only an approved version retires",
        "curriculum-must-be-approved",
    )
    refuse_if_before(
        retired_on,
        approved.approved_on,
        rule="retirement-before-approval",
        what=f"the retirement of version {version} of curriculum {curriculum_id}",
        after="its approval",
    )
    return [CurriculumRetired(curriculum_id=curriculum_id, version=version, retired_on=retired_on)]


def approved_version(state: Curriculum | None, *, curriculum_id: UUID, version: int) -> CurriculumVersion:
    """The version a cohort may follow: it exists and is approved (not draft, not retired)."""
    return _version_in(
        state,
        curriculum_id,
        version,
        CurriculumStatus.APPROVED,
        "a cohort follows an approved version",
        "curriculum-must-be-approved",
    )


def evolve_curriculum(state: Curriculum | None, event: object) -> Curriculum:
    match event:
        case CurriculumDrafted():
            return Curriculum(
                curriculum_id=event.curriculum_id,
                project_id=event.project_id,
                versions=(CurriculumVersion(version=1, content=event.content, drafted_on=event.drafted_on),),
            )
        case CurriculumRevised() if state is not None:
            draft = CurriculumVersion(version=event.version, content=event.content, drafted_on=event.revised_on)
            if event.version == state.latest.version:
                return replace(state, versions=(*state.versions[:-1], draft))
            return replace(state, versions=(*state.versions, draft))
        case CurriculumCoDesigned() if state is not None:
            return _with_version(
                state,
                event.version,
                status=CurriculumStatus.CO_DESIGNED,
                co_designed_with=event.community,
                co_designed_on=event.co_designed_on,
            )
        case CurriculumApproved() if state is not None:
            return _with_version(state, event.version, status=CurriculumStatus.APPROVED, approved_on=event.approved_on)
        case CurriculumRetired() if state is not None:
            return _with_version(state, event.version, status=CurriculumStatus.RETIRED, retired_on=event.retired_on)
    raise TypeError(f"a curriculum does not follow from {type(event).__name__} at {state}")


def existing_curriculum(state: Curriculum | None, curriculum_id: UUID) -> Curriculum:
    """The curriculum, which must exist (a command names it)."""
    if state is None:
        raise TrainingRuleError(f"there is no curriculum {curriculum_id}", rule="must-exist")
    return state


def _version(state: Curriculum, version: int) -> CurriculumVersion:
    found = state.version(version)
    if found is None:
        raise TrainingRuleError(
            f"curriculum {state.curriculum_id} has no version {version}", rule="unknown-curriculum-version"
        )
    return found


def _version_in(
    state: Curriculum | None, curriculum_id: UUID, version: int, status: CurriculumStatus, refusal: str, rule: str
) -> CurriculumVersion:
    """The version, if it exists and is in ``status``; otherwise the ``rule`` is broken (``refusal`` says why)."""
    current = _version(existing_curriculum(state, curriculum_id), version)
    if current.status is not status:
        raise TrainingRuleError(
            f"version {version} of curriculum {curriculum_id} is {current.status}; {refusal}", rule=rule
        )
    return current


def _with_version(
    state: Curriculum,
    version: int,
    *,
    status: CurriculumStatus,
    co_designed_with: str | None = None,
    co_designed_on: date | None = None,
    approved_on: date | None = None,
    retired_on: date | None = None,
) -> Curriculum:
    def changed(v: CurriculumVersion) -> CurriculumVersion:
        if v.version != version:
            return v
        return replace(
            v,
            status=status,
            co_designed_with=co_designed_with or v.co_designed_with,
            co_designed_on=co_designed_on or v.co_designed_on,
            approved_on=approved_on or v.approved_on,
            retired_on=retired_on or v.retired_on,
        )

    return replace(state, versions=tuple(changed(v) for v in state.versions))
