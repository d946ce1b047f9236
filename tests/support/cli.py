"""`pathways` commands run as an operator runs them, told where a test's servers are."""

from __future__ import annotations

import os
import subprocess
import sys

from pathways_infra.settings import Settings


def operator_env(settings: Settings) -> dict[str, str]:
    """The environment of an operator's command: this test's PostgreSQL, NATS (the operator's user) and databases."""
    return {
        **os.environ,
        "PATHWAYS_DATABASE_URL": settings.database_url or "",
        "PATHWAYS_NATS_URL": settings.nats_url or "",
        "PATHWAYS_DATABASE_PREFIX": settings.database_prefix,
    }


def run_pathways(settings: Settings, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """The command's exit status and output; a failure is what the tests look at, not an exception."""
    return subprocess.run(
        [sys.executable, "-m", "pathways_infra", *args],
        env=operator_env(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
