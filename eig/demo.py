"""`eig demo`: the pipeline's main job on embedded defaults, told as a short story.

A DS sandbox with a few hundred synthetic dossiers, a SQLite store under var/, an
ephemeral Prefect server. Later stages extend the story.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from connectors.mail import Mailbox, SmtpServerProcess, running_smtp_process
from connectors.store.engine import store_sessions
from ds_sandbox import DEFAULT_TOKEN, Sandbox, SandboxState, generate, running_sandbox
from eig.demo_availability import jurors_story
from eig.demo_chase import chase_story
from eig.demo_clock import TravelClock
from eig.demo_conventions import conventions_story
from eig.demo_deliberate import deliberation_story
from eig.demo_delivery import deliver, start_second_deliverer, stop_second_deliverer
from eig.demo_hearings import hearings_story
from eig.demo_jury import jury_forms_story
from eig.demo_mission_dossiers import mission_dossiers_story
from eig.demo_missions import missions_story
from eig.demo_operations import operations_story
from eig.demo_report import report_story
from eig.demo_rgpd import rgpd_story
from eig.demo_score import score_story
from eig.demo_simulation import simulation_story
from eig.demo_vivier import vivier_story
from eig.prefect_env import without_idle_services
from flows.runtime import use_clock
from models.french import compte, nombre_fr
from settings.config import load_config
from settings.environment import PROJECT_ROOT, Settings

Echo = Callable[[str], None]


def run_demo(echo: Echo, dossiers: int = 300, seed: int = 42) -> int:
    """Run the story; returns a process exit code (0 when every step behaved as told)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    # Demo only: no flow-run heartbeats. They let the server mark a run whose worker died
    # as Crashed (`eig serve` sets them for its workers); the demo's runs live in this
    # process and have no automation to read them, and each run would end waiting up to
    # a second for its heartbeat thread (63 runs). The tests do the same.
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        try:
            return _run_demo(echo, dossiers, seed)
        finally:
            stop_second_deliverer()


def _run_demo(echo: Echo, dossiers: int, seed: int) -> int:
    server_ready = _start_prefect_server()
    from eig.summaries import render_sync_summary
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters

    database = PROJECT_ROOT / "var" / "demo.sqlite"
    _fresh_sqlite(database)
    # the story's relevés, conventions and charts: its own folder, fresh, so that a
    # relevé of an earlier story is never taken for a version of this one's
    documents = PROJECT_ROOT / "var" / "demo"
    shutil.rmtree(documents, ignore_errors=True)
    os.environ["EIG_DOCUMENTS_DIR"] = str(documents)
    os.environ["EIG_CONFIG"] = str(_demo_config(Settings().config))
    config = load_config(Settings().config)
    projets = config.demarches["projets"]
    clock = TravelClock()  # shared by the sandbox and the pipeline: the story travels
    sandbox = Sandbox(SandboxState(now=clock), requests_per_window=100_000)
    generate(sandbox.state, dossiers=dossiers, seed=seed)
    start_second_deliverer(clock)
    failures = 0

    def run(title: str, **params: object) -> dict:
        nonlocal failures
        echo(f"\n== {title}")
        state, summary = sync_and_follow(SyncParameters(**params))
        echo(render_sync_summary(summary))
        failures += summary["status"] != "ok"
        return summary

    with running_sandbox(sandbox) as url, use_clock(clock):
        os.environ.update({
            "EIG_DS_API_URL": f"{url}/api/v2/graphql",
            "EIG_DS_API_TOKEN": DEFAULT_TOKEN,
            "EIG_DATABASE_URL": f"sqlite:///{database}",
        })
        echo(f"Bac à sable DS : {url} — {dossiers} dossiers générés (graine {seed}).")
        echo(f"Base : {database}")
        server_ready()
        run("1. Première synchronisation : tout est lu, page par page", full=True)

        numbers = sorted(sandbox.state.numbers(projets.number))
        edited, trashed, removed, broken, labelled = numbers[:5]
        sandbox.state.update_champ(edited, projets.fields["intitule"].id,
                                   "Défi mis à jour par la démarche")
        sandbox.state.hide(trashed)
        sandbox.state.delete(removed)
        broken_at = sandbox.state.update_champ(broken, projets.fields["nombre_eig"].id, None)
        sandbox.state.set_labels(labelled, ["Présélection favorable"])
        echo(f"\nDans DS : le dossier {edited} est modifié, {trashed} part à la corbeille, "
             f"{removed} est supprimé, {broken} perd son nombre d'EIG (champ obligatoire), "
             f"{labelled} reçoit une étiquette (ce qui ne change pas sa date de mise à jour).")
        second = run("2. Synchronisation incrémentale : seuls les changements sont lus")
        third = run("3. Rien n'a changé : une seule requête par démarche")
        fourth = run("4. Réconciliation nocturne : l'étiquette est rattrapée", reconcile=True)

        # DS dates its answers to the second, and the pipeline knows changed answers by
        # that date: corrected in the same second as it was broken (chapters 2 to 4 now
        # take about a second), the dossier would count as "autres", not "màj". A person
        # corrects it later: the story waits for the next second if need be.
        _wait_past_second(broken_at, clock)
        sandbox.state.update_champ(broken, projets.fields["nombre_eig"].id, 2)
        echo(f"\nDans DS : le dossier {broken} est corrigé.")
        fifth = run("5. Le dossier corrigé sort de quarantaine")

        # the local SMTP server's box, where `eig mailbox` reads (EIG_MAILDIR, var/maildir):
        # emptied, so that its numbers are the story's
        maildir = Settings().maildir
        Mailbox(maildir).clear()
        # one local SMTP server for the whole story, in its own process (the other core)
        with running_smtp_process(maildir) as smtp:
            os.environ.update({"EIG_SMTP_URL": smtp.url, "EIG_MAILDIR": str(maildir)})
            delivered_twice = _effects_story(echo, sandbox, edited, smtp)
            effects_once = (delivered_twice == (3, 0)  # checked now: later stages write too
                            and sandbox.mutations.applied("dossierAjouterLabel", edited) == 1
                            and sandbox.mutations.applied("dossierEnvoyerMessage", edited) == 1)
            seventh = run("7. Nos écritures dans DS ne passent pas pour des changements du "
                          "déposant")
            assigned = _assignment_story(echo)
            chased = _evaluation_story(echo, sandbox, clock, maildir)

    expectations = {
        "le dossier en erreur est mis en quarantaine":
            _projets(second)["quarantined"] == 1,
        "corbeille et suppression sont vues":
            (_projets(second)["hidden"], _projets(second)["deleted"]) == (1, 1),
        "sans changement, une requête par démarche":
            third["requests"] == len(config.demarches),
        "la réconciliation rattrape l'étiquette": _projets(fourth)["labels_changed"] == 1,
        "le dossier corrigé sort de quarantaine": _projets(fifth)["released"] == 1,
        "nos écritures sont vues comme telles (« autres », pas « màj »)":
            (_projets(seventh)["updated"], _projets(seventh)["touched"]) == (0, 1),
        "les évaluateurs sont affectés, et une seule fois":
            assigned[0] > 0 and assigned[1] == 0,
        "chaque effet est délivré une seule fois": effects_once,
        **chased,
    }
    echo("")
    for label, ok in expectations.items():
        echo(f"[{'ok' if ok else 'ÉCHEC'}] {label}")
        failures += not ok
    return 1 if failures else 0


def _wait_past_second(stamp_us: int, clock: TravelClock) -> None:
    """Wait (less than a second) until ``clock`` is in a later second than ``stamp_us``
    (a sandbox stamp, µs since the epoch)."""
    while int(clock().timestamp()) <= stamp_us // 1_000_000:
        time.sleep(0.02)


def _start_prefect_server() -> Callable[[], None]:
    """Start Prefect's ephemeral API server now, in the background, when the demo's runs
    will use one (no PREFECT_API_URL); returns the wait for it, to call before the first
    run. The server takes about 5 s to answer: it starts while the demo sets up its store,
    configuration and sandbox instead of after. If it fails here, the first run starts it
    again and says why.

    Its background services stay off (``without_idle_services``): nothing is scheduled, no
    automation runs (the demo plays them), and the task-run recorder and event persister
    would write to the server's SQLite file at the moment a run is created, which then
    answers "database is locked" and makes the client wait two seconds (four times a
    demo). Flow runs, their states, pauses and artifacts are recorded as usual."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return lambda: None

    def start() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        with without_idle_services(), contextlib.suppress(Exception):
            SubprocessASGIServer().start()  # if it fails, the first run starts it and reports

    thread = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread.join


def _effects_story(echo: Echo, sandbox: Sandbox, number: int,
                   smtp: SmtpServerProcess) -> tuple[int, int]:
    """Record three effects, deliver them twice: the second run finds nothing to do."""
    from datetime import UTC, datetime

    from connectors.store import outbox
    from flows.effects import DeliverParameters, deliver_effects
    from models.outbox import Kind, ds_key, mail_key

    echo(f"\n== 6. Effets : écrits d'abord dans la file, délivrés une fois (SMTP {smtp.url})")
    with store_sessions(os.environ["EIG_DATABASE_URL"]) as sessions, \
            sessions.begin() as session:
        now = datetime.now(UTC)
        for key, kind, action, payload in (
            (ds_key("label", number, "a-discuter"), Kind.DS, "label_add",
             {"dossier": number, "label": "À discuter"}),
            (ds_key("message", number, "accuse"), Kind.DS, "message",
             {"dossier": number, "body": "Votre dossier est bien reçu : il sera évalué "
              "par trois évaluateurs dans les trois semaines."}),
            (mail_key("demo", number), Kind.EMAIL, "send",
             {"to": [{"email": "evaluatrice@exemple.fr", "name": "Élodie Évaluatrice"}],
              "subject": f"Dossier n° {number} à évaluer",
              "text": f"Bonjour,\nle dossier n° {number} vous est confié.",
              "html": f"<p>Bonjour,</p><p>le dossier n° {number} vous est confié.</p>"}),
        ):
            outbox.record_effect(session, key, kind, action, payload, now)
    first = deliver_effects(DeliverParameters())
    second = deliver_effects(DeliverParameters())
    echo(f"Premier passage : {compte(first['delivered'], 'effet délivré', 'effets délivrés')}"
         f" ; second passage : {compte(second['delivered'], 'effet délivré', 'effets délivrés')}"
         " — rien n'est répété.")
    for message in smtp.mailbox.list():
        echo(f"Courriel reçu : « {message.subject} » pour {', '.join(message.to)}")
    echo(f"DS : étiquettes du dossier {number} : "
         f"{', '.join(sandbox.state.dossier(number).labels)}")
    return first["delivered"], second["delivered"]


def _assignment_story(echo: Echo) -> tuple[int, int]:
    """Import a roster, assign evaluators, assign again: the second run adds nothing."""
    from datetime import UTC, datetime

    from connectors.roster_file import load_roster
    from connectors.store.roster import replace_roster
    from eig.demo_roster import write_demo_roster
    from flows.assign import AssignParameters, assign_evaluators

    config = load_config(Settings().config)
    path = write_demo_roster(PROJECT_ROOT / "var" / "demo-evaluateurs.csv", 150, seed=11,
                             capacity=8)
    evaluators = load_roster(path, allowed_profiles=config.roster.profiles,
                             allowed_tracks=list(config.tracks))
    with store_sessions(os.environ["EIG_DATABASE_URL"]) as sessions, sessions.begin() as session:
        replace_roster(session, evaluators, datetime.now(UTC))
    echo(f"\n== 8. Affectation : {len(evaluators)} évaluateurs importés ({path.name}), "
         "trois par dossier en attente")
    first = assign_evaluators(AssignParameters())
    for track in first["tracks"]:
        echo(f"{track['track']} : {compte(track['assigned'], 'affectation')} pour "
             f"{compte(track['dossiers'], 'dossier')} (solveur {track['solver']}, "
             f"{nombre_fr(track['seconds'], 3)} s)")
        for warning in track["capacity_warnings"]:
            echo(f"  capacité : {warning}")
    second = assign_evaluators(AssignParameters())
    echo(f"Un second passage ajoute "
         f"{compte(sum(t['assigned'] for t in second['tracks']), 'affectation')}.")
    echo(f"La file (eig effects) : {_lanes_line()}")
    delivery = deliver()
    second_share = delivery.get("second_deliverer")
    sent = compte(delivery["lanes"]["email"]["delivered"], "tâche d'évaluation envoyée",
                  "tâches d'évaluation envoyées")
    echo(f"Les livreurs, voie des courriels : {sent} en {nombre_fr(delivery['seconds'], 1)} s"
         + (f" par deux livreurs à la fois (un second processus en a envoyé {second_share}), "
            "chacune une seule fois" if second_share is not None else "")
         + " ; la voie DS ne les attend pas.")
    return (sum(t["assigned"] for t in first["tracks"]),
            sum(t["assigned"] for t in second["tracks"]))


def _lanes_line() -> str:
    from datetime import UTC, datetime

    from connectors.store import outbox
    from flows.delivery.deliverer import LANE_LABELS

    with store_sessions(os.environ["EIG_DATABASE_URL"]) as sessions, sessions() as session:
        lanes = outbox.backlog(session, datetime.now(UTC))
    return " ; ".join(f"{LANE_LABELS.get(b.lane, b.lane)} : {b.due} à délivrer"
                      for b in lanes)


def _evaluation_story(echo: Echo, sandbox: Sandbox, clock: TravelClock,
                      maildir: Path) -> dict[str, bool]:
    """Tasks and chasing, then scoring, with the local SMTP server up."""
    chased = chase_story(echo, sandbox, clock, os.environ["EIG_DATABASE_URL"], maildir)
    scored = score_story(echo, sandbox)
    heard = hearings_story(echo, clock, load_config(Settings().config), jury_forms=lambda: (
        jury_forms_story(echo, sandbox, clock, load_config(Settings().config))))
    deliberated = deliberation_story(echo, sandbox, clock().date())
    drafted = conventions_story(echo)
    available = jurors_story(echo, sandbox, clock)
    missions = missions_story(echo, clock, load_config(Settings().config), sandbox)
    missions |= mission_dossiers_story(echo, sandbox, clock, load_config(Settings().config))
    vivier = vivier_story(echo, sandbox, clock)
    operated = operations_story(echo)
    return (chased | scored | heard | deliberated | drafted | available | missions | vivier
            | operated
            | rgpd_story(echo, clock().date()) | report_story(echo)
            | simulation_story(echo))


def _demo_config(source: Path) -> Path:
    """The embedded configuration with DS's and the email lane's paces lifted: the sandbox
    is not DS, the local SMTP server is not a relay with a quota, and the demo need not
    wait for 400 requests or 1,200 emails a minute (its two deliverers send the story's
    1,300 emails within a minute).

    The hearings' solver gets 1 deterministic unit instead of 10: on the demo's jury every
    hearing is placed and the best schedule found within the first unit; the rest of the
    budget goes to a deeper model that cannot prove it optimal and finds nothing better.
    The schedules are the same with 0.5, 1, 2 and 10 units, for both tracks (10 units
    cost the demo about 15 s on a 2-core machine)."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    raw["sync"]["requests_per_minute"] = 100_000
    raw["delivery"]["lanes"]["email"]["per_minute"] = 100_000
    raw["hearings"]["solver_time_limit_seconds"] = 1
    path = PROJECT_ROOT / "var" / "demo-eig.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _projets(summary: dict) -> dict:
    return next(d for d in summary["demarches"] if d["role"] == "projets")


def _fresh_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
