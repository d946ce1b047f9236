"""Consent under Thailand's PDPA: given per purpose, against a privacy notice version, withdrawable.

Consent events belong to the participant's stream (see ``participant.py``); this module holds the
events and the value that tells whether a purpose is covered on a given day. A new grant for a
purpose replaces the earlier one (for example after a withdrawal, or for a new notice version).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from uuid import UUID


class ConsentPurpose(StrEnum):
    PROGRAMME_PARTICIPATION = "programme-participation"
    OUTCOME_FOLLOW_UP = "outcome-follow-up"
    SENSITIVE_DATA = "sensitive-data"  # explicit consent for health or disability data (PDPA §26)


@dataclass(frozen=True, kw_only=True)
class ConsentGranted:
    participant_id: UUID
    purposes: tuple[ConsentPurpose, ...]
    notice_version: str
    granted_at: datetime
    valid_until: date | None = None  # last day the consent covers; None: until withdrawn


@dataclass(frozen=True, kw_only=True)
class ConsentWithdrawn:
    participant_id: UUID
    purposes: tuple[ConsentPurpose, ...]
    withdrawn_at: datetime


@dataclass(frozen=True, kw_only=True)
class Consent:
    """The latest consent for one purpose."""

    purpose: ConsentPurpose
    notice_version: str
    granted_at: datetime
    valid_until: date | None = None
    withdrawn_at: datetime | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def granted_on(self) -> date:
        """The day in Thailand it was granted (days in commands are Thai days, whatever offset the moment came with)."""
        return thai_day(self.granted_at)

    def covers(self, day: date) -> bool:
        """Granted by ``day``, not withdrawn, and not expired on ``day``."""
        return not self.withdrawn and self.granted_on <= day and (self.valid_until is None or day <= self.valid_until)


def consent_for(consents: Iterable[Consent], purpose: ConsentPurpose) -> Consent | None:
    return next((c for c in consents if c.purpose == purpose), None)


_THAI_TIME = timezone(timedelta(hours=7))


def thai_day(moment: datetime) -> date:
    """The day it was in Thailand at ``moment``."""
    return _with_offset(moment).astimezone(_THAI_TIME).date()


def _with_offset(moment: datetime) -> datetime:
    """Moments recorded before commands had to give their UTC offset have none; they were given in
    Thai time. Compared as they are with moments that have one, they would raise a TypeError."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=_THAI_TIME)


def with_grant(consents: tuple[Consent, ...], event: ConsentGranted) -> tuple[Consent, ...]:
    granted = {
        purpose: Consent(
            purpose=purpose,
            notice_version=event.notice_version,
            granted_at=_with_offset(event.granted_at),
            valid_until=event.valid_until,
        )
        for purpose in event.purposes
    }
    kept = tuple(c for c in consents if c.purpose not in granted)
    return (*kept, *granted.values())


def with_withdrawal(consents: tuple[Consent, ...], event: ConsentWithdrawn) -> tuple[Consent, ...]:
    withdrawn_at = _with_offset(event.withdrawn_at)
    return tuple(replace(c, withdrawn_at=withdrawn_at) if c.purpose in event.purposes else c for c in consents)
