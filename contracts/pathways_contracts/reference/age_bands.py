"""The age bands the programme reports in: the one place they are defined.

An age band is published in place of an age or a date of birth: on its own it does not identify
anyone, so it may stay in events and read models after the participant's personal data is erased.
Bands follow labour-statistics practice: youth 15-24, then ten-year bands to 44, the older working
age 45-59, and 60 and over. Ages below working age get a band too, so that every age has one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AGE_BANDS", "AGE_BAND_IDS", "AgeBand", "age_band_of"]


@dataclass(frozen=True)
class AgeBand:
    """Ages ``youngest`` to ``oldest`` in completed years, both included; ``oldest`` None: no upper bound."""

    id: str
    youngest: int
    oldest: int | None = None

    def holds(self, age: int) -> bool:
        return self.youngest <= age and (self.oldest is None or age <= self.oldest)


AGE_BANDS: tuple[AgeBand, ...] = (
    AgeBand("0-14", 0, 14),
    AgeBand("15-24", 15, 24),
    AgeBand("25-34", 25, 34),
    AgeBand("35-44", 35, 44),
    AgeBand("45-59", 45, 59),
    AgeBand("60+", 60),
)
AGE_BAND_IDS: tuple[str, ...] = tuple(band.id for band in AGE_BANDS)


def age_band_of(age: int) -> str | None:
    """The id of the band holding ``age`` (completed years); None for a negative age (born after the day)."""
    return next((band.id for band in AGE_BANDS if band.holds(age)), None)
