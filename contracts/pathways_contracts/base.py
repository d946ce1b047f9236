"""Base of every integration event: a versioned, immutable pydantic model with one subject."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

OPEN_SET = "An open set: v1 may add values, so treat one you do not know as OTHER."
"""Said of every coded reason: the values are listed, not fixed, so that adding one is not a breaking change."""


class IntegrationEvent(BaseModel):
    """A public fact one service tells the others and integrators.

    ``SUBJECT`` is the NATS subject, versioned (``outcomes.v1.employment.recorded``). A breaking
    change is a new class with a new version in its subject, published alongside the old one.
    Adding an optional field is not breaking: readers ignore fields they do not know (a consumer
    still on the older contract keeps working while producers move on), while a field they know
    must still be valid.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    SUBJECT: ClassVar[str]
    SOURCE_SERVICE: ClassVar[str]

    occurred_at: datetime = Field(description="When it happened in the world; may be earlier than recorded.")

    @classmethod
    def version(cls) -> int:
        return int(cls.SUBJECT.split(".")[1].removeprefix("v"))

    @classmethod
    @functools.cache
    def cloudevent_type(cls) -> str:
        """``ce-type``: reverse-DNS style, version last (``org.pathways.outcomes.employment.recorded.v1``)."""
        service, version, *name = cls.SUBJECT.split(".")
        return ".".join(["org.pathways", service, *name, version])

    def partition_key(self) -> UUID:
        """What ordering is kept per (``ce-subject``): the participant, for participant events."""
        raise NotImplementedError


class ParticipantEvent(IntegrationEvent):
    participant_id: UUID = Field(description="Pseudonymous participant id; carries no personal data.")

    def partition_key(self) -> UUID:
        return self.participant_id
