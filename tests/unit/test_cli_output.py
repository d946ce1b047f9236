"""What the `pathways` command prints: help for every command and option, a word when nothing is out of date,
and a quiet exit when its reader goes away (`pathways status --json | head`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pathways_infra.cli import main


def _help(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal's width


def test_the_relay_command_says_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert "publish the events its store records to its JetStream stream" in _help(capsys, "relay")


@pytest.mark.parametrize(
    ("command", "option_help"),
    [
        (("servers",), "--data-dir DATA_DIR where embedded servers keep their data"),
        (("demo",), "--projects PROJECTS projects, each run by a unit (default 194)"),
        (("demo",), "--provinces PROVINCES provinces the projects are in"),
        (("demo",), "--follow-up-months MONTHS the follow-up rounds to load, comma-separated, of 3, 6 and 12"),
    ],
)
def test_options_say_what_they_set(capsys: pytest.CaptureFixture[str], command: tuple[str], option_help: str) -> None:
    assert option_help in _help(capsys, *command)


def test_contracts_check_says_when_the_documents_are_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "--check"]) == 0
    assert capsys.readouterr().out == "contract documents are up to date\n"


@pytest.mark.parametrize(
    ("command", "status"),
    [(["contracts", "--check"], 141), (["--help"], 0)],  # 141 as if killed by SIGPIPE; argparse's help ignores it
)
def test_a_reader_that_goes_away_ends_the_command_quietly(command: list[str], status: int) -> None:
    pathways = subprocess.Popen(
        [sys.executable, "-m", "pathways_infra", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert pathways.stdout is not None and pathways.stderr is not None
    pathways.stdout.close()  # as `| head` does once it has what it wants
    stderr = pathways.stderr.read().decode()
    assert pathways.wait(timeout=60) == status, stderr
    assert stderr == ""
