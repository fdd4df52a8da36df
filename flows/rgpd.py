"""purge-personal-data, and a person's rights: personal data has a lifecycle (RGPD).

The story of a purge run: read the facts of every dossier, evaluator, effect and file;
ask the retention rules (``models.retention``, durations in ``rgpd.retention``) what is
past its time at ``now``; then — only when asked to apply — pseudonymise or delete it in
the store, under var/, in the Maildir and among our Prefect artifacts, and log what was
done without the data (``PersonalDataAction``). A dry run shows the same table and
changes nothing; a second run finds nothing left to do.

``export_person`` writes everything held about one person (JSON and documents);
``erase_person`` erases it, except what a legal obligation keeps (a published decision,
a signed convention), and says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field

from connectors import personal_files, prefect_artifacts
from connectors.store import personal_data as store
from flows.guard import stage_lease
from flows.reporting import conclude, publish_table
from flows.runtime import Runtime, open_runtime
from models.data_subject import Subject, SubjectError, SubjectKind, hold_reason, record_kept
from models.french import compte, date_fr
from models.retention import (
    ACTION_LABELS,
    LABELS,
    OWN_CLASS,
    Action,
    DataClass,
    DossierPlan,
    Policy,
    counted_action,
    dossier_class,
    evaluator_due,
    plan_dossier,
    pseudonym_of_email,
)
from models.tables import Dossier

__all__ = ["PurgeParameters", "erase_person", "export_person", "purge_personal_data"]


class PurgeParameters(BaseModel):
    """Run form of purge-personal-data."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    apply: bool = Field(default=False, title="Appliquer",
                        description="Non : montrer seulement ce qui partirait (essai à blanc).")
    as_of: date | None = Field(default=None, title="À la date du",
                               description="Calculer les durées à cette date (vide : "
                               "aujourd'hui) ; une date future n'est permise qu'en essai.")


@dataclass
class Tally:
    """What a purge or an erasure found, per data class and action, with references that
    name no one (dossier numbers, email hashes, file paths under var/)."""

    policy: Policy
    refs: dict[tuple[DataClass, Action], list[str]] = field(
        default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)

    def add(self, data_class: DataClass, action: Action, *refs: str) -> None:
        if refs:
            self.refs[(data_class, action)].extend(refs)

    def done(self) -> int:
        return sum(len(v) for (_, a), v in self.refs.items()
                   if a in (Action.DELETE, Action.PSEUDONYMISE))

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for (data_class, action), refs in sorted(self.refs.items()):
            rule = self.policy[data_class]
            rows.append({"data_class": str(data_class), "label": LABELS[data_class],
                         "action": str(action), "action_label": ACTION_LABELS[action],
                         "count": len(refs), "said": counted_action(action, len(refs)),
                         "days": rule.days, "basis": rule.basis})
        return rows

    def record(self, rt: Runtime, origin: str, now: datetime) -> None:
        with rt.sessions.begin() as session:
            for (data_class, action), refs in self.refs.items():
                if refs:
                    store.record_action(
                        session, done_at=now, origin=origin, data_class=str(data_class),
                        rule=self.policy[data_class].rule(data_class), action=str(action),
                        refs=refs, flow_run_id=str(flow_run.id or "") or None)


# -- the purge ------------------------------------------------------------------------------


LEASE = "rgpd"


def reference_time(params: PurgeParameters, now: datetime) -> datetime:
    """The moment the durations are counted at; a later one only for a dry run."""
    if params.as_of is None:
        return now
    moment = datetime.combine(params.as_of, time(12), tzinfo=UTC)
    if params.apply and moment.date() > now.date():
        raise ValueError(f"purge à appliquer au {date_fr(params.as_of)}, une date future : "
                         "seul un essai à blanc peut regarder en avant")
    return moment


def dossier_roles(rt: Runtime) -> dict[int, str]:
    """démarche number → what its dossiers are for the retention rules: a track
    (projets, candidats), or a démarche whose dossiers have their own class."""
    roles = {rt.config.demarches[t.demarche].number: key
             for key, t in rt.config.tracks.items()}
    return roles | {rt.config.demarches[role].number: role for role in OWN_CLASS
                    if role in rt.config.demarches}


@task(name="purge-store", cache_policy=NO_CACHE)
def purge_store(rt: Runtime, now: datetime, apply: bool, tally: Tally) -> None:
    """Delivered effects' payloads, lifted quarantine, old sync runs, then dossiers (their
    evaluations, the vivier), departed evaluators — one transaction, rolled back on a dry
    run (the same counts either way)."""
    policy = tally.policy
    tracks = dossier_roles(rt)
    session = rt.sessions()
    try:
        for data_class, ids_of, act in (
                (DataClass.EFFETS_LIVRES, store.delivered_effects_before,
                 store.purge_effect_payloads),
                (DataClass.QUARANTAINE_LEVEE, store.released_quarantine_before,
                 store.delete_quarantine),
                (DataClass.JOURNAUX, store.sync_runs_before, store.delete_sync_runs),
                (DataClass.DISPONIBILITES, store.availability_before,
                 store.delete_availability),
                (DataClass.SAISON_CLOSE, store.unpublished_committees_before,
                 store.delete_committees)):
            ids = ids_of(session, now - timedelta(days=policy[data_class].days or 0))
            action = Action.PSEUDONYMISE if data_class is DataClass.EFFETS_LIVRES else \
                Action.DELETE
            tally.add(data_class, action, *(i if isinstance(i, str) else f"{data_class}:{i}"
                                            for i in ids))
            if apply and ids:
                act(session, ids)
        plans = [plan_dossier(f, policy, now)
                 for f in store.dossier_facts(session, store.demarche_tracks(session, tracks))]
        for plan in plans:
            _tally_dossier(tally, plan)
            if apply and plan.due and plan.action is not Action.DEFER:
                store.apply_dossier_plan(session, plan, now)
        _, waiting = store.undelivered_by_dossier(session)
        for email, retired_at in store.departed_evaluators(session):
            if not evaluator_due(retired_at, policy, now):
                continue
            ref = pseudonym_of_email(email)
            if email.lower() in waiting:
                tally.add(DataClass.EVALUATEURS_PARTIS, Action.DEFER, ref)
                continue
            tally.add(DataClass.EVALUATEURS_PARTIS, Action.PSEUDONYMISE, ref)
            if apply:
                store.pseudonymise_evaluator(session, email, now)
        if apply:
            session.commit()
    finally:
        session.rollback()
        session.close()


def _tally_dossier(tally: Tally, plan: DossierPlan) -> None:
    ref = f"dossier:{plan.number}"
    if plan.action is not None:
        tally.add(plan.data_class, plan.action, ref)
    if plan.evaluations and plan.action is not Action.DEFER:
        tally.add(DataClass.SAISON_CLOSE, Action.DELETE, f"evaluations:{plan.number}")
    if plan.leave_vivier and plan.action is not Action.DELETE:
        tally.add(DataClass.VIVIER, Action.DELETE, f"vivier:{plan.number}")


@task(name="purge-files", cache_policy=NO_CACHE)
def purge_files(rt: Runtime, now: datetime, apply: bool, tally: Tally) -> None:
    """Documents under EIG_DOCUMENTS_DIR (approved relevés and conventions kept), the
    Maildir's copies."""
    policy = tally.policy
    with rt.sessions() as session:
        kept = store.kept_files(session)
    root = Path(rt.settings.documents_dir)
    limit = now - timedelta(days=policy[DataClass.DOCUMENTS].days or 0)
    old = [f.path for f in personal_files.documents(root) if f.modified_at < limit]
    held = [p for p in old if p.name in kept]
    gone = [p for p in old if p.name not in kept]
    tally.add(DataClass.DECISIONS_PUBLIEES, Action.KEEP, *(_relative(p, root) for p in held))
    tally.add(DataClass.DOCUMENTS, Action.DELETE, *(_relative(p, root) for p in gone))
    mail_limit = now - timedelta(days=policy[DataClass.COURRIELS].days or 0)
    maildir = Path(rt.settings.maildir)
    messages = [m.key for m in personal_files.mail_files(maildir) if m.delivered_at < mail_limit]
    tally.add(DataClass.COURRIELS, Action.DELETE, *(f"courriel:{k}" for k in messages))
    if apply:
        personal_files.remove_files(gone)
        personal_files.remove_messages(maildir, messages)


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


@task(name="purge-artifacts", cache_policy=NO_CACHE)
def purge_artifacts(now: datetime, apply: bool, tally: Tally) -> None:
    """Our runs' artifacts older than the retention of the journaux."""
    limit = now - timedelta(days=tally.policy[DataClass.JOURNAUX].days or 0)
    try:
        old = prefect_artifacts.older_than(prefect_artifacts.artifacts(), limit)
        tally.add(DataClass.JOURNAUX, Action.DELETE, *(f"artefact:{a.id}" for a in old))
        if apply:
            prefect_artifacts.delete_artifacts(a.id for a in old)
    except prefect_artifacts.ArtifactsUnavailable:
        tally.notes.append("artefacts Prefect : API injoignable, laissés au prochain run")


def run_purge(rt: Runtime, params: PurgeParameters) -> tuple[Tally, datetime]:
    """The purge; applied, under the lease ``rgpd`` (two purges, or a purge and an
    erasure, never interleave their deletions and their log)."""
    now = reference_time(params, rt.clock())
    tally = Tally(rt.config.rgpd.policy())
    with stage_lease(rt, LEASE) if params.apply else nullcontext():
        purge_store(rt, now, params.apply, tally)
        purge_files(rt, now, params.apply, tally)
        purge_artifacts(now, params.apply, tally)
        if params.apply:
            tally.record(rt, "purge", rt.clock())
    return tally, now


@flow(name="purge-personal-data", timeout_seconds=3600,
      description="Purge les données personnelles arrivées au terme de leur durée de "
      "conservation (RGPD) : base, documents, courriels, artefacts ; essai à blanc par "
      "défaut.")
def purge_personal_data(params: PurgeParameters = PurgeParameters()  # noqa: B008 (frozen model)
                        ) -> dict[str, Any]:
    with open_runtime() as rt:
        tally, now = run_purge(rt, params)
    rows = tally.rows()
    done = tally.done()
    mode = "appliquée" if params.apply else "essai à blanc"
    headline = (f"Purge RGPD ({mode}, au {date_fr(now)}) : "
                + (f"{compte(done, 'élément')} " + ("purgé" if done == 1 else "purgés")
                   if params.apply else f"{compte(done, 'élément')} à purger")
                + (f" ; {' ; '.join(tally.notes)}" if tally.notes else "") + ".")
    publish_table("purge-personal-data", [
        {"Données": r["label"], "Action": r["action_label"], "Nombre": r["count"],
         "Durée (jours)": "conservées" if r["days"] is None else r["days"],
         "Base légale": r["basis"]} for r in rows],
        description=headline, empty="Rien n'a atteint sa durée de conservation")
    summary = {"apply": params.apply, "as_of": now.isoformat(), "done": done,
               "rows": rows, "notes": tally.notes}
    return conclude(summary, headline)


# -- a person's rights ----------------------------------------------------------------------


@dataclass
class PersonView:
    """What the store holds of a person: their dossiers and addresses."""

    numbers: list[int]
    emails: list[str]
    records: dict[str, list[dict[str, Any]]]


def _person(rt: Runtime, subject: Subject) -> PersonView:
    with rt.sessions() as session:
        if subject.kind is SubjectKind.DOSSIER:
            dossier = session.query(Dossier).filter(Dossier.number == subject.number).first()
            if dossier is None:
                raise SubjectError(f"dossier n° {subject.value} inconnu de la base")
            numbers = [subject.number]
            emails = sorted(store.applicant_addresses(dossier.applicant, dossier.fields))
        else:
            numbers = store.dossiers_of_email(session, subject.value)
            emails = [subject.value]
        records = store.person_records(session, numbers, emails)
    if not records:
        raise SubjectError(f"aucune donnée sur {subject} dans la base")
    return PersonView(numbers, emails, records)


def _mail_about(rt: Runtime, view: PersonView) -> list[str]:
    keys = {e["key"] for e in view.records.get("effects", [])}
    wanted = set(view.emails)
    return [m.key for m in personal_files.mail_files(Path(rt.settings.maildir))
            if m.recipients & wanted or (m.effect and m.effect in keys)]


def export_person(subject: Subject, out: Path | None = None) -> dict[str, Any]:
    """Everything held about a person: ``donnees.json``, their documents (convention),
    the emails sent to them (Maildir), in a folder and its zip."""
    with open_runtime() as rt:
        view = _person(rt, subject)
        now = rt.clock()
        root = Path(out) if out else Path(rt.settings.documents_dir) / "rgpd"
        folder = root / f"export-{export_ref(subject)}-{now.date().isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        documents = [Path(p) for v in view.records.get("convention_versions", [])
                     for p in store.file_paths(v.get("files"))]
        copied = personal_files.copy_files(documents, folder / "documents")
        mails = personal_files.copy_messages(Path(rt.settings.maildir), _mail_about(rt, view),
                                             folder / "courriels")
        data = {"personne": str(subject), "exporte_le": now.isoformat(),
                "dossiers": view.numbers, "courriels": view.emails,
                "donnees": view.records,
                "note": "Les identités des évaluateurs et des jurys (tiers) sont masquées."}
        (folder / "donnees.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        archive = personal_files.zip_folder(folder)
    return {"folder": str(folder), "zip": str(archive), "tables": sorted(view.records),
            "rows": sum(len(v) for v in view.records.values()),
            "documents": len(copied), "emails": len(mails)}


def export_ref(subject: Subject) -> str:
    """The name of a person's export folders: a hash, no name in a path."""
    return pseudonym_of_email(f"{subject.kind}:{subject.value}").removeprefix("sha256:")


@dataclass
class Erasure:
    subject: str
    confirmed: bool
    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # a legal obligation keeps these dossiers
    refused: str | None = None  # nothing was done, and why

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "confirmed": self.confirmed, "erased": self.erased,
                "kept": self.kept, "held": self.held, "refused": self.refused}


def erase_person(subject: Subject, confirm: bool = False) -> Erasure:
    """Erase what is held about a person (a dry run unless ``confirm``): their dossiers
    are pseudonymised with their evaluations, hearings and vivier entry, as evaluator
    they are pseudonymised, their emails and our artifacts that cite them go — except
    what a legal obligation keeps, which is said. Refused as a whole while the outbox
    still has something to deliver about them."""
    with open_runtime() as rt, stage_lease(rt, LEASE) if confirm else nullcontext():
        view = _person(rt, subject)
        report = Erasure(str(subject), confirm)
        now = rt.clock()
        tally = Tally(rt.config.rgpd.policy())
        session = rt.sessions()
        try:
            _erase_in_store(rt, session, view, report, tally, now)
            if report.refused is None and confirm:
                session.commit()
        finally:
            session.rollback()
            session.close()
        if report.refused is not None:
            return report
        messages = _mail_about(rt, view)
        report.erased.append(compte(len(messages), "copie de courriel", "copies de courriels"))
        tally.add(DataClass.COURRIELS, Action.DELETE, *(f"courriel:{k}" for k in messages))
        exports = [p for p in (Path(rt.settings.documents_dir) / "rgpd").glob(
            f"export-{export_ref(subject)}-*")]
        if exports:
            report.erased.append(compte(len(exports), "export précédent",
                                        "exports précédents"))
        try:
            cited = prefect_artifacts.mentioning(prefect_artifacts.artifacts(), view.emails)
            report.erased.append(compte(len(cited), "artefact Prefect", "artefacts Prefect"))
            tally.add(DataClass.JOURNAUX, Action.DELETE, *(f"artefact:{a.id}" for a in cited))
        except prefect_artifacts.ArtifactsUnavailable:
            cited = []
            report.kept.append("les artefacts Prefect : l'API ne répond pas, relancer plus tard")
        if confirm:
            personal_files.remove_messages(Path(rt.settings.maildir), messages)
            personal_files.remove_exports(exports)
            if cited:
                prefect_artifacts.delete_artifacts(a.id for a in cited)
            tally.record(rt, "erasure", now)
    return report


def _erase_in_store(rt: Runtime, session: Any, view: PersonView, report: Erasure,
                    tally: Tally, now: datetime) -> None:
    decisions = store.published_decisions(session)
    pending, waiting = store.undelivered_by_dossier(session)
    busy = sum(pending.get(n, 0) for n in view.numbers) + len(waiting & set(view.emails))
    if busy:
        report.refused = (f"{compte(busy, 'effet reste', 'effets restent')} à délivrer "
                          "à cette personne ou sur ses dossiers : rien n'est effacé ; "
                          "relancez après eig deliver-effects")
        return
    tracks = dossier_roles(rt)
    facts = {f.number: f for f in store.dossier_facts(
        session, store.demarche_tracks(session, tracks)) if f.number in view.numbers}
    for number in view.numbers:
        fact = facts[number]
        if why := record_kept(number, decisions.get(number)):
            report.kept.append(why)
        if why := hold_reason(number, decisions.get(number), fact.contract):
            report.held.append(why + ", avec ses évaluations et auditions")
            tally.add(DataClass.DECISIONS_PUBLIEES, Action.KEEP, f"dossier:{number}")
            continue
        store.delete_evaluation_data(session, number)
        store.strip_from_drafts(session, number)
        store.leave_vivier(session, number)
        store.pseudonymise_dossier(session, number, now)
        tally.add(dossier_class(fact), Action.PSEUDONYMISE, f"dossier:{number}")
        report.erased.append(f"le dossier {number} (identité, réponses, annotations), ses "
                             "évaluations, auditions, notes et sa place au vivier")
    effects = [e.id for e in store.effects_about(session, view.numbers, view.emails)]
    purged = store.purge_effect_payloads(session, effects)
    tally.add(DataClass.EFFETS_LIVRES, Action.PSEUDONYMISE, *(f"effet:{i}" for i in effects))
    report.erased.append(compte(purged, "effet délivré (contenu)", "effets délivrés (contenu)"))
    for email in view.emails:
        for stored in store.evaluator_emails(session, email):
            store.retire_evaluator(session, stored, now)
            store.pseudonymise_evaluator(session, stored, now)
            tally.add(DataClass.EVALUATEURS_PARTIS, Action.PSEUDONYMISE,
                      pseudonym_of_email(stored))
            report.erased.append("sa fiche d'évaluateur·rice (retiré·e du vivier, tâches et "
                                 "notes rattachées à un pseudonyme)")
        if store.erase_jury_and_conflicts(session, email):
            report.erased.append("ses disponibilités de jury")
    for mission in view.records.get("missions_contact", []):
        report.kept.append(f"le contact de la mission {mission['id']} : à remplacer par "
                           "l'équipe (eig missions)")


def renew_consent(number: int) -> bool:
    """A vivier candidate consented again: their retention runs from today."""
    with open_runtime() as rt, rt.sessions.begin() as session:
        return store.renew_consent(session, number, rt.clock())

