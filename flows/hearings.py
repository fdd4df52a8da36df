"""schedule-hearings: the soutenances of the projects and the entretiens métier of the
candidates above the cut, booked with a jury, announced once, rescheduled on request.

The story of a run: every dossier above its track's cut that has no hearing yet gets a
request with the window the track's delay allows. Hearings to move (the operator names
them) are cancelled: their jury and applicant are told, and the request goes back to the
queue. The waiting requests are placed by the solver (``models.hearing_schedule``)
among the jury's availability — no one booked twice, no conflict of interest, the right
profile for the entretien — and each booking records, in the same transaction, the
invitations (email with an .ics to each jury member and to the applicant, a DS message
to the dossier), keyed by slot and person. A request that cannot be placed keeps the
reason. The jury's scores come back by each juror's prefilled DS form (the invitation's
link, ``flows.jury_forms``), or by CSV as a fallback (`eig hearings scores FILE`): one
score per juror and hearing, the form's winning over a CSV row.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import flow, get_run_logger
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from flows.guard import stage_lease
from flows.handover import hand_over
from flows.hearing_booking import (
    _aware,
    book,
    cancel_for_reschedule,
    request_new,
    withdraw,
)
from flows.reporting import conclude, labelled, publish_markdown, publish_table
from flows.runtime import Runtime, open_runtime
from models.french import compte, date_fr, heure_fr
from models.hearing_outcome import HEARING_LABELS, criteria_track
from models.hearing_selection import RequestStatus, SlotStatus
from models.placement import MissionStatus
from models.quote import quoted
from models.tables import (
    EvaluatorRow,
    HearingRequest,
    HearingScore,
    HearingSlot,
    JuryAvailability,
    Mission,
)


class HearingParameters(BaseModel):
    """Run form of schedule-hearings."""
    model_config = ConfigDict(frozen=True)  # the flow's default instance is shared

    tracks: list[Literal["projets", "candidats", "missions"]] = Field(
        default_factory=list, title="Parcours", description="Vide : tous ceux qui ont des "
        "auditions dans la configuration.")
    reschedule: list[int] = Field(default_factory=list, title="Dossiers à reprogrammer",
                                  description="Leur créneau est annulé (jury et candidat "
                                  "prévenus) et un autre est cherché.")
    annuler: list[int] = Field(default_factory=list, title="Auditions à annuler (désistement)",
                               description="Dossiers dont l'audition n'aura pas lieu : son "
                               "créneau est annulé (jury et candidat prévenus), aucun autre "
                               "n'est cherché.")
    motif: str | None = Field(default=None, title="Motif (reprogrammation ou annulation)")
    pas_avant: date | None = Field(default=None, title="Pas avant le",
                                   description="Reprogrammation : premier jour possible.")


# -- the flow -------------------------------------------------------------------------------


@flow(name="schedule-hearings", timeout_seconds=1800,
      description="Programme les soutenances et entretiens "
      "métier des dossiers au-dessus de la barre : jury sans conflit, délai du parcours, "
      "invitations (courriel + .ics, message DS) une seule fois ; reprogramme sur demande.")
def schedule_hearings_flow(params: HearingParameters = HearingParameters()) -> dict[str, Any]:  # noqa: B008 (frozen model)
    logger = get_run_logger()
    with open_runtime() as rt, stage_lease(rt, "schedule-hearings"):
        tracks = params.tracks or list(rt.config.hearings.tracks)
        unknown = [t for t in tracks if t not in rt.config.hearings.tracks]
        if unknown:
            raise ValueError(f"pas d'auditions configurées pour : {', '.join(unknown)}")
        now = rt.clock()
        with rt.sessions.begin() as session:
            withdrawn = withdraw(session, params.annuler, params.motif, now)
            moved = cancel_for_reschedule(session, rt, params.reschedule, params.motif,
                                          params.pas_avant, now)
            requested = {track: request_new(session, rt, track, now) for track in tracks}
        booked = {track: book(rt, track) for track in tracks}
        handed = hand_over(rt, "schedule-hearings")
        agenda = agenda_rows(rt)
    for track, outcome in booked.items():
        for miss in outcome["unplaced"]:
            logger.warning("%s, dossier %s : pas de créneau — %s", track, miss["dossier"],
                           miss["reason"])
    headline = "Auditions : " + " ; ".join(
        f"{track} : {compte(requested.get(track, 0), 'nouvelle demande', 'nouvelles demandes')}"
        f", {compte(len(o['placed']), 'programmée', 'programmées')}, "
        f"{len(o['unplaced'])} sans créneau" for track, o in booked.items()) + (
        f" ; {compte(len(moved), 'reprogrammée', 'reprogrammées')}" if moved else "") + (
        f" ; {compte(len(withdrawn), 'annulée', 'annulées')}" if withdrawn else "") + "."
    publish_table("schedule-hearings-agenda", labelled(agenda, AGENDA_LABELS),
                  "Auditions programmées à venir (heure de Paris).",
                  empty="Aucune audition à venir")
    publish_markdown("schedule-hearings-report", _report(
        headline, booked, moved, sum(handed.values())))
    return conclude({"requested": requested, "rescheduled": moved, "withdrawn": withdrawn,
                     "placed": {t: len(o["placed"]) for t, o in booked.items()},
                     "unplaced": {t: o["unplaced"] for t, o in booked.items()},
                     "handed_over": handed, "agenda": agenda}, headline)


AGENDA_LABELS = {"date": "Date", "heure": "Heure", "parcours": "Parcours",
                 "dossier": "Dossier", "audition": "Audition", "jury": "Jury"}


def agenda_rows(rt: Runtime) -> list[dict[str, Any]]:
    """The hearings ahead, in time order (the artifact and `eig hearings`)."""
    now = rt.clock()
    with rt.sessions() as session:
        rows = session.execute(select(HearingSlot, HearingRequest).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingSlot.status == SlotStatus.SCHEDULED, HearingSlot.end > now)
            .order_by(HearingSlot.start)).all()
        names = {r.email: r.name for r in session.scalars(select(EvaluatorRow))}
    return [{"date": date_fr(_aware(slot.start)), "heure": heure_fr(_aware(slot.start)),
             "parcours": request.track, "dossier": request.dossier_number,
             "audition": HEARING_LABELS[request.hearing_type],
             "jury": ", ".join(names.get(e, e) for e in slot.jury)}
            for slot, request in rows]


def _report(headline: str, booked: dict[str, dict], moved: list[int], handed: int) -> str:
    lines = [f"# {headline}", ""]
    if moved:
        lines.append(f"- dossiers reprogrammés : {', '.join(map(str, moved))}")
    lines.append(f"- envois confiés à la livraison : {handed}")
    misses = [(t, m) for t, o in booked.items() for m in o["unplaced"]]
    if misses:
        lines += ["", "## Sans créneau (pourquoi)", ""]
        lines += [f"- {t}, dossier {m['dossier']} : {m['reason']}" for t, m in misses]
    return "\n".join(lines) + "\n"


# -- imports: the jury's availability and scores ----------------------------------------------


def import_availability(text: str) -> dict[str, Any]:
    """Replace the windows of every member the file lists; report bad lines and unknown
    members (neither in the roster nor an open mission's administration contact: the CSV
    is the fallback of the DS form for them too), keeping the rest."""
    from models.jury_availability import WindowProblem, parse_windows

    windows, problems = parse_windows(text)
    with open_runtime() as rt, rt.sessions.begin() as session:
        known = set(session.scalars(select(EvaluatorRow.email))) | {
            email.strip().lower() for email in session.scalars(select(Mission.contact_email)
                                                               .where(Mission.status ==
                                                                      MissionStatus.OUVERTE))}
        unknown = sorted({w.email for w in windows} - known)
        problems += [WindowProblem(w.line, "courriel", f"{quoted(w.email)} inconnu du vivier "
                                   "des évaluateurs, ignoré") for w in windows
                     if w.email not in known]
        kept = [w for w in windows if w.email in known]
        now = rt.clock()
        for email in {w.email for w in kept}:
            session.execute(JuryAvailability.__table__.delete().where(
                JuryAvailability.email == email))
        session.add_all(JuryAvailability(email=w.email, start=w.start, end=w.end,
                                         imported_at=now) for w in kept)
    return {"windows": len(kept), "members": len({w.email for w in kept}),
            "unknown": unknown,
            "problems": [str(p) for p in sorted(problems, key=lambda p: p.line)]}


def import_jury_scores(text: str, track: str, source: str, mission: int = 0
                       ) -> dict[str, Any]:
    """The jury's scores of held hearings — of ``mission`` for the track « missions » —:
    checked like evaluation forms, the last row of a member for a dossier kept; bad rows
    reported with line, dossier, field and rule."""
    from flows.jury_forms import LEASE, form_score_owner
    from models.hearing_outcome import ImportProblem, check_against_juries, parse_jury_scores

    with open_runtime() as rt, stage_lease(rt, LEASE):
        config = rt.config.tracks[criteria_track(track)]
        rows, problems = parse_jury_scores(
            text, {c.key: c.label for c in config.criteria}, config.scale.min,
            config.scale.max, config.scoring.comment_required)
        with rt.sessions.begin() as session:
            slots = session.execute(select(HearingRequest, HearingSlot).join(
                HearingSlot, HearingSlot.request_id == HearingRequest.id).where(
                HearingRequest.track == track, HearingRequest.mission_id == mission,
                HearingSlot.status == SlotStatus.SCHEDULED)).all()
            now = rt.clock()
            juries = {r.dossier_number: set(s.jury) for r, s in slots
                      if _aware(s.start) <= now}
            requests = {r.dossier_number: r for r, _ in slots}
            kept, more = check_against_juries(rows, juries, upcoming={
                r.dossier_number for r, s in slots if _aware(s.start) > now})
            problems += more
            by_form = {(row.dossier, row.juror): owner for row in kept
                       if (owner := form_score_owner(session, requests[row.dossier].id,
                                                     row.juror))}
            problems += [ImportProblem(row.line, row.dossier, "courriel", f"{row.juror} a "
                                       f"déjà noté cette audition par son {by_form[key]} : "
                                       "le formulaire prime, la ligne est ignorée")
                         for row in kept if (key := (row.dossier, row.juror)) in by_form]
            kept = [row for row in kept if (row.dossier, row.juror) not in by_form]
            for row in kept:
                request = requests[row.dossier]
                existing = session.scalar(select(HearingScore).where(
                    HearingScore.request_id == request.id, HearingScore.juror == row.juror))
                if existing is None:
                    existing = HearingScore(request_id=request.id, juror=row.juror)
                    session.add(existing)
                existing.scores, existing.comment = dict(row.scores), row.comment
                existing.source, existing.imported_at = source, now
                request.status, request.updated_at = RequestStatus.HELD, now
    return {"imported": len(kept), "dossiers": len({r.dossier for r in kept}),
            "problems": [str(p) for p in sorted(problems, key=lambda p: p.line)]}
