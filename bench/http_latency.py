"""HTTP command latency of "enroll participant" at a steady request rate, beside GET /health at the same rate.

The enrollment service runs as its own process (``pathways serve enrollment``) on real PostgreSQL and NATS.
Requests are sent open-loop on a fixed schedule and latency counts from the scheduled send time, so a
slow response cannot hide the ones queued behind it.

Usage: python -m bench.http_latency [--rate 200] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bench.support import percentile, row, servers
from pathways_infra.http_client import LeanClient, Response
from tests.support.system import free_port


async def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError("the enrollment service did not come up")


async def _steady(
    rate: float, count: int, send: Callable[[int], Coroutine[Any, Any, Response]]
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()

    async def one(index: int, scheduled: float) -> None:
        nonlocal failures
        response = await send(index)
        latencies.append(time.perf_counter() - scheduled)
        if response.status_code >= 300:
            failures += 1

    tasks = []
    for index in range(count):
        scheduled = started + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, scheduled)))
    await asyncio.gather(*tasks)
    return latencies, failures, count / (time.perf_counter() - started)


async def _created(client: LeanClient, path: str, body: dict[str, Any]) -> str:
    response = await client.post(path, body)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text}")
    created: str = response.json()["id"]
    return created


async def _screened_cases(client: LeanClient, count: int) -> list[str]:
    """An open project and ``count`` participants with consent, applied and screened: ready to enroll."""
    unit = await _created(client, "/units", {"name": "Bench CDU", "province_code": "TH-50"})
    await client.post(f"/units/{unit}/activation", {})
    proposal = {"name": "Bench", "province_code": "TH-50", "unit_id": unit, "grant_thb": "100000"}
    project = await _created(client, "/projects", proposal)
    needs = {"problems": ["low income"], "community_capital": ["crafts"], "opportunities": ["online market"],
             "assessed_on": "2025-04-01"}  # fmt: skip
    await client.post(f"/projects/{project}/needs-assessment", needs)
    await client.post(f"/projects/{project}/needs-assessment/validation", {})
    await client.post(f"/projects/{project}/approval", {})
    consent = {"purposes": ["programme-participation"], "notice_version": "1", "granted_at": "2025-05-01T00:00:00Z"}
    baseline = {
        "employment_status": "UNEMPLOYED", "monthly_income_thb": "5000", "informal_worker": True,
        "covid_affected": True,
    }  # fmt: skip

    async def screened(index: int) -> str:
        person = {"full_name": f"Bench {index}", "date_of_birth": "1985-01-01"}
        registration = {"sex": "F", "personal_data": person, "consent": consent}
        participant = await _created(client, "/participants", registration)
        application = {"participant_id": participant, "project_id": project, "applied_on": "2025-05-02",
                       "baseline": baseline}  # fmt: skip
        case = await _created(client, "/enrollments", application)
        await _created(client, f"/enrollments/{case}/screening", {"screened_on": "2025-05-03"})
        return case

    return list(await asyncio.gather(*(screened(i) for i in range(count))))


async def main(rate: float, seconds: float) -> None:
    count = int(rate * seconds)
    with servers() as urls, tempfile.TemporaryDirectory(prefix="pathways-bench-data-") as data_dir:
        port = free_port()
        env = {
            **os.environ, "PATHWAYS_DATABASE_URL": urls.database_url, "PATHWAYS_NATS_URL": urls.nats_url,
            "PATHWAYS_LOG_LEVEL": "WARNING", "PATHWAYS_DATA_DIR": data_dir,
        }  # fmt: skip
        service = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
            [sys.executable, "-m", "pathways_infra", "serve", "enrollment", "--port", str(port)], env=env
        )
        try:
            await _wait_until_up(port)
            async with LeanClient("127.0.0.1", port) as client:
                cases = await _screened_cases(client, count)
                health, _, _ = await _steady(rate, count, lambda i: client.get("/health"))
                enroll, failures, achieved = await _steady(
                    rate,
                    count,
                    lambda i: client.post(f"/enrollments/{cases[i]}/enrollment", {"enrolled_on": "2025-05-05"}),
                )
        finally:
            service.terminate()
            service.wait(timeout=30)
    print(f"HTTP latency at a steady {rate:.0f} requests/s for {seconds:.0f}s ({count:,} requests each)")
    row(
        "baseline GET /health             p50 / p99",
        f"{percentile(health, 50) * 1e3:7.1f} / {percentile(health, 99) * 1e3:7.1f} ms",
    )
    row(
        "POST /enrollments (enroll)       p50 / p99",
        f"{percentile(enroll, 50) * 1e3:7.1f} / {percentile(enroll, 99) * 1e3:7.1f} ms",
    )
    row("enroll: achieved rate, failures", f"{achieved:7.1f} req/s, {failures} failed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rate, arguments.seconds))
