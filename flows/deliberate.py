"""deliberate: a committee decides, a relevé records why, and — once an operator approves
in the Prefect UI — the decisions reach DS.

The story of a run: gather each dossier's scores, flags, comments (and hearing notes when
the track has hearings), propose a decision for every eligible dossier with a drafted
motivation, render the draft relevé (HTML, PDF, CSV; sealed with the SHA-256 of its
content), then pause: the run's form lists the proposals, editable, and an approval
switch. Nothing is published before approval. Once approved, the relevé is regenerated
with the final decisions and sealed again, and the decisions, messages, labels and
annotations are recorded in the outbox — keyed by dossier and session, so republishing
never repeats one — and delivered. An approved projects' committee with lauréats is
announced (``flows.signals``): the conventions are drafted by the deployment it
triggers, or by ``flows.pipeline`` in one process.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.documents import environment, html_to_pdf, render_document
from connectors.documents.render_pool import render_one
from connectors.store import outbox
from connectors.store.repository import dialect_insert
from flows.approval import answered, current_run_id, prefilled, run_alive, wait_for_approval
from flows.delivery.task_emails import programme
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.hearing_booking import hearing_results
from flows.reporting import conclude, publish_markdown, publish_table
from flows.runtime import Runtime, open_runtime
from flows.signals import COMMITTEE_APPROVED, announce
from flows.vivier_forms import vivier_link
from models.committee_sitting import Sitting, sitting_problem
from models.decision_record import (
    CommitteeRecord,
    canonical_json,
    cut_line_fr,
    dossier_entry,
    pending_entries,
    record_content,
    record_csv_rows,
    seal,
    tie_break_descriptions,
)
from models.deliberation import (
    DECISION_LABELS,
    TRACK_DECISIONS,
    Agenda,
    CommitteeStatus,
    DossierFacts,
    Proposal,
    agenda_from_json,
    agenda_to_json,
    apply_edits,
    decision_code,
    ds_state,
    propose,
)
from models.evaluation_forms import FormKind, FormStatus
from models.evaluation_inputs import AssignmentStatus
from models.evaluation_task import applicant_name, dossier_brief
from models.french import compte, date_fr, nombre_tableur
from models.mission_match import vivier_profile
from models.outbox import Kind, ds_key
from models.outside_text import texte_tableur
from models.paris_time import PARIS
from models.placement import VivierStatus
from models.tables import (
    Assignment,
    CommitteeSession,
    DeclaredConflict,
    Dossier,
    DossierScore,
    EvaluatorRow,
    VivierMember,
)
from models.tables import Evaluation as EvaluationRow


class DeliberateParameters(BaseModel):
    """Run form of the deliberate deployments."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    track: Literal["projets", "candidats"] = Field(default="projets", title="Parcours")
    session_date: date | None = Field(default=None, title="Date du comité",
                                      description="Vide : aujourd'hui.")
    waiting_list: int | None = Field(default=None, ge=0, title="Liste d'attente",
                                     description="Projets : combien de dossiers après les "
                                     "lauréats (vide : la configuration).")
    approval_timeout_hours: float | None = Field(
        default=None, gt=0, title="Délai d'approbation (heures)",
        description="Vide : la configuration.")
    on_timeout: Literal["wait", "end"] | None = Field(
        default=None, title="Sans approbation dans le délai",
        description="wait : attendre encore ; end : terminer sans rien publier.")


class DossierDecision(BaseModel):
    """One proposal in the approval form: the dossier is shown, not edited (its number and
    title are read-only; a changed number refuses the approval, nothing is published)."""

    model_config = ConfigDict(json_schema_extra=answered("titre"))

    dossier: int = Field(title="Dossier", json_schema_extra={"readOnly": True})
    titre: str = Field(default="", title="Intitulé", json_schema_extra={"readOnly": True})
    decision: str = Field(title="Décision")
    motivation: str = Field(title="Motivation (envoyée au déposant)")
    resolution_alertes: str = Field(
        default="", title="Résolution des alertes (relevé)",
        description="Ce que le comité a conclu des alertes du dossier ; vide : aucune "
        "résolution consignée.")


class CommitteeApproval(RunInput):
    """The operator's answer: who sat, the decisions as they stand, the approval switch."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=answered(
        "approuve", "approuve_par", "preside_par", "membres_presents", "decisions"))

    approuve: bool = Field(default=False, title="J'approuve ces décisions et leur publication")
    approuve_par: str = Field(default="", title="Nom de la personne qui approuve",
                              description="Inscrit au relevé ; obligatoire pour approuver.")
    preside_par: str = Field(default="", title="Présidence de séance",
                             description="Un des membres présents.")
    membres_presents: list[str] = Field(default_factory=list, title="Membres présents")
    decisions: list[DossierDecision] = Field(default_factory=list, title="Décisions")


def approval_class(rt: Runtime, track: str) -> type[CommitteeApproval]:
    """The approval form of a track: its decisions as French labels limited to the track's
    options; presence and presidency chosen among its configured members (free text when
    none are configured)."""
    labels = tuple(DECISION_LABELS[d] for d in TRACK_DECISIONS[track])
    decision = create_model(  # type: ignore[call-overload]
        f"DossierDecision_{track}", __base__=DossierDecision,
        decision=(Literal[labels], Field(title="Décision")))  # type: ignore[valid-type]
    fields: dict[str, Any] = {"decisions": (list[decision], Field(  # type: ignore[valid-type]
        default_factory=list, title="Décisions"))}
    members = committee_members(rt, track)
    if members:
        fields["preside_par"] = (Literal[("", *members)], Field(  # type: ignore[valid-type]
            default="", title="Présidence de séance", description="Un des membres présents."))
        fields["membres_presents"] = (list[Literal[members]], Field(  # type: ignore[valid-type]
            default_factory=list, title="Membres présents",
            description="Cochez chaque membre présent à la séance."))
    return create_model(f"CommitteeApproval_{track}",  # type: ignore[call-overload, no-any-return]
                        __base__=CommitteeApproval, **fields)


def committee_members(rt: Runtime, track: str) -> tuple[str, ...]:
    composition = rt.config.deliberation.composition.get(track)
    return tuple(composition.members) if composition else ()


def sitting_of(rt: Runtime, track: str, approval: CommitteeApproval | None) -> Sitting:
    """Who sat, as the approval says (the draft's: nobody yet)."""
    composition = rt.config.deliberation.composition.get(track)
    members = tuple(composition.members) if composition else ()
    quorum = composition.quorum if composition else 1
    if approval is None:
        return Sitting("", (), members, quorum)
    return Sitting(approval.preside_par or "", tuple(approval.membres_presents), members,
                   quorum)


# -- gathering --------------------------------------------------------------------------


def gather_facts(session: Session, rt: Runtime, track: str) -> list[DossierFacts]:
    """Every dossier of the track that entered evaluation, with what the committee needs:
    scores, comments, and the hearing's notes (a dossier called to a hearing waits for it)."""
    demarche = rt.config.demarches[rt.config.tracks[track].demarche].number
    scores = {r.dossier_number: r.scores for r in session.scalars(
        select(DossierScore).where(DossierScore.track == track))}
    numbers = set(session.scalars(select(Assignment.dossier_number)
                                  .where(Assignment.track == track))) | set(scores)
    comments: dict[int, list[str]] = {}
    for number, comment in session.execute(
            select(EvaluationRow.dossier_number, EvaluationRow.comment).where(
                EvaluationRow.track == track, EvaluationRow.status == FormStatus.VALID,
                EvaluationRow.kind == FormKind.EVALUATION)):  # not a decline's words
        if comment:
            comments.setdefault(int(number), []).append(comment)
    heard = hearing_results(session, rt, track)
    facts = []
    for dossier in session.scalars(select(Dossier).where(
            Dossier.demarche_number == demarche, Dossier.number.in_(numbers),
            Dossier.hidden.is_(False), Dossier.deleted.is_(False)).order_by(Dossier.number)):
        brief = dossier_brief(track, int(dossier.number), dossier.fields or {},
                              dossier.applicant or {})
        hearing = heard.get(int(dossier.number))
        facts.append(DossierFacts(int(dossier.number), brief["title"],
                                  scores.get(dossier.number),
                                  tuple(comments.get(int(dossier.number), ())),
                                  hearing=(hearing or {}).get("notes") or None,
                                  hearing_due=hearing is not None))
    return facts


def committee_evaluators(session: Session, track: str) -> list[dict[str, Any]]:
    """Who evaluated the track, their declared conflicts and the dossiers they withdrew
    from because of one (recusals)."""
    conflicts: dict[str, list[int]] = {}
    for email, number in session.execute(
            select(DeclaredConflict.evaluator_email, DeclaredConflict.dossier_number)):
        conflicts.setdefault(email, []).append(int(number))
    people: dict[str, dict[str, Any]] = {}
    for assignment in session.scalars(select(Assignment).where(Assignment.track == track)):
        row = session.get(EvaluatorRow, assignment.evaluator_email)
        person = people.setdefault(assignment.evaluator_email, {
            "name": row.name if row else "", "email": assignment.evaluator_email,
            "organisation": row.organisation if row else "",
            "conflicts": sorted(set(conflicts.get(assignment.evaluator_email, [])) | {
                int(d) for d in ((row.details or {}).get("conflict_dossiers", [])
                                 if row else [])}),
            "recusals": []})
        if assignment.status == AssignmentStatus.DECLINED and int(assignment.dossier_number) in \
                conflicts.get(assignment.evaluator_email, []):
            person["recusals"].append(int(assignment.dossier_number))
    return sorted(people.values(), key=lambda p: p["email"])


# -- the relevé ---------------------------------------------------------------------------


def build_record(rt: Runtime, session: Session, track: str, session_date: date,
                 agenda: Agenda, facts: list[DossierFacts], *, approved: bool,
                 approved_by: str | None, sitting: Sitting,
                 resolutions: dict[int, str] | None = None) -> CommitteeRecord:
    """``resolutions``: per dossier, what the committee concluded of its flags (as the
    approval form entered it; none: « aucune résolution consignée »)."""
    config = rt.config.tracks[track]
    scoring = config.scoring
    by_number = {f.number: f for f in facts}
    resolutions = resolutions or {}
    evaluators = committee_evaluators(session, track)
    names = {e["email"]: e["name"] for e in evaluators}
    dossiers = [dossier_entry(p, by_number[p.number], names=names, resolutions={
        str(f.get("detail", "")): resolutions.get(p.number, "").strip()
        for f in (by_number[p.number].scores or {}).get("flags") or ()})
        for p in agenda.proposals]
    labels = {c.key: c.label for c in config.criteria}
    return CommitteeRecord(
        track=track, track_label=config.label, session_date=session_date,
        committee=rt.config.deliberation.committees.get(track, f"Comité — {config.label}"),
        criteria=tuple({"key": c.key, "label": c.label, "weight": c.weight,
                        "threshold": c.threshold} for c in config.criteria),
        overall_threshold=scoring.overall_threshold,
        cut_line=cut_line_fr(scoring.cut_rank, scoring.cut_threshold,
                             feminine=track == "candidats"),
        tie_breaks=tie_break_descriptions(scoring.tie_breaks, labels),
        evaluators=tuple({k: e[k] for k in ("name", "organisation", "conflicts",
                                            "recusals")} for e in evaluators),
        dossiers=tuple(dossiers),
        pending=pending_entries(agenda),
        scores_only=not any(f.hearing for f in facts), approved=approved,
        approved_by=approved_by,
        generated_at=rt.clock(), sitting=sitting)


def write_record(record: CommitteeRecord, kind: str, folder: Path
                 ) -> tuple[str, dict[str, str]]:
    """The relevé as HTML, PDF, CSV and JSON under var/releves; returns (seal, paths).
    A relevé already written is never overwritten: another version gets ``-v2``, ``-v3``…
    each with its own seal, the SHA-256 of its own JSON file."""
    sealed = seal(record)
    content = record_content(record)
    folder.mkdir(parents=True, exist_ok=True)
    stem = claim_stem(folder / f"releve-{record.track}-{record.session_date.isoformat()}-{kind}")
    html = render_document("releve", {"record": content, "seal": sealed,
                                      "sealed_file": f"{stem.name}.json"})
    paths = {"html": f"{stem}.html", "pdf": f"{stem}.pdf", "csv": f"{stem}.csv",
             "json": f"{stem}.json"}
    Path(paths["html"]).write_text(html, encoding="utf-8")
    Path(paths["pdf"]).write_bytes(render_one(html_to_pdf, html))
    rows = record_csv_rows(record)
    buffer = io.StringIO()
    if rows:  # for French spreadsheets: ";" between cells, a decimal comma, a BOM
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows({k: nombre_tableur(v) if isinstance(v, float)
                          else texte_tableur(v) if isinstance(v, str) else v
                          for k, v in row.items()} for row in rows)
    Path(paths["csv"]).write_text(buffer.getvalue(), encoding="utf-8-sig")
    # exactly the sealed bytes: `sha256sum` of this file gives the seal
    Path(paths["json"]).write_bytes(canonical_json(record))
    return sealed, paths


def records_dir(rt: Runtime) -> Path:
    return Path(rt.settings.documents_dir) / "releves"


def claim_stem(stem: Path) -> Path:
    """``stem``, or the first ``stem-vN`` whose JSON file did not exist, created empty
    here (exclusively: two runs writing at once never share a version)."""
    candidate, version = stem, 1
    while True:
        try:
            candidate.with_name(f"{candidate.name}.json").open("xb").close()
            return candidate
        except FileExistsError:
            version += 1
            candidate = stem.with_name(f"{stem.name}-v{version}")


# -- approval ---------------------------------------------------------------------------


def approval_form(rt: Runtime, agenda: Agenda, draft: dict[str, str],
                  draft_seal: str) -> type[RunInput]:
    composition = rt.config.deliberation.composition.get(agenda.track)
    quorum = (f" Cochez les membres présents (quorum : {composition.quorum}) et la "
              "présidence de séance." if composition else
              " Nommez les membres présents et la présidence de séance.")
    description = (
        f"## Comité {agenda.track} — {len(agenda.proposals)} décision(s) proposée(s)\n\n"
        f"Relevé provisoire : `{draft['pdf']}` (empreinte `{draft_seal[:16]}…`).\n\n"
        f"Modifiez une décision ou sa motivation si le comité en a décidé autrement, "
        f"consignez ce qu'il a conclu des alertes, puis cochez **J'approuve** : rien n'est "
        f"publié dans DS avant.{quorum} "
        f"{len(agenda.pending)} dossier(s) en attente ne sont pas proposés (voir le relevé).")
    form = approval_class(rt, agenda.track)
    decision_form = form.model_fields["decisions"].annotation.__args__[0]  # type: ignore[union-attr]
    return prefilled(
        form, description=description, notes={"approuve": (
            f"Relevé provisoire : {Path(draft['pdf']).name} (empreinte {draft_seal[:16]}…). "
            "Rien n'est publié dans DS avant l'approbation ; elle exige le quorum, la "
            "présidence et votre nom.")},
        approuve=False,
        decisions=[decision_form(dossier=p.number, titre=p.title,
                                 decision=DECISION_LABELS[p.decision],
                                 motivation=p.motivation) for p in agenda.proposals])


# -- publication ------------------------------------------------------------------------


def record_publication(session: Session, rt: Runtime, track: str, session_id: int,
                       session_date: date, agenda: Agenda, record_pdf: str | None) -> int:
    """Every decision, message, label and annotation of the session as outbox effects,
    with the vivier entries, in the caller's transaction. Keys name dossier and date."""
    config = rt.config
    demarche = config.demarches[config.tracks[track].demarche]
    annotation = demarche.annotations.get("decision_comite")
    day = session_date.isoformat()
    now = rt.clock()
    recorded = 0
    env = environment()
    for proposal in agenda.proposals:
        dossier = session.scalar(select(Dossier).where(Dossier.number == proposal.number))
        if dossier is None:
            continue
        number, label = proposal.number, DECISION_LABELS[proposal.decision]
        target = ds_state(proposal.decision)
        if target is not None:
            payload: dict[str, Any] = {
                "dossier": number, "motivation": proposal.motivation, "target": target}
            if record_pdf and config.deliberation.attach_record:
                payload["justificatif"] = _attachment(record_pdf)
            recorded += outbox.record_effect(session, ds_key("decision", number, day),
                                             Kind.DS, "state", payload, now)
        else:
            recorded += outbox.record_effect(
                session, ds_key("label", number, f"liste-attente-{day}"), Kind.DS,
                "label_add", {"dossier": number,
                              "label": config.deliberation.waiting_list_label}, now)
        brief = dossier_brief(track, number, dossier.fields or {}, dossier.applicant or {})
        body = env.get_template("messages/decision.txt.j2").render(
            decision=proposal.decision, motivation=proposal.motivation, dossier=brief,
            session_date=session_date, programme=programme(rt),
            vivier_link=vivier_link(rt, number) if proposal.decision == "vivier"
            else None).strip()
        recorded += outbox.record_effect(session, ds_key("message", number,
                                                         f"decision-{day}"),
                                         Kind.DS, "message",
                                         {"dossier": number, "body": body}, now)
        if annotation is not None:
            recorded += outbox.record_effect(
                session, ds_key("annotations", number, f"decision-{day}"), Kind.DS,
                "annotations", {"dossier": number, "values": [{
                    "annotation_id": annotation.id, "kind": "text",
                    "value": f"Décision du {date_fr(session_date)} : {label}"}]}, now)
        if proposal.decision == "vivier":
            _enter_vivier(session, dossier, session_id, now)
    return recorded


def _enter_vivier(session: Session, dossier: Dossier, session_id: int, now: datetime) -> None:
    fields, applicant = dossier.fields or {}, dossier.applicant or {}
    profile = vivier_profile(fields)
    stmt = dialect_insert(session, VivierMember).values(
        dossier_number=int(dossier.number), name=applicant_name(applicant),
        email=applicant.get("email") or applicant.get("usager_email"),
        profile=profile, status=VivierStatus.DISPONIBLE,
        session_id=session_id, joined_at=now, updated_at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["dossier_number"]))


def _attachment(path: str) -> dict[str, str]:
    import base64

    return {"filename": Path(path).name, "content_type": "application/pdf",
            "content_b64": base64.b64encode(Path(path).read_bytes()).decode()}


# -- the flow ---------------------------------------------------------------------------


@dataclass
class Opened:
    """Where a deliberate run stands with its committee: a new one, its own committee
    resumed after the operator's answer, or nothing to do (another run waits for its
    approval; the session is already approved)."""

    outcome: Literal["new", "resumed", "busy", "done"]
    session_id: int
    session_date: date
    message: str = ""
    agenda: Agenda | None = None
    facts: list[DossierFacts] = field(default_factory=list)
    draft_seal: str = ""
    draft: dict[str, str] = field(default_factory=dict)


@task(name="open-committee", cache_policy=NO_CACHE)
def open_committee(rt: Runtime, params: DeliberateParameters) -> Opened:
    """This run's committee: resumed from the store if it is this run's (a suspended run
    comes back from the top), else prepared — unless another live run already waits for
    its approval or the session was approved. One opener at a time per track."""
    track, run_id = params.track, current_run_id()
    with stage_lease(rt, f"deliberate:{track}", wait=600):
        with rt.sessions() as session:
            mine = session.scalar(select(CommitteeSession).where(
                CommitteeSession.flow_run_id == run_id,
                CommitteeSession.status == CommitteeStatus.AWAITING_APPROVAL)) if run_id else None
            if mine is not None and mine.agenda:
                agenda, facts = agenda_from_json(mine.agenda)
                return Opened("resumed", mine.id, mine.session_date, agenda=agenda,
                              facts=facts, draft_seal=mine.draft_seal or "",
                              draft=(mine.files or {}).get("draft", {}))
            session_date = params.session_date or rt.clock().astimezone(PARIS).date()
            row = session.scalar(select(CommitteeSession).where(
                CommitteeSession.track == track, CommitteeSession.session_date == session_date))
        if row is not None and row.status == CommitteeStatus.APPROVED:
            return Opened("done", row.id, session_date, message=(
                f"le comité {track} du {date_fr(session_date)} est déjà approuvé (par "
                f"{row.approved_by or '—'}) et publié : rien à refaire"))
        if (row is not None and row.status == CommitteeStatus.AWAITING_APPROVAL and row.flow_run_id
                and row.flow_run_id != run_id and run_alive(row.flow_run_id)):
            return Opened("busy", row.id, session_date, message=(
                f"le comité {track} du {date_fr(session_date)} attend déjà son approbation "
                f"dans le run {row.flow_run_id} : approuvez-le là (ou annulez ce run pour "
                "en relancer un)"))
        return _prepare(rt, params, session_date, run_id)


def _prepare(rt: Runtime, params: DeliberateParameters, session_date: date,
             run_id: str | None) -> Opened:
    track = params.track
    config = rt.config.tracks[track]
    waiting = (params.waiting_list if params.waiting_list is not None
               else rt.config.deliberation.waiting_list)
    with rt.sessions.begin() as session:
        facts = gather_facts(session, rt, track)
        agenda = propose(track, facts, criteria_labels={c.key: c.label for c in config.criteria},
                         waiting_list=waiting, hearing_required=False,
                         max_total=sum(c.weight for c in config.criteria) * config.scale.max,
                         scale_max=config.scale.max, quorum=config.evaluators_per_dossier)
        draft = build_record(rt, session, track, session_date, agenda, facts, approved=False,
                             approved_by=None, sitting=sitting_of(rt, track, None))
        draft_seal, paths = write_record(draft, "projet", records_dir(rt))
        values = {"flow_run_id": run_id, "proposals": [_proposal_json(p)
                                                       for p in agenda.proposals],
                  "agenda": agenda_to_json(agenda, facts), "draft_seal": draft_seal,
                  "files": {"draft": paths},
                  "status": CommitteeStatus.AWAITING_APPROVAL}
        stmt = dialect_insert(session, CommitteeSession).values(
            track=track, session_date=session_date, created_at=rt.clock(), **values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["track", "session_date"], set_=values))
        session_id = session.scalar(select(CommitteeSession.id).where(
            CommitteeSession.track == track, CommitteeSession.session_date == session_date))
    return Opened("new", int(session_id), session_date, agenda=agenda, facts=facts,
                  draft_seal=draft_seal, draft=paths)


def _proposal_json(p: Proposal) -> dict[str, Any]:
    return {"dossier": p.number, "title": p.title, "decision": p.decision,
            "motivation": p.motivation, "rank": p.rank, "total": p.total}


@flow(name="deliberate", timeout_seconds=3600,
      description="Prépare le comité (propositions, relevé de décision), attend "
      "l'approbation d'un opérateur, puis publie les décisions dans DS.")
def deliberate(params: DeliberateParameters = DeliberateParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    with open_runtime() as rt:
        deliberation = rt.config.deliberation
        opened = open_committee(rt, params)
    day = opened.session_date
    if opened.outcome in ("busy", "done"):
        return conclude({"track": params.track, "session_date": day.isoformat(),
                         "status": "already_waiting" if opened.outcome == "busy"
                         else "already_approved", "message": opened.message},
                        opened.message, warning=True)
    agenda, facts = opened.agenda, opened.facts
    assert agenda is not None
    if opened.outcome == "new":
        publish_table(
            f"deliberate-{params.track}-propositions",
            [{"Dossier": p.number, "Intitulé": p.title, "Rang": p.rank, "Note": p.total,
              "Proposition": DECISION_LABELS[p.decision], "Motivation": p.motivation}
             for p in agenda.proposals],
            f"Propositions du comité {params.track} du {date_fr(day)} ; "
            f"{compte(len(agenda.pending), 'dossier')} en attente du quorum d'évaluations. "
            f"Relevé provisoire : {opened.draft.get('pdf', '—')}", empty="Aucune proposition")
    approval = wait_for_approval(
        approval_form(rt, agenda, opened.draft, opened.draft_seal),
        f"approbation-{opened.session_id}",
        params.approval_timeout_hours or deliberation.approval_timeout_hours,
        params.on_timeout or deliberation.on_timeout)
    with open_runtime() as rt:
        sitting = sitting_of(rt, params.track, approval)
        final, refused = agenda, None
        if approval is not None and approval.approuve:
            refused = sitting_problem(sitting) or (
                None if approval.approuve_par.strip()
                else "le nom de la personne qui approuve manque")
            try:
                final = apply_edits(agenda, {d.dossier: (decision_code(d.decision),
                                                         d.motivation)
                                             for d in approval.decisions})
            except ValueError as exc:
                refused = refused or str(exc)
        if approval is None or not approval.approuve or refused:
            status = (CommitteeStatus.EXPIRED if approval is None
                      else CommitteeStatus.NOT_APPROVED)
            with rt.sessions.begin() as session:
                session.execute(update(CommitteeSession).where(
                    CommitteeSession.id == opened.session_id,
                    CommitteeSession.status == CommitteeStatus.AWAITING_APPROVAL
                ).values(status=status))
            return conclude({"track": params.track, "session_date": day.isoformat(),
                             "status": status, "published": 0,
                             "draft_seal": opened.draft_seal, "message": refused or ""},
                            f"Comité {params.track} du {date_fr(day)} : "
                            f"{refused or STATUS_SAID.get(status, status)}, rien n'est publié.",
                            warning=True)
        with rt.sessions.begin() as session:
            record = build_record(
                rt, session, params.track, day, final, facts, approved=True,
                approved_by=approval.approuve_par, sitting=sitting,
                resolutions={d.dossier: d.resolution_alertes for d in approval.decisions})
        final_seal, paths = write_record(record, "approuve", records_dir(rt))
        recorded = publish(rt, params.track, opened.session_id, day, final, final_seal,
                           paths, approval.approuve_par or None)
        handed = hand_over(rt, "deliberate")
        laureats = sum(p.decision == "laureat" for p in final.proposals)
        drafts_due = bool(recorded) and laureats > 0 \
            and params.track == rt.config.conventions.track
    if drafts_due:  # the lauréats' conventions are drafted "dès la sélection"
        announce(COMMITTEE_APPROVED, f"eig.committee.{params.track}",
                 {"track": params.track, "session_date": day.isoformat(),
                  "laureats": laureats})
    decided = {DECISION_LABELS[d]: sum(p.decision == d for p in final.proposals)
               for d in DECISION_LABELS}
    headline = (f"Comité {params.track} du {date_fr(day)} approuvé par "
                f"{approval.approuve_par or '—'} : {counted_decisions(decided)}, "
                f"{compte(len(final.pending), 'dossier')} en attente du quorum "
                f"d'évaluations ; {compte(recorded, 'envoi')} (DS, courriels) confiés à la "
                "livraison.")
    publish_table(
        f"deliberate-{params.track}-decisions",
        [{"Dossier": p.number, "Intitulé": p.title, "Décision": DECISION_LABELS[p.decision],
          "Motivation": p.motivation} for p in final.proposals],
        f"{headline} Relevé {paths['pdf']} (SHA-256 {final_seal}).", empty="Aucune décision")
    publish_markdown(
        f"deliberate-{params.track}-releve",
        f"# Relevé de décision — {params.track}, {date_fr(day)}\n\n"
        f"- PDF : `{paths['pdf']}`\n- HTML : `{paths['html']}`\n- CSV : `{paths['csv']}`\n"
        f"- Empreinte SHA-256 : `{final_seal}`\n")
    return conclude({"track": params.track, "session_date": day.isoformat(),
            "status": "approved", "decisions": decided,
            "pending": len(final.pending), "draft_seal": opened.draft_seal, "seal": final_seal,
            "record": paths, "effects_recorded": recorded, "handed_over": handed,
            "drafts_due": drafts_due}, headline)


DECISION_NOUNS = {"Lauréat": ("lauréat", "lauréats"),
                  "Liste d'attente": ("en liste d'attente", "en liste d'attente"),
                  "Refus": ("refus", "refus"), "Vivier": ("au vivier", "au vivier")}
STATUS_SAID = {CommitteeStatus.EXPIRED: "pas de réponse dans le délai",
               CommitteeStatus.NOT_APPROVED: "non approuvé"}


def counted_decisions(counts: dict[str, int]) -> str:
    """``19 lauréats, 17 refus`` from the decisions counted by label."""
    return ", ".join(compte(n, *DECISION_NOUNS[label]) for label, n in counts.items()
                     if n) or "aucune décision"


def publish(rt: Runtime, track: str, session_id: int, session_date: date, final: Agenda,
            seal_: str, paths: dict[str, str], approved_by: str | None) -> int:
    """The approval and every effect of the session, in one transaction, once: the
    session leaves ``awaiting_approval`` only here, so two runs cannot both publish."""
    with rt.sessions.begin() as session:
        taken = session.execute(update(CommitteeSession).where(
            CommitteeSession.id == session_id,
            CommitteeSession.status == CommitteeStatus.AWAITING_APPROVAL).values(
            status=CommitteeStatus.APPROVED, seal=seal_, approved_by=approved_by,
            approved_at=rt.clock(),
            decisions=[_proposal_json(p) for p in final.proposals])).rowcount
        if not taken:
            return 0
        row = session.get(CommitteeSession, session_id)
        row.files = {**(row.files or {}), "approved": paths}
        return record_publication(session, rt, track, session_id, session_date, final,
                                  paths["pdf"])


def full_attendance(track: str) -> dict[str, Any]:
    """The sitting part of an approval with every configured member present, the first
    presiding (the demo's and the tests' committee)."""
    with open_runtime() as rt:
        members = committee_members(rt, track)
    return {"preside_par": members[0] if members else "", "membres_presents": list(members)}


def pending_decisions(flow_run_id: Any) -> list[dict[str, Any]]:
    """The proposals of a paused committee, as its approval form lists them (`eig approve`)."""
    return _waiting_session(flow_run_id)[1]


def committee_track(flow_run_id: Any) -> str:
    """The track of a paused committee's run."""
    return _waiting_session(flow_run_id)[0]


def _waiting_session(flow_run_id: Any) -> tuple[str, list[dict[str, Any]]]:
    with open_runtime() as rt, rt.sessions() as session:
        row = session.scalar(select(CommitteeSession).where(
            CommitteeSession.flow_run_id == str(flow_run_id)))
        if row is None:
            raise LookupError(f"aucun comité n'attend dans le run {flow_run_id}")
        return row.track, [{"dossier": p["dossier"], "titre": p["title"],
                            "decision": DECISION_LABELS[p["decision"]],
                            "motivation": p["motivation"]} for p in row.proposals]
