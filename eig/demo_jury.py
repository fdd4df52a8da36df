"""The demo's jury-forms chapter: after the hearings, each juror follows the link of their
invitation and fills their prefilled scoring form in DS; one note out of scale is set
aside with its field and rule (eig quarantine); the sync records the others as the CSV
would, and they reach the committee. The CSV then only fills the gap (the form wins)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from connectors.mail import Mailbox
from connectors.store.engine import store_sessions
from connectors.store.jury_forms import invalid_jury_forms
from ds_sandbox import Sandbox
from eig.demo_clock import TravelClock
from models.french import compte
from models.hearing_outcome import criteria_track
from models.jury_forms import FORM_SOURCE
from models.paris_time import aware
from models.tables import HearingRequest, HearingScore, HearingSlot
from settings.environment import Settings

Echo = Callable[[str], Any]
COMMENT = "Présentation claire, échanges convaincants."
LINK = re.compile(r"https?://\S+/commencer/\S+")


def invitation_links(maildir: Any) -> dict[tuple[int, str], str]:
    """(slot, juror) → their scoring form's link, read in the invitations received."""
    box = Mailbox(maildir)
    links = {}
    for summary in box.summaries(effect_prefix="mail:hearing-invite:"):
        _, _, slot, email = summary.effect.split(":", 3)
        body = box.message(summary.key).get_body(("plain",))
        found = LINK.search(body.get_content()) if body is not None else None
        if found:
            links[(int(slot), email)] = found.group(0)
    return links


def jury_forms_story(echo: Echo, sandbox: Sandbox, clock: TravelClock, config: Any
                     ) -> dict[str, bool]:
    from flows.pipeline import sync as sync_and_follow
    from flows.sync import SyncParameters

    url = os.environ["EIG_DATABASE_URL"]
    links = invitation_links(Settings().maildir)
    with store_sessions(url) as sessions, sessions() as session:
        held = session.execute(select(HearingSlot, HearingRequest).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingSlot.status == "scheduled", HearingSlot.start <= clock(),
            HearingRequest.track.in_(("projets", "candidats"))).order_by(HearingSlot.id)).all()
        session.expunge_all()
    seats = [(slot, request, seat, juror) for slot, request in held
             for seat, juror in enumerate(slot.jury)]
    filled, bad = 0, None
    for slot, request, seat, juror in seats:
        link = links.get((slot.id, juror))
        if link is None:
            continue
        criteria = [c.key for c in config.tracks[criteria_track(request.track)].criteria]
        values: dict[str, Any] = {
            f"note_{key}": 3 + (request.dossier_number + seat + i) % 3
            for i, key in enumerate(criteria)} | {"commentaire": COMMENT}
        if bad is None and request.track == "projets":  # a slip of the keyboard: 7 of 5
            values[f"note_{criteria[0]}"] = 7
            bad = (request.dossier_number, juror, f"note_{criteria[0]}")
        form = sandbox.state.start_from_link(link)
        sandbox.state.submit_prefilled(form.number, values)
        filled += 1
    echo("\n== 21. Après les auditions, chaque juré·e note dans DS : le lien de son "
         "invitation ouvre son formulaire de notation prérempli (dossier, adresse, jeton "
         f"signé pour ce créneau) — {compte(filled, 'formulaire déposé', 'formulaires déposés')}"
         f" pour {compte(len(held), 'audition tenue', 'auditions tenues')}.")
    if bad is not None:
        echo(f"Dans DS : {bad[1]} se trompe de touche sur le dossier {bad[0]} ({bad[2]} = 7, "
             "l'échelle va de 0 à 5).")
    started = clock()
    _, summary = sync_and_follow(SyncParameters(
        demarches=[config.demarches["evaluations"].number], assign_new=False))
    jury = summary.get("jury_forms") or {}
    recorded = compte(jury.get("recorded", 0), "note de juré enregistrée",
                      "notes de juré enregistrées")
    aside = compte(jury.get("new_rejected", 0), "formulaire mis de côté",
                   "formulaires mis de côté")
    echo(f"Synchronisation : {recorded}, {aside} (eig quarantine) :")
    with store_sessions(url) as sessions, sessions() as session:
        # the forms the sandbox generated at the start, without our links, were set
        # aside long ago (chapter 10): this chapter's are the jurors'
        invalid = [f for f in invalid_jury_forms(session) if aware(f.recorded_at) >= started]
        for form in invalid:
            echo(f"  démarche {config.demarches['evaluations'].number}, dossier "
                 f"{form.form_number}, champ {form.problem_field} : notes d'audition : "
                 f"{form.problem}")
        by_form = session.scalar(select(func.count()).select_from(HearingScore).where(
            HearingScore.source.like(f"{FORM_SOURCE}%"))) or 0
    set_aside = (bad is not None and len(invalid) == 1
                 and invalid[0].problem_field == bad[2] and "hors de l'échelle" in (
                     invalid[0].problem or ""))
    return {"les jurés notent par leur formulaire DS prérempli ; le formulaire hors échelle "
            "est mis de côté avec son champ et sa règle":
                filled > 0 and by_form == filled - 1 and set_aside}


def csv_fallback_line(imported: dict[str, dict[str, Any]]) -> str:
    """What the CSV fallback did after the forms: the rows kept, those a form outranks."""
    kept = sum(r["imported"] for r in imported.values())
    outranked = sum(1 for r in imported.values() for p in r["problems"]
                    if "le formulaire prime" in p)
    return (f"\n== 21 bis. La grille CSV en secours (eig hearings scores) : "
            f"{compte(kept, 'ligne enregistrée', 'lignes enregistrées')} (là où le formulaire "
            f"manquait), {compte(outranked, 'ligne ignorée', 'lignes ignorées')} : le "
            "formulaire DS du juré prime, aucune note n'est comptée deux fois.")


def scores_reach_committee(url: str, now: Any) -> bool:
    """One score per juror of each hearing held (soutenances, entretiens métier), whatever
    its way: what the committee's hearing notes are made of."""
    with store_sessions(url) as sessions, sessions() as session:
        held = session.execute(select(HearingSlot.request_id, HearingSlot.jury).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingSlot.status == "scheduled", HearingSlot.start <= now,
            HearingRequest.track.in_(("projets", "candidats")))).all()
        scored = set(session.execute(select(HearingScore.request_id, HearingScore.juror)
                                     ).all())
    seats = {(request, juror) for request, jury in held for juror in jury}
    return bool(seats) and seats <= scored
