"""Composition root of the outcomes service."""

from __future__ import annotations

from fastapi import FastAPI

from pathways_contracts import outcomes as contracts
from pathways_contracts.enrollment import (
    BaselineCorrectedV1,
    FollowUpConsentChangedV1,
    ParticipantEnrolledV1,
    ParticipantErasedV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
)
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_infra.app import create_service_app
from pathways_infra.service import Reaction, ServiceDefinition, ServiceRuntime
from pathways_outcomes import api
from pathways_outcomes.application import (
    OutcomesApplication,
    note_baseline_corrected,
    note_dropped_out,
    note_enrollment_baseline,
    note_follow_up_consent_changed,
    note_participant_erased,
    note_project_opened,
    note_project_proposed,
    note_project_renamed,
    note_transferred,
    note_withdrawn_enrollment,
    schedule_after_completion,
)
from pathways_outcomes.domain.case import OutcomesRuleError
from pathways_outcomes.outbound import translate
from pathways_outcomes.projections import cases, enterprises, indicators, programme


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="outcomes",
        translate=translate,
        publishes=contracts.EVENTS,
        read_models=[cases.READ_MODEL, enterprises.READ_MODEL, programme.READ_MODEL, indicators.READ_MODEL],
        reactions=[
            Reaction(
                name="from-training",
                source_service="training",
                handlers={TrainingCompletedV1: schedule_after_completion, TrainingDroppedOutV1: note_dropped_out},
            ),
            Reaction(
                name="from-enrollment",
                source_service="enrollment",
                handlers={
                    ParticipantEnrolledV1: note_enrollment_baseline,
                    BaselineCorrectedV1: note_baseline_corrected,
                    ParticipantTransferredV1: note_transferred,
                    ParticipantWithdrawnV1: note_withdrawn_enrollment,
                    FollowUpConsentChangedV1: note_follow_up_consent_changed,
                    ParticipantErasedV1: note_participant_erased,
                    ProjectOpenedV1: note_project_opened,
                    ProjectProposedV1: note_project_proposed,
                    ProjectRenamedV1: note_project_renamed,
                },
            ),
        ],
        description="Follow-ups at 3, 6 and 12 months, employment, enterprises, income; programme-wide indicators.",
    )


def create_app(runtime: ServiceRuntime, *, manage_runtime: bool = True) -> FastAPI:
    return create_service_app(
        runtime,
        router=api.router,
        application=lambda: OutcomesApplication(runtime.runner),
        domain_errors=[OutcomesRuleError],
        manage_runtime=manage_runtime,
    )
