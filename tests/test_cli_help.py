"""Every command's ``--help`` reads as plain text: Typer prints reST's double backticks literally, so none may
appear; and every boolean option says what it does in each of its forms (``--x`` and ``--no-x``), or, with one
form only, what happens without it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from app.cli import cli


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(cli)))


def test_the_walk_finds_the_commands_and_groups():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "db", "db url", "export", "run", "route", "model evaluate", "import incidents"} <= names
    assert len(names) > 25


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda p: " ".join(p) or "pesisir")
def test_help_has_no_double_backticks(path):
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "``" not in result.output


def _flags() -> Iterator[tuple[str, Any]]:
    for path, command in COMMANDS:
        for param in command.params:
            if getattr(param, "is_flag", False) and param.name != "help":
                yield " ".join(path), param


@pytest.mark.parametrize(("command", "option"), list(_flags()), ids=lambda x: x if isinstance(x, str) else x.name)
def test_every_boolean_option_says_what_each_form_does(command, option):
    assert option.help, f"{command} {option.opts[0]}: no help"
    if option.secondary_opts:
        for form in (*option.opts, *option.secondary_opts):
            assert form in option.help, f"pesisir {command}: the help of {option.opts[0]} does not say what {form} does"
    else:
        assert "Without it" in option.help, f"pesisir {command} {option.opts[0]}: what happens without it?"
    shown = CliRunner().invoke(cli, [*command.split(), "--help"], env={"COLUMNS": "400"}).output
    assert option.opts[0] in shown
