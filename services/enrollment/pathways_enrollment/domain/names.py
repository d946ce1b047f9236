"""The names of career development units and projects, and the names they had before.

A unit or project is renamed from a day on (``renamed_on``): a name mistyped at registration or proposal,
or an organisation that changed its name. The names it had are kept, each with the days it held it, so a
report or a paper form from then still reads. Renames follow one another in time: one dated before the
last (or before the registration or proposal) would leave two names for the same days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from pathways_enrollment.domain.errors import EnrollmentRuleError, refuse_earlier


@dataclass(frozen=True, kw_only=True)
class EarlierName:
    """A name held from ``named_on`` (None: the registration's or proposal's day, not recorded) until the
    rename on ``renamed_on``."""

    name: str
    named_on: date | None
    renamed_on: date


def a_new_name(given: str, *, current: str, what: str) -> str:
    """``given`` without its surrounding spaces, if it is a name and not the one ``what`` has."""
    name = given.strip()
    if not name:
        raise EnrollmentRuleError(f"{what} needs a name", rule="name-required")
    if name == current:
        raise EnrollmentRuleError(f"{what} is named {current!r} already", rule="name-unchanged")
    return name


def named_since(first_day: date | None, earlier: tuple[EarlierName, ...]) -> date | None:
    """The day the current name was given: of the last rename, or ``first_day`` (registration or proposal)."""
    return earlier[-1].renamed_on if earlier else first_day


def refuse_renaming_before(
    day: date, *, first_day: date | None, earlier: tuple[EarlierName, ...], what: str, first: str
) -> None:
    """Refuse a rename dated before the last one, or before ``first`` (on ``first_day``) when there was none;
    the same day is fine. A day not recorded (before it was kept) constrains nothing."""
    if earlier:
        last = earlier[-1]
        refuse_earlier(
            day,
            than=last.renamed_on,
            rule="renamed-before-last-rename",
            message=f"{what} was last renamed on {last.renamed_on}; it cannot be renamed before, on {day}",
        )
        return
    refuse_earlier(
        day,
        than=first_day,
        rule=f"renamed-before-{first}",
        message=f"{what} dates from its {first} on {first_day}; it cannot be renamed before, on {day}",
    )


def after_rename(
    earlier: tuple[EarlierName, ...], *, first_day: date | None, name: str, renamed_on: date
) -> tuple[EarlierName, ...]:
    """The earlier names once the current one, ``name``, is renamed on ``renamed_on``."""
    left = EarlierName(name=name, named_on=named_since(first_day, earlier), renamed_on=renamed_on)
    return (*earlier, left)


def first_named_on(earlier: tuple[EarlierName, ...], first_day: date) -> tuple[EarlierName, ...]:
    """The earlier names once the registration or proposal is known to be on ``first_day``: the first name was
    held from then."""
    if not earlier:
        return earlier
    return (replace(earlier[0], named_on=first_day), *earlier[1:])
