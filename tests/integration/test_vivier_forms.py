"""The vivier updated from DS: each person entering the vivier reads, in their decision
message, a prefilled and signed link to the « vivier » démarche; what they file there
(a new availability date, wishes, consent withdrawn) changes the vivier at the next
sync, a withdrawal takes them out of the mission search at once, a bad answer is set
aside with its field and rule, and reruns change nothing."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flows.deliberate import record_publication
from flows.effects import DeliverParameters, deliver_effects
from flows.missions import vivier_candidates
from flows.runtime import open_runtime
from models.deliberation import Agenda, Proposal
from models.tables import (
    CommitteeSession,
    Effect,
    HearingRequest,
    HearingSlot,
    Mission,
    Placement,
    VivierForm,
    VivierMember,
)
from models.vivier_forms import LEFT_VIVIER
from tests.integration.sync_helpers import run_sync

pytestmark = [pytest.mark.both_dialects, pytest.mark.sandbox_data(dossiers=40, seed=3)]
SESSION = date(2027, 2, 1)


def _enter_vivier(numbers: list[int]) -> dict[int, str]:
    """Publish a committee sending ``numbers`` to the vivier; their links, by dossier."""
    agenda = Agenda("candidats", tuple(
        Proposal(n, f"Candidat·e {n}", "vivier", "Profil solide.", i + 1, 20.0, 20.0, ())
        for i, n in enumerate(numbers)), ())
    with open_runtime() as rt:
        with rt.sessions.begin() as session:
            row = CommitteeSession(track="candidats", session_date=SESSION, status="approved",
                                   proposals=[], files={}, created_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            record_publication(session, rt, "candidats", row.id, SESSION, agenda, None)
        with rt.sessions() as session:
            bodies = {int(e.payload["dossier"]): e.payload["body"] for e in session.scalars(
                select(Effect).where(Effect.key.like("ds:message:%")))}
    return {n: re.search(r"https?://\S+/commencer/vivier\?\S+", bodies[n]).group(0)
            for n in numbers}


def _file(sandbox, link: str, **values: object) -> int:
    """The person follows their link and files the form with ``values``."""
    started = sandbox.state.start_from_link(link)
    return sandbox.state.submit_prefilled(started.number, values).number


def _told() -> dict[int, str]:
    """The DS messages answering the vivier forms, by form."""
    with open_runtime() as rt, rt.sessions() as session:
        return {int(e.payload["dossier"]): e.payload["body"] for e in session.scalars(
            select(Effect).where(Effect.key.like("ds:message:%:vivier-%")))}


def _promises_kept(bodies: dict[int, str]) -> None:
    from tests.promise_rule import declared, made

    promises = declared()
    for body in bodies.values():
        for promise in made("messages/vivier_form", body, promises):
            assert promise.effect == "link" and re.search(r"https?://\S+", body)


def _proposed(number: int) -> tuple[int, int]:
    """The vivier entry ``number`` proposed to two missions: one entretien still to book,
    one booked. Returns the two missions."""
    now = datetime.now(UTC)
    with open_runtime() as rt, rt.sessions.begin() as session:
        missions = []
        for title, status in (("Mission à programmer", "pending"),
                              ("Mission programmée", "scheduled")):
            mission = Mission(titre=title, administration="Administration", projet=title,
                              profiles=["designer"], quotite="temps plein",
                              start=(now + timedelta(days=60)).date(), contact_name="Contact",
                              contact_email="contact@administration.example",
                              status="ouverte", shortlist=[], created_at=now, updated_at=now)
            session.add(mission)
            session.flush()
            session.add(Placement(mission_id=mission.id, dossier_number=number,
                                  status="propose", score=50.0, reasons=[], created_at=now,
                                  updated_at=now))
            request = HearingRequest(track="missions", dossier_number=number,
                                     mission_id=mission.id, hearing_type="mission",
                                     status=status, earliest=now, latest=now,
                                     requested_at=now, updated_at=now)
            session.add(request)
            session.flush()
            if status == "scheduled":  # its slot, with a juror beside the contact
                start = now + timedelta(days=5)
                session.add(HearingSlot(request_id=request.id, start=start,
                                        end=start + timedelta(minutes=45),
                                        jury=["jure@dinum.example"], location="Visio",
                                        status="scheduled", created_at=now))
            missions.append(mission.id)
        member = session.get(VivierMember, number)
        member.status, member.mission_id = "propose", missions[0]
    return missions[0], missions[1]


def _available(number: int) -> date | None:
    with open_runtime() as rt, rt.sessions() as session:
        found = {c.dossier: c for c in vivier_candidates(session)}
    return found[number].available_from if number in found else None


def test_the_vivier_follows_what_its_candidates_file_in_ds(sandbox, store):
    from ds_sandbox import CANDIDATS

    run_sync(full=True, assign_new=False)
    moving, leaving, wrong, forger, stays = sorted(sandbox.state.numbers(CANDIDATS.number))[:5]
    links = _enter_vivier([moving, leaving, wrong, forger, stays])
    assert all("champ_" in link and "jeton" not in link for link in links.values())

    later = (datetime.now(UTC) + timedelta(days=120)).date()
    moving_form = _file(sandbox, links[moving], disponibilite=later.isoformat(),
                        voeux_thematiques=["justice"], quotite="4/5")
    leaving_form = _file(sandbox, links[leaving], consentement=False)
    past = _file(sandbox, links[wrong], disponibilite="2020-01-06")
    unknown = _file(sandbox, links[stays], voeux_localisations=["Paris", "Tombouctou"])
    # someone edits their link to update another person's entry: the token says no
    forged = _file(sandbox, links[forger].replace(f"={forger}&", f"={moving}&", 1),
                   consentement=False)
    before = _available(leaving)
    assert before is not None
    pending, booked = _proposed(leaving)

    state, summary = run_sync(assign_new=False)
    assert state == "COMPLETED"
    vivier = summary["vivier"]
    assert vivier["updated"] == [moving] and vivier["withdrawn"] == [leaving]
    assert {r["form"]: r["field"] for r in vivier["rejected"]} == {
        past: "disponibilite", unknown: "voeux_localisations", forged: "jeton"}
    assert "Vivier : 1 situation mise à jour, 1 consentement retiré, 3 formulaires mis de " \
        "côté" in summary["headline"]
    # proposed to two missions: the entretien not yet booked goes, the booked one is
    # cancelled — its juror, the administration's contact and the person told, once
    assert vivier["cancelled"] == [{"dossier": leaving, "missions": [booked]}]
    assert f"le dossier {leaving}, qui a retiré son consentement : son entretien de mission " \
        f"(mission {booked}) annulé, jury et administration prévenus" in summary["headline"]
    with open_runtime() as rt, rt.sessions() as session:
        requests = {r.mission_id: r.status for r in session.scalars(select(
            HearingRequest).where(HearingRequest.dossier_number == leaving))}
        slot = session.scalar(select(HearingSlot).join(
            HearingRequest, HearingRequest.id == HearingSlot.request_id).where(
            HearingRequest.dossier_number == leaving))
        placements = list(session.scalars(select(Placement).where(
            Placement.dossier_number == leaving)))
        told = sorted(e.payload["role"] for e in session.scalars(select(Effect).where(
            Effect.key.like(f"mail:hearing-cancel:{slot.id}:%"))))
    assert requests == {booked: "withdrawn"} and placements == []
    assert slot.status == "cancelled" and slot.cancel_reason == LEFT_VIVIER
    assert told == ["administration", "candidat", "jury"]
    assert pending != booked

    assert _available(moving) == later
    assert _available(leaving) is None  # out of every mission search at once
    with open_runtime() as rt, rt.sessions() as session:
        member = session.get(VivierMember, moving)
        assert member.profile["voeux_thematiques"] == ["justice"]
        assert member.profile["quotite"] == "4/5"
        assert member.consent_at is not None and member.consent_at > datetime(
            2026, 1, 1, tzinfo=UTC)  # consent renewed: the retention restarts
        assert session.get(VivierMember, leaving) is None
        assert session.get(VivierMember, moving).profile["specialite"]

    # the one who left now follows the retention of a candidate not retained; the one
    # who stays, the vivier's, from the consent they just renewed
    from connectors.store.personal_data import dossier_facts
    from models.retention import DataClass, dossier_class

    with open_runtime() as rt, rt.sessions() as session:
        facts = {f.number: f for f in dossier_facts(session, {
            rt.config.demarches["candidats"].number: "candidats"})}
        consent = session.get(VivierMember, moving).consent_at
    assert dossier_class(facts[leaving]) is DataClass.CANDIDATS_NON_RETENUS
    assert dossier_class(facts[moving]) is DataClass.VIVIER
    assert facts[moving].consent_at == consent

    listed = json.loads(CliRunner().invoke(_app(), ["quarantine", "--json"]).output)
    rows = {row["dossier"]: row for row in listed if row["rule"] == "vivier"}
    assert rows[past]["field"] == "disponibilite" and "date passée" in rows[past]["reason"]
    assert rows[unknown]["field"] == "voeux_localisations"
    assert rows[unknown]["reason"] == "« Tombouctou » n'est pas parmi les choix proposés"

    # each person reads, on their form, what became of their answer (a DS message, the
    # promises it makes kept) — delivered, which moves the forms' DS update date
    told = _told()
    assert set(told) == {moving_form, leaving_form, past, unknown, forged}
    assert "Date de disponibilité : " in told[moving_form]
    assert "vous retirez votre consentement" in told[leaving_form]
    assert "champ « Date de disponibilité », date passée" in told[past]
    assert links[wrong] in told[past] and links[stays] in told[unknown]
    assert "https://" not in told[forged] and "http://" not in told[forged]
    _promises_kept(told)
    deliver_effects(DeliverParameters())
    assert [m.body for m in sandbox.state.dossier(moving_form).messages] == [told[moving_form]]

    # a second run changes nothing, and says nothing new
    _, again = run_sync(assign_new=False)
    assert _told() == told
    assert again["vivier"]["updated"] == [] and again["vivier"]["withdrawn"] == []
    assert all(not r["new"] for r in again["vivier"]["rejected"])
    assert "Vivier" not in again["headline"]

    # filed again later: the latest answer wins; the one who withdrew cannot come back
    # by an old link (the team decides)
    sooner = (datetime.now(UTC) + timedelta(days=30)).date()
    _file(sandbox, links[moving], disponibilite=sooner.isoformat())
    back = _file(sandbox, links[leaving])
    _, third = run_sync(assign_new=False)
    assert third["vivier"]["updated"] == [moving]
    assert _available(moving) == sooner
    assert [r["field"] for r in third["vivier"]["rejected"] if r["form"] == back] == [
        "dossier_candidature"]
    with open_runtime() as rt, rt.sessions() as session:
        statuses = {f.form_number: f.status for f in session.scalars(select(VivierForm))}
    assert sorted(statuses.values()).count("applied") == 3


def test_the_link_command_gives_a_members_link(sandbox, store):
    from ds_sandbox import CANDIDATS

    run_sync(full=True, assign_new=False)
    number = sorted(sandbox.state.numbers(CANDIDATS.number))[0]
    links = _enter_vivier([number])
    result = CliRunner().invoke(_app(), ["vivier", "lien", str(number)])
    assert result.exit_code == 0 and result.output.strip() == links[number]
    absent = CliRunner().invoke(_app(), ["vivier", "lien", "999999"])
    assert absent.exit_code == 2 and "n'est pas au vivier" in absent.output


def _app():
    from eig.cli import app

    return app


def test_an_open_candidatures_own_changes_reach_the_vivier(sandbox, store):
    """DS still reports the candidature en construction (its acceptance not delivered
    yet): the applicant's own new availability date and wishes update the vivier."""
    from ds_sandbox import CANDIDATS

    run_sync(full=True, assign_new=False)
    number = sorted(sandbox.state.numbers(CANDIDATS.number))[0]
    sandbox.state.set_state(number, "en_construction")
    run_sync(assign_new=False)
    _enter_vivier([number])
    time.sleep(1.1)  # DS dates an answer to the second: a later second than the joining
    later = (datetime.now(UTC) + timedelta(days=200)).date()
    with open_runtime() as rt:
        fields = rt.config.demarches["candidats"].fields
    sandbox.state.update_champ(number, fields["telephone"].id, "01 23 45 67 89")
    _, unrelated = run_sync(assign_new=False)  # nothing the vivier keeps
    assert unrelated["vivier"]["from_candidature"] == []
    time.sleep(1.1)
    sandbox.state.update_champ(number, fields["disponibilite"].id, later.isoformat())
    sandbox.state.update_champ(number, fields["voeux_localisations"].id, ["Lyon"])
    _, summary = run_sync(assign_new=False)
    assert summary["vivier"]["from_candidature"] == [number]
    assert _available(number) == later
    with open_runtime() as rt, rt.sessions() as session:
        assert session.get(VivierMember, number).profile["voeux_localisations"] == ["Lyon"]
    _, again = run_sync(assign_new=False)
    assert again["vivier"]["from_candidature"] == []


def test_two_runs_at_once_apply_each_answer_once(sandbox, store, monkeypatch):
    from ds_sandbox import CANDIDATS
    from flows.vivier_forms import apply_vivier_forms

    run_sync(full=True, assign_new=False)
    moving, leaving = sorted(sandbox.state.numbers(CANDIDATS.number))[:2]
    links = _enter_vivier([moving, leaving])
    _file(sandbox, links[moving], quotite="4/5")
    _file(sandbox, links[leaving], consentement=False)
    with monkeypatch.context() as patch:  # the forms reach the store, not yet applied
        patch.setattr("flows.sync._vivier_to_read", lambda rt, reports: False)
        run_sync(assign_new=False)
    assert _available(leaving) is not None

    reports: list = []

    def apply() -> None:
        with open_runtime() as rt:
            reports.append(apply_vivier_forms(rt))

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(reports) == 2
    assert sorted(n for r in reports for n in r.updated) == [moving]
    assert sorted(n for r in reports for n in r.withdrawn) == [leaving]
    assert _available(leaving) is None
