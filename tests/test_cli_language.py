"""The ``pesisir`` command speaks the language of its environment (``LANG=id_ID.UTF-8``: Bahasa Indonesia), every
word from the catalogue (geo/i18n, ``cli.*``): each code the command uses exists there, none is left unused, and no
text carries rich markup (colours are the code's, around the words). The suite itself runs in English
(pyproject.toml pins ``LANGUAGE=en``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.text import Text
from typer.testing import CliRunner

from app import cli
from geo.i18n import CATALOGUES, LANGUAGES, gettext, template_ids

APP = Path(cli.__file__).parent
USED = {code for f in APP.rglob("*.py") for code in re.findall(r"""["'](cli\.[a-z_.]+)["']""", f.read_text())}
"""The ``cli.*`` codes the command's code and the services whose words it prints (their reasons) name."""
CLI_IDS = {m for m in template_ids() if m.startswith("cli.")}
INDONESIAN = {"LANG": "id_ID.UTF-8", "LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None}
"""The environment of an Indonesian shell, for ``CliRunner.invoke`` (``None`` removes a variable)."""


def test_every_code_the_command_uses_is_in_the_catalogue_and_every_cli_message_is_used():
    assert len(USED) > 50  # the scan finds the codes
    assert not USED - CLI_IDS, f"codes used in app/ but not in geo/i18n/messages.pot: {sorted(USED - CLI_IDS)}"
    assert not CLI_IDS - USED, f"cli.* messages no longer used in app/: {sorted(CLI_IDS - USED)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_cli_message_holds_rich_markup(lang):
    """The command prints the catalogue's words with markup on in places (its colours around them): a text that
    rich would read as markup would lose words or fail."""
    marked = [m for m in sorted(CLI_IDS) if Text.from_markup(CATALOGUES[lang][m]).plain != CATALOGUES[lang][m]]
    assert not marked


def _shell(env: dict[str, str | None], *args: str) -> subprocess.CompletedProcess[str]:
    """``pesisir ARGS`` run as a user would, in a shell whose environment is this one changed by ``env``."""
    environ = {k: v for k, v in (os.environ | env).items() if v is not None}
    command = [sys.executable, "-c", "from app.cli import main; main()", *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120, check=False)


def test_an_indonesian_shell_gets_indonesian_output_and_errors(tmp_path):
    external = {"PESISIR_DATABASE_URL": "postgresql://someone@db.example:5432/pesisir"}
    stop = _shell(INDONESIAN | external, "db", "stop")
    assert stop.returncode == 0, stop.stderr
    assert stop.stdout.strip() == gettext("id", "cli.db.external_nothing_to_stop")
    assert "tidak ada yang perlu dihentikan" in stop.stdout
    # A coded error, printed by the command's error printer in the shell's language.
    missing = tmp_path / "no-such-folder"
    bad = _shell(INDONESIAN, "export", "harbours", "--out", str(missing / "h.geojson"))
    assert bad.returncode == 1 and bad.stdout == ""
    said = gettext("id", "cli.export.no_folder", folder=missing)
    assert bad.stderr.strip() == f"kesalahan: {said}"
    assert f"--out: folder {missing} tidak ada: buat dulu (mkdir -p {missing})" in bad.stderr
    assert not missing.exists()


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``pesisir ARGS`` in this process, through the command's error printer: its exit status and standard error."""
    monkeypatch.setattr(sys, "argv", ["pesisir", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return int(exited.value.code or 0), capsys.readouterr().err


def test_an_english_shell_and_the_suite_get_english(tmp_path, monkeypatch, capsys):
    stopped = CliRunner().invoke(cli.cli, ["db", "stop"], env={"PESISIR_DATABASE_URL": "postgresql://x@y/z"})
    assert stopped.stdout.strip() == gettext("en", "cli.db.external_nothing_to_stop")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    status, said = _main(monkeypatch, capsys, "export", "islands", "--out", str(tmp_path / "x"), "--format", "shp")
    assert status == 1
    assert said.strip() == "error: --format: must be one of geojson, csv, gpkg, got 'shp'"


def test_an_error_text_with_brackets_is_printed_as_it_is(tmp_path, monkeypatch, capsys):
    """Values in a message (a file name, an option's value) are escaped: ``[red]`` stays text, nothing is lost."""
    out = str(tmp_path / "x")
    status, said = _main(monkeypatch, capsys, "export", "islands", "--out", out, "--format", "[red]x[/red]")
    assert status == 1 and said.strip().endswith("got '[red]x[/red]'"), said


def test_every_step_of_pesisir_run_has_its_words():
    from app.services import preparation

    here = Path(".")
    steps = [
        preparation.base_step(here, here, here),
        preparation.demo_step(7, 1, 1),
        preparation.segment_step(500.0),
        preparation.score_step(here, here),
        preparation.evaluation_step(here, here),
    ]
    assert sorted(s.name for s in steps) == sorted(cli.STEP_WORDS)
