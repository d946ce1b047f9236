"""The demo-load benchmark runs end to end and reports its figures (run small; the figures are not judged here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pathways_infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_load_benchmark_runs_and_its_totals_match(settings: Settings) -> None:
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_NATS_URL": settings.nats_url or "",
        "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.demo_load", "--participants", "60", "--concurrency", "16",
         "--floor-scale", "1000"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-3000:]
    report = {re.split(r"\s{2,}", line.strip())[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "True" in report["programme totals match the generator"]
    for figure in (
        "raw PostgreSQL: one-row INSERT per transaction",
        "demo through HTTP: commands/s",
        "demo through HTTP: command latency p50 / p99",
        "CPU: whole machine (all processes)",
        "floor per command",
        "ceiling on this machine: cores ÷ floor",
    ):
        assert any(label.startswith(figure) for label in report), f"the report lacks {figure!r}:\n{done.stdout}"


def test_the_vault_rotation_benchmark_runs_and_reports_both_sizes(settings: Settings) -> None:
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_NATS_URL": settings.nats_url or "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.vault_rotation", "--participants", "200"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-3000:]
    for figure in ("raw PostgreSQL: batched UPDATE, 200 rows", "rotation: 800 participants", "larger / smaller"):
        assert figure in done.stdout, f"the report lacks {figure!r}:\n{done.stdout}"
