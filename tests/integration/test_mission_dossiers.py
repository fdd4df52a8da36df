"""The missions démarche against the sandbox and both stores: a lauréat administration
files a mission, the sync opens it and searches the vivier (match-mission), the
administration reads the state in its dossier (annotations, label, messages, each written
once — our own writes re-trigger nothing), a changed dossier is searched again, a bad
dossier or a bad step is kept aside with its field and rule, and the team's « Étape du
recrutement » moves the placement to the contract."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from connectors.store import repository as repo
from ds_sandbox import MISSIONS, PROJETS
from ds_sandbox.testing import FakeClock
from flows.missions import mission_proposal, record_decision
from flows.runtime import open_runtime, use_clock
from models.tables import JuryAvailability, Mission, MissionDossier, Placement, VivierMember
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import by_role, run_sync
from tests.integration.test_missions_flow import (  # noqa: F401 (fixtures)
    DINUM,
    START,
    _windows,
    clock,
    vivier,
)

pytestmark = pytest.mark.sandbox_data(dossiers=16, seed=11)
CHAMP = {d.key: d.id for d in (*MISSIONS.champs, *MISSIONS.annotations)}
ADMIN = "chloe.martin@eau.gouv.fr"


def file_mission(sandbox, projet: int, **changes) -> int:
    """An administration files a mission dossier in the sandbox."""
    values = {"projet_dossier": projet, "administration": "Direction de l'eau",
              "intitule": "Données de l'eau", "profils": ["développeur·se"],
              "quotite": "temps plein", "debut": date(2027, 3, 1), "localisation": "Lyon",
              "thematique": "environnement", "experience_min": 5,
              "contact_nom": "Chloé Martin", "contact_email": ADMIN,
              "description": "Ouvrir les données de l'eau."} | changes
    record = sandbox.state.add_dossier(MISSIONS.number,
                                       values={CHAMP[k]: v for k, v in values.items()})
    return record.number


def laureat(sandbox) -> int:
    number = sorted(sandbox.state.numbers(PROJETS.number))[0]
    sandbox.state.set_state(number, "accepte")
    return number


def contact_available(store) -> None:
    """The contact's windows, as their DS form gives them (the entretiens wait for them
    otherwise: tests/integration/test_availability_flow.py)."""
    with store.sessions.begin() as session:
        session.add_all(JuryAvailability(email=ADMIN, start=start, end=end, imported_at=START)
                        for start, end in _windows(START, 3, 20, 14, 17))


def sync(at: FakeClock) -> dict:
    with use_clock(at):
        state, summary = run_sync(assign_new=False)
        deliver_all()
    assert state == "COMPLETED", summary
    return summary


def annotation(sandbox, dossier: int, key: str):
    return (sandbox.state.dossier(dossier).overrides or {}).get(CHAMP[key], (None,))[0]


def messages(sandbox, dossier: int) -> list[str]:
    return [m.body for m in sandbox.state.dossier(dossier).messages]


@pytest.mark.both_dialects
def test_a_filed_mission_is_opened_searched_and_shown_in_its_dossier(
        vivier, sandbox, store, smtp_server, clock):  # noqa: F811 (fixtures)
    perfect = vivier[0]
    contact_available(store)
    dossier = file_mission(sandbox, laureat(sandbox))
    summary = sync(clock)
    assert by_role(summary, "missions")["created"] == 1
    followed = summary["missions"]
    [mission_id] = followed["opened"]
    [searched] = followed["searched"]
    assert searched["mission"] == mission_id and perfect in searched["proposed"]
    with store.sessions() as session:
        mission = session.get(Mission, mission_id)
        assert (mission.titre, mission.profiles, mission.start, mission.contact_email) == (
            "Données de l'eau", ["développeur·se"], date(2027, 3, 1), ADMIN)
        proposed = session.scalars(select(Placement.dossier_number).where(
            Placement.mission_id == mission_id)).all()
    assert len(proposed) == 2
    # the administration reads it in DS: annotations, label, messages
    assert annotation(sandbox, dossier, "etat_mission") == "Entretiens de mission en cours"
    assert f"(dossier {perfect})" in annotation(sandbox, dossier, "candidats_proposes")
    assert " : le " in annotation(sandbox, dossier, "entretiens")  # the booked dates
    assert sandbox.state.dossier(dossier).labels == ("Entretiens de mission",)
    bodies = messages(sandbox, dossier)
    assert len(bodies) == 2 and "est enregistrée sous le n°" in bodies[0]
    assert "a proposé un entretien de mission à 2 personnes" in bodies[1]
    writes = sandbox.mutations.applied("dossierModifierAnnotations", dossier)
    # our writes bumped the dossier: read again, they change no answer and write nothing
    again = sync(clock)
    assert by_role(again, "missions")["updated"] == 0
    assert again["missions"]["to_search"] == [] and again["missions"]["written"] == 0
    assert sandbox.mutations.applied("dossierModifierAnnotations", dossier) == writes
    assert len(messages(sandbox, dossier)) == 2

    # RGPD: the contact's export holds the dossier's answers; pseudonymised, they go
    from connectors.store.personal_data import person_records, pseudonymise_dossier
    with store.sessions.begin() as session:
        [row] = person_records(session, [], [ADMIN.upper()])["mission_dossiers"]
        assert row["dossier_number"] == dossier and row["answers"]["contact_email"] == ADMIN
        pseudonymise_dossier(session, dossier, clock())
    with store.sessions() as session:
        assert session.get(MissionDossier, dossier).answers == {}


def test_a_changed_dossier_is_searched_again(
        vivier, sandbox, store, clock):  # noqa: F811 (fixtures)
    dossier = file_mission(sandbox, laureat(sandbox))
    first = sync(clock)
    [mission_id] = first["missions"]["opened"]
    proposed = first["missions"]["searched"][0]["proposed"]
    sandbox.state.update_champ(dossier, CHAMP["experience_min"], 20)
    second = sync(clock)
    assert by_role(second, "missions")["updated"] == 1
    assert second["missions"]["updated"] == [mission_id]
    # searched again with the new answers; those already proposed keep their entretien
    assert second["missions"]["searched"] == [{"mission": mission_id, "proposed": [],
                                               "booked": 0}]
    with store.sessions() as session:
        mission = session.get(Mission, mission_id)
        assert mission.min_years == 20
        reasons = [r for m in mission.shortlist for r in m["raisons"]]
        assert any("(< 20 demandés)" in r for r in reasons)
        assert sorted(session.scalars(select(Placement.dossier_number).where(
            Placement.mission_id == mission_id))) == sorted(proposed)
    third = sync(clock)  # nothing changed in DS (the answers were already read)
    assert third.get("missions", {}).get("to_search", []) == []


def test_a_bad_dossier_is_kept_aside_with_its_field_and_rule(
        vivier, sandbox, store, clock):  # noqa: F811 (fixtures)
    projet = laureat(sandbox)
    bad = file_mission(sandbox, projet, profils=["designer", "développeur·se",
                                                 "juriste du numérique"])
    stranger = file_mission(sandbox, 99999, intitule="Mission d'un projet inconnu")
    good = file_mission(sandbox, projet, intitule="Une autre mission")
    summary = sync(clock)
    assert len(summary["missions"]["opened"]) == 1  # the rest of the batch goes on
    reasons = {r["dossier"]: r["reason"] for r in summary["missions"]["rejected"]}
    assert reasons[bad] == (f"dossier {bad} (démarche 104) : champ « profils » : 1 ou 2 "
                            "profils, reçu 3")
    assert "projet lauréat du programme" in reasons[stranger] and good not in reasons
    with store.sessions() as session:
        aside = {m.dossier_number: (m.problem_field, m.mission_id)
                 for m in repo.mission_dossiers_aside(session)}
    assert aside == {bad: ("profils", None), stranger: ("projet_dossier", None)}
    assert annotation(sandbox, bad, "etat_mission") == (
        "À corriger : le champ « Profils recherchés (1 ou 2) » attend : 1 ou 2 profils ; "
        "reçu 3")
    assert sandbox.state.dossier(bad).labels == ("Mission à corriger",)
    [told] = messages(sandbox, bad)
    assert "le champ « Profils recherchés (1 ou 2) » attend : 1 ou 2 profils" in told
    sync(clock)  # seen again: told once
    assert len(messages(sandbox, bad)) == 1
    sandbox.state.update_champ(bad, CHAMP["profils"], ["développeur·se"])
    fixed = sync(clock)
    assert len(fixed["missions"]["opened"]) == 1
    assert sandbox.state.dossier(bad).labels == ("Entretiens de mission",)


def test_a_mission_opened_by_a_run_killed_before_its_search_is_searched_next(
        vivier, sandbox, store, clock):  # noqa: F811 (fixtures)
    from flows.mission_dossiers import mission_dossiers
    from flows.pipeline import after_mission_dossiers
    from flows.sync import SyncParameters, sync_dossiers

    file_mission(sandbox, laureat(sandbox))
    with use_clock(clock):
        sync_dossiers(SyncParameters(assign_new=False))  # the sync alone: no follow-up
        opened = mission_dossiers()  # then killed before match-mission
        [mission_id] = opened["opened"]
        assert opened["to_search"] == [mission_id]
        followed = after_mission_dossiers()  # the next run
    assert followed["opened"] == [] and followed["to_search"] == [mission_id]
    assert len(followed["searched"][0]["proposed"]) == 2
    assert followed["published"]["to_search"] == []  # searched: no longer due


def retain(at: FakeClock, mission_id: int) -> int:
    """The deliberation, approved (as the operator does in deliberate-mission)."""
    with use_clock(at), open_runtime() as rt, rt.sessions.begin() as session:
        row = session.get(Mission, mission_id)
        chosen = session.scalars(select(Placement.dossier_number).where(
            Placement.mission_id == mission_id).order_by(Placement.score.desc())).first()
        _, motivation, _ = mission_proposal(session, rt, row)
        record_decision(session, rt, row, int(chosen), motivation or "Retenu·e.")
    return int(chosen)


@pytest.mark.both_dialects
def test_the_teams_step_in_ds_moves_the_placement_once(
        vivier, sandbox, store, clock):  # noqa: F811 (fixtures)
    dossier = file_mission(sandbox, laureat(sandbox))
    [mission_id] = sync(clock)["missions"]["opened"]
    chosen = retain(clock, mission_id)
    sandbox.state.write_annotations(dossier, {CHAMP["etape_recrutement"]: "Prise de poste",
                                              CHAMP["date_signature"]: date(2027, 2, 1)})
    bad = sync(clock)["missions"]
    [rejected] = bad["rejected"]
    assert rejected["field"] == "date_prise_de_poste"
    assert "obligatoire pour cette étape" in rejected["reason"]
    with store.sessions() as session:
        assert session.scalars(select(Placement.status).where(
            Placement.dossier_number == chosen)).one() == "retenu"  # nothing applied
    sandbox.state.write_annotations(dossier, {CHAMP["etape_recrutement"]: "Contrat signé"})
    signed = sync(clock)["missions"]
    [step] = signed["steps"]
    assert step["steps"] == ["accepte", "contrat_signe"] and signed["rejected"] == []
    with store.sessions() as session:
        assert session.get(VivierMember, chosen).status == "engage"
        row = session.get(MissionDossier, dossier)
        assert row.step_problem is None and row.step["signed_on"] == "2027-02-01"
    assert annotation(sandbox, dossier, "personne_retenue").endswith("(contrat signé)")
    assert sandbox.state.dossier(dossier).labels == ("Candidat·e retenu·e",)
    assert sync(clock)["missions"]["steps"] == []  # applied once
    sandbox.state.write_annotations(dossier, {CHAMP["etape_recrutement"]: "Prise de poste",
                                              CHAMP["date_prise_de_poste"]: date(2027, 3, 1)})
    started = sync(clock)["missions"]
    assert started["steps"][0]["steps"] == ["demarre"]
    with store.sessions() as session:
        assert session.get(Mission, mission_id).status == "pourvue"
    assert sandbox.state.dossier(dossier).labels == ("Mission pourvue",)
    assert any("ont retenu" in body for body in messages(sandbox, dossier))
    assert DINUM  # the jury of the entretiens (the vivier fixture's roster)
