"""An installation whose training-records read model counted sessions (its version 2) upgrades in place to hours:
the service starts on the old tables, the lists and the at-risk filter work at once, `pathways status` names the
rebuild, and the rebuild measures every record in hours.

The enrollment service's events are published by hand onto the ENROLLMENT stream, as it would publish them.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from nats.js import JetStreamContext

from pathways_infra.settings import Settings
from tests.integration.test_training_transfer import enrolled, project_opened
from tests.support.cli import run_pathways
from tests.support.journeys import Enrolled
from tests.support.messages import publish_event
from tests.support.system import eventually, get_json_when_found, running_system
from tests.support.training_steps import accepted_once_known, approved_curriculum, hold_session, started_cohort

# The tables as version 2 of the read model left them: counts of sessions, and at_risk computed from them.
AS_IN_VERSION_2 = """
ALTER TABLE rm_training_records DROP COLUMN at_risk, DROP COLUMN expected_hours, DROP COLUMN attended_hours,
    ADD COLUMN expected_count int NOT NULL DEFAULT 0, ADD COLUMN attended_count int NOT NULL DEFAULT 0;
UPDATE rm_training_records SET expected_count = 2, attended_count = 1 WHERE cohort_id IS NOT NULL;
ALTER TABLE rm_training_records ADD COLUMN at_risk boolean GENERATED ALWAYS AS (
    COALESCE(status = 'IN_TRAINING' AND expected_count > 0
        AND attended_count::double precision / expected_count < attendance_threshold, false)
) STORED;
CREATE INDEX rm_training_records_at_risk ON rm_training_records (enrollment_id) WHERE at_risk;
ALTER TABLE rm_training_record_sessions DROP COLUMN hours;
UPDATE read_model_versions SET version = 2 WHERE read_model = 'training-records';
"""
MEASURED = "SELECT expected_hours, attended_hours, at_risk FROM rm_training_records WHERE enrollment_id = $1"


async def test_a_read_model_of_sessions_counted_upgrades_to_hours_and_is_rebuilt_in_hours(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    project = uuid4()
    case = Enrolled(participant_id=str(uuid4()), enrollment_id=str(uuid4()), project_id=str(project))
    record_path = f"/training-records/{case.enrollment_id}"
    async with running_system(settings, ["training"]) as system:
        training = system.client("training")
        await publish_event(operator_js, project_opened(project, "TH-50", "NORTH"), event_id="enrollment:1")
        await publish_event(operator_js, enrolled(case), event_id="enrollment:2")
        cohort = await started_cohort(system, str(project), await approved_curriculum(system, str(project)))
        await accepted_once_known(training, f"{record_path}/cohort", {"cohort_id": cohort, "assigned_on": "2025-05-12"})
        await hold_session(system, cohort, date(2025, 5, 13), attended=[case], hours="6")
        await hold_session(system, cohort, date(2025, 5, 14), attended=[], hours="1")  # 1 session of 2, 6 hours of 7

        async def measured() -> bool | None:
            row = await system.runtime("training").pool.fetchrow(MEASURED, case.enrollment_id)
            return (row is not None and row["expected_hours"] == 7) or None

        await eventually(measured, what="the record measured")
        await system.runtime("training").pool.execute(AS_IN_VERSION_2)

    async with running_system(settings, ["training"]) as system:
        training, pool = system.client("training"), system.runtime("training").pool
        upgraded = (await training.get("/health")).json()["read_models_to_rebuild"]
        record = await get_json_when_found(training, record_path)
        at_risk = (await training.get("/training-records", params={"at_risk": "true"})).json()
        before_rebuild = await get_json_when_found(training, f"/cohorts/{cohort}")
        rebuild = ("read-models", "rebuild", "training", "training-records")
        rebuilt = await asyncio.to_thread(run_pathways, settings, *rebuild)
        after_rebuild: dict[str, Any] = (await training.get(f"/cohorts/{cohort}")).json()
        stored = dict(await pool.fetchrow(MEASURED, case.enrollment_id) or {})
        health = (await training.get("/health")).json()["read_models_to_rebuild"]

    assert upgraded == {"training-records": {"built_by_version": 2, "version": 3}}
    assert (record["attendance_rate"], record["at_risk"]) == (pytest.approx(6 / 7), False), "hours, at once"
    assert at_risk == [], "50% of the sessions is no risk: 86% of the hours"
    assert before_rebuild["mean_attendance_rate"] is None, "not measured in hours until the rebuild"
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert after_rebuild["mean_attendance_rate"] == pytest.approx(6 / 7)
    assert stored == {"expected_hours": 7, "attended_hours": 6, "at_risk": False}
    assert health == {}
