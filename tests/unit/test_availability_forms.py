"""The availability form's rules (models.availability_forms) and its token."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from models.availability_forms import RequestRef, read_availability
from models.availability_token import make_token, token_request, verify_token
from models.hearing_schedule import BookingRequest, Interval, JuryMember, schedule_hearings

SECRET = b"k" * 32
REF = RequestRef(7, "juree@exemple.gouv.fr", "jury:2026-12-07",
                 datetime(2026, 12, 6, 23, tzinfo=UTC), datetime(2027, 1, 3, 23, tzinfo=UTC))
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def read(**fields):
    base = {"jeton": make_token(SECRET, 7, REF.email, REF.scope), "courriel": REF.email,
            "creneaux": [{"jour": "2026-12-08", "de": "09:00", "a": "12:30"}]}
    return read_availability(4321, base | fields, SECRET, {7: REF}, answered_at=NOW,
                             earliest=time(8), latest=time(20))


def test_a_good_form_gives_its_windows_in_utc():
    reading = read(creneaux=[{"jour": "2026-12-08", "de": "09:00", "a": "12:30"},
                             {"jour": "2026-12-09", "de": "14:00", "a": "18:00"}])
    assert reading.valid and reading.request_id == 7
    assert reading.windows == (
        (datetime(2026, 12, 8, 8, tzinfo=UTC), datetime(2026, 12, 8, 11, 30, tzinfo=UTC)),
        (datetime(2026, 12, 9, 13, tzinfo=UTC), datetime(2026, 12, 9, 17, tzinfo=UTC)))


@pytest.mark.parametrize(("fields", "field", "rule"), [
    ({"jeton": None}, "jeton", "absent ou mal formé"),
    ({"jeton": "7.AAAAAAAAAAAAAAAAAAAAAAAA"}, "jeton", "signature"),
    ({"jeton": make_token(SECRET, 8, REF.email, REF.scope)}, "jeton", "n°8, inconnue"),
    ({"jeton": make_token(SECRET, 7, "autre@exemple.fr", REF.scope)}, "jeton", "signature"),
    ({"courriel": "autre@exemple.fr"}, "courriel", "n'est pas la personne"),
    ({"creneaux": []}, "creneaux", "au moins un créneau"),
    ({"creneaux": [{"jour": None, "de": "09:00", "a": "10:00"}]}, "creneaux.jour (ligne 1)",
     "jour absent"),
    ({"creneaux": [{"jour": "2026-12-08", "de": "9 h", "a": "10:00"}]},
     "creneaux.de (ligne 1)", "illisible"),
    ({"creneaux": [{"jour": "2026-12-08", "de": "06:00", "a": "10:00"}]},
     "creneaux.de (ligne 1)", "6 h 00 est hors des heures possibles (de 8 h 00 à 20 h 00"),
    ({"creneaux": [{"jour": "2026-12-08", "de": "18:00", "a": "21:30"}]},
     "creneaux.a (ligne 1)", "21 h 30 est hors des heures possibles"),
    ({"creneaux": [{"jour": "2026-12-08", "de": "14:00", "a": "09:00"}]},
     "creneaux.a (ligne 1)", "la fin (9 h 00) ne suit pas le début (14 h 00)"),
    ({"creneaux": [{"jour": "2027-01-04", "de": "09:00", "a": "10:00"}]},
     "creneaux.jour (ligne 1)", "hors de la période demandée (du lundi 7 décembre 2026 au "
     "dimanche 3 janvier 2027)"),
])
def test_each_rule_names_its_field(fields, field, rule):
    reading = read(**fields)
    assert not reading.valid and not reading.windows
    assert reading.field == field and rule in reading.reason


def test_a_window_before_the_answer_is_refused():
    late = read_availability(
        1, {"jeton": make_token(SECRET, 7, REF.email, REF.scope), "courriel": REF.email,
            "creneaux": [{"jour": "2026-12-08", "de": "09:00", "a": "10:00"}]},
        SECRET, {7: REF}, answered_at=datetime(2026, 12, 8, 9, tzinfo=UTC),
        earliest=time(8), latest=time(20))
    assert late.field == "creneaux.jour (ligne 1)" and "créneau passé" in late.reason


def test_one_bad_line_sets_the_whole_form_aside_and_names_every_problem():
    reading = read(creneaux=[{"jour": "2026-12-08", "de": "09:00", "a": "12:00"},
                             {"jour": "2026-12-09", "de": "15:00", "a": "11:00"},
                             {"jour": "2026-12-10", "de": "07:00", "a": "11:00"}])
    assert not reading.valid and reading.field == "creneaux.a (ligne 2)"
    assert "creneaux.de (ligne 3) : 7 h 00 est hors" in reading.reason


def test_paris_summer_time_is_respected():
    summer = RequestRef(7, REF.email, REF.scope, datetime(2027, 6, 1, tzinfo=UTC),
                        datetime(2027, 6, 30, tzinfo=UTC))
    reading = read_availability(
        1, {"jeton": make_token(SECRET, 7, REF.email, REF.scope), "courriel": REF.email,
            "creneaux": [{"jour": "2027-06-10", "de": "09:00", "a": "10:00"}]},
        SECRET, {7: summer}, answered_at=NOW, earliest=time(8), latest=time(20))
    assert reading.windows == ((datetime(2027, 6, 10, 7, tzinfo=UTC),
                                datetime(2027, 6, 10, 8, tzinfo=UTC)),)


def test_the_token_is_not_an_evaluation_token():
    from models.evaluation_token import make_token as evaluation_token

    forged = evaluation_token(SECRET, 7, REF.email, 42)
    assert token_request(forged) == 7
    assert not verify_token(SECRET, forged, 7, REF.email, REF.scope)
    assert verify_token(SECRET, f" {make_token(SECRET, 7, REF.email, REF.scope)} ", 7,
                        REF.email.upper(), REF.scope)


def test_the_solver_keeps_an_entretien_inside_the_contacts_windows():
    day = datetime(2026, 12, 8, 8, tzinfo=UTC)  # 9:00 in Paris
    jury = [JuryMember("dinum@exemple.fr", "Dinum", frozenset({"produit"}),
                       (Interval(day, day + timedelta(hours=9)),))]
    wanted = BookingRequest("1", 57, "mission", day, day + timedelta(days=1),
                            timedelta(minutes=45), 1, attendees=frozenset({"admin@ex.fr"}),
                            attendee_windows=(Interval(day + timedelta(hours=5),
                                                       day + timedelta(hours=7)),))
    [booking] = schedule_hearings([wanted], jury, time_limit_s=1).bookings
    assert booking.start == day + timedelta(hours=5)  # not at 9:00, when the jury is free
    none = BookingRequest("2", 58, "mission", day, day + timedelta(days=1),
                          timedelta(minutes=45), 1, attendee_windows=(
                              Interval(day + timedelta(hours=10), day + timedelta(hours=11)),))
    [miss] = schedule_hearings([none], jury, time_limit_s=1).unplaced
    assert "créneaux déclarés par l'administration" in miss.reason


def test_the_jurors_periods_are_asked_ahead_and_the_running_one_from_today():
    from flows.availability_requests import jury_periods
    from settings.config import load_config
    from settings.environment import PROJECT_ROOT

    config = load_config(PROJECT_ROOT / "config" / "eig.yaml")  # 28-day blocks, 14 ahead
    [(scope, start, end)] = jury_periods(config, datetime(2026, 11, 30, 8, tzinfo=UTC))
    assert scope == "jury:2026-11-30" and start == datetime(2026, 11, 29, 23, tzinfo=UTC)
    assert end == datetime(2026, 12, 27, 23, tzinfo=UTC)
    running, ahead = jury_periods(config, datetime(2026, 12, 16, 8, tzinfo=UTC))
    assert running[0] == "jury:2026-11-30"
    assert running[1] == datetime(2026, 12, 15, 23, tzinfo=UTC)  # from today, Paris
    assert ahead[0] == "jury:2026-12-28"
