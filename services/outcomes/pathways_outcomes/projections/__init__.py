"""The outcomes service's read models, one module each."""

from datetime import date

from pathways_contracts.outcomes import EmploymentRecordedV1
from pathways_infra.thai_time import thai_day


def employment_day(event: EmploymentRecordedV1) -> date:
    """The day an employment was observed: as told, else the Thai day of its event."""
    return event.observed_on if event.observed_on is not None else thai_day(event.occurred_at)
