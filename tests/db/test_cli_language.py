"""The ``pesisir`` command against the database, in an Indonesian shell (``LANG=id_ID.UTF-8``): the users' commands
say what they did in Bahasa Indonesia, from the catalogue, and the same commands in English are unchanged."""

from __future__ import annotations

from typer.testing import CliRunner

from app import cli
from app.services import preparation
from geo.i18n import gettext

INDONESIAN = {"LANG": "id_ID.UTF-8", "LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None}


def test_users_commands_speak_indonesian_in_an_indonesian_shell(db, monkeypatch):
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    runner = CliRunner()
    created = runner.invoke(
        cli.cli,
        ["users", "create", "--username", "budi", "--role", "planner", "--password", "kata sandi yang panjang"],
        env=INDONESIAN,
    )
    assert created.exit_code == 0, created.output
    assert created.stdout.startswith("budi dibuat (planner), id ")
    hm = runner.invoke(
        cli.cli,
        ["users", "create", "--username", "sri", "--role", "harbourmaster", "--harbour", "kalianget"],
        input="kata sandi yang panjang\nkata sandi yang panjang\n",
        env=INDONESIAN,
    )
    assert hm.exit_code == 0, hm.output
    assert "Kata sandi: " in hm.stdout and "Ulangi untuk konfirmasi: " in hm.stdout  # the prompts too
    assert "sri dibuat (harbourmaster, pelabuhan kalianget), id " in hm.stdout

    disabled = runner.invoke(cli.cli, ["users", "disable", "budi"], env=INDONESIAN)
    assert disabled.stdout.strip() == gettext("id", "cli.users.disabled_one", username="budi") == "budi dinonaktifkan."
    listed = runner.invoke(cli.cli, ["users", "list"], env=INDONESIAN)
    rows = {line.split()[1]: line.split()[-1] for line in listed.stdout.splitlines()}
    assert rows["budi"] == "nonaktif" and rows["sri"] == "aktif"

    english = runner.invoke(cli.cli, ["users", "list"])  # the suite's own environment: English
    rows = {line.split()[1]: line.split()[-1] for line in english.stdout.splitlines()}
    assert rows["budi"] == "disabled" and rows["sri"] == "active"


def test_pesisir_run_says_why_a_step_runs_in_indonesian(db, monkeypatch, capsys):
    """The reasons the services give (``geo.i18n.Message``) are said in the shell's language too: a step never
    noted runs, and says so; after a run is noted with nothing changed, it is skipped with the time it ran."""
    monkeypatch.setattr(cli, "_in_transaction", lambda settings, work: work(db))
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    ledger, step = preparation.Ledger(None), preparation.segment_step(500.0)
    skipped, doing = cli._t("cli.run.not_resegmented"), cli._t("cli.run.segmenting")
    assert not cli._up_to_date(None, ledger, step, skipped, doing)
    assert capsys.readouterr().out == "segmen pantai: menyegmentasi (belum pernah tercatat dijalankan)\n"
    ledger.note(db, step)
    assert cli._up_to_date(None, ledger, step, skipped, doing)
    said = capsys.readouterr().out
    assert said.startswith("segmen pantai: tidak disegmentasi ulang (masukan tidak berubah sejak ") and said.endswith(
        " UTC)\n"
    )
