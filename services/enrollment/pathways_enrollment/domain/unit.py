"""Career development units: the local organisations that run projects.

Lifecycle: Registered → Active ⇄ Suspended, and Deactivated (final) from any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    TransitionNotAllowedError,
    require_existing,
    require_reason,
)


class UnitStatus(StrEnum):
    REGISTERED = "REGISTERED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DEACTIVATED = "DEACTIVATED"


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitRegistered:
    unit_id: UUID
    name: str
    province_code: str
    region: str


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitActivated:
    unit_id: UUID


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitSuspended:
    unit_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitReinstated:
    unit_id: UUID


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitDeactivated:
    unit_id: UUID
    reason: str


EVENTS: tuple[type, ...] = (
    CareerDevelopmentUnitRegistered,
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitSuspended,
    CareerDevelopmentUnitReinstated,
    CareerDevelopmentUnitDeactivated,
)


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnit:
    id: UUID
    name: str
    province_code: str
    region: str
    status: UnitStatus

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE


def require_active_unit(unit: CareerDevelopmentUnit | None, unit_id: UUID, *, to: str) -> CareerDevelopmentUnit:
    """The unit, if it is Active. A unit not yet active or suspended may be later: that is retryable."""
    found = require_existing(unit, f"career development unit {unit_id}")
    if not found.is_active:
        raise EnrollmentRuleError(
            f"career development unit {unit_id} is {found.status.value}; it must be ACTIVE to {to}",
            rule="unit-not-active",
            retryable=found.status in (UnitStatus.REGISTERED, UnitStatus.SUSPENDED),
        )
    return found


def _transition(
    state: CareerDevelopmentUnit | None, action: str, allowed_from: tuple[UnitStatus, ...]
) -> CareerDevelopmentUnit:
    unit = require_existing(state, "this career development unit")
    if unit.status not in allowed_from:
        raise TransitionNotAllowedError(aggregate="unit", status=unit.status, action=action, allowed_from=allowed_from)
    return unit


def register_unit(
    state: CareerDevelopmentUnit | None, *, unit_id: UUID, name: str, province_code: str, region: str
) -> list[CareerDevelopmentUnitRegistered]:
    if state is not None:
        raise EnrollmentRuleError(
            f"career development unit {unit_id} is already registered", rule="unit-registered-once"
        )
    if not name.strip():
        raise EnrollmentRuleError("a career development unit needs a name", rule="name-required")
    return [
        CareerDevelopmentUnitRegistered(unit_id=unit_id, name=name.strip(), province_code=province_code, region=region)
    ]


def activate_unit(state: CareerDevelopmentUnit | None) -> list[CareerDevelopmentUnitActivated]:
    unit = _transition(state, "activate", (UnitStatus.REGISTERED,))
    return [CareerDevelopmentUnitActivated(unit_id=unit.id)]


def suspend_unit(state: CareerDevelopmentUnit | None, *, reason: str) -> list[CareerDevelopmentUnitSuspended]:
    unit = _transition(state, "suspend", (UnitStatus.ACTIVE,))
    return [CareerDevelopmentUnitSuspended(unit_id=unit.id, reason=require_reason(reason, action="suspend a unit"))]


def reinstate_unit(state: CareerDevelopmentUnit | None) -> list[CareerDevelopmentUnitReinstated]:
    unit = _transition(state, "reinstate", (UnitStatus.SUSPENDED,))
    return [CareerDevelopmentUnitReinstated(unit_id=unit.id)]


def deactivate_unit(state: CareerDevelopmentUnit | None, *, reason: str) -> list[CareerDevelopmentUnitDeactivated]:
    unit = _transition(state, "deactivate", (UnitStatus.REGISTERED, UnitStatus.ACTIVE, UnitStatus.SUSPENDED))
    return [
        CareerDevelopmentUnitDeactivated(unit_id=unit.id, reason=require_reason(reason, action="deactivate a unit"))
    ]


def evolve_unit(state: CareerDevelopmentUnit | None, event: object) -> CareerDevelopmentUnit:
    match event:
        case CareerDevelopmentUnitRegistered():
            return CareerDevelopmentUnit(
                id=event.unit_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                status=UnitStatus.REGISTERED,
            )
        case CareerDevelopmentUnitActivated() | CareerDevelopmentUnitReinstated() if state is not None:
            return replace(state, status=UnitStatus.ACTIVE)
        case CareerDevelopmentUnitSuspended() if state is not None:
            return replace(state, status=UnitStatus.SUSPENDED)
        case CareerDevelopmentUnitDeactivated() if state is not None:
            return replace(state, status=UnitStatus.DEACTIVATED)
    raise TypeError(f"a career development unit does not follow from {type(event).__name__}")
