"""The ``pesisir`` command: database management, data loading and the web service.

Every command has ``--help``. Errors print one line saying what is wrong and what to do, and exit 1.

What it prints for a reader is in the language of the environment (``LANG=id_ID.UTF-8``: Bahasa Indonesia, else
English; :func:`geo.i18n.from_environment`), from the catalogue's ``cli.*`` messages (geo/i18n). What machines read
stays as it is: ``--json``/``--geojson`` output, files, logs; ``--help`` is documentation, in English.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from app.errors import InvalidInput, PesisirError, SetupError
from app.settings import Settings
from geo.i18n import from_environment, gettext, has, say

cli = typer.Typer(help="Pesisir: risk mapping of the Sumenep coast.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(
    help="Manage the database (the private cluster, or the server in PESISIR_DATABASE_URL).",
    no_args_is_help=True,
)
SEASON_WORDS = {"west": "cli.seasons.west", "east": "cli.seasons.east", "transition": "cli.seasons.transition"}
"""How a route season reads in a sentence (catalogue codes)."""
STEP_WORDS = {
    "base layers": "cli.steps.base",
    "demo data": "cli.steps.demo",
    "coastal segments": "cli.steps.segments",
    "scores": "cli.steps.scores",
    "accuracy": "cli.steps.accuracy",
}
"""The words of ``pesisir run``'s steps (``app.services.preparation``; their names are the ledger's keys)."""

cli.add_typer(db_cli, name="db")
model_cli = typer.Typer(help="Fit and evaluate the landing and tppo risk models.", no_args_is_help=True)
cli.add_typer(model_cli, name="model")
users_cli = typer.Typer(help="Manage users: create, list, disable, set a password.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
routes_cli = typer.Typer(
    help="Sea routes: the sea graph, ferry routes, corridors and their exposure.", no_args_is_help=True
)
cli.add_typer(routes_cli, name="routes")
import_cli = typer.Typer(help="Import records from files: incidents.", no_args_is_help=True)
cli.add_typer(import_cli, name="import")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def _t(code: str, **params: Any) -> str:
    """The command's message ``code`` (``cli.*`` in the catalogue, geo/i18n) in the language the environment asks
    for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: Indonesian for ``id_ID.UTF-8``, else English). The
    catalogue's texts hold no rich markup; a caller that prints with markup escapes what comes from files or the
    database, or prints with ``markup=False``."""
    return gettext(from_environment(), code, **params)


def _said(reason: str | None) -> str:
    """A service's reason in the command's language: a :class:`geo.i18n.Message` from the catalogue, other text
    as it is."""
    return say(from_environment(), reason or "")


def _message(exc: PesisirError) -> str:
    """An error's text in the command's language: from the catalogue when it was made with ``.coded``."""
    return gettext(from_environment(), exc.code, **exc.params) if exc.code else str(exc)


def _prefixed(kind: str, colour: str, text: str) -> str:
    """``error: text`` (``kind`` a ``cli.prefix.*`` code) in colour, for a console with markup; ``text`` escaped."""
    return f"[{colour}]{escape(_t(kind))}:[/{colour}] {escape(text)}"


@contextmanager
def step(message: str) -> Iterator[None]:
    """Show a spinner while a step runs (work longer than a few seconds shows progress)."""
    with out.status(message, spinner="dots"):
        yield


def _settings() -> Settings:
    return Settings()


def _external(settings: Settings) -> bool:
    return settings.database.url is not None


def _engine(settings: Settings) -> Engine:
    """The schema owner's engine: every command but the web service (which connects as the application role)."""
    from app.db.session import check_connection, make_engine

    engine = make_engine(settings.database, "owner")
    check_connection(engine)
    return engine


# -- database ---------------------------------------------------------------------------------------------------
@db_cli.command("start")
def db_start() -> None:
    """Start the private PostgreSQL + PostGIS cluster (create it on first use). Idempotent."""
    settings = _settings()
    _db_start(settings)


def _db_start(settings: Settings) -> None:
    from app.db.session import describe, local_cluster

    if _external(settings):
        engine = _engine(settings)
        out.print(_t("cli.db.external_nothing_to_start", server=describe(engine.url)), markup=False)
        return
    cluster = local_cluster(settings.database)
    with step(escape(_t("cli.db.starting", pgdata=cluster.pgdata))):
        started = cluster.start()
    out.print(_t("cli.db.started" if started else "cli.db.already_running", pgdata=cluster.pgdata), markup=False)


@db_cli.command("stop")
def db_stop() -> None:
    """Stop the private cluster. Its data stays for the next start."""
    settings = _settings()
    if _external(settings):
        out.print(_t("cli.db.external_nothing_to_stop"), markup=False)
        return
    from app.db.session import local_cluster

    cluster = local_cluster(settings.database)
    stopped = cluster.stop()
    out.print(_t("cli.db.stopped" if stopped else "cli.db.not_running"), markup=False)


@db_cli.command("status")
def db_status() -> None:
    """Say whether the database is up, and which one it is. Exit 1 when it is not reachable."""
    from app.db import migrate
    from app.db.session import describe, local_cluster

    settings = _settings()
    if not _external(settings):
        st = local_cluster(settings.database).status()
        path = st.data_dir / "pg"
        said = (
            _t("cli.db.cluster_running", path=path, pid=st.pid)
            if st.running
            else _t("cli.db.cluster_stopped", path=path)
        )
        out.print(said, markup=False)
        if not st.running:
            raise typer.Exit(1)
    engine = _engine(settings)
    from app.db.session import check_connection

    out.print(
        _t(
            "cli.db.status",
            server=describe(engine.url),
            database=engine.url.database,
            postgis=check_connection(engine),
            revision=migrate.current(engine) or _t("cli.db.no_revision"),
        ),
        markup=False,
    )


@db_cli.command("url")
def db_url(
    show_password: Annotated[
        bool, typer.Option(help="--show-password: print the password too; --no-show-password: hide it as ***.")
    ] = False,
    owner: Annotated[
        bool,
        typer.Option(
            help="--owner: the schema owner's URL (migrations, CLI); --no-owner: the web service's (pesisir_app)."
        ),
    ] = False,
) -> None:
    """Print the SQLAlchemy URL the web service connects with (password hidden unless asked for)."""
    from app.db.session import database_url

    url = database_url(_settings().database, "owner" if owner else "app")
    out.print(url.render_as_string(hide_password=not show_password), soft_wrap=True)


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the schema migrations (to the latest revision by default)."""
    _upgrade(_settings(), revision)


def _upgrade(settings: Settings, revision: str = "head") -> None:
    from app.db import migrate

    engine = _engine(settings)
    with step(escape(_t("cli.db.migrating"))):
        migrate.upgrade(engine, revision)
    out.print(_t("cli.db.at_revision", revision=migrate.current(engine)), markup=False)


@db_cli.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision ('base' drops everything).")],
) -> None:
    """Revert the schema to an earlier revision."""
    from app.db import migrate

    engine = _engine(_settings())
    migrate.downgrade(engine, revision)
    out.print(_t("cli.db.at_revision", revision=migrate.current(engine) or "base"), markup=False)


# -- data -------------------------------------------------------------------------------------------------------
def _in_transaction(settings: Settings, work: Callable[..., T]) -> T:
    from app.db.session import make_sessionmaker, unit_of_work

    engine = _engine(settings)
    with unit_of_work(make_sessionmaker(engine)) as session:
        return work(session)


def _ledger(settings: Settings) -> Any:
    """The fingerprints of the preparation steps last run on this database (``app.services.preparation``)."""
    from app.db.session import database_url
    from app.services.preparation import Ledger

    url = database_url(settings.database, "owner").render_as_string(hide_password=True)
    return Ledger.open(settings.database.data_dir, url)


def _noting(work: Callable[[Any], T], ledger: Any, step: Any) -> Callable[[Any], T]:
    """``work``, then the note of ``step``'s fingerprints in the same transaction (see :func:`_saved`)."""

    def run(session: Any) -> T:
        result = work(session)
        ledger.note(session, step)
        return result

    return run


def _saved(ledger: Any) -> None:
    """Keep the fingerprints noted, once their transaction committed; say so when they cannot be kept."""
    problem = ledger.save()
    if problem is not None:
        out.print(_prefixed("cli.prefix.note", "yellow", problem), highlight=False)


def _up_to_date(settings: Settings, ledger: Any, step: Any, skipped: str, doing: str) -> bool:
    """``pesisir run``'s test before a step: True (and one line saying so) when its inputs and stored results are
    those noted when it last ran; else False, having said why it runs. ``skipped`` and ``doing``: the words of
    each case, in the command's language."""
    check = _in_transaction(settings, lambda s: ledger.check(s, step))
    said = skipped if check.current else doing
    name = _t(STEP_WORDS[step.name]) if step.name in STEP_WORDS else step.name
    out.print(f"{name}: {said} ({_said(check.reason)})", highlight=False, markup=False)
    return bool(check.current)


@cli.command("load-base")
def load_base(
    islands: Annotated[Path | None, typer.Option(help="Islands layer (GeoJSON, GeoPackage, Shapefile).")] = None,
    harbours: Annotated[
        Path | None, typer.Option(help="Harbours layer (CSV with lon/lat, or any vector file).")
    ] = None,
    places: Annotated[
        Path | None,
        typer.Option(help="The routes' places: CSV with slug,name,kind,lon,lat,province,source (see data/README.md)."),
    ] = None,
) -> None:
    """Load the islands, harbours and the routes' places (Pesisir's own in data/ unless files are given). One
    transaction; idempotent."""
    _load_base(_settings(), islands, harbours, places)


def _load_base(
    settings: Settings,
    islands: Path | None = None,
    harbours: Path | None = None,
    places: Path | None = None,
    *,
    skip_when_current: bool = False,
) -> None:
    from app.services import base_data, preparation

    files = (
        islands or base_data.DEFAULT_ISLANDS,
        harbours or base_data.DEFAULT_HARBOURS,
        places or base_data.DEFAULT_PLACES,
    )
    ledger, noted = _ledger(settings), preparation.base_step(*files)
    if skip_when_current and _up_to_date(settings, ledger, noted, _t("cli.run.not_reloaded"), _t("cli.run.loading")):
        return
    with step(escape(_t("cli.load.base"))):
        reports = _in_transaction(
            settings,
            _noting(
                lambda s: base_data.load_base(s, islands=files[0], harbours=files[1], places=files[2]), ledger, noted
            ),
        )
    _saved(ledger)
    for r in reports:
        out.print(
            _t("cli.load.report", layer=r.layer, total=r.total, inserted=r.inserted, updated=r.updated), markup=False
        )


@cli.command("load-patrol-bases")
def load_patrol_bases(
    path: Annotated[
        Path, typer.Argument(help="Points with a 'name' column (GeoJSON, GeoPackage, Shapefile, or CSV with lon/lat).")
    ],
    replace: Annotated[
        bool,
        typer.Option(
            help="--replace: also remove the stored bases that are not in the file; --no-replace: keep them, only "
            "add and update."
        ),
    ] = False,
) -> None:
    """Load patrol bases (optional columns: slug, agency, source). They feed the patrol_remoteness factor;
    run 'pesisir score' afterwards. Idempotent: bases are matched by slug (default: from the name)."""
    from app.services import base_data

    with step(escape(_t("cli.load.patrol_bases", path=path))):
        r = _in_transaction(_settings(), lambda s: base_data.load_patrol_bases(s, path, replace=replace))
    counts = {"total": r.total, "inserted": r.inserted, "updated": r.updated, "deleted": r.deleted}
    out.print(_t("cli.load.report_removed", layer=r.layer, **counts), markup=False)
    if r.inserted or r.updated or r.deleted:
        out.print(_t("cli.load.patrol_bases_score"), markup=False)


@cli.command("demo-data")
def demo_data(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    incidents: Annotated[int, typer.Option(min=1, help="Incidents to generate.")] = 400,
    landings: Annotated[int, typer.Option(min=1, help="Landing reports to generate.")] = 2500,
    remove: Annotated[
        bool,
        typer.Option(
            "--remove",
            help="Delete every synthetic incident and landing instead (audited), then re-score the coast; "
            "'pesisir run' loads no demo data after that. Without it: generate and load the demo data.",
        ),
    ] = False,
) -> None:
    """Generate and load the synthetic demo data (flagged synthetic). Idempotent for a seed. With --remove,
    delete it all and re-score."""
    if remove:
        _demo_remove(_settings())
    else:
        _demo(_settings(), seed, incidents, landings)


def _demo(
    settings: Settings, seed: int, incidents: int = 400, landings: int = 2500, *, skip_when_current: bool = False
) -> None:
    from app.services import demo, preparation

    ledger, noted = _ledger(settings), preparation.demo_step(seed, incidents, landings)
    if skip_when_current and _up_to_date(
        settings, ledger, noted, _t("cli.run.demo_loaded", seed=seed), _t("cli.run.loading")
    ):
        return
    with step(escape(_t("cli.demo.generating", seed=seed))):
        r = _in_transaction(
            settings,
            _noting(lambda s: demo.load_demo(s, seed=seed, n_incidents=incidents, n_landings=landings), ledger, noted),
        )
    _saved(ledger)
    out.print(
        _t(
            "cli.demo.loaded",
            seed=r.seed,
            incidents_inserted=r.incidents_inserted,
            incidents_generated=r.incidents_generated,
            landings_inserted=r.landings_inserted,
            landings_generated=r.landings_generated,
        ),
        markup=False,
    )


def _demo_remove(settings: Settings) -> None:
    from app.services import demo

    with step(escape(_t("cli.demo.removing"))):
        r = _in_transaction(settings, lambda s: demo.remove_demo(s, actor=_actor(), store=_models(settings)))
    out.print(_t("cli.demo.removed", incidents=r.incidents, landings=r.landings), markup=False)
    if r.rescored:
        out.print(_t("cli.demo.rescored", count=r.rescored), markup=False)
    elif r.incidents or r.landings:
        out.print(_t("cli.demo.not_rescored", reason=_said(r.not_rescored)), markup=False)


def _demo_if_wanted(settings: Settings) -> None:
    """``pesisir run``'s step: the demo data, unless it was removed or the database holds real incidents."""
    from app.services import demo

    reason = _in_transaction(settings, demo.reason_not_to_load)
    if reason is not None:
        out.print(_t("cli.demo.not_loaded", reason=_said(reason)), markup=False)
        return
    _demo(settings, settings.demo.seed, skip_when_current=True)


@import_cli.command("incidents")
def import_incidents(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV with lon/lat (the columns of data/templates/incidents.csv), GeoJSON or GeoPackage of Points."
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check every row and report, store nothing. Without it: store the valid rows."),
    ] = False,
) -> None:
    """Import incidents from a file, keyed by the source's own id (source + source_ref): every row is created,
    duplicate or invalid (row number and reason). One transaction: a file with no valid row changes nothing.
    Exit status 0 when no row was invalid, 2 when some were (the others are stored), 1 when nothing was stored
    for a fault of the file or because no row was valid."""
    from app.services import incident_import

    class _DryRun(Exception):
        pass

    report: Any = None

    def work(session: Any) -> Any:
        nonlocal report
        with _progress(_t("cli.import.importing", file=path.name)) as progress:
            report = incident_import.import_file(session, _actor(), path, progress=progress)
        if dry_run:
            raise _DryRun
        return report

    with suppress(_DryRun):
        _in_transaction(_settings(), work)
    for r in report.results:
        if r.status == "invalid":  # the file's own text: no markup
            out.print(_t("cli.import.invalid_row", row=r.row, reason=r.reason), highlight=False, markup=False)
    duplicates = [r for r in report.results if r.status == "duplicate"]
    for r in duplicates[:20]:
        out.print(_t("cli.import.duplicate_row", row=r.row, reason=r.reason), highlight=False, markup=False)
    if len(duplicates) > 20:
        out.print(_t("cli.import.more_duplicates", count=len(duplicates) - 20), highlight=False, markup=False)
    valid = report.created + report.duplicate
    out.print(
        _t(
            "cli.import.summary_dry_run" if dry_run else "cli.import.summary",
            file=path.name,
            rows=report.rows,
            created=report.created,
            duplicate=report.duplicate,
            invalid=report.invalid,
        ),
        highlight=False,
        markup=False,
    )
    if valid == 0:
        err.print(_prefixed("cli.prefix.error", "red", _t("cli.import.no_valid_row")), highlight=False)
        raise typer.Exit(1)
    if report.invalid:
        raise typer.Exit(2)


# -- risk model -------------------------------------------------------------------------------------------------
@cli.command("segment")
def segment_cmd(
    length: Annotated[float, typer.Option(help="Target segment length in metres.")] = 500.0,
) -> None:
    """Cut the stored island outlines into coastal segments (one transaction; idempotent)."""
    _segment(_settings(), length)


def _segment(settings: Settings, length: float = 500.0, *, skip_when_current: bool = False) -> None:
    from app.services import preparation, risk

    ledger, noted = _ledger(settings), preparation.segment_step(length)
    if skip_when_current and _up_to_date(
        settings, ledger, noted, _t("cli.run.not_resegmented"), _t("cli.run.segmenting")
    ):
        return
    with step(escape(_t("cli.segment.working"))):
        r = _in_transaction(settings, _noting(lambda s: risk.segment(s, length_m=length), ledger, noted))
    _saved(ledger)
    out.print(
        _t(
            "cli.segment.done",
            segments=r.segments,
            km=f"{r.coastline_km:.1f}",
            inserted=r.inserted,
            updated=r.updated,
            deleted=r.deleted,
        ),
        markup=False,
    )


@cli.command("score")
def score_cmd(
    season: Annotated[
        str,
        typer.Option(
            help="annual, west (Dec-Mar monsoon), east (Jun-Sep monsoon), or all three (the map and API choose)."
        ),
    ] = "all",
) -> None:
    """Score every segment for landing and tppo risk with the configured weights (data/models/)."""
    _score(_settings(), season)


def _models(settings: Settings) -> Any:
    """The served weights: a fit in the data directory when there is one, else the shipped expert prior."""
    from app.services import risk

    return risk.ModelStore(fitted_dir=settings.models_dir)


def _evaluate(settings: Settings, *, skip_when_current: bool = False) -> None:
    """Measure the served models by rolling origins, for the map's accuracy panel; too few incidents is said,
    not a reason to stop. ``skip_when_current``: not when nothing it depends on changed since it last ran."""

    from app.services import preparation, risk

    store = _models(settings)
    ledger, noted = _ledger(settings), preparation.evaluation_step(store.fitted_dir, store.prior_dir)

    lang = from_environment()

    def notes(session: Any) -> dict[str, str]:
        return {kind: risk.accuracy_note(session, kind=kind, lang=lang) for kind in ("landing", "tppo")}

    def measure(session: Any) -> dict[str, str]:
        risk.evaluate(session, store=store)
        ledger.note(session, noted)
        return notes(session)

    if skip_when_current and _up_to_date(
        settings, ledger, noted, _t("cli.run.not_remeasured"), _t("cli.run.measuring")
    ):
        for kind, note in _in_transaction(settings, notes).items():
            out.print(f"{kind}: {note}", highlight=False, markup=False)
        return
    try:
        with step(escape(_t("cli.evaluate.measuring"))):
            measured = _in_transaction(settings, measure)
    except InvalidInput as exc:  # no reason not to serve: the map says the accuracy is not measured
        out.print(_prefixed("cli.evaluate.not_measured", "yellow", _message(exc)), highlight=False)
        return
    _saved(ledger)
    for kind, note in measured.items():
        out.print(f"{kind}: {note}", highlight=False, markup=False)


def _score(settings: Settings, season: str = "all", *, skip_when_current: bool = False) -> None:
    import getpass

    from rich.progress import Progress

    from app.services import preparation, rescoring, risk

    store = _models(settings)
    ledger, noted = _ledger(settings), preparation.score_step(store.fitted_dir, store.prior_dir)
    if skip_when_current and _up_to_date(settings, ledger, noted, _t("cli.run.not_rescored"), _t("cli.run.scoring")):
        return
    with Progress(console=out, transient=True) as bar:
        task = bar.add_task(escape(_t("cli.score.working")), total=2 * (3 if season == "all" else 1) * 2)

        def advance(message: str) -> None:
            bar.update(task, advance=1, description=message)

        def work(session: Any) -> list[Any]:
            reports = risk.score(session, season=season, progress=advance, store=store)
            rescoring.audit_scoring(session, f"{rescoring.COMMAND_LINE} ({getpass.getuser()})", reports)
            if season == "all":  # one season alone is not what 'pesisir run' needs
                ledger.note(session, noted)
            return reports

        reports = _in_transaction(settings, work)
    _saved(ledger)
    for r in reports:
        classes = ", ".join(f"{k} {r.classes.get(k, 0)}" for k in ("critical", "high", "medium", "low"))
        said = _t(
            "cli.score.done", kind=r.kind, season=r.season, segments=r.segments, model=r.model_version, classes=classes
        )
        out.print(said, markup=False)


@model_cli.command("fit")
def model_fit(
    until: Annotated[
        str | None, typer.Option(help="Fit on incidents before this date (YYYY-MM-DD, UTC). Default: all of them.")
    ] = None,
    synthetic: Annotated[
        bool,
        typer.Option(
            "--synthetic",
            help="Fit on the synthetic demo incidents instead of the real ones. Without it: the real incidents.",
        ),
    ] = False,
) -> None:
    """Update the expert prior with the real incidents (a Poisson fit shrunk toward the prior, with the detection
    offset) and write the weights into PESISIR_DATA_DIR/models; 'pesisir score' then serves them."""
    from rich.table import Table

    from app.services import risk

    settings = _settings()
    with step(escape(_t("cli.fit.working"))):
        results = _in_transaction(
            settings, lambda s: risk.fit(s, until=until, synthetic=synthetic, store=_models(settings))
        )
    for r in results:
        prior = r.config.prior
        table = Table(title=escape(f"{r.config.kind}: {r.config.version}, {r.config.provenance}"))
        for i, col in enumerate(("cli.fit.factor", "cli.fit.prior", "cli.fit.fitted", "cli.fit.std_err", "cli.fit.ci")):
            table.add_column(escape(_t(col)), justify="right" if i else "left")
        for name, row in r.table.iterrows():
            ci = _t("cli.fit.not_estimable") if row.std_err != row.std_err else f"[{row.ci_low:.2f}, {row.ci_high:.2f}]"
            se = "" if row.std_err != row.std_err else f"{row.std_err:.3f}"
            p = f"{prior[str(name)].weight:.2f} +- {prior[str(name)].sd:.2f}" if str(name) in prior else ""
            table.add_row(escape(str(name)), p, f"{row.weight:.3f}", se, escape(ci))
        out.print(table)
    out.print(_t("cli.fit.written", path=settings.models_dir), markup=False)


@model_cli.command("reset")
def model_reset() -> None:
    """Forget the fitted weights: serve the shipped expert prior again (then run 'pesisir score')."""
    from app.services import risk

    settings = _settings()
    gone = risk.reset(_models(settings))
    if gone:
        out.print(_t("cli.reset.removed", files=", ".join(str(p) for p in gone)), markup=False)
    else:
        out.print(_t("cli.reset.nothing", path=settings.models_dir), markup=False)


@model_cli.command("evaluate")
def model_evaluate(
    synthetic: Annotated[
        bool | None,
        typer.Option(
            "--synthetic/--real",
            help="--synthetic: measure on the synthetic demo incidents; --real: on the real ones. Neither: the "
            "real ones when any is stored, else the synthetic ones.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON. Without it: as tables for a reader.")
    ] = False,
) -> None:
    """The accuracy of the served models (the ones that colour the map): rolling yearly origins, PAI and hit rate
    at 5/10/20 % of coastline with 95 % bootstrap intervals against tuned baselines, and a calibration table;
    stores the result for the map and /api/v1/model."""
    import json

    from app.services import risk

    settings = _settings()
    with step(escape(_t("cli.evaluate.working"))):
        report = _in_transaction(settings, lambda s: risk.evaluate(s, synthetic=synthetic, store=_models(settings)))
    if as_json:
        print(json.dumps(report, sort_keys=True))
        return
    for kind, ev in report["kinds"].items():
        _print_evaluation(kind, ev, report["data"])


def _print_evaluation(kind: str, ev: dict[str, Any], data: str) -> None:
    from rich.table import Table

    head = _t("cli.evaluate.head", kind=kind, provenance=ev["provenance"], data=data)
    if ev["status"] != "measured":
        out.print(
            _t("cli.evaluate.too_few", head=head, n=ev["n_test"], needed=ev["min_test"]), markup=False, highlight=False
        )
        return
    origins = ", ".join(o["origin"][:10] for o in ev["origins"])
    table = Table(title=escape(_t("cli.evaluate.title", head=head, n=ev["n_test"], origins=origins)))
    table.add_column(escape(_t("cli.evaluate.scores")))
    for share in ("5%", "10%", "20%"):
        table.add_column(escape(_t("cli.evaluate.hit", share=share)), justify="right")
        table.add_column(escape(_t("cli.evaluate.pai", share=share)), justify="right")
    for name, m in ev["observed"].items():
        cells = []
        for share in ("5%", "10%", "20%"):
            pai = m["pai"][share]
            cells += [
                f"{m['hit_rate'][share]['value']:.3f}",
                f"{pai['value']:.2f} ({pai['low']:.2f}-{pai['high']:.2f})",
            ]
        table.add_row(escape(name), *cells)
    out.print(table)
    cal = Table(title=escape(_t("cli.evaluate.calibration", kind=kind)))
    columns = ("cli.evaluate.class", "cli.evaluate.segments", "cli.evaluate.km", "cli.evaluate.predicted")
    for i, col in enumerate((*columns, "cli.evaluate.observed")):
        cal.add_column(escape(_t(col)), justify="right" if i else "left")
    for r in ev["calibration"]:
        cal.add_row(r["class"], str(r["segments"]), f"{r['km']:.1f}", f"{r['predicted']:.1f}", f"{r['observed']:.0f}")
    out.print(cal)


# -- sea routes -------------------------------------------------------------------------------------------------
@contextmanager
def _progress(title: str) -> Iterator[Callable[..., None]]:
    """A rich progress bar: it shows the current step and the time so far, and fills when the step says how far
    along it is (``report(message, done, total)``); a step that cannot tell makes it pulse."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task(escape(title), total=None)

        def report(message: str, done: int | None = None, total: int | None = None) -> None:
            bar.update(task, description=escape(f"{title}: {message}"), completed=done or 0, total=total)

        yield report


@routes_cli.command("build")
def routes_build() -> None:
    """Load or build the sea graph, draw the ferry routes over it, compute the corridors of the flows
    (data/routes/flows.csv) and every coastal segment's corridor exposure; store them in one transaction."""
    _routes_build(_settings())
    out.print(_t("cli.routes.score"), markup=False)


def _routes_build(settings: Settings) -> None:
    from app.services import routes

    with _progress(_t("cli.routes.building")) as progress:
        r = _in_transaction(settings, lambda s: routes.build(s, settings.routes_dir, progress=progress))
    out.print(
        _t(
            "cli.routes.built",
            version=r.graph_version,
            nodes=f"{r.nodes:,}",
            edges=f"{r.edges:,}",
            ferry_routes=r.ferry_routes,
            corridors=r.corridors,
            exposure=f"{r.exposure_rows:,}",
            seconds=f"{r.seconds:.0f}",
        ),
        markup=False,
    )
    if r.unserved:
        out.print(_t("cli.routes.unserved", count=r.unserved), markup=False)


def _routes_if_needed(settings: Settings) -> None:
    """``pesisir run``'s step: build the routes when none are stored or their inputs changed."""
    from app.services import routes

    state = _in_transaction(settings, lambda s: routes.status(s, settings.routes_dir))
    if state.up_to_date:
        out.print(_t("cli.routes.up_to_date", reason=_said(state.reason)), markup=False)
        return
    out.print(_t("cli.routes.rebuilding", reason=_said(state.reason)), markup=False)
    _routes_build(settings)


@cli.command("route")
def route_cmd(
    origin: Annotated[str, typer.Argument(help="A place slug (see GET /api/v1/places) or lon,lat.")],
    destination: Annotated[str, typer.Argument(help="A place slug or lon,lat.")],
    boat: Annotated[str, typer.Option(help="perahu, fishing_boat, speedboat or steel_ship.")] = "perahu",
    season: Annotated[str, typer.Option(help="west (Dec-Mar), east (Jun-Sep) or transition.")] = "east",
    avoid_monitored: Annotated[
        bool,
        typer.Option(
            help="--avoid-monitored: keep clear of monitored harbours and patrol bases (a smuggler's route); "
            "--no-avoid-monitored: the plain least-time route."
        ),
    ] = False,
    geojson: Annotated[
        bool,
        typer.Option(help="--geojson: print the route as a GeoJSON Feature; --no-geojson: as one line of text."),
    ] = False,
) -> None:
    """The least-time sea route between two places for a boat class and season: hours, distance, and whether the
    sea state lets that boat sail it (and why not). Builds the sea graph first when it is missing."""
    import json

    from app.services import routes

    settings = _settings()

    def work(session: Any) -> Any:
        with _progress(_t("cli.route.loading_graph")) as progress:
            routes.ensure_graph(settings.routes_dir, progress=progress)
        return routes.route(
            session,
            settings.routes_dir,
            origin=origin,
            destination=destination,
            boat=boat,
            season=season,
            avoid="monitored" if avoid_monitored else None,
        )

    r = _in_transaction(settings, work)
    if geojson:
        print(json.dumps(r.to_feature()))
        return
    lang = from_environment()
    boat = gettext(lang, f"map.boats.{r.boat}") if has(f"map.boats.{r.boat}") else r.boat.replace("_", " ")
    if r.passable:
        state = escape(_t("cli.route.passable"))
    else:
        state = f"[red]{escape(_t('cli.route.not_passable'))}[/red]: {escape(str(r.reason))}"
    said = _t(
        "cli.route.avoiding" if r.avoid else "cli.route.plain",
        origin=r.origin,
        destination=r.destination,
        boat=boat,
        season=_t(SEASON_WORDS[r.season]),
        hours=f"{r.hours:.1f}",
        km=f"{r.distance_km:.1f}",
        version=r.graph_version,
        state="\0",
    )
    out.print(escape(said).replace("\0", state), highlight=False)  # markup only in ``state``, around its words


# -- users ------------------------------------------------------------------------------------------------------
def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _ask_password() -> str:
    return str(typer.prompt(_t("cli.users.password"), hide_input=True, confirmation_prompt=_t("cli.users.repeat")))


@users_cli.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (lower case).")],
    role: Annotated[str, typer.Option(help="admin, intelligence, harbourmaster or planner.")],
    harbour: Annotated[
        str | None, typer.Option(help="Harbour slug or id (harbourmasters only, and required for them).")
    ] = None,
    password: Annotated[str | None, typer.Option(help="Prompted for (hidden) when not given.")] = None,
) -> None:
    """Create a user. Passwords are stored as argon2id hashes."""
    from app.services import users

    pw = password if password is not None else _ask_password()
    u = _in_transaction(
        _settings(),
        lambda s: users.create_user(s, username=username, role=role, harbour=harbour, password=pw, actor=_actor()),
    )
    if u.harbour:
        out.print(
            _t("cli.users.created_at", username=u.username, role=u.role, harbour=u.harbour, id=u.id), markup=False
        )
    else:
        out.print(_t("cli.users.created", username=u.username, role=u.role, id=u.id), markup=False)


@users_cli.command("list")
def users_list() -> None:
    """List the users with their role, harbour and whether they may sign in."""
    from app.services import users

    for u in _in_transaction(_settings(), users.list_users):
        state = _t("cli.users.active" if u.is_active else "cli.users.disabled")
        out.print(f"{u.id:>4}  {u.username:<24} {u.role:<14} {u.harbour or '-':<20} {state}", markup=False)


@users_cli.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Disable a user: their tokens stop working at their next request."""
    from app.services import users

    _in_transaction(_settings(), lambda s: users.disable_user(s, username, actor=_actor()))
    out.print(_t("cli.users.disabled_one", username=username), markup=False)


@users_cli.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="The user.")],
    password: Annotated[str | None, typer.Option(help="Prompted for (hidden) when not given.")] = None,
) -> None:
    """Set a user's password."""
    from app.services import users

    pw = password if password is not None else _ask_password()
    _in_transaction(_settings(), lambda s: users.set_password(s, username, pw, actor=_actor()))
    out.print(_t("cli.users.password_set", username=username), markup=False)


def _demo_users(settings: Settings) -> None:
    from app.services import users

    logins = _in_transaction(settings, users.ensure_demo_users)
    out.print(_t("cli.users.demo_logins"), markup=False)
    for login in logins:
        if login.harbour:
            said = _t("cli.users.demo_password_at", password=login.password, harbour=login.harbour)
        else:
            said = _t("cli.users.demo_password", password=login.password)
        out.print(f"  {login.role:<14} {login.username:<22} {said}", markup=False)


# -- exports ----------------------------------------------------------------------------------------------------
@cli.command("export")
def export_cmd(
    layer: Annotated[str, typer.Argument(help="islands, harbours, segments, incidents or landings.")],
    out_file: Annotated[Path, typer.Option("--out", help="The file to write (replaced when it exists).")],
    fmt: Annotated[str, typer.Option("--format", help="geojson, csv or gpkg.")] = "geojson",
    bbox: Annotated[str | None, typer.Option(help="minLon,minLat,maxLon,maxLat (WGS 84).")] = None,
    datetime_: Annotated[
        str | None, typer.Option("--datetime", help="An RFC 3339 instant or interval start/end ('..' open).")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Harbour or incident kind; for segments the risk kind.")] = None,
    risk_class: Annotated[str | None, typer.Option("--class", help="Segments: low, medium, high or critical.")] = None,
    min_score: Annotated[float | None, typer.Option(help="Segments: the lowest score, 0 to 1.")] = None,
    audience: Annotated[
        str, typer.Option(help="planner (no personal or narrative fields) or full (intelligence, admin).")
    ] = "planner",
    season: Annotated[str, typer.Option(help="Segments: annual, west or east monsoon scores.")] = "annual",
) -> None:
    """Export a layer as GeoJSON (RFC 7946), CSV or GeoPackage, with its provenance, streamed to a file."""
    _export(_settings(), layer, fmt, out_file, bbox, datetime_, kind, risk_class, min_score, audience, season)


def _check_out_file(out_file: Path) -> None:
    """Refuse, in one line and before any database work, an ``--out`` that cannot be written: a folder, or a file
    in a folder that does not exist (it is not created: a typo in the path should not make folders)."""
    if out_file.is_dir():
        raise InvalidInput.coded("cli.export.out_is_folder", path=str(out_file))
    folder = out_file.parent
    if not folder.is_dir():
        raise InvalidInput.coded("cli.export.no_folder", folder=str(folder))


def _export(
    settings: Settings,
    layer: str,
    fmt: str,
    out_file: Path,
    bbox: str | None,
    datetime_: str | None,
    kind: str | None,
    risk_class: str | None,
    min_score: float | None,
    audience: str,
    season: str = "annual",
) -> None:
    from app import params
    from app.errors import InvalidParameter
    from app.services import export, layers

    if fmt not in export.MEDIA_TYPES:
        raise InvalidParameter.coded("cli.one_of", option="--format", choices=", ".join(export.MEDIA_TYPES), got=fmt)
    if audience not in layers.AUDIENCES:
        raise InvalidParameter.coded(
            "cli.one_of", option="--audience", choices=", ".join(layers.AUDIENCES), got=audience
        )
    filters = layers.Filters(
        bbox=params.bbox(bbox),
        interval=params.interval(datetime_),
        kind=kind,
        risk_class=risk_class,
        min_score=min_score,
    )
    _check_out_file(out_file)
    partial = out_file.with_name(out_file.name + ".partial")

    def work(session: Any) -> int:
        result = export.export_layer(
            session,
            layer,
            cast(export.Format, fmt),
            filters,
            audience=audience,
            season=season,
        )
        size = 0
        working = escape(_t("cli.export.working", layer=layer))
        with out.status(working, spinner="dots") as status, partial.open("wb") as f:
            for chunk in result.chunks:
                f.write(chunk)
                size += len(chunk)
                status.update(f"{working} {size / 1e6:.1f} MB")
        return size

    try:
        size = _in_transaction(settings, work)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out_file)
    said = _t("cli.export.written", layer=layer, mb=f"{size / 1e6:.2f}", format=fmt, path=out_file, audience=audience)
    out.print(said, markup=False)


# -- service ----------------------------------------------------------------------------------------------------
def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise SetupError.coded("cli.serve.port_in_use", port=port, host=host) from None


def _serve(settings: Settings) -> None:
    import os

    import uvicorn

    host, port, workers = settings.server.host, settings.server.port, settings.server.workers
    _check_port(host, port)
    from app.main import create_app

    base = f"http://{host}:{port}"
    serving = _t("cli.serve.serving_many" if workers > 1 else "cli.serve.serving_one", base="\0", workers=workers)
    links = {
        "cli.serve.map": f"{base}/map",
        "cli.serve.health": f"{base}/healthz",
        "cli.serve.api": f"{base}/docs",
        "cli.serve.sign_in": _t("cli.serve.sign_in_link", login=f"{base}/login", token=f"{base}/auth/token"),
    }
    labels = {code: _t(code) + ":" for code in links}
    width = max(map(len, labels.values())) + 1
    lines = ["", escape(serving).replace("\0", f"[bold]{escape(base)}[/bold]")]
    lines += [escape(f"  {labels[code]:<{width}}{link}") for code, link in links.items()]
    out.print("\n".join([*lines, escape(_t("cli.serve.stop"))]))
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1; the application trusts
    # only PESISIR_TRUSTED_PROXIES (app.main).
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "timeout_graceful_shutdown": 10,
        "proxy_headers": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Several processes: each builds its application from the environment (``create_app()``), and shares the
    # login limit, export turns and token versions with the others through PostgreSQL (docs/ARCHITECTURE.md).
    # They must all sign tokens with one key: in dev without PESISIR_SECRET_KEY, one random key for all of them.
    from app.security import signing_key

    os.environ["PESISIR_SECRET_KEY"] = signing_key(settings)
    uvicorn.run("app.main:create_app", factory=True, workers=workers, **options)


@cli.command("serve")
def serve() -> None:
    """Serve the web service on PESISIR_HOST:PESISIR_PORT (default 127.0.0.1:8000). Started by root, it serves
    as the unprivileged user 'pesisir' (installed in PESISIR_INSTALL_DIR), as 'pesisir run' does."""
    settings = _settings()
    _check_port(settings.server.host, settings.server.port)
    if settings.server.serve_as_root:
        err.print(_prefixed("cli.prefix.warning", "yellow", _t("cli.serve.as_root")))
    else:
        _serve_unprivileged_if_root(settings)
    _serve(settings)


@cli.command("run")
def run(
    demo: Annotated[
        bool,
        typer.Option(
            help="--demo: load the synthetic demo data (unless PESISIR_DEMO_DATA=false, or it was removed, or real "
            "incidents are stored); --no-demo: load none."
        ),
    ] = True,
) -> None:
    """Everything 'make run' does: start the database, migrate, load base and demo data, segment, build the sea
    routes (when missing or their inputs changed), score, serve."""
    settings = _settings()
    _check_port(settings.server.host, settings.server.port)
    _db_start(settings)
    _upgrade(settings)
    # Each step below is skipped when its inputs and stored results are those of its last run
    # (app.services.preparation): a second start with nothing changed goes straight to serving.
    _load_base(settings, skip_when_current=True)
    if demo and settings.demo.enabled:
        _demo_if_wanted(settings)
    _segment(settings, skip_when_current=True)
    _routes_if_needed(settings)
    _score(settings, skip_when_current=True)
    _evaluate(settings, skip_when_current=True)
    if settings.server.environment == "dev":
        _demo_users(settings)
    _serve_unprivileged_if_root(settings)
    _serve(settings)


def _serve_unprivileged_if_root(settings: Settings) -> None:
    """As root, hand serving to the system user ``pesisir`` (``app.runas``): install the service where that user
    can read it, then replace this process with ``pesisir serve`` run by it. Returns only when not root."""
    import os

    if os.geteuid() != 0:
        return
    from app import runas

    install_dir = settings.server.install_dir
    with step(escape(_t("cli.serve.installing", path=install_dir, user=runas.SERVICE_USER))):
        python, copied = runas.install(install_dir)
    if not copied:
        out.print(_t("cli.serve.installed_already", path=install_dir), markup=False)
    out.print(_t("cli.serve.unprivileged", user=runas.SERVICE_USER, path=install_dir), markup=False)
    runas.exec_serve(settings, python)


def main() -> None:
    try:
        cli()
    except PesisirError as exc:
        err.print(_prefixed("cli.prefix.error", "red", _message(exc)), highlight=False, soft_wrap=True)
        sys.exit(1)
