"""Operator commands say plainly, and within seconds, when they have no server to talk to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.system import free_port

ROOT = Path(__file__).resolve().parents[2]


def _pathways(*args: str, nats_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATHWAYS_NATS_URL": nats_url,
        "PATHWAYS_DATABASE_URL": f"postgresql://x@127.0.0.1:{free_port()}/x",
    }
    return subprocess.run(
        [sys.executable, "-m", "pathways_infra", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [("dlq", "list"), ("dlq", "replay", "1"), ("dlq", "discard", "1", "--reason", "x"), ("streams", "check")],
)
def test_an_unreachable_nats_is_reported_in_one_line(command: tuple[str, ...]) -> None:
    nats_url = f"nats://127.0.0.1:{free_port()}"  # nothing listens there

    done = _pathways(*command, nats_url=nats_url)

    assert done.returncode == 2, done.stderr  # it could not run
    assert f"cannot reach NATS at {nats_url}" in done.stderr
    assert "Traceback" not in done.stderr
