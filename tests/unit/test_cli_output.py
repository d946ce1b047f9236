"""What the `pathways` command prints: help for every command and option, a word when nothing is out of date,
and a quiet exit when its reader goes away (`pathways status --json | head`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

import pytest

from pathways_infra.cli import build_parser, main


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


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and verb as typed (`dlq list`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from _commands(sub, (*path, name))


def _parser_of(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in command:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return parser


_VALUES = {"service": "enrollment", "participant": "0b8e8c4e-7f6b-4d5e-9b0a-1c2d3e4f5a6b"}  # where "1" will not do


def _what_it_needs(parser: argparse.ArgumentParser) -> list[str]:
    """Its positionals and required options, each given a value it takes."""
    given: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.nargs in ("?", "*", 0):
            continue
        value = str(next(iter(action.choices))) if action.choices else _VALUES.get(action.dest, "1")
        if not action.option_strings:
            given.append(value)
        elif action.required:
            given += [action.option_strings[0], value]
    return given


@pytest.mark.parametrize("command", list(_commands(build_parser())), ids=" ".join)
def test_a_mistyped_option_is_refused_with_the_commands_own_usage(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, *_what_it_needs(_parser_of(command)), "--no-such-option"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: pathways {' '.join(command)} "), err
    assert f"pathways {' '.join(command)}: error: unrecognized arguments: --no-such-option" in err


def test_dlq_show_says_its_own_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _help(capsys, "dlq", "show")
    assert "0 shown (resolved or not), 1 no message is parked at that sequence" in shown
    assert "nothing to send back" not in shown  # that is replay's
