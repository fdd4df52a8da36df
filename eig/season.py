"""A season simulated with the real flows: dossiers arrive in the DS sandbox, people act
in it, and each stage runs on its cadence day on a clock that travels.

The stages' own bodies run (``flow.fn``) inside the caller's flow run — the
simulate-season run — so that a season costs no Prefect run per stage: sync and
assignment daily, the chase on working mornings, the hearings three mornings a week,
the committees on the days of their deployments' schedules in prefect.yaml (approved by
a simulated operator), conventions after an approved projects' committee, a mission per
lauréat, interviewed and decided. No effect is delivered: emails and DS writes stay in
the store's outbox, where the report reads them.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from connectors.documents.render_pool import without_pdfs
from connectors.roster_file import load_roster
from connectors.store.engine import make_sessionmaker
from connectors.store.roster import replace_roster
from ds_sandbox import CANDIDATS, DEFAULT_TOKEN, PROJETS, Sandbox, SandboxState, running_sandbox
from eig.availability_actors import answer, request_link, rows, working_days
from eig.season_actors import Agenda, Evaluators, availability_csv, held_scores_csv, operator
from eig.season_world import (
    SeasonClock,
    roster_emails,
    season_config,
    season_environment,
    season_roster,
)
from flows.approval import use_operator
from flows.reporting import without_artifacts
from flows.runtime import Runtime, open_store, use_clock
from models.chasing import is_working_day
from models.evaluator_behaviour import absences, jury_windows
from models.paris_time import PARIS, aware
from models.season import SeasonParameters
from models.season_arrivals import Track, season_arrivals
from models.tables import Dossier, HearingRequest, Mission
from settings.config import load_config
from settings.environment import Settings

Echo = Callable[[str], None]
HEARING_DAYS = (0, 2, 4)  # Monday, Wednesday, Friday


@dataclass
class SeasonRun:
    """What a season left: its folder and store, and how it went."""

    params: SeasonParameters
    folder: Path
    database_url: str
    end: datetime
    committees: list[tuple[datetime, str]] = field(default_factory=list)
    arrivals: Counter[str] = field(default_factory=Counter)
    reactions: dict[str, int] = field(default_factory=dict)
    seconds: Counter[str] = field(default_factory=Counter)  # per stage
    runs: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # day, stage, error


def committee_schedule(start: date, days: int, source: Path | None = None
                       ) -> list[tuple[datetime, str]]:
    """The committees' sittings within the season: the cron of each deliberate
    deployment of prefect.yaml (in its timezone), with its track."""
    from prefect.utilities.asyncutils import run_coro_as_sync

    from flows.committee_calendar import committee_schedules

    begin = datetime.combine(start, clock_time(), PARIS)
    end = begin + timedelta(days=days)
    sittings = []
    for track, schedules in committee_schedules(source).items():
        for schedule in schedules:
            for moment in run_coro_as_sync(schedule.get_dates(n=days, start=begin, end=end)):
                sittings.append((datetime.fromtimestamp(moment.timestamp(), PARIS), track))
    return sorted(sittings)


class Season:
    """One season's loop; ``run`` returns its ``SeasonRun``."""

    def __init__(self, params: SeasonParameters, folder: Path, echo: Echo | None = None,
                 config: Path | None = None) -> None:
        self.params = params
        self.folder = folder
        self.echo = echo or (lambda _line: None)
        self.source_config = config or Settings().config
        start = datetime.combine(params.start, clock_time(), PARIS)
        self.clock = SeasonClock(start.astimezone(UTC))
        self.sandbox = Sandbox(SandboxState(now=self.clock), requests_per_window=10**9)
        self.agenda = Agenda()
        behaviour = params.behaviour()
        people = roster_emails(params)
        self.absences = absences(random.Random(f"{params.seed}:absences"), people,
                                 params.start, params.days, behaviour)
        self.evaluators = Evaluators(behaviour, self.absences, params.seed)
        self.rng = random.Random(f"{params.seed}:season")
        folder.mkdir(parents=True, exist_ok=True)
        self.database_url = f"sqlite:///{folder / 'saison.sqlite'}"
        self.result = SeasonRun(params, folder, self.database_url,
                                start + timedelta(days=params.days))
        self.open_missions: set[int] = set()

    # -- the run ------------------------------------------------------------------------

    def run(self) -> SeasonRun:
        for stale in self.folder.glob("saison.sqlite*"):
            stale.unlink()
        config = season_config(self.source_config, self.params, self.folder)
        for arrival in season_arrivals(self.params.seed, self.params.start, self.params.days,
                                       self.params.projects_per_week,
                                       self.params.campaign_size):
            self.agenda.plan(arrival.at, "arrival", arrival.track)
            self.result.arrivals[arrival.track] += 1
        self.result.committees = committee_schedule(self.params.start, self.params.days)
        with running_sandbox(self.sandbox) as url, season_environment({
                "EIG_DS_API_URL": f"{url}/api/v2/graphql", "EIG_DS_API_TOKEN": DEFAULT_TOKEN,
                "EIG_DATABASE_URL": self.database_url, "EIG_CONFIG": str(config),
                "EIG_DOCUMENTS_DIR": str(self.folder / "documents"),
                "EIG_MAILDIR": str(self.folder / "maildir")}), \
                use_clock(self.clock), use_operator(operator), without_artifacts(), \
                without_pdfs():
            self.config = load_config(config)
            engine = open_store(self.database_url)
            # the people's own handle on the store (the stages open theirs)
            self.rt = Runtime(Settings(), self.config, engine, make_sessionmaker(engine),
                              self.clock)
            try:
                self._import_roster()
                self._import_jury()
                for offset in range(self.params.days):
                    self._day(self.params.start + timedelta(days=offset))
                # the season's last filings: read, so that every dossier filed is measured
                self._at(self.params.start + timedelta(days=self.params.days), 0, 0, "sync",
                         self._sync)
            finally:
                self.rt.close()
                engine.dispose()
        self.result.reactions = {r.value: n for r, n in self.evaluators.reactions.items()}
        return self.result

    def _day(self, day: date) -> None:
        working = is_working_day(day, self.config.evaluation.holidays_country)
        sittings = [t for at, t in self.result.committees if at.date() == day]
        self._at(day, 7, 0, "sync", self._sync)
        if (working and day.weekday() in HEARING_DAYS) or sittings:
            self._at(day, 8, 0, "score", self._score)
        if working and day.weekday() in HEARING_DAYS:
            self._at(day, 8, 30, "hearings", self._hearings)
        if sittings:  # on a server, sync-dossiers every 15 min and the score it triggers:
            # the forms sent up to 8:45 are before the committee
            self._at(day, 8, 45, "sync", self._sync)
            self._at(day, 8, 50, "score", self._score)
        for track in sittings:
            self._at(day, 9, 0, "deliberate", lambda t=track: self._committee(t, day))
        if working:
            self._at(day, 9, 30, "chase", self._chase)
            self._at(day, 18, 30, "jury", self._jury_scores)
        if day.day == 1 or day == self.params.start:
            self.echo(f"  {day:%Y-%m} : {sum(self.result.runs.values())} passages d'étapes")

    def _at(self, day: date, hour: int, minute: int, stage: str,
            action: Callable[[], Any]) -> None:
        moment = datetime.combine(day, clock_time(hour, minute), PARIS)
        self._people_until(moment)
        self.clock.set(moment)
        started = time.perf_counter()
        try:
            action()
        except Exception as error:  # a failed run, as the UI would show it: the season goes on
            self.result.failures.append((day.isoformat(), stage, str(error)[:300]))
            self.echo(f"  {day.isoformat()} : échec de l'étape {stage} — {error}")
        self.result.seconds[stage] += time.perf_counter() - started
        self.result.runs[stage] += 1

    # -- people -------------------------------------------------------------------------

    def _people_until(self, moment: datetime) -> None:
        started = time.perf_counter()
        for due in self.agenda.due(moment):
            self.clock.set(due.at)
            if due.kind == "arrival":
                self._file(due.data, due.at)
            elif due.kind == "mission":
                self._open_mission(due.data)
            else:
                self.evaluators.act(self.sandbox, due)
        self.result.seconds["people"] += time.perf_counter() - started

    def _file(self, track: Track, at: datetime) -> None:
        demarche = PROJETS if track is Track.PROJETS else CANDIDATS
        self.sandbox.state.add_dossier(demarche.number, seed=self.rng.randrange(10**9),
                                       date_depot=at)

    def _plan_tasks(self) -> None:
        self.evaluators.plan_new_tasks(self.rt, self.agenda)

    # -- stages -------------------------------------------------------------------------

    def _sync(self, demarches: list[int] | None = None) -> None:
        from flows.assign import AssignParameters, assign_evaluators
        from flows.sync import SyncParameters, sync_dossiers

        state = sync_dossiers.fn(SyncParameters(demarches=demarches or []))
        arrivals = (state.data or {}).get("arrivals") or {}
        if arrivals.get("tracks"):
            assign_evaluators.fn(AssignParameters(tracks=arrivals["tracks"],
                                                  time_limit_s=2.0))
            self._plan_tasks()

    def _chase(self) -> None:
        from flows.chase import ChaseParameters, chase_evaluators

        summary = chase_evaluators.fn(ChaseParameters(sync_first=False))
        if summary.get("replaced"):
            self._plan_tasks()

    def _score(self) -> None:
        from flows.score import ScoreParameters, score_dossiers

        # nothing is delivered to DS here: the ranking's annotations are not recorded
        score_dossiers.fn(ScoreParameters(sync_first=False, publish=False))

    def _hearings(self) -> None:
        from flows.hearings import HearingParameters, schedule_hearings_flow

        schedule_hearings_flow.fn(HearingParameters(tracks=["projets", "candidats"]))

    def _committee(self, track: str, day: date) -> None:
        from pydantic import MISSING

        from flows.conventions import FORM, draft_conventions
        from flows.deliberate import DeliberateParameters, deliberate

        summary = deliberate.fn(DeliberateParameters(track=track, session_date=day))
        if summary.get("drafts_due"):
            drafted = draft_conventions.fn(**dict.fromkeys(FORM, MISSING))
            if self.params.missions:
                for laureat in drafted.get("new", []):
                    later = timedelta(days=self.rng.lognormvariate(2.3, 0.5))
                    opening = datetime.combine(day + later, clock_time(10), PARIS)
                    self.agenda.plan(opening, "mission", int(laureat["dossier"]))

    def _jury_scores(self) -> None:
        from flows.hearings import import_jury_scores

        now = self.clock()
        for track in ("projets", "candidats"):
            criteria = [c.key for c in self.config.tracks[track].criteria]
            with self.rt.sessions() as session:
                text = held_scores_csv(session, track, criteria, now)
            if text:
                import_jury_scores(text, track, f"simulation-{track}.csv")
        for mission in sorted(self.open_missions):
            self._mission_scores(mission, now)

    # -- missions -----------------------------------------------------------------------

    def _open_mission(self, dossier: int) -> None:
        from flows.missions import MissionParameters, match_mission

        with self.rt.sessions() as session:
            fields = session.scalar(select(Dossier.fields).where(Dossier.number == dossier)) \
                or {}
        started = time.perf_counter()
        summary = match_mission.fn(MissionParameters(
            titre=str(fields.get("intitule") or f"Mission du dossier {dossier}"),
            administration=str(fields.get("administration") or "Administration lauréate"),
            projet=str(fields.get("intitule") or ""), projet_dossier=dossier,
            profils=(fields.get("profils") or ["développeur·se"])[:1],
            debut=(self.clock() + timedelta(days=60)).date(),
            thematique=str(fields.get("theme") or ""),
            localisation=str(fields.get("localisation") or ""),
            contact_nom=str(fields.get("porteur") or "Contact").split(",")[0],
            contact_email=str(fields.get("email") or "contact@administration.example")))
        if summary.get("proposed") and not summary.get("booked"):
            self._contact_answers(int(summary["mission"]))  # the entretiens wait for it
        self.result.seconds["missions"] += time.perf_counter() - started
        self.result.runs["missions"] += 1
        if summary.get("proposed"):
            self.open_missions.add(int(summary["mission"]))

    def _contact_answers(self, mission: int) -> None:
        """The administration's contact answers the availability form the same day (every
        working morning and afternoon of the entretiens' window); the sync reads it and the
        entretiens are booked inside those windows."""
        from flows.missions import MissionParameters, match_mission

        with self.rt.sessions() as session:
            row = session.get(Mission, mission)
            link = request_link(session, f"mission:{mission}", row.contact_email)
            requests = list(session.scalars(select(HearingRequest).where(
                HearingRequest.mission_id == mission)))
        if link is None or not requests:
            return
        first = min(aware(r.earliest) for r in requests).astimezone(PARIS).date()
        last = max(aware(r.latest) for r in requests).astimezone(PARIS).date()
        answer(self.sandbox, link, rows(working_days(first, last - timedelta(days=1))))
        # the next quarter-hour's sync brings the answer (the other démarches wait for the
        # morning's: the season syncs them once a day), then the entretiens are booked
        self._sync([self.config.demarches["disponibilites"].number])
        match_mission.fn(MissionParameters(mission=mission))

    def _mission_scores(self, mission: int, now: datetime) -> None:
        from flows.hearings import import_jury_scores
        from flows.missions import MissionDeliberationParameters, deliberate_mission

        criteria = [c.key for c in self.config.tracks["candidats"].criteria]
        with self.rt.sessions() as session:
            text = held_scores_csv(session, "missions", criteria, now, mission)
        if text:
            import_jury_scores(text, "missions", f"simulation-mission-{mission}.csv", mission)
        with self.rt.sessions() as session:
            statuses = set(session.scalars(select(HearingRequest.status).where(
                HearingRequest.mission_id == mission)))
            status = session.scalar(select(Mission.status).where(Mission.id == mission))
        if status != "ouverte":
            self.open_missions.discard(mission)
        elif statuses and statuses <= {"held", "withdrawn"}:
            deliberate_mission.fn(MissionDeliberationParameters(mission=mission))
            self.open_missions.discard(mission)

    # -- set-up -------------------------------------------------------------------------

    def _import_roster(self) -> None:
        path = season_roster(self.folder, self.params, self.absences)
        evaluators = load_roster(path, allowed_profiles=self.config.roster.profiles,
                                 allowed_tracks=list(self.config.tracks))
        with self.rt.sessions.begin() as session:
            replace_roster(session, evaluators, self.clock())
        self.jury = {track: [e.email for e in evaluators if track in e.tracks][
            :self.params.jury] for track in ("projets", "candidats")}

    def _import_jury(self) -> None:
        from flows.hearings import import_availability

        people = sorted({e for members in self.jury.values() for e in members})
        windows = jury_windows(random.Random(f"{self.params.seed}:jury"), people,
                               self.params.start, self.params.days + 31,
                               self.params.jury_share, self.absences)
        import_availability(availability_csv(windows))
