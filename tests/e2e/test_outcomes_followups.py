"""Follow-ups after training across the services: answered with income against the baseline, missed, closed."""

from __future__ import annotations

import contextlib
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from pathways_infra.database import DatabaseAddress
from pathways_infra.embedded import ServerUrls
from pathways_infra.rebuild import rebuild_read_model
from pathways_infra.services import definition_of
from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import Enrolled, created, open_project
from tests.support.messages import INTEGRATOR
from tests.support.outcomes_steps import case_when, completed_case, due_on, follow_ups
from tests.support.system import RunningSystem, eventually, get_json_when_found, listed_once_known, running_system


async def test_follow_ups_record_income_against_the_baseline_then_the_case_closes(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-50")
        path = f"/cases/{enrolled.enrollment_id}"
        baseline = Decimal(scheduled["baseline"]["monthly_income_thb"])
        not_due_yet = await outcomes.post(
            f"{path}/follow-ups/3", json={"completed_on": (due_on(scheduled, 3) - timedelta(days=1)).isoformat()}
        )

        answered = await outcomes.post(
            f"{path}/follow-ups/3",
            json={
                "completed_on": due_on(scheduled, 3).isoformat(),
                "employment_type": "WAGE",
                "related_to_training": True,
                "days_to_first_job": 21,
                "monthly_income_thb": "9000.00",
            },
        )
        missed = await outcomes.post(
            f"{path}/follow-ups/6/missed", json={"reason": "UNREACHABLE", "missed_on": due_on(scheduled, 6).isoformat()}
        )
        twelve = due_on(scheduled, 12)
        before = await case_when(
            outcomes,
            enrolled,
            lambda c: follow_ups(c)[3]["status"] == "COMPLETED" and follow_ups(c)[6]["status"] == "MISSED",
            what="the answered and the missed follow-up",
            as_of=twelve - timedelta(days=1),
        )
        overdue = (await outcomes.get(path, params={"as_of": (twelve + timedelta(days=31)).isoformat()})).json()

        unfinished = await outcomes.post(
            f"{path}/closure", json={"reason": "FOLLOW_UP_FINISHED", "closed_on": twelve.isoformat()}
        )
        closed = await outcomes.post(
            f"{path}/closure", json={"reason": "LOST_CONTACT", "closed_on": twelve.isoformat()}
        )
        after = await case_when(outcomes, enrolled, lambda c: c["status"] == "CLOSED", what="the case closed")
        day_before = {"as_of": (twelve - timedelta(days=1)).isoformat()}
        as_it_stood = (await outcomes.get(path, params=day_before)).json()
        worklist = (await outcomes.get("/follow-ups", params={**day_before, "project_id": enrolled.project_id})).json()
        too_late = await outcomes.post(f"{path}/income", json={"monthly_income_thb": "9500", "source": "EMPLOYER"})
    assert not_due_yet.status_code == 409
    assert not_due_yet.json()["rule"] == "follow-up-not-yet-due"
    assert answered.status_code == 201, answered.text
    assert len(answered.json()["event_ids"]) == 3, "completed, employment and income, in one step"
    assert missed.status_code == 201, missed.text
    assert follow_ups(before)[6]["missed_reason"] == "UNREACHABLE"
    assert follow_ups(before)[12]["status"] == "SCHEDULED"
    assert follow_ups(overdue)[12]["status"] == "OVERDUE"
    assert (before["employment_type"], before["employment_follow_up_month"]) == ("WAGE", 3)
    [observed] = before["incomes"]
    assert (observed["at_month"], Decimal(observed["monthly_income_thb"])) == (3, Decimal(9000))
    assert Decimal(observed["baseline_monthly_income_thb"]) == baseline
    assert Decimal(observed["change_from_baseline_thb"]) == Decimal(9000) - baseline
    assert unfinished.status_code == 409 and unfinished.json()["rule"] == "follow-ups-not-finished"
    assert closed.status_code == 201, closed.text
    assert (after["closure_reason"], follow_ups(after)[12]["status"]) == ("LOST_CONTACT", "MISSED")
    assert follow_ups(after)[12]["missed_reason"] == "CASE_CLOSED"
    assert as_it_stood["status"] == "OPEN", "closed only from the day it closed"
    assert {(f["month"], f["case_status"]) for f in worklist} == {(3, "OPEN"), (6, "OPEN"), (12, "OPEN")}
    assert too_late.status_code == 409
    assert too_late.json()["rule"] == "case-closed"


async def test_a_withdrawn_case_takes_no_follow_up(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-57")
        today = thai_today().isoformat()
        withdrawal = await system.client("enrollment").post(
            f"/enrollments/{enrolled.enrollment_id}/withdrawal",
            json={"reason": "FOUND_EMPLOYMENT", "withdrawn_on": today},
        )
        created(withdrawal)
        withdrawn = await case_when(outcomes, enrolled, lambda c: c["status"] == "WITHDRAWN", what="the withdrawal")
        refused = await outcomes.post(f"/cases/{enrolled.enrollment_id}/follow-ups/3", json={"completed_on": today})
    assert due_on(scheduled, 3).isoformat() < today, "the follow-up was due: only the withdrawal refuses it"
    assert refused.status_code == 409
    assert refused.json()["rule"] == "case-withdrawn"
    assert {f["status"] for f in withdrawn["follow_ups"]} == {"MISSED"}
    assert {f["missed_reason"] for f in withdrawn["follow_ups"]} == {"WITHDRAWN"}


async def test_a_follow_up_month_other_than_3_6_or_12_is_invalid(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"]) as system:
        response = await system.client("outcomes").post(
            "/cases/00000000-0000-0000-0000-000000000001/follow-ups/4", json={}
        )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "path.month"


async def test_an_employment_observed_before_the_enrollment_is_not_an_outcome(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, _ = await completed_case(system, "TH-34")  # enrolled on 2025-05-05, as enrollment reported
        path = f"/cases/{enrolled.enrollment_id}/employment"
        job = {"employment_type": "WAGE", "related_to_training": False, "monthly_income_thb": "9000"}
        before = await outcomes.post(path, json=job | {"observed_on": "2025-05-04"})
        on_the_day = await outcomes.post(path, json=job | {"observed_on": "2025-05-05"})
    assert before.status_code == 409, before.text
    assert before.json()["rule"] == "employment-before-enrollment"
    assert "was enrolled on 2025-05-05" in before.json()["error"]
    assert on_the_day.status_code == 201, on_the_day.text


async def test_without_consent_to_be_followed_up_nobody_follows_the_case_up_until_it_is_given_again(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        enrolled, _, consents = await _completed_case_and_its_consents(system, "TH-35")
        purposes = {"purposes": ["outcome-follow-up"]}
        withdrawn = await enrollment.post(
            f"{consents}/withdrawal", json=purposes | {"withdrawn_at": "2025-09-01T10:00:00+07:00"}
        )
        case = await case_when(
            outcomes,
            enrolled,
            lambda c: all(f["status"] == "MISSED" for f in c["follow_ups"]),
            what="every follow-up missed for want of consent",
        )
        job = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9000"}
        refused = await outcomes.post(f"/cases/{enrolled.enrollment_id}/employment", json=job)
        given_again = await enrollment.post(
            consents,
            json=purposes | {"notice_version": "2025-01", "granted_at": "2025-09-10T10:00:00+07:00"},
        )

        async def recorded() -> httpx.Response | None:
            answer = await outcomes.post(f"/cases/{enrolled.enrollment_id}/employment", json=job)
            return answer if answer.status_code == 201 else None

        accepted = await eventually(recorded, what="outcomes recorded again once consent is given again")
    assert withdrawn.status_code == 201, withdrawn.text
    assert withdrawn.json()["follow_up_consent_told"] == [enrolled.enrollment_id]
    assert {f["missed_reason"] for f in case["follow_ups"]} == {"CONSENT_WITHDRAWN"}
    assert refused.status_code == 409 and refused.json()["rule"] == "follow-up-consent-withdrawn", refused.text
    assert given_again.json()["follow_up_consent_told"] == [enrolled.enrollment_id]
    assert accepted.status_code == 201


async def test_consent_given_again_reopens_the_follow_ups_not_yet_due_and_the_indicators_count_them_so(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        enrolled, scheduled, consents = await _completed_case_and_its_consents(system, "TH-37")
        three, six = due_on(scheduled, 3), due_on(scheduled, 6)
        withdrawn_on, restored_on = three + timedelta(days=5), three + timedelta(days=7)
        purposes = {"purposes": ["outcome-follow-up"]}
        created(
            await enrollment.post(
                f"{consents}/withdrawal", json=purposes | {"withdrawn_at": f"{withdrawn_on}T10:00:00+07:00"}
            )
        )
        await case_when(
            outcomes,
            enrolled,
            lambda c: all(f["status"] == "MISSED" for f in c["follow_ups"]),
            what="every follow-up missed for want of consent",
        )
        given_again = {"notice_version": "2025-01", "granted_at": f"{restored_on}T10:00:00+07:00"}
        created(await enrollment.post(consents, json=purposes | given_again))
        reopened = await case_when(
            outcomes,
            enrolled,
            lambda c: follow_ups(c)[6]["status"] != "MISSED",
            what="the follow-ups due after consent was given again, open again",
            as_of=restored_on,
        )
        on_the_day = (await outcomes.get(f"/cases/{enrolled.enrollment_id}", params={"as_of": str(six)})).json()
        path = f"/cases/{enrolled.enrollment_id}/follow-ups"

        async def completion(day: date, month: int) -> dict[str, int]:
            params = {"project_id": enrolled.project_id, "as_of": str(day)}
            rate: dict[str, int] = (await outcomes.get("/programme/indicators", params=params)).json()[
                "follow_up_completion"
            ][str(month)]
            return rate

        async def six_not_due_yet() -> dict[str, int] | None:
            rate = await completion(restored_on, 6)
            return rate if rate["denominator"] == 0 else None

        not_due_yet = await eventually(six_not_due_yet, what="the indicators to count the 6-month one unanswered")
        three_missed = await completion(restored_on, 3)
        late = await outcomes.post(f"{path}/3", json={"completed_on": str(restored_on)})
        answered = await outcomes.post(f"{path}/6", json={"completed_on": str(six)})

        async def six_completed() -> dict[str, int] | None:
            rate = await completion(six, 6)
            return rate if rate["numerator"] == 1 else None

        completed = await eventually(six_completed, what="the indicators to count the 6-month one answered")
        between = withdrawn_on + timedelta(days=1)  # consent withdrawn, not yet given again
        missed_then = await outcomes.get(
            "/follow-ups", params={"status": "MISSED", "project_id": enrolled.project_id, "as_of": str(between)}
        )

        async def views() -> list[Any]:
            case = await outcomes.get(f"/cases/{enrolled.enrollment_id}", params={"as_of": str(six)})
            case_then = await outcomes.get(f"/cases/{enrolled.enrollment_id}", params={"as_of": str(between)})
            rates = [await completion(day, m) for day in (between, restored_on, six) for m in (3, 6, 12)]
            return [case.json()["follow_ups"], case_then.json()["follow_ups"], rates]

        live = await views()
        database = DatabaseAddress.parse(settings.database_url or "").with_database(settings.database_name("outcomes"))
        for read_model in definition_of("outcomes").read_models:
            if read_model.name in ("cases", "indicators"):
                await rebuild_read_model(
                    definition_of("outcomes"), read_model, database_url=database.url, js=operator_js
                )
        rebuilt = await views()
    before = follow_ups(reopened)
    assert (before[3]["status"], before[3]["missed_reason"]) == ("MISSED", "CONSENT_WITHDRAWN"), "due before"
    assert (before[6]["status"], before[6]["missed_on"], before[6]["missed_reason"]) == ("SCHEDULED", None, None)
    assert before[12]["status"] == "SCHEDULED"
    assert follow_ups(on_the_day)[6]["status"] == "DUE"
    assert late.status_code == 409 and late.json()["rule"] == "follow-up-missed", late.text
    assert answered.status_code == 201, answered.text
    assert (not_due_yet["numerator"], not_due_yet["denominator"]) == (0, 0), "not due yet, not missed"
    assert (three_missed["numerator"], three_missed["denominator"]) == (0, 1), "the 3-month one stays missed"
    assert (completed["numerator"], completed["denominator"]) == (1, 1)
    assert rebuilt == live, "rebuilt from the streams, the read models undo the same misses"
    then = {f["month"]: f for f in live[1]}
    assert [(then[m]["status"], then[m]["missed_reason"]) for m in (3, 6, 12)] == [
        ("MISSED", "CONSENT_WITHDRAWN")
    ] * 3, "as of a day before consent was given again, every follow-up was missed"
    assert [f["month"] for f in missed_then.json()] == [3, 6, 12], missed_then.text
    six_then = live[2][1]
    assert (six_then["numerator"], six_then["denominator"]) == (0, 1), "missed then, so due and unanswered then"


async def test_after_the_last_day_consent_to_be_followed_up_covers_no_outcome_is_recorded_until_renewed(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        enrolled, scheduled, consents = await _completed_case_and_its_consents(system, "TH-36")
        grant = {"purposes": ["outcome-follow-up"], "notice_version": "2025-02"}
        until = due_on(scheduled, 3) - timedelta(days=1)
        heard = await _version(outcomes, enrolled.enrollment_id)
        with_an_end = await enrollment.post(
            consents, json=grant | {"granted_at": "2025-07-01T10:00:00+07:00", "valid_until": until.isoformat()}
        )
        await eventually(
            lambda: _newer(outcomes, enrolled.enrollment_id, heard), what="outcomes to hear of the consent's end"
        )
        answer = {"completed_on": due_on(scheduled, 3).isoformat()}
        refused = await outcomes.post(f"/cases/{enrolled.enrollment_id}/follow-ups/3", json=answer)
        renewed = await enrollment.post(consents, json=grant | {"granted_at": "2025-07-02T10:00:00+07:00"})

        async def answered() -> httpx.Response | None:
            response = await outcomes.post(f"/cases/{enrolled.enrollment_id}/follow-ups/3", json=answer)
            return response if response.status_code == 201 else None

        accepted = await eventually(answered, what="the follow-up recorded once consent is renewed without an end")
    assert with_an_end.json()["follow_up_consent_told"] == [enrolled.enrollment_id], with_an_end.text
    assert refused.status_code == 409 and refused.json()["rule"] == "follow-up-consent-expired", refused.text
    assert f"until {until}" in refused.json()["error"]
    assert renewed.json()["follow_up_consent_told"] == [enrolled.enrollment_id], renewed.text
    assert accepted.status_code == 201


async def test_integrators_reading_outcomes_see_consent_to_be_followed_up_given_again(
    settings: Settings, server_urls: ServerUrls
) -> None:
    async with running_system(settings) as system:
        enrollment = system.client("enrollment")
        enrolled, scheduled, consents = await _completed_case_and_its_consents(system, "TH-38")
        purposes = {"purposes": ["outcome-follow-up"]}
        created(
            await enrollment.post(
                f"{consents}/withdrawal", json=purposes | {"withdrawn_at": "2025-09-01T10:00:00+07:00"}
            )
        )
        again = {"notice_version": "2025-01", "granted_at": "2025-09-10T10:00:00+07:00", "valid_until": "2026-09-30"}
        created(await enrollment.post(consents, json=purposes | again))
        # An integrator's own user where the embedded NATS gives one; the operator's on a server of its own.
        integrator = await nats.connect(server_urls.nats_integrator_urls.get(INTEGRATOR, settings.nats_url or ""))
        try:
            read = await integrator.jetstream().pull_subscribe("outcomes.v1.>", durable=INTEGRATOR, stream="OUTCOMES")
            seen: list[Msg] = []

            async def restored() -> Msg | None:
                with contextlib.suppress(nats.errors.TimeoutError):
                    seen.extend(await read.fetch(20, timeout=0.5))
                return next((m for m in seen if m.subject == "outcomes.v1.case.follow_up_consent_restored"), None)

            told = await eventually(restored, what="consent given again, on the OUTCOMES stream")
            for message in seen:
                await message.ack()
        finally:
            await integrator.close()
    body = json.loads(told.data)
    assert (body["enrollment_id"], body["participant_id"]) == (enrolled.enrollment_id, enrolled.participant_id)
    assert (body["restored_on"], body["valid_until"]) == ("2025-09-10", "2026-09-30")
    assert body["follow_ups_reopened"] == [m for m in (3, 6, 12) if due_on(scheduled, m) >= date(2025, 9, 10)], (
        "the follow-ups missed for want of consent and due from that day on are open again"
    )
    assert (
        told.headers is not None
        and told.headers["ce-type"] == "org.pathways.outcomes.case.follow_up_consent_restored.v1"
    )
    before = [
        (m.subject.rpartition(".")[2], json.loads(m.data).get("reason") or json.loads(m.data).get("withdrawn_on"))
        for m in seen[: seen.index(told)]
        if m.subject.endswith(("followup.missed", "follow_up_consent_withdrawn"))
    ]
    assert before == [("follow_up_consent_withdrawn", "2025-09-01")] + [("missed", "CONSENT_WITHDRAWN")] * 3, (
        "the withdrawal it ends reached integrators first, then the follow-ups it missed"
    )


async def _completed_case_and_its_consents(
    system: RunningSystem, province_code: str
) -> tuple[Enrolled, dict[str, Any], str]:
    """A case through training, once enrollment's read model has it (consent changes find cases there),
    and the path of its participant's consents."""
    enrolled, scheduled = await completed_case(system, province_code)
    await get_json_when_found(system.client("enrollment"), f"/enrollments/{enrolled.enrollment_id}")
    return enrolled, scheduled, f"/participants/{enrolled.participant_id}/consents"


async def _version(client: httpx.AsyncClient, aggregate_id: str) -> int:
    version: int = (await client.get(f"/versions/{aggregate_id}")).json()["version"]
    return version


async def _newer(client: httpx.AsyncClient, aggregate_id: str, than: int) -> bool | None:
    """True once the aggregate is past version ``than``; None (keep waiting) before."""
    return True if await _version(client, aggregate_id) > than else None


async def test_a_later_employment_keeps_the_days_the_case_took_to_its_first_job(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-37")
        path = f"/cases/{enrolled.enrollment_id}"
        first_job = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "8000"}
        found_on = (date.fromisoformat(scheduled["completed_on"]) + timedelta(days=40)).isoformat()
        created(
            await outcomes.post(
                f"{path}/employment", json=first_job | {"days_to_first_job": 30, "observed_on": found_on}
            )
        )
        answer = {"completed_on": due_on(scheduled, 3).isoformat(), **first_job, "monthly_income_thb": "9500"}
        created(await outcomes.post(f"{path}/follow-ups/3", json=answer))
        case = await case_when(
            outcomes, enrolled, lambda c: c["employment_follow_up_month"] == 3, what="the 3-month employment"
        )
    assert (case["days_to_first_job"], case["monthly_income_thb"]) == (30, "9500.00")


async def test_a_follow_up_answered_not_working_shows_the_participant_out_of_work_until_a_new_job(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-40")
        path = f"/cases/{enrolled.enrollment_id}"
        job = {"employment_type": "WAGE", "related_to_training": True, "monthly_income_thb": "9000"}
        created(
            await outcomes.post(f"{path}/follow-ups/3", json={"completed_on": due_on(scheduled, 3).isoformat()} | job)
        )
        six = due_on(scheduled, 6)
        not_working = {"completed_on": six.isoformat(), "monthly_income_thb": "3000"}
        created(await outcomes.post(f"{path}/follow-ups/6", json=not_working))
        out_of_work = await case_when(
            outcomes,
            enrolled,
            lambda c: c["in_work"] is False and (c["latest_income"] or {}).get("at_month") == 6,
            what="out of work at 6, with the income then",
        )
        totals_then = (await outcomes.get("/programme/totals")).json()["by_outcome"]
        new_job = job | {"employment_type": "SELF_EMPLOYED", "observed_on": (six + timedelta(days=20)).isoformat()}
        created(await outcomes.post(f"{path}/employment", json=new_job))
        back_in_work = await case_when(outcomes, enrolled, lambda c: c["in_work"] is True, what="in work again")
        totals_now = (await outcomes.get("/programme/totals")).json()["by_outcome"]
    assert (out_of_work["not_working_month"], out_of_work["not_working_on"]) == (6, six.isoformat())
    assert out_of_work["employment_type"] == "WAGE", "the job found at 3 months stays recorded"
    assert out_of_work["monthly_income_thb"] == "9000.00", "as history, the job's income"
    assert out_of_work["latest_income"]["monthly_income_thb"] == "3000.00", "what they earn now"
    assert (totals_then["WAGE"], totals_then["NONE"]) == (0, 1)
    assert back_in_work["employment_type"] == "SELF_EMPLOYED"
    assert (totals_now["SELF_EMPLOYED"], totals_now["NONE"]) == (1, 0)


async def test_an_employment_observed_earlier_and_typed_in_later_does_not_replace_the_latest(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, _ = await completed_case(system, "TH-57")
        path = f"/cases/{enrolled.enrollment_id}/employment"
        job = {"related_to_training": True, "monthly_income_thb": "9000"}
        latest = job | {"employment_type": "SELF_EMPLOYED", "observed_on": "2025-10-01"}
        created(await outcomes.post(path, json=latest))
        typed_in_late = job | {"employment_type": "WAGE", "observed_on": "2025-09-10", "days_to_first_job": 12}
        created(await outcomes.post(path, json=typed_in_late))
        case = await case_when(
            outcomes, enrolled, lambda c: c["days_to_first_job"] == 12, what="the employment typed in late"
        )
        totals = (await outcomes.get("/programme/totals")).json()["by_outcome"]
    assert (case["employment_type"], case["employment_on"]) == ("SELF_EMPLOYED", "2025-10-01")
    assert (totals["SELF_EMPLOYED"], totals["WAGE"]) == (1, 0), "the totals count the same employment"


async def test_worklist_case_and_indicators_as_of_a_day_show_the_follow_ups_as_they_stood_then(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-38")
        due = due_on(scheduled, 3)
        created(await outcomes.post(f"/cases/{enrolled.enrollment_id}/follow-ups/3", json={"completed_on": str(due)}))
        await case_when(outcomes, enrolled, lambda c: c["follow_ups"][0]["status"] == "COMPLETED", what="answered")
        before, after = str(due - timedelta(days=1)), str(due)
        worklist = {
            day: (await outcomes.get("/follow-ups", params={"project_id": enrolled.project_id, "as_of": day})).json()
            for day in (before, after)
        }
        case = (await outcomes.get(f"/cases/{enrolled.enrollment_id}", params={"as_of": before})).json()

        async def indicators(day: str) -> dict[str, int]:
            params = {"project_id": enrolled.project_id, "as_of": day}
            rate: dict[str, int] = (await outcomes.get("/programme/indicators", params=params)).json()[
                "follow_up_completion"
            ]["3"]
            return rate

        rates = {day: await indicators(day) for day in (before, after)}
    three = {day: next(f for f in listed if f["month"] == 3) for day, listed in worklist.items()}
    assert (three[before]["status"], three[before]["completed_on"]) == ("SCHEDULED", None)
    assert (three[after]["status"], three[after]["completed_on"]) == ("COMPLETED", str(due))
    assert case["follow_ups"][0]["status"] == "SCHEDULED"
    assert (rates[before]["numerator"], rates[before]["denominator"]) == (0, 0)
    assert (rates[after]["numerator"], rates[after]["denominator"]) == (1, 1)


async def test_a_mistyped_project_is_a_404_not_an_empty_report(settings: Settings) -> None:
    """A project outcomes heard open, with no case or enterprise yet, is an empty list; one it never heard of is a
    404 naming it, whichever list or report is asked."""
    async with running_system(settings, ["enrollment", "outcomes"]) as system:
        outcomes = system.client("outcomes")
        opened = await open_project(system, name="Tea garden", province_code="TH-52")
        nothing_yet = [
            await listed_once_known(outcomes, path, project_id=opened) for path in ("/follow-ups", "/enterprises")
        ]
        unknown = str(uuid4())
        answers = [
            await outcomes.get(path, params={"project_id": unknown})
            for path in ("/programme/indicators", "/follow-ups", "/enterprises")
        ]
    for listed in nothing_yet:
        assert (listed.status_code, listed.json(), listed.headers["X-Total-Count"]) == (200, [], "0"), listed.url
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"] == f"project {unknown} is not known here (yet: read models follow the events)"


async def test_a_rejected_project_is_a_404_that_says_it_was_rejected_and_why(settings: Settings) -> None:
    """A programme officer asks outcomes about a project that was rejected: the answer says so, with the day
    and the reason, instead of asking to wait for events that never come; enrollment shows the same."""
    async with running_system(settings, ["enrollment", "outcomes"]) as system:
        enrollment, outcomes = system.client("enrollment"), system.client("outcomes")
        lampang = {"name": "CDU Lampang", "province_code": "TH-52", "registered_on": "2025-02-01"}
        unit = created(await enrollment.post("/units", json=lampang))
        proposal = {"name": "Tea garden", "province_code": "TH-52", "unit_id": unit["id"],
                    "grant_thb": "300000", "proposed_on": "2025-02-20"}  # fmt: skip
        tea = created(await enrollment.post("/projects", json=proposal))["id"]
        as_proposed = (await enrollment.get(f"/projects/{tea}")).json()
        rejection = {"reason": "outside the programme", "on": "2025-03-10"}
        created(await enrollment.post(f"/projects/{tea}/rejection", json=rejection))
        as_rejected = (await enrollment.get(f"/projects/{tea}")).json()

        async def rejected_follow_ups() -> httpx.Response | None:
            answer = await outcomes.get("/follow-ups", params={"project_id": tea})
            return answer if "rejected" in answer.text else None

        follow_ups = await eventually(rejected_follow_ups, what="outcomes to hear the rejection")
        indicators = await outcomes.get("/programme/indicators", params={"project_id": tea})
        enterprises = await outcomes.get("/enterprises", params={"project_id": tea})
        listed = await eventually(
            lambda: _listed_project(enrollment, tea), what="the rejected project on the enrollment list"
        )
    assert (as_proposed["status"], as_proposed["status_since"]) == ("PROPOSED", "2025-02-20")
    assert (as_rejected["status"], as_rejected["status_since"]) == ("REJECTED", "2025-03-10")
    assert as_rejected["rejection_reason"] == "outside the programme"
    for answer in (follow_ups, indicators, enterprises):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"] == (
            f"project {tea} was rejected on 2025-03-10: outside the programme; it never opened, so it has no cases"
        )
    assert (listed["status"], listed["status_since"]) == ("REJECTED", "2025-03-10")


async def _listed_project(enrollment: httpx.AsyncClient, project_id: str) -> dict[str, Any] | None:
    found = [p for p in (await enrollment.get("/projects")).json() if p["id"] == project_id]
    return found[0] if found and found[0]["status"] == "REJECTED" else None


async def test_a_follow_up_answered_before_the_withdrawal_is_recorded_when_typed_in_later(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-50")
        path = f"/cases/{enrolled.enrollment_id}"
        answered_on, withdrawn_on = due_on(scheduled, 3) + timedelta(days=5), due_on(scheduled, 3) + timedelta(days=10)
        withdrawal = {"reason": "OTHER", "withdrawn_on": withdrawn_on.isoformat()}
        created(
            await system.client("enrollment").post(f"/enrollments/{enrolled.enrollment_id}/withdrawal", json=withdrawal)
        )
        await case_when(outcomes, enrolled, lambda c: c["status"] == "WITHDRAWN", what="the withdrawal learned")

        after = await outcomes.post(f"{path}/follow-ups/3", json={"completed_on": withdrawn_on.isoformat()})
        late = await outcomes.post(
            f"{path}/follow-ups/3", json={"completed_on": answered_on.isoformat(), "monthly_income_thb": "8800"}
        )
        case = await case_when(
            outcomes, enrolled, lambda c: follow_ups(c)[3]["status"] == "COMPLETED", what="the late answer"
        )
    assert after.status_code == 409 and after.json()["rule"] == "case-withdrawn", after.text
    assert late.status_code == 201, late.text
    assert follow_ups(case)[6]["status"] == "MISSED" and follow_ups(case)[6]["missed_reason"] == "WITHDRAWN"
    assert [(i["at_month"], Decimal(i["monthly_income_thb"])) for i in case["incomes"]] == [(3, Decimal(8800))]


async def test_an_answer_typed_in_under_a_follow_up_whose_round_is_over_is_refused_for_the_later_one(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-50")
        path = f"/cases/{enrolled.enrollment_id}"
        called_on = due_on(scheduled, 6) + timedelta(days=1)

        wrong_month = await outcomes.post(f"{path}/follow-ups/3", json={"completed_on": called_on.isoformat()})
        missed_too_late = await outcomes.post(
            f"{path}/follow-ups/3/missed", json={"reason": "NO_RESPONSE", "missed_on": called_on.isoformat()}
        )
        right_month = await outcomes.post(f"{path}/follow-ups/6", json={"completed_on": called_on.isoformat()})
        case = await case_when(
            outcomes, enrolled, lambda c: follow_ups(c)[6]["status"] == "COMPLETED", what="the 6-month answer"
        )
    assert wrong_month.status_code == 409 and wrong_month.json()["rule"] == "follow-up-round-over", wrong_month.text
    said = wrong_month.json()["error"]
    assert str(due_on(scheduled, 3)) in said and str(due_on(scheduled, 6)) in said and "6-month" in said
    assert missed_too_late.status_code == 409 and missed_too_late.json()["rule"] == "follow-up-round-over"
    assert right_month.status_code == 201, right_month.text
    assert follow_ups(case)[3]["status"] != "COMPLETED", "the answer is not counted at the 3-month follow-up"


async def test_a_participant_who_calls_back_after_staff_marked_the_follow_up_missed_completes_it(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-50")
        path = f"/cases/{enrolled.enrollment_id}"
        missed_on = due_on(scheduled, 3) + timedelta(days=35)
        called_back_on = missed_on + timedelta(days=7)
        missed = {"reason": "NO_RESPONSE", "missed_on": missed_on.isoformat()}
        created(await outcomes.post(f"{path}/follow-ups/3/missed", json=missed))

        answered = await outcomes.post(
            f"{path}/follow-ups/3", json={"completed_on": called_back_on.isoformat(), "monthly_income_thb": "8500"}
        )
        await case_when(outcomes, enrolled, lambda c: follow_ups(c)[3]["status"] == "COMPLETED", what="the answer")
        between, answer_day = missed_on + timedelta(days=1), called_back_on

        async def as_of(day: date) -> tuple[str, str, dict[str, int]]:
            params = {"project_id": enrolled.project_id, "as_of": str(day)}
            case = (await outcomes.get(path, params={"as_of": str(day)})).json()
            listed = (await outcomes.get("/follow-ups", params=params | {"month": 3})).json()
            rate = (await outcomes.get("/programme/indicators", params=params)).json()["follow_up_completion"]["3"]
            return follow_ups(case)[3]["status"], listed[0]["status"], rate

        async def indicators_caught_up() -> tuple[str, str, dict[str, int]] | None:
            seen = await as_of(answer_day)
            return seen if seen[2]["numerator"] == 1 else None

        then_completed = await eventually(indicators_caught_up, what="the indicators to count the answer")
        then_missed = await as_of(between)
    assert answered.status_code == 201, answered.text
    case_status, worklist_status, rate = then_missed
    assert (case_status, worklist_status) == ("MISSED", "MISSED"), "between the miss and the answer"
    assert (rate["numerator"], rate["denominator"]) == (0, 1)
    case_status, worklist_status, rate = then_completed
    assert (case_status, worklist_status) == ("COMPLETED", "COMPLETED"), "from the answer's day"
    assert (rate["numerator"], rate["denominator"]) == (1, 1)


async def test_a_follow_up_answer_with_an_employment_left_incomplete_names_the_field_to_add(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        enrolled, scheduled = await completed_case(system, "TH-50")
        answer = {"completed_on": due_on(scheduled, 3).isoformat(), "employment_type": "WAGE"}

        refused = await outcomes.post(
            f"/cases/{enrolled.enrollment_id}/follow-ups/3", json=answer | {"monthly_income_thb": "9000"}
        )
        answered = await outcomes.post(
            f"/cases/{enrolled.enrollment_id}/follow-ups/3",
            json=answer | {"monthly_income_thb": "9000", "related_to_training": False},
        )
    assert refused.status_code == 422, refused.text
    assert [(f["field"], f["message"]) for f in refused.json()["fields"]] == [
        ("body.related_to_training", "related_to_training is required with employment_type")
    ]
    assert answered.status_code == 201, answered.text
