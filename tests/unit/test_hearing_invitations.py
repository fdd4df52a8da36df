"""Hearings (soutenance, entretien métier): the iTIP invitation, its emails, the DS message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jinja2
import pytest
from icalendar import Calendar, Component
from markupsafe import escape

from connectors.documents import PRODID, environment, hearing_calendar, render_email
from tests.unit import email_samples as samples
from tests.unit.ical_rules import check_ics

UID = "hearing-42-1@eig.beta.gouv.fr"
START_FR = "mardi 8 décembre 2026 à 10 h 00"
NEW_START_FR = "jeudi 10 décembre 2026 à 14 h 00"
EVIL = "<script>alert(1)</script> & « Cie », \"quoi\""
EVIL_HTML = str(escape(EVIL))
ATTENDEES = [("elodie.muller@exemple.gouv.fr", "Élodie Müller"),
             ("jeanne.dupont@dge.exemple.gouv.fr", "Jeanne Dupont")]


def ics(**changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "uid": UID, "sequence": 0, "method": "REQUEST",
        "summary": "EIG — Soutenance du projet n° 42",
        "description": "Dossier n° 42 : « Signaux faibles & entreprises ».\nJury : Élodie Müller.",
        "start": samples.HEARING_START, "end": samples.HEARING_END,
        "location": samples.HEARING_LOCATION,
        "organizer_email": "eig@beta.gouv.fr", "organizer_name": "Programme EIG",
        "attendees": ATTENDEES, "now": samples.NOW,
    }
    return hearing_calendar(**(arguments | changes))


def parse(data: bytes) -> tuple[Calendar, Component]:
    calendar = check_ics(data)  # RFC 5545 / 5546 rules, then the parsed calendar
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def attendees(event: Component) -> list[Any]:
    found = event["ATTENDEE"]
    return found if isinstance(found, list) else [found]


# --- The .ics ------------------------------------------------------------------------

def test_a_request_invites_every_attendee_to_the_slot() -> None:
    calendar, event = parse(ics())
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == UID and int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "EIG — Soutenance du projet n° 42"
    assert str(event["DESCRIPTION"]).endswith("\nJury : Élodie Müller.")
    assert str(event["LOCATION"]) == samples.HEARING_LOCATION
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP") == samples.NOW
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:eig@beta.gouv.fr"
    assert organizer.params["CN"] == "Programme EIG"
    found = attendees(event)
    assert [(str(a), a.params["CN"]) for a in found] == [
        (f"mailto:{email}", name) for email, name in ATTENDEES]
    for attendee in found:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_the_slot_is_the_given_instants_in_paris_with_its_timezone() -> None:
    data = ics()
    calendar, event = parse(data)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == samples.HEARING_START and start.utcoffset() == timedelta(hours=1)
    assert end == samples.HEARING_END
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert b"DTSTART;TZID=Europe/Paris:20261208T100000" in data
    assert b"DTEND;TZID=Europe/Paris:20261208T104500" in data
    assert b"DTSTAMP:20261123T083000Z" in data
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_a_summer_slot_is_in_summer_time() -> None:
    start = datetime(2026, 7, 7, 8, 0, tzinfo=UTC)
    data = ics(start=start, end=start + timedelta(minutes=45))
    assert b"DTSTART;TZID=Europe/Paris:20260707T100000" in data
    assert parse(data)[1].decoded("DTSTART") == start


def test_a_request_reminds_30_minutes_before() -> None:
    alarms = parse(ics())[1].walk("VALARM")
    assert len(alarms) == 1
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == timedelta(minutes=-30)
    assert b"TRIGGER:-PT30M" in ics()


def test_a_cancel_withdraws_the_event_without_alarm_nor_rsvp() -> None:
    data = ics(method="CANCEL", sequence=1)
    calendar, event = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL" and b"METHOD:CANCEL\r\n" in data
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == UID and int(event["SEQUENCE"]) == 1
    assert event.walk("VALARM") == [] and b"VALARM" not in data
    assert [(str(a), a.params["CN"]) for a in attendees(event)] == [
        (f"mailto:{email}", name) for email, name in ATTENDEES]
    assert all("RSVP" not in a.params for a in attendees(event))
    assert event.decoded("DTSTART") == samples.HEARING_START


def test_without_location_there_is_no_location_line() -> None:
    assert "LOCATION" not in parse(ics(location=None))[1]
    assert "LOCATION" not in parse(ics(location=""))[1]


def test_hostile_names_survive_the_round_trip() -> None:
    _, event = parse(ics(attendees=[("x@exemple.fr", EVIL)], organizer_name=EVIL,
                         summary=EVIL, location=EVIL))
    assert attendees(event)[0].params["CN"] == EVIL
    assert event["ORGANIZER"].params["CN"] == EVIL
    assert str(event["SUMMARY"]) == EVIL and str(event["LOCATION"]) == EVIL


def test_same_arguments_same_bytes() -> None:
    assert ics() == ics()
    assert ics().startswith(b"BEGIN:VCALENDAR\r\n")
    assert ics(sequence=1) != ics()


@pytest.mark.parametrize("field", ["start", "end", "now"])
def test_naive_datetimes_are_refused(field: str) -> None:
    with pytest.raises(ValueError, match="sans fuseau"):
        ics(**{field: datetime(2026, 12, 8, 10, 0)})


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError, match="sans durée"):
        ics(end=samples.HEARING_START)
    with pytest.raises(ValueError, match="REQUEST ou CANCEL"):
        ics(method="PUBLISH")
    with pytest.raises(ValueError, match="SEQUENCE"):
        ics(sequence=-1)


# --- The invitation email ------------------------------------------------------------

def invitation(role: str, **hearing: Any) -> dict[str, Any]:
    context = samples.hearing_invitation(role)
    context["hearing"].update(hearing)
    return context


@pytest.mark.parametrize("role", samples.HEARING_ROLES)
def test_the_invitation_says_when_where_who_and_how_to_move_it(role: str) -> None:
    email = render_email("hearing_invitation", samples.hearing_invitation(role))
    assert email.subject.endswith(f" : {START_FR}")
    for part, html in ((email.text, str), (email.html, escape)):
        assert f"Le {START_FR}" in part and "(heure de Paris)" in part
        assert "pendant 45 minutes" in part and "fin prévue à 10 h 45" in part
        assert html(samples.HEARING_LOCATION) in part
        assert "Élodie Müller (DINUM)" in part and "Karim Benali" in part
        assert "fichier .ics" in part
        assert "un autre créneau" in part and "eig@beta.gouv.fr" in part
        assert "remplace le précédent" not in part


def test_invitation_subjects() -> None:
    subjects = {role: render_email("hearing_invitation", samples.hearing_invitation(role)).subject
                for role in samples.HEARING_ROLES}
    assert subjects["jury"] == subjects["porteur"] == (
        f"EIG — Soutenance du projet n° 42 : {START_FR}")
    assert subjects["candidat"] == (
        f"EIG — Entretien métier produit de la candidature n° 57 : {START_FR}")
    rescheduled = render_email("hearing_invitation", invitation("porteur", rescheduled=True))
    assert rescheduled.subject.endswith(f"{START_FR} (nouveau créneau)")
    for part in (rescheduled.text, rescheduled.html):
        assert "Ce créneau remplace le précédent, qui est annulé" in part


def test_the_jury_gets_the_criteria_the_dossier_and_its_scoring_form() -> None:
    """The invitation says how (the juror's own prefilled DS form, by the link below) and
    when (just after the hearing, by the due date) the scores are given: no grid."""
    context = samples.hearing_invitation("jury")
    email = render_email("hearing_invitation", context)
    for part, html in ((email.text, str), (email.html, escape)):
        assert "Merci de siéger au jury de la soutenance" in part
        assert "Relisez le dossier n° 42, joint à ce message en PDF (dossier-42.pdf)" in part
        assert "Juste après la soutenance" in part and "de 0 à 5" in part
        assert "formulaire de notation sur Démarches Simplifiées, au plus tard le lundi " \
            "14 décembre 2026" in part
        assert "Le lien ci-dessous ouvre votre formulaire" in part
        assert html(samples.SCORES_URL) in part and "jeton" in part
        for criterion in context["criteria"]:
            assert criterion["label"] in part and criterion["description"] in part
        assert "10 minutes" not in part
        assert "vous enverra" not in part and "grille" not in part


def test_the_jury_without_a_form_gets_the_grid_to_send_back() -> None:
    """The fallback when no form link is given: the CSV grid, attached."""
    context = samples.hearing_invitation("jury") | {
        "links": {"scores": None}, "scores_due": None,
        "attachments": {"pdf": "dossier-42.pdf", "grid": "grille-notation-42.csv"}}
    email = render_email("hearing_invitation", context)
    for part in (email.text, email.html):
        assert "grille de notation jointe (grille-notation-42.csv" in part
        assert "renvoyez-la en réponse à ce message" in part
        assert "jeton" not in part and "formulaire de notation" not in part


def test_the_jury_without_grid_nor_dossier_promises_nothing() -> None:
    context = samples.hearing_invitation("jury") | {
        "criteria": [], "attachments": {"pdf": None, "grid": None},
        "links": {"scores": None}, "scores_due": None}
    email = render_email("hearing_invitation", context)
    for part in (email.text, email.html):
        assert "envoyez-nous en réponse à ce message une note de 0 à 5" in part
        assert "s'il vous manque, demandez-le-nous" in part
        assert "joint" not in part.replace("L'invitation jointe", "")
        assert "prefill_token" not in part and "sur les critères du programme" in part


def test_the_porteur_presents_for_10_minutes_then_answers() -> None:
    email = render_email("hearing_invitation", samples.hearing_invitation("porteur"))
    for part in (email.text, email.html):
        assert "présenter votre projet" in part
        assert "présentation de 10 minutes" in part and "questions du jury" in part
        assert "prefill_token" not in part and "Problème avéré" not in part


@pytest.mark.parametrize(("kind_label", "expected"), [
    ("Entretien métier produit", "vos expériences, votre façon de comprendre les usagers"),
    ("Entretien métier technique", "vos choix techniques"),
])
def test_the_candidate_is_told_what_the_interview_is_about(kind_label: str,
                                                           expected: str) -> None:
    email = render_email("hearing_invitation", invitation("candidat", kind_label=kind_label))
    assert email.subject.startswith(f"EIG — {kind_label} de la candidature n° 57")
    for part in (email.text, email.html):
        assert f"le jury vous invite à un {kind_label.lower()}" in part
        assert expected in part and "présentation de 10 minutes" not in part


@pytest.mark.parametrize(("minutes", "expected"), [
    (30, "pendant 30 minutes"), (60, "pendant 1 h :"), (90, "pendant 1 h 30"),
])
def test_durations(minutes: int, expected: str) -> None:
    email = render_email("hearing_invitation", invitation("jury", duration_minutes=minutes))
    assert expected in email.text and expected in email.html


def test_summer_time_and_an_unknown_jury() -> None:
    start = datetime(2026, 7, 7, 8, 0, tzinfo=UTC)
    email = render_email("hearing_invitation", invitation(
        "porteur", start=start, end=start + timedelta(minutes=45), jury=[]))
    for part in (email.text, email.html):
        assert "mardi 7 juillet 2026 à 10 h 00" in part and "fin prévue à 10 h 45" in part
        assert "La composition du jury n'est pas encore arrêtée" in part
        assert "vous sera communiquée" not in part


def test_a_visio_link_is_a_link_in_html() -> None:
    url = "https://webinaire.numerique.gouv.fr/meeting/eig-42?pwd=a&b"
    email = render_email("hearing_invitation", invitation("candidat", location=url))
    assert url in email.text
    assert f'<a href="{escape(url)}"' in email.html


@pytest.mark.parametrize("name", ["hearing_invitation", "hearing_cancellation"])
@pytest.mark.parametrize("role", samples.HEARING_ROLES)
def test_hostile_data_is_escaped_in_html_and_raw_in_text(name: str, role: str) -> None:
    context = samples.EMAILS[name](role)
    context["person"]["name"] = EVIL
    context["hearing"]["dossier"]["title"] = EVIL
    if name == "hearing_invitation":
        context["hearing"]["location"] = EVIL
        context["hearing"]["jury"][1]["organisation"] = EVIL
    else:
        context["reason"] = EVIL
    email = render_email(name, context)
    assert "<script>" not in email.html and EVIL_HTML in email.html
    assert email.html.count(EVIL_HTML) >= (3 if name == "hearing_invitation" else 2)
    assert EVIL in email.text


@pytest.mark.parametrize("role", samples.HEARING_ROLES)
@pytest.mark.parametrize("path", [("person",), ("hearing", "kind_label"), ("hearing", "end"),
                                  ("hearing", "location"), ("hearing", "duration_minutes"),
                                  ("programme",)])
def test_a_missing_key_raises_for_every_role(role: str, path: tuple[str, ...]) -> None:
    context = samples.hearing_invitation(role)
    *parents, key = path
    target = context
    for parent in parents:
        target = target[parent]
    del target[key]
    with pytest.raises(jinja2.UndefinedError):
        render_email("hearing_invitation", context)


def test_a_naive_datetime_raises() -> None:
    with pytest.raises(ValueError, match="sans fuseau"):
        render_email("hearing_invitation", invitation("jury", start=datetime(2026, 12, 8, 10)))


# --- The cancellation email ----------------------------------------------------------

@pytest.mark.parametrize("role", samples.HEARING_ROLES)
def test_a_moved_slot_announces_the_new_invitation(role: str) -> None:
    email = render_email("hearing_cancellation", samples.hearing_cancellation(role))
    assert f"du {START_FR} au {NEW_START_FR}" in email.subject
    assert email.subject.startswith("EIG — Nouveau créneau : ")
    for part in (email.text, email.html):
        assert START_FR in part and "annulé" in part
        assert "Motif : " in part and "un membre du jury est indisponible" in part
        assert NEW_START_FR in part and "nouvelle invitation" in part
        assert "eig@beta.gouv.fr" in part


def test_cancellation_subjects_agree_with_the_kind() -> None:
    subjects = {role: render_email("hearing_cancellation",
                                   samples.hearing_cancellation(role)).subject
                for role in samples.HEARING_ROLES}
    assert subjects["porteur"] == (
        f"EIG — Nouveau créneau : soutenance du projet n° 42 déplacée du {START_FR} "
        f"au {NEW_START_FR}")
    assert "entretien métier produit de la candidature n° 57 déplacé du" in subjects["candidat"]


@pytest.mark.parametrize("role", samples.HEARING_ROLES)
def test_a_plain_cancellation_promises_nothing(role: str) -> None:
    context = samples.hearing_cancellation(role) | {"replacement": None, "reason": None}
    email = render_email("hearing_cancellation", context)
    assert email.subject.startswith("EIG — Créneau annulé : ")
    assert email.subject.endswith(f"n° {context['hearing']['dossier']['number']} du {START_FR}")
    for part in (email.text, email.html):
        assert START_FR in part and "nouveau créneau sera fixé" in part or (
            role == "jury" and "Si un nouveau créneau est fixé et que vous faites partie de "
            "son jury" in part)
        assert "Motif" not in part and NEW_START_FR not in part


def test_a_juror_not_on_the_new_slots_jury_is_released_not_invited() -> None:
    context = samples.hearing_cancellation("jury")
    context["replacement"]["invited"] = False
    email = render_email("hearing_cancellation", context)
    assert email.subject.startswith("EIG — Créneau annulé : ")
    assert email.subject.endswith("vous êtes libéré·e du jury")
    for part in (email.text, email.html):
        assert "invitation" not in part.replace("L'invitation jointe", "")
        assert "libéré·e de cette audition" in part and NEW_START_FR in part


# --- The DS message to the applicant -------------------------------------------------

def message(context: dict[str, Any]) -> str:
    return environment().get_template("messages/hearing.txt.j2").render(context)


@pytest.mark.parametrize("role", ["porteur", "candidat"])
def test_the_ds_message_is_complete_on_its_own(role: str) -> None:
    text = message(samples.hearing_message(role))
    assert text.startswith("Bonjour,\n")
    assert f"le {START_FR} (heure de Paris), pendant 45 minutes" in text
    assert samples.HEARING_LOCATION in text
    assert "Élodie Müller (DINUM), Karim Benali" in text
    assert "eig@beta.gouv.fr" in text and "remplace" not in text
    assert ("présentation de 10 minutes" in text) is (role == "porteur")
    assert ("entretien métier produit" in text) is (role == "candidat")
    assert "{{" not in text and "{%" not in text


def test_the_ds_message_names_the_cancelled_slot_and_keeps_data_raw() -> None:
    context = samples.hearing_message("candidat")
    context["cancelled_slot"] = {"start": samples.NEW_HEARING_START,
                                 "end": samples.NEW_HEARING_END}
    context["hearing"]["dossier"]["title"] = EVIL
    text = message(context)
    assert f"Ce créneau remplace celui du {NEW_START_FR}, qui est annulé." in text
    assert f"« {EVIL} »" in text


@pytest.mark.parametrize("key", ["cancelled_slot", "role", "programme"])
def test_the_ds_message_needs_its_context(key: str) -> None:
    context = samples.hearing_message()
    del context[key]
    with pytest.raises(jinja2.UndefinedError):
        message(context)
