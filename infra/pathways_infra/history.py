"""A participant's whole history across the three services, read from the event stores.

The event stores are the source of truth (ARCHITECTURE §5): an audit replay reads them, never the
read models. Every stored event, public or private, that concerns the participant is found: those
naming them (``participant_id``) or one of their enrollments (``enrollment_id``), those naming them
among others (a potential duplicate, the enrollments starting an enterprise: marked *shared*), and
the later events of an enterprise they are a member of (shared as well).

"State as of": an event is kept if it had happened by one time (``occurred_at``, "as it happened")
and/or the system had recorded it by another (``recorded_at``, "as it was recorded"). A summary
folds the kept events into each aggregate's stage: the participant's registry entry and each case
(enrollment), training record (training), outcomes case and enterprise (outcomes).

Everything but the readers at the end is pure: selecting, filtering, ordering, summarising and
describing take events and give values, so they are tested without servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import TypeAdapter

from pathways_infra.database import DatabaseAddress
from pathways_infra.event_rows import EVENT_COLUMNS
from pathways_infra.eventstore import RecordedEvent, RecordedEventMapper
from pathways_infra.relay_encoding import Translator
from pathways_infra.settings import SERVICE_NAMES, ServiceName
from pathways_infra.stream_audit import store_codec
from pathways_infra.thai_time import THAI_TIME

Order = Literal["happened", "recorded"]
ORDERS: tuple[Order, ...] = ("happened", "recorded")

CONNECT_TIMEOUT_SECONDS = 10.0

OWNER_FIELDS = frozenset({"participant_id", "enrollment_id"})
"""An event carrying the participant's id or one of their enrollments' in these is about them."""

OTHERS_FIELDS = frozenset({"duplicate_of", "participant_enrollment_ids"})
"""Fields that name other participants too: an event with one concerns several participants."""

GROUP_EVENTS = frozenset({"EnterpriseStarted", "EnterpriseMemberJoined"})
"""Events by which a participant joins a group aggregate: its later events concern them too."""


# --- events --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class HistoryEvent:
    """A stored event as the audit shows it. ``data`` is the domain event as JSON (no personal data)."""

    service: ServiceName
    notification_id: int
    aggregate_id: UUID
    version: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    subject: str | None  # the integration subject the relay publishes it on; None: private
    event_id: UUID
    actor_id: str
    actor_role: str
    actor_unit: str | None
    correlation_id: UUID
    causation_id: str | None
    data: Mapping[str, Any]
    shared: bool = False  # concerns several participants
    backdated: bool = False  # happened before an event recorded earlier

    @property
    def public(self) -> bool:
        return self.subject is not None

    @property
    def key(self) -> tuple[str, int]:
        return (self.service, self.notification_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "notification_id": self.notification_id,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "public": self.public,
            "subject": self.subject,
            "event_id": str(self.event_id),
            "actor": {"id": self.actor_id, "role": self.actor_role, "unit": self.actor_unit},
            "correlation_id": str(self.correlation_id),
            "causation_id": self.causation_id,
            "shared": self.shared,
            "backdated": self.backdated,
            "data": dict(self.data),
        }


_data_adapters: dict[type[Any], TypeAdapter[Any]] = {}


def event_data(event: object) -> dict[str, Any]:
    """The domain event's fields as JSON values (ids and dates as strings, amounts as decimal strings)."""
    event_type = type(event)
    adapter = _data_adapters.get(event_type)
    if adapter is None:
        adapter = _data_adapters[event_type] = TypeAdapter(event_type)
    data: dict[str, Any] = adapter.dump_python(event, mode="json")
    return data


def history_event(service: ServiceName, recorded: RecordedEvent, subject: str | None) -> HistoryEvent:
    meta = recorded.metadata
    return HistoryEvent(
        service=service,
        notification_id=recorded.notification_id or 0,
        aggregate_id=recorded.originator_id,
        version=recorded.originator_version,
        event_type=type(recorded.event).__name__,
        occurred_at=meta.occurred_at,
        recorded_at=recorded.recorded_at,
        subject=subject,
        event_id=meta.event_id,
        actor_id=meta.actor.id,
        actor_role=meta.actor.role,
        actor_unit=meta.actor.unit,
        correlation_id=meta.correlation_id,
        causation_id=meta.causation_id,
        data=event_data(recorded.event),
    )


# --- which events concern the participant --------------------------------------------------------

Relation = Literal["own", "shared"]


def relation(data: Mapping[str, Any], participant_id: str, enrollment_ids: Collection[str]) -> Relation | None:
    """How an event's data concerns the participant: about them alone, shared with others, or not at all."""
    owned = data.get("participant_id") == participant_id or data.get("enrollment_id") in enrollment_ids
    ours = {participant_id, *enrollment_ids}
    named_elsewhere = any(_mentions(value, ours) for name, value in data.items() if name not in OWNER_FIELDS)
    if not (owned or named_elsewhere):
        return None
    names_others = any(data.get(name) for name in OTHERS_FIELDS)
    return "own" if owned and not names_others else "shared"


def _mentions(value: Any, ids: Collection[str]) -> bool:
    if isinstance(value, str):
        return value in ids
    if isinstance(value, Mapping):
        return any(_mentions(item, ids) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(item, ids) for item in value)
    return False


def enrollment_ids_of(events: Iterable[HistoryEvent], participant_id: str) -> frozenset[str]:
    """The participant's enrollments: every ``enrollment_id`` beside their ``participant_id``."""
    return frozenset(
        str(e.data["enrollment_id"])
        for e in events
        if e.data.get("participant_id") == participant_id and e.data.get("enrollment_id")
    )


def group_joins(events: Iterable[HistoryEvent]) -> dict[tuple[ServiceName, UUID], int]:
    """Group aggregates the participant joined, and the version at which they joined."""
    joins: dict[tuple[ServiceName, UUID], int] = {}
    for e in events:
        if e.event_type in GROUP_EVENTS:
            at = (e.service, e.aggregate_id)
            joins[at] = min(joins.get(at, e.version), e.version)
    return joins


def select(
    candidates: Iterable[HistoryEvent],
    participant_id: str,
    group_events: Iterable[HistoryEvent] = (),
) -> list[HistoryEvent]:
    """The candidates that really concern the participant (a byte search also finds look-alikes), marked
    shared where they concern others too; then the later events of the groups they joined. No duplicates."""
    candidates = list(candidates)
    enrollment_ids = enrollment_ids_of(candidates, participant_id)
    chosen: dict[tuple[str, int], HistoryEvent] = {}
    for e in candidates:
        related = relation(e.data, participant_id, enrollment_ids)
        if related is not None:
            chosen.setdefault(e.key, replace(e, shared=related == "shared"))
    joins = group_joins(chosen.values())
    for e in group_events:
        joined_at = joins.get((e.service, e.aggregate_id))
        if joined_at is not None and e.version > joined_at:
            chosen.setdefault(e.key, replace(e, shared=True))
    return list(chosen.values())


# --- as of, and in which order -------------------------------------------------------------------


def parse_moment(text: str) -> datetime:
    """A cutoff: a date means the end of that day in Thailand, where every day the services record is a
    Thai day; a date and time without an offset is Thai time too."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=THAI_TIME)
    return datetime.combine(day, time.max, THAI_TIME)


@dataclass(frozen=True)
class Cutoffs:
    """What had happened by ``happened_by``, as far as the system had recorded it by ``recorded_by``."""

    happened_by: datetime | None = None
    recorded_by: datetime | None = None

    def keeps(self, event: HistoryEvent) -> bool:
        return (self.happened_by is None or event.occurred_at <= self.happened_by) and (
            self.recorded_by is None or event.recorded_at <= self.recorded_by
        )


def within(events: Iterable[HistoryEvent], cutoffs: Cutoffs) -> list[HistoryEvent]:
    return [e for e in events if cutoffs.keeps(e)]


def _service_rank(service: ServiceName) -> int:
    return SERVICE_NAMES.index(service)


def recorded_key(event: HistoryEvent) -> tuple[datetime, int, int]:
    """Recorded time, then the store's own order (events committed together share a time)."""
    return (event.recorded_at, _service_rank(event.service), event.notification_id)


def happened_key(event: HistoryEvent) -> tuple[datetime, datetime, int, int]:
    return (event.occurred_at, *recorded_key(event))


def ordered(events: Iterable[HistoryEvent], order: Order = "happened") -> list[HistoryEvent]:
    return sorted(events, key=happened_key if order == "happened" else recorded_key)


def mark_backdated(events: Iterable[HistoryEvent]) -> list[HistoryEvent]:
    """Mark each event that happened before some event recorded earlier (in recorded order)."""
    marked: list[HistoryEvent] = []
    latest: datetime | None = None
    for e in ordered(events, "recorded"):
        marked.append(replace(e, backdated=latest is not None and e.occurred_at < latest))
        latest = e.occurred_at if latest is None else max(latest, e.occurred_at)
    return marked


# --- the state as of the cutoffs -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Stage:
    """Where one of the participant's aggregates stands: ``kind`` is what it is (``participant``,
    ``enrollment``, ``training record``, ``outcomes case``, ``enterprise``)."""

    service: ServiceName
    kind: str
    aggregate_id: UUID
    stage: str
    facts: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "kind": self.kind,
            "aggregate_id": str(self.aggregate_id),
            "stage": self.stage,
            "facts": dict(self.facts),
        }


@dataclass
class _Unit:
    kind: str
    stage: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


Fold = Callable[[_Unit, Mapping[str, Any]], None]


def _stage(kind: str, stage: str, *copied: str) -> tuple[str, Fold]:
    """A step that sets the stage and copies some of the event's fields into the facts."""

    def fold(unit: _Unit, data: Mapping[str, Any]) -> None:
        unit.stage = stage
        unit.facts.update({name: data[name] for name in copied if data.get(name) is not None})

    return kind, fold


def _fact(kind: str, update: Callable[[dict[str, Any], Mapping[str, Any]], None]) -> tuple[str, Fold]:
    """A step that leaves the stage as it is (or sets the kind's first) and updates the facts."""

    def fold(unit: _Unit, data: Mapping[str, Any]) -> None:
        unit.stage = unit.stage or _FIRST_STAGE[kind]
        update(unit.facts, data)

    return kind, fold


def _consent(granted: bool) -> Callable[[dict[str, Any], Mapping[str, Any]], None]:
    def update(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
        consents = facts.setdefault("consents", {})
        for purpose in data.get("purposes", ()):
            consents[purpose] = "granted" if granted else "withdrawn"

    return update


def _consent_stage(unit: _Unit, data: Mapping[str, Any], *, granted: bool) -> None:
    _consent(granted)(unit.facts, data)
    if unit.stage in ("registered", "consented", "consent withdrawn"):
        active = any(state == "granted" for state in unit.facts["consents"].values())
        unit.stage = "consented" if active else "consent withdrawn"


def _duplicate(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.facts["duplicate_of"] = data.get("duplicate_of")
    if data.get("resolution") is None:
        unit.stage = "potential duplicate"
    elif data["resolution"] == "MERGED":
        unit.stage = "merged"
    else:
        unit.facts.pop("duplicate_of")
        active = any(state == "granted" for state in unit.facts.get("consents", {}).values())
        unit.stage = "consented" if active else "registered"


def _screened(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "screened" if data.get("passed") else "screened out"
    unit.facts["screened_on"] = data.get("screened_on")


def _withdrawn_case(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "withdrawn"
    unit.facts.update(withdrawn_on=data.get("withdrawn_on"), withdrawal_reason=data.get("reason"))


def _moved(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "transferred"
    unit.facts.update(project_id=data.get("project_id"), transferred_on=data.get("transferred_on"))


def _attendance(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    marks = facts.setdefault("_marks", {})
    marks[data["session_id"]] = bool(data.get("attended"))
    facts["sessions_marked"] = len(marks)
    facts["sessions_attended"] = sum(marks.values())


def _assessed(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    facts["assessments"] = [*facts.get("assessments", []), data.get("phase")]


def _in_cohort(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "in a cohort"
    unit.facts["cohort_id"] = data.get("cohort_id") or data.get("to_cohort_id")


def _scheduled(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "following up"
    unit.facts.update(training_completed_on=data.get("completed_on"), follow_ups_due=data.get("due_dates"))


def _follow_up(outcome: str) -> Callable[[dict[str, Any], Mapping[str, Any]], None]:
    def update(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
        day = data.get("completed_on") or data.get("missed_on")
        facts.setdefault("follow_ups", {})[str(data["month"])] = f"{outcome} on {day}"

    return update


def _employment(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    facts["employment"] = {
        "type": data.get("employment_type"),
        "monthly_income_thb": data.get("monthly_income_thb"),
        "related_to_training": data.get("related_to_training"),
        "follow_up_month": data.get("follow_up_month"),
    }


def _income(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    facts.setdefault("incomes", {})[str(data["at_month"])] = data.get("monthly_income_thb")


def _baseline(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    facts["baseline_income_thb"] = data.get("monthly_income_thb")


def _baseline_corrected(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    """The day and the corrected income (the reason, free text, stays in the event)."""
    facts["baseline_corrected_on"] = data.get("corrected_on")
    profile = data.get("profile")
    income = profile.get("monthly_income_thb") if isinstance(profile, Mapping) else data.get("monthly_income_thb")
    facts["baseline_income_thb"] = income


def _rectified(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    """Which fields were corrected (never their values); a corrected date of birth may change the band."""
    facts["corrected"] = sorted({*facts.get("corrected", ()), *data.get("fields", ())})
    if "date_of_birth" in data.get("fields", ()) and data.get("age_band") is not None:
        facts["age_band"] = data["age_band"]


def _registration_day(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    """A corrected registration day replaces the one recorded, and the band taken on it."""
    facts["registered_on"] = data.get("registered_on")
    if data.get("age_band") is not None:
        facts["age_band"] = data["age_band"]


def _enterprise_started(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = "forming"
    unit.facts.update(name=data.get("name"), kind=data.get("kind"), members_count=data.get("members_count"))


def _member_joined(unit: _Unit, data: Mapping[str, Any]) -> None:
    unit.stage = unit.stage or _FIRST_STAGE[_ENTERPRISE]  # it may have started before they joined: not shown
    if isinstance(unit.facts.get("members_count"), int):
        unit.facts["members_count"] += 1


def _members_counted(facts: dict[str, Any], data: Mapping[str, Any]) -> None:
    facts["members_count"] = data.get("members_count")


_PARTICIPANT, _CASE, _RECORD, _OUTCOMES, _ENTERPRISE = (
    "participant",
    "enrollment",
    "training record",
    "outcomes case",
    "enterprise",
)
_FIRST_STAGE = {
    _PARTICIPANT: "registered",
    _CASE: "applied",
    _RECORD: "opened",
    _OUTCOMES: "baseline noted",  # enrollment's baseline may reach outcomes before anything else
    _ENTERPRISE: "forming",
}

_FOLDS: dict[str, tuple[str, Fold]] = {
    # enrollment: the registry entry
    "ParticipantRegistered": _stage(_PARTICIPANT, "registered", "age_band", "sex", "registered_on"),
    "RegistrationDayCorrected": _fact(_PARTICIPANT, _registration_day),
    "ConsentGranted": (_PARTICIPANT, lambda unit, data: _consent_stage(unit, data, granted=True)),
    "ConsentWithdrawn": (_PARTICIPANT, lambda unit, data: _consent_stage(unit, data, granted=False)),
    "ParticipantFlaggedAsPotentialDuplicate": (_PARTICIPANT, _duplicate),
    "ParticipantDuplicateResolved": (_PARTICIPANT, _duplicate),
    "ParticipantErased": _stage(_PARTICIPANT, "erased", "erased_on"),
    "PersonalDataRectified": _fact(_PARTICIPANT, _rectified),
    # enrollment: a case
    "EnrollmentApplied": _stage(_CASE, "applied", "project_id", "applied_on"),
    "BaselineProfileRecorded": _stage(_CASE, "applied"),
    "ParticipantScreened": (_CASE, _screened),
    "ParticipantEnrolled": _stage(_CASE, "enrolled", "project_id", "enrolled_on"),
    "BaselineCorrected": _fact(_CASE, _baseline_corrected),
    "EnrollmentTransferred": (_CASE, _moved),
    "EnrollmentWithdrawn": (_CASE, _withdrawn_case),
    # training: a record
    "TrainingRecordOpened": _stage(_RECORD, "opened", "project_id"),
    "EnrollmentTransferNoted": _fact(_RECORD, lambda facts, data: facts.update(project_id=data.get("to_project_id"))),
    "AssignedToCohort": (_RECORD, _in_cohort),
    "TransferredToCohort": (_RECORD, _in_cohort),
    "AttendanceRecorded": _fact(_RECORD, _attendance),
    "SkillsAssessed": _fact(_RECORD, _assessed),
    "TrainingCompleted": _stage(
        _RECORD, "completed", "attendance_rate", "hours_attended", "curriculum_hours", "completed_on"
    ),
    "ParticipantDroppedOut": _stage(_RECORD, "dropped out", "reason", "dropped_out_on"),
    "TrainingRecordWithdrawn": _stage(_RECORD, "withdrawn", "withdrawn_on"),
    # outcomes: a case
    "BaselineIncomeNoted": _fact(_OUTCOMES, _baseline),
    "BaselineCorrectionNoted": _fact(_OUTCOMES, _baseline_corrected),
    "FollowUpsScheduled": (_OUTCOMES, _scheduled),
    "TrainingCompletionNoted": _stage(_OUTCOMES, "withdrawn, training completed", "completed_on"),
    "TrainingDropoutNoted": _stage(_OUTCOMES, "dropped out", "dropped_out_on"),
    "EnrollmentWithdrawalNoted": _stage(_OUTCOMES, "withdrawn", "withdrawn_on"),
    "FollowUpCompleted": _fact(_OUTCOMES, _follow_up("completed")),
    "FollowUpMissed": _fact(_OUTCOMES, _follow_up("missed")),
    "EmploymentRecorded": _fact(_OUTCOMES, _employment),
    "IncomeObserved": _fact(_OUTCOMES, _income),
    "CaseClosed": _stage(_OUTCOMES, "closed", "closed_on", "reason"),
    # outcomes: an enterprise
    "EnterpriseStarted": (_ENTERPRISE, _enterprise_started),
    "EnterpriseMemberJoined": (_ENTERPRISE, _member_joined),
    "EnterpriseMembersCounted": _fact(_ENTERPRISE, _members_counted),
    "EnterpriseProductAdded": _fact(_ENTERPRISE, lambda facts, data: None),
    "OnlineSalesChannelOpened": _fact(_ENTERPRISE, lambda facts, data: None),
    "EnterpriseRegistered": _stage(_ENTERPRISE, "registered", "registration_number"),
    "EnterpriseBeganOperating": _stage(_ENTERPRISE, "operating"),
    "EnterpriseWentDormant": _stage(_ENTERPRISE, "dormant"),
    "EnterpriseDissolved": _stage(_ENTERPRISE, "dissolved", "reason"),
}


def summarise(events: Iterable[HistoryEvent], participant_id: str) -> list[Stage]:
    """The stage of each of the participant's aggregates after the given events, folded in recorded
    order (each aggregate's own order), listed by service. Events of another participant (one naming
    this one as their duplicate) and of kinds the summary does not know leave it unchanged."""
    units: dict[tuple[ServiceName, UUID], _Unit] = {}
    for e in ordered(events, "recorded"):
        known = _FOLDS.get(e.event_type)
        if known is None or e.data.get("participant_id") not in (None, participant_id):
            continue
        kind, fold = known
        fold(units.setdefault((e.service, e.aggregate_id), _Unit(kind)), e.data)
    stages = [
        Stage(service=service, kind=unit.kind, aggregate_id=aggregate_id, stage=unit.stage, facts=_public(unit.facts))
        for (service, aggregate_id), unit in units.items()
    ]
    return sorted(stages, key=lambda s: (_service_rank(s.service), s.kind != _PARTICIPANT))


def _public(facts: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in facts.items() if not name.startswith("_")}


# --- the whole answer ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class History:
    """What the audit shows: the events kept by the cutoffs, in order, and the state they lead to."""

    participant_id: UUID
    services: tuple[ServiceName, ...]
    cutoffs: Cutoffs
    order: Order
    concerning: int  # events concerning the participant in all services, before any filter
    events: tuple[HistoryEvent, ...]
    summary: tuple[Stage, ...]

    @property
    def known(self) -> bool:
        return self.concerning > 0

    def as_dict(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "participant_id": str(self.participant_id),
            "services": list(self.services),
            "happened_by": moment(self.cutoffs.happened_by),
            "recorded_by": moment(self.cutoffs.recorded_by),
            "order": self.order,
            "events_concerning_participant": self.concerning,
            "events_shown": len(self.events),
            "events": [e.as_dict() for e in self.events],
            "summary": [s.as_dict() for s in self.summary],
        }


def history(
    participant_id: UUID,
    events: Iterable[HistoryEvent],
    *,
    services: Sequence[ServiceName] = SERVICE_NAMES,
    cutoffs: Cutoffs | None = None,
    order: Order = "happened",
) -> History:
    """From every event concerning the participant: those of ``services`` within the cutoffs, ordered."""
    events = list(events)
    cutoffs = cutoffs or Cutoffs()
    kept = [e for e in within(events, cutoffs) if e.service in services]
    return History(
        participant_id=participant_id,
        services=tuple(services),
        cutoffs=cutoffs,
        order=order,
        concerning=len(events),
        events=tuple(ordered(kept, order)),
        summary=tuple(summarise(kept, str(participant_id))),
    )


# --- for people ----------------------------------------------------------------------------------


def describe(found: History, *, mark: Callable[[HistoryEvent], str] | None = None) -> str:
    """A header, one line per event (``mark`` gives each a further mark), then the state as of the cutoffs."""
    lines = [_header(found), ""]
    if found.events:
        marks = " " if mark is None else "  "
        lines += [
            f"{'HAPPENED (TH)':<19}  {'RECORDED (TH)':<19}  {'SERVICE':<10}  {'AGGREGATE@V':<13}  "
            f"{'EVENT':<37}{marks}  {'PUBLISHED AS':<36}  ACTOR  CORRELATION  CAUSATION  DATA"
        ]
        lines += [_event_line(e, str(found.participant_id), "" if mark is None else mark(e)) for e in found.events]
    else:
        lines.append("no events within these cutoffs")
    lines += ["", "State as of the cutoffs:" if _any_cutoff(found.cutoffs) else "State now:"]
    shown = {s.service for s in found.summary}
    lines += [_stage_line(s) for s in found.summary]
    lines += [f"  {service:<10}  nothing recorded" for service in found.services if service not in shown]
    return "\n".join(lines)


def _any_cutoff(cutoffs: Cutoffs) -> bool:
    return cutoffs.happened_by is not None or cutoffs.recorded_by is not None


def _header(found: History) -> str:
    order = "as it happened (by occurred time)" if found.order == "happened" else "as it was recorded"
    lines = [
        f"Participant {found.participant_id}: {len(found.events)} of {found.concerning} events "
        f"({', '.join(found.services)}), {order}"
    ]
    if found.cutoffs.happened_by is not None:
        lines.append(f"  happened by  {found.cutoffs.happened_by.isoformat()}")
    if found.cutoffs.recorded_by is not None:
        lines.append(f"  recorded by  {found.cutoffs.recorded_by.isoformat()}")
    lines.append("  * shared: concerns several participants   ↶ backdated: happened before an event recorded earlier")
    return "\n".join(lines)


def _thai(moment: datetime) -> str:
    """In Thai time (UTC+7), as the days the services record: a fact dated 27 August shows on 27 August."""
    return moment.astimezone(THAI_TIME).strftime("%Y-%m-%d %H:%M:%S")


def _event_line(e: HistoryEvent, participant_id: str, mark: str = "") -> str:
    marks = mark + ("*" if e.shared else " ") + ("↶" if e.backdated else " ")
    actor = f"{e.actor_id}/{e.actor_role}" + (f"@{e.actor_unit}" if e.actor_unit else "")
    data = {k: v for k, v in e.data.items() if not (k == "participant_id" and v == participant_id)}
    return (
        f"{_thai(e.occurred_at)}  {_thai(e.recorded_at)}  {e.service:<10}  "
        f"{str(e.aggregate_id)[:8]}@{e.version:<4}  {marks}{e.event_type:<36}  {e.subject or '(private)':<36}  "
        f"{actor}  {str(e.correlation_id)[:8]}  {(e.causation_id or '-')[:24]}  "
        f"{json.dumps(data, ensure_ascii=False, separators=(',', ':'))}"
    )


def _stage_line(s: Stage) -> str:
    facts = ", ".join(f"{name} {_fact_text(value)}" for name, value in s.facts.items())
    what = f"{s.kind} {str(s.aggregate_id)[:8]}"
    return f"  {s.service:<10}  {what:<25}  {s.stage}" + (f"  ({facts})" if facts else "")


def _fact_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_fact_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fact_text(v) for v in value) + "]"
    return str(value)


# --- reading the stores --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Store:
    """One service's events table, read in a read-only snapshot through the service's own mapper."""

    service: ServiceName
    conn: asyncpg.Connection
    table: str
    mapper: RecordedEventMapper
    translate: Translator

    async def containing(self, patterns: Sequence[bytes], *, excluding: bytes | None = None) -> list[HistoryEvent]:
        """Events whose stored JSON contains one of ``patterns`` (and not ``excluding``): one sequential
        scan, PostgreSQL comparing bytes; only the matches are decoded here."""
        if not patterns:
            return []
        query = (
            f"SELECT {EVENT_COLUMNS} FROM {self._table} "
            "WHERE EXISTS (SELECT 1 FROM unnest($1::bytea[]) AS p WHERE position(p IN state) > 0)"
        )
        if excluding is None:
            return self._decoded(await self.conn.fetch(query, list(patterns)))
        rows = await self.conn.fetch(query + " AND position($2::bytea IN state) = 0", list(patterns), excluding)
        return self._decoded(rows)

    async def first_events_of_ids_starting(self, prefix: str) -> list[HistoryEvent]:
        """The first event of each aggregate whose id starts with ``prefix`` (lower-case hex and dashes)."""
        rows = await self.conn.fetch(
            f"SELECT {EVENT_COLUMNS} FROM {self._table} WHERE originator_version = 1 "
            "AND starts_with(originator_id::text, $1)",
            prefix,
        )
        return self._decoded(rows)

    async def of_aggregates(self, aggregate_ids: Collection[UUID]) -> list[HistoryEvent]:
        if not aggregate_ids:
            return []
        rows = await self.conn.fetch(
            f"SELECT {EVENT_COLUMNS} FROM {self._table} WHERE originator_id = ANY($1::uuid[])",
            list(aggregate_ids),
        )
        return self._decoded(rows)

    @property
    def _table(self) -> str:
        return '"' + self.table.replace('"', '""') + '"'

    def _decoded(self, rows: Sequence[asyncpg.Record]) -> list[HistoryEvent]:
        events = []
        for notification_id, originator_id, version, topic, state in rows:
            recorded = self.mapper.decode_row(originator_id, version, topic, state, notification_id)
            integration = self.translate(recorded)
            events.append(history_event(self.service, recorded, None if integration is None else integration.SUBJECT))
        return events


async def read_history(
    participant_id: UUID, *, server: DatabaseAddress, databases: Mapping[ServiceName, str]
) -> list[HistoryEvent]:
    """Every stored event of every service that concerns the participant, backdated ones marked.

    ``databases`` names each service's database on ``server``; a service without a database or an
    events table yet has no events. Three passes, each a sequential scan at most: events naming the
    participant; events naming one of their enrollments but not them; later events of the groups
    (enterprises) they joined, by aggregate id.
    """
    needle = str(participant_id).encode()
    async with _stores(server, databases) as stores:
        first = await _gather(store.containing([needle]) for store in stores)
        enrollments = enrollment_ids_of(first, str(participant_id))
        patterns = [enrollment.encode() for enrollment in sorted(enrollments)]
        second = await _gather(store.containing(patterns, excluding=needle) for store in stores)
        candidates = first + second
        joins = group_joins(select(candidates, str(participant_id)))
        groups = await _gather(
            store.of_aggregates({aggregate_id for service, aggregate_id in joins if service == store.service})
            for store in stores
        )
    return mark_backdated(select(candidates, str(participant_id), groups))


async def participants_named_by(
    id_or_prefix: str, *, server: DatabaseAddress, databases: Mapping[ServiceName, str]
) -> list[UUID]:
    """The participants whose own id, or the id of one of whose cases (an enrollment, a training record,
    an outcomes case), is or starts with ``id_or_prefix``: what an auditor copies from a history line."""
    prefix = id_or_prefix.strip().lower()
    async with _stores(server, databases) as stores:
        firsts = await _gather(store.first_events_of_ids_starting(prefix) for store in stores)
    named = {e.data.get("participant_id") for e in firsts}
    return sorted(UUID(str(participant)) for participant in named if participant)


async def _gather(reads: Iterable[Awaitable[list[HistoryEvent]]]) -> list[HistoryEvent]:
    """Each store on its own connection, so the services' scans run side by side."""
    return [e for found in await asyncio.gather(*reads) for e in found]


@contextlib.asynccontextmanager
async def _stores(server: DatabaseAddress, databases: Mapping[ServiceName, str]) -> AsyncIterator[list[_Store]]:
    async with contextlib.AsyncExitStack() as stack:
        stores = []
        for service, database in databases.items():
            store = await stack.enter_async_context(_store(service, server.with_database(database).url))
            if store is not None:
                stores.append(store)
        yield stores


@contextlib.asynccontextmanager
async def _store(service: ServiceName, database_url: str) -> AsyncIterator[_Store | None]:
    """The service's store in a read-only snapshot; None if it has no database or events table yet."""
    try:
        conn = await asyncpg.connect(database_url, timeout=CONNECT_TIMEOUT_SECONDS)
    except asyncpg.InvalidCatalogNameError:
        yield None
        return
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            table, mapper = await store_codec(database_url, service)
            if mapper.cipher or mapper.compressor:
                raise ValueError(f"{service} stores its events sealed: a byte search cannot find participant ids")
            if await conn.fetchval("SELECT to_regclass($1)", f'"{table}"') is None:
                yield None
                return
            yield _Store(service, conn, table, mapper, _translator(service))
    finally:
        await conn.close()


def _translator(service: ServiceName) -> Translator:
    """The service's own translation, so "public" and each subject are what its relay publishes."""
    translate: Translator = importlib.import_module(f"pathways_{service}.outbound").translate
    return translate
