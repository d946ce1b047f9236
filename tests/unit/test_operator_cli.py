"""Operator commands say plainly, and within seconds, when they have no server to talk to."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathways_infra import operator_cli
from pathways_infra.cli import main
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


@pytest.mark.parametrize("group", ["dlq", "streams", "read-models", "vault"])
def test_a_group_named_without_a_verb_shows_its_own_help(group: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([group]) == 2
    assert capsys.readouterr().out.startswith(f"usage: pathways {group} [-h] VERB")


def test_read_models_named_together_with_all_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read-models", "rebuild", "outcomes", "programme", "--all"]) == 2
    assert "name read models to rebuild, or --all: not both" in capsys.readouterr().err


def test_a_negative_wait_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["status", "--wait", "-1"])
    assert stopped.value.code == 2
    assert "argument --wait: must be 0 or more seconds, got -1" in capsys.readouterr().err


def test_a_postgresql_that_does_not_answer_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def silent(_action: object) -> None:
        raise TimeoutError  # as asyncpg.connect raises it, with no message

    monkeypatch.setattr(operator_cli, "unless_unreachable", silent)
    assert operator_cli.operate(lambda _nc, _progress: asyncio.sleep(0)) is None
    assert "could not run: PostgreSQL did not answer within 10 s" in capsys.readouterr().err
