"""One read model's failure holds back that read model only, though it shares its consumer."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from pathways_contracts.registry import DLQ_STREAM
from pathways_infra.dlq import replay
from pathways_infra.settings import Settings
from tests.support.messages import enrolled_event, publish_event
from tests.support.system import eventually, running_system

FACTS = "SELECT count(*) FROM rm_programme_enrollment_facts WHERE enrollment_id = $1"
INDICATORS = "SELECT count(*) FROM rm_indicators_enrollments WHERE enrollment_id = $1"
BASELINES = "SELECT count(*) FROM rm_case_baselines WHERE enrollment_id = $1"


async def test_the_other_read_models_apply_an_event_one_of_them_cannot_and_a_replay_fixes_that_one(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        # A constraint an operator added by mistake makes the cases read model fail on enrollments.
        await runtime.pool.execute("ALTER TABLE rm_case_baselines ADD CONSTRAINT mistaken CHECK (false) NOT VALID")
        event = enrolled_event()
        await publish_event(operator_js, event, event_id="enrollment:1")

        async def parked() -> RawStreamMsg | None:
            info = await runtime.js.stream_info(DLQ_STREAM)
            return await runtime.js.get_msg(DLQ_STREAM, seq=1) if info.state.messages else None

        dead = await eventually(parked, timeout=30, what="the message to be parked for the cases read model")
        kept = [await runtime.pool.fetchval(query, event.enrollment_id) for query in (FACTS, INDICATORS, BASELINES)]

        await runtime.pool.execute("ALTER TABLE rm_case_baselines DROP CONSTRAINT mistaken")
        await replay(operator_js, 1)

        async def baseline() -> int | None:
            return await runtime.pool.fetchval(BASELINES, event.enrollment_id) or None

        await eventually(baseline, what="the replayed event to reach the cases read model")
        after = [await runtime.pool.fetchval(query, event.enrollment_id) for query in (FACTS, INDICATORS, BASELINES)]
    error = (dead.headers or {})["Pathways-Dlq-Error"]
    assert kept == [1, 1, 0], "the programme and indicators read models did not keep the event"
    assert "outcomes-cases-from-enrollment" in error and "CheckViolationError" in error
    assert "outcomes-programme-from-enrollment" not in error
    assert after == [1, 1, 1], "the replay was applied twice, or not to the read model that lacked it"
