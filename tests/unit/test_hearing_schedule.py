"""Hearing scheduler: hard rules hold, reasons are precise, results are deterministic."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import hearing_schedule
from models.hearing_schedule import (
    Attendance,
    BookingRequest,
    Interval,
    JuryMember,
    Schedule,
    double_bookings,
    schedule_hearings,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
THU_3 = date(2026, 12, 3)  # a Thursday
MINUTES_30 = timedelta(minutes=30)
MINUTES_45 = timedelta(minutes=45)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Paris wall time, as the store keeps it (UTC)."""
    return datetime.combine(day, time(hour, minute), PARIS).astimezone(UTC)


def span(day: date, start: int, end: int) -> Interval:
    return Interval(at(day, start), at(day, end))


def working_days(first: date, count: int) -> list[date]:
    days = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def member(
    email: str,
    days: list[date],
    profiles: frozenset[str] = frozenset(),
    hours: tuple[int, int] = (9, 18),
    busy: tuple[Interval, ...] = (),
    max_per_day: int | None = None,
) -> JuryMember:
    windows = tuple(span(day, *hours) for day in days)
    return JuryMember(email, email.split("@")[0], profiles, windows, busy, max_per_day)


def request(
    key: str,
    earliest: datetime,
    latest: datetime,
    jury_size: int = 3,
    duration: timedelta = MINUTES_45,
    hearing_type: str = "soutenance",
    dossier: int | None = None,
    **kwargs,
) -> BookingRequest:
    number = dossier if dossier is not None else int(key.split(":")[1])
    return BookingRequest(
        key, number, hearing_type, earliest, latest, duration, jury_size, **kwargs
    )


def check(schedule: Schedule, requests: list[BookingRequest], jury: list[JuryMember]) -> None:
    """Every hard rule of the brief, checked on the answer alone."""
    by_key = {r.key: r for r in requests}
    members = {m.email: m for m in jury}
    keys = [p.key for p in schedule.bookings] + [u.key for u in schedule.unplaced]
    assert sorted(keys) == sorted(by_key), "each request is placed or unplaced, once"
    for p in schedule.bookings:
        r = by_key[p.key]
        assert p.end - p.start == r.duration
        assert r.earliest <= p.start and p.end <= r.latest
        assert len(p.jury) == len(set(p.jury)) == r.jury_size
        assert list(p.jury) == sorted(p.jury)
        assert not set(p.jury) & r.excluded
        if r.required_profiles:
            assert any(members[e].profiles & r.required_profiles for e in p.jury)
        assert not any(_overlap(p.start, p.end, b) for b in r.applicant_busy)
        for email in p.jury:
            m = members[email]
            assert any(w.start <= p.start and p.end <= w.end for w in m.availability)
            assert not any(_overlap(p.start, p.end, b) for b in m.busy)
    for a, b in itertools.combinations(schedule.bookings, 2):
        if a.start < b.end and b.start < a.end:
            assert not set(a.jury) & set(b.jury), f"{a.key} and {b.key} share a member"
            assert by_key[a.key].dossier != by_key[b.key].dossier
    # Everyone, jury and attendees, by identity: in one hearing at a time, never judging
    # a hearing they attend.
    assert double_bookings(Attendance(p.key, p.start, p.end,
                                      frozenset(p.jury) | by_key[p.key].attendees)
                           for p in schedule.bookings) == []
    for p in schedule.bookings:
        assert not {e.lower() for e in p.jury} & by_key[p.key].attendees
    new: Counter[tuple[str, date]] = Counter()
    for p in schedule.bookings:
        for email in p.jury:
            new[email, p.start.astimezone(PARIS).date()] += 1
    for (email, day), count in new.items():
        cap = members[email].max_per_day
        booked = sum(b.start.astimezone(PARIS).date() == day for b in members[email].busy)
        assert cap is None or count + booked <= cap, f"{email} over max_per_day on {day}"


def _overlap(start: datetime, end: datetime, other: Interval) -> bool:
    return start < other.end and other.start < end


def reasons(schedule: Schedule) -> dict[str, str]:
    return {u.key: u.reason for u in schedule.unplaced}


def loaded_instance(
    n_requests: int, n_members: int, n_days: int, seed: int, partial: bool
) -> tuple[list[BookingRequest], list[JuryMember]]:
    """Seeded, varied: profiles, lunch bookings, day caps, conflicts, applicants' agendas."""
    rng = random.Random(seed)
    days = working_days(date(2026, 11, 30), n_days)
    jury = []
    for i in range(n_members):
        mine = [d for d in days if not partial or rng.random() < 0.6]
        lunches = tuple(span(d, 13, 14) for d in rng.sample(days, min(3, n_days)))
        profiles = frozenset(rng.sample(["produit", "technique"], rng.choice([1, 1, 2])))
        jury.append(
            member(f"m{i:02d}@x.fr", mine, profiles, busy=lunches,
                   max_per_day=rng.choice([None, 3, 4]))
        )
    requests = []
    for k in range(n_requests):
        kind = rng.choice(["soutenance", "produit", "technique"])
        earliest = at(rng.choice(days[:5]), rng.choice([9, 10, 14]))
        weeks = rng.choice([1, 2]) if kind == "soutenance" else rng.choice([2, 3])
        requests.append(
            request(
                f"r:{k:03d}", earliest, earliest + timedelta(weeks=weeks),
                duration=rng.choice([MINUTES_30, MINUTES_45]), hearing_type=kind,
                required_profiles=frozenset() if kind == "soutenance" else frozenset([kind]),
                excluded=frozenset(rng.sample([m.email for m in jury], rng.choice([0, 1, 2]))),
                applicant_busy=(span(rng.choice(days[:5]), 10, 12),),
            )
        )
    return requests, jury


# --- hard rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_loaded_instance_respects_every_rule(seed: int) -> None:
    requests, jury = loaded_instance(25, 8, 5, seed, partial=True)
    schedule = schedule_hearings(requests, jury, time_limit_s=1.0)
    check(schedule, requests, jury)
    assert schedule.solver == "cp-sat"
    assert len(schedule.bookings) >= 10 and all(u.reason for u in schedule.unplaced)


def test_excluded_members_never_sit() -> None:
    jury = [member(f"{n}@x.fr", [THU_3]) for n in "abcde"]
    requests = [
        request(f"p:{k}", at(THU_3, 9), at(THU_3, 18), excluded=frozenset({"a@x.fr", "b@x.fr"}))
        for k in range(3)
    ]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert len(schedule.bookings) == 3
    assert all(p.jury == ("c@x.fr", "d@x.fr", "e@x.fr") for p in schedule.bookings)


def test_busy_and_applicant_agenda_and_day_cap_are_respected() -> None:
    jury = [
        member("a@x.fr", [THU_3], busy=(span(THU_3, 9, 11),)),
        member("b@x.fr", [THU_3, date(2026, 12, 4)], max_per_day=1,
               busy=(span(THU_3, 16, 17),)),  # its one hearing of the 3rd is taken
        member("c@x.fr", [THU_3]),
    ]
    requests = [request("p:1", at(THU_3, 9), at(date(2026, 12, 5), 0), jury_size=2,
                        applicant_busy=(span(THU_3, 11, 12),))]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    (placed,) = schedule.bookings
    assert placed.start == at(THU_3, 12)  # a is busy until 11, the applicant until 12
    assert placed.jury == ("a@x.fr", "c@x.fr")  # b has no room left on the 3rd


def test_requests_of_one_dossier_do_not_overlap() -> None:
    jury = [member(f"{n}@x.fr", [THU_3], hours=(9, 10)) for n in "ab"]
    requests = [
        request("candidats:7a", at(THU_3, 9), at(THU_3, 10), jury_size=1, dossier=7,
                duration=MINUTES_30),
        request("candidats:7b", at(THU_3, 9), at(THU_3, 10), jury_size=1, dossier=7,
                duration=MINUTES_30),
    ]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert sorted(p.start for p in schedule.bookings) == [at(THU_3, 9), at(THU_3, 9, 30)]


def test_naive_datetimes_and_duplicates_are_refused() -> None:
    with pytest.raises(ValueError, match="sans fuseau"):
        Interval(datetime(2026, 12, 3, 9), at(THU_3, 10))
    same = request("p:1", at(THU_3, 9), at(THU_3, 18))
    with pytest.raises(ValueError, match="en double"):
        schedule_hearings([same, same], [])


# --- reasons ----------------------------------------------------------------------------------


def test_empty_window_reason() -> None:
    late = request("p:1", at(date(2026, 12, 4), 9), at(THU_3, 9))
    schedule = schedule_hearings([late], [member("a@x.fr", [THU_3])])
    assert reasons(schedule) == {
        "p:1": "fenêtre vide : la date limite (3 décembre à 9 h 00) précède la date au plus "
        "tôt (4 décembre à 9 h 00)"
    }


def test_too_few_members_together_reason() -> None:
    days = working_days(THU_3, 6)  # 3 to 10 December
    jury = [member(f"{n}@x.fr", [d]) for n, d in zip("abc", days, strict=False)]
    jury.append(member("d@x.fr", days[:1]))
    r = request("p:1", at(THU_3, 9), at(date(2026, 12, 10), 18))
    assert reasons(schedule_hearings([r], jury)) == {
        "p:1": "aucun créneau possible entre le 3 décembre et le 10 décembre : moins de 3 "
        "membres du jury disponibles ensemble (au mieux 2)"
    }


def test_no_member_of_the_profile_available_reason() -> None:
    days = working_days(THU_3, 6)
    jury = [member(f"{n}@x.fr", days, frozenset({"produit"})) for n in "abc"]
    jury.append(member("t@x.fr", [date(2026, 12, 14)], frozenset({"technique"})))
    r = request("candidats:1", at(THU_3, 9), at(date(2026, 12, 10), 18),
                hearing_type="technique", required_profiles=frozenset({"technique"}))
    assert reasons(schedule_hearings([r], jury)) == {
        "candidats:1": "aucun membre du jury disponible au profil technique entre le "
        "3 décembre et le 10 décembre"
    }


def test_nobody_has_the_profile_reason() -> None:
    jury = [member(f"{n}@x.fr", [THU_3], frozenset({"produit"})) for n in "abc"]
    r = request("candidats:1", at(THU_3, 9), at(THU_3, 18),
                required_profiles=frozenset({"technique"}))
    assert reasons(schedule_hearings([r], jury)) == {
        "candidats:1": "aucun membre du jury n'a le profil technique"
    }


def test_profile_never_with_enough_others_reason() -> None:
    jury = [member(f"{n}@x.fr", [THU_3], hours=(9, 12)) for n in "ab"]
    jury.append(member("t@x.fr", [THU_3], frozenset({"technique"}), hours=(14, 18)))
    jury.append(member("c@x.fr", [THU_3], hours=(9, 12)))
    r = request("candidats:1", at(THU_3, 9), at(THU_3, 18),
                required_profiles=frozenset({"technique"}))
    assert reasons(schedule_hearings([r], jury)) == {
        "candidats:1": "aucun créneau possible le 3 décembre : aucun membre au profil technique "
        "n'est disponible en même temps que 2 autres membres du jury"
    }


def test_conflicts_of_interest_reason() -> None:
    jury = [member(f"{n}@x.fr", [THU_3]) for n in "abcd"]
    r = request("p:1", at(THU_3, 9), at(THU_3, 18), excluded=frozenset({"a@x.fr", "b@x.fr"}))
    assert reasons(schedule_hearings([r], jury)) == {
        "p:1": "les conflits d'intérêts déclarés écartent trop de membres (2 restants pour "
        "3 requis)"
    }


def test_conflicts_of_interest_on_the_profile_reason() -> None:
    jury = [member(f"{n}@x.fr", [THU_3]) for n in "abc"]
    jury.append(member("t@x.fr", [THU_3], frozenset({"technique"})))
    r = request("candidats:1", at(THU_3, 9), at(THU_3, 18),
                required_profiles=frozenset({"technique"}), excluded=frozenset({"t@x.fr"}))
    assert reasons(schedule_hearings([r], jury)) == {
        "candidats:1": "les conflits d'intérêts déclarés écartent les membres au profil "
        "technique disponibles le 3 décembre"
    }


def test_applicant_agenda_reason() -> None:
    jury = [member(f"{n}@x.fr", [THU_3], hours=(9, 12)) for n in "abc"]
    r = request("candidats:1", at(THU_3, 9), at(THU_3, 18), hearing_type="produit",
                applicant_busy=(span(THU_3, 8, 13),))
    assert reasons(schedule_hearings([r], jury)) == {
        "candidats:1": "aucun créneau possible le 3 décembre : le candidat a d'autres "
        "rendez-vous sur tous les créneaux où le jury est disponible"
    }


def test_capacity_shortfall_reason_and_maximal_count() -> None:
    # One member, 9:00-10:00: two 30-minute hearings at most (9:00 and 9:30).
    jury = [member("a@x.fr", [THU_3], hours=(9, 10))]
    requests = [
        request(f"p:{k}", at(THU_3, 9), at(THU_3, 18), jury_size=1, duration=MINUTES_30)
        for k in range(3)
    ]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert len(schedule.bookings) == 2
    assert list(reasons(schedule).values()) == [
        "délai intenable : les créneaux possibles avant le 3 décembre à 18 h 00 sont pris par "
        "d'autres auditions"
    ]


def test_count_is_maximised_where_the_greedy_falls_short() -> None:
    # The greedy seats a (least loaded, first by e-mail) for the technique hearing, leaving
    # the produit one without its only member; CP-SAT swaps them.
    jury = [
        member("a@x.fr", [THU_3], frozenset({"produit", "technique"}), hours=(9, 10)),
        member("b@x.fr", [THU_3], frozenset({"technique"}), hours=(9, 10)),
    ]
    requests = [
        request("candidats:1", at(THU_3, 9), at(THU_3, 10), jury_size=1, duration=MINUTES_45,
                required_profiles=frozenset({"technique"})),
        request("candidats:2", at(THU_3, 9), at(THU_3, 10), jury_size=1, duration=MINUTES_45,
                required_profiles=frozenset({"produit"})),
    ]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert (schedule.solver, schedule.status) == ("cp-sat", "OPTIMAL")
    assert {p.key: p.jury for p in schedule.bookings} == {
        "candidats:1": ("b@x.fr",), "candidats:2": ("a@x.fr",)
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hearing_schedule._Model, "solve", lambda *a, **k: (None, False, 0.0))
        assert len(schedule_hearings(requests, jury).bookings) == 1


# --- nobody in two places at once ------------------------------------------------------------

TUE_19_JAN = date(2027, 1, 19)


def test_the_administration_contact_is_never_in_two_entretiens_at_once() -> None:
    """The demo's case: two entretiens de mission of one mission, two DINUM members free
    at 9:00, the administration's contact invited to both (spelled two ways)."""
    jury = [member(f"dinum{i}@x.fr", [TUE_19_JAN], hours=(9, 12)) for i in range(2)]

    def entretien(key: str, contact: str) -> BookingRequest:
        return request(key, at(TUE_19_JAN, 9), at(TUE_19_JAN, 12), jury_size=1,
                       hearing_type="mission", attendees=frozenset({
                           f"candidat{key[-1]}@exemple.fr", contact}))

    requests = [entretien("m:62", "contact@admin.gouv.fr"),
                entretien("m:63", " Contact@Admin.gouv.fr")]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    starts = sorted(p.start for p in schedule.bookings)
    assert starts == [at(TUE_19_JAN, 9), at(TUE_19_JAN, 9, 45)]
    # Without the contact, both would sit at 9:00 with one DINUM member each.
    alone = [request(r.key, r.earliest, r.latest, jury_size=1, hearing_type="mission")
             for r in requests]
    assert {p.start for p in schedule_hearings(alone, jury).bookings} == {at(TUE_19_JAN, 9)}


def test_shared_attendees_are_respected_by_the_greedy_fallback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hearing_schedule._Model, "solve", lambda *a, **k: (None, False, 0.0))
    jury = [member(f"dinum{i}@x.fr", [TUE_19_JAN], hours=(9, 12)) for i in range(3)]
    requests = [request(f"m:{n}", at(TUE_19_JAN, 9), at(TUE_19_JAN, 12), jury_size=1,
                        attendees=frozenset({"contact@admin.gouv.fr"})) for n in (1, 2, 3)]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert schedule.solver == "greedy" and len(schedule.bookings) == 3


def test_a_member_attending_a_hearing_neither_judges_it_nor_sits_elsewhere_meanwhile() -> None:
    # b@x.fr is the applicant of p:2: never on its jury, never seated during it.
    jury = [member(f"{n}@x.fr", [THU_3], hours=(9, 11)) for n in "abcd"]
    requests = [request("p:1", at(THU_3, 9), at(THU_3, 11), jury_size=2),
                request("p:2", at(THU_3, 9), at(THU_3, 11), jury_size=2,
                        attendees=frozenset({"B@x.fr"}))]
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    placed = {p.key: p for p in schedule.bookings}
    assert "b@x.fr" not in placed["p:2"].jury
    if "b@x.fr" in placed["p:1"].jury:
        assert placed["p:1"].end <= placed["p:2"].start \
            or placed["p:2"].end <= placed["p:1"].start


def test_attendees_already_booked_elsewhere_are_busy() -> None:
    jury = [member(f"{n}@x.fr", [THU_3], hours=(9, 12)) for n in "abc"]
    r = request("p:1", at(THU_3, 9), at(THU_3, 12), attendees=frozenset({"porteur@a.fr"}),
                applicant_busy=(span(THU_3, 9, 10),))
    (placed,) = schedule_hearings([r], jury).bookings
    assert placed.start == at(THU_3, 10)


def test_double_bookings_names_each_person_once_per_overlap() -> None:
    hearings = [
        Attendance("audition 1", at(THU_3, 9), at(THU_3, 10), frozenset({"A@x.fr", "j@x.fr"})),
        Attendance("audition 2", at(THU_3, 9, 30), at(THU_3, 10, 15),
                   frozenset({"a@x.fr ", "k@x.fr"})),
        Attendance("audition 3", at(THU_3, 10, 15), at(THU_3, 11),
                   frozenset({"a@x.fr", "k@x.fr"})),  # back to back: fine
    ]
    [clash] = double_bookings(hearings)
    assert (clash.person, clash.first, clash.second) == ("a@x.fr", "audition 1", "audition 2")
    assert str(clash) == ("a@x.fr est convoqué·e à deux auditions en même temps (audition 1 "
                          "et audition 2, le 3 décembre à 9 h 30)")


# --- objective --------------------------------------------------------------------------------


def test_earlier_starts_are_preferred_on_the_window_grid() -> None:
    days = working_days(THU_3, 2)
    jury = [member(f"{n}@x.fr", days) for n in "abc"]
    r = request("p:1", at(THU_3, 10, 5), at(date(2026, 12, 5), 0))
    (placed,) = schedule_hearings([r], jury).bookings
    assert placed.start == at(THU_3, 10, 15)  # the grid starts at 9:00, every 15 minutes


def test_a_wait_is_traded_for_a_placement_not_the_reverse() -> None:
    # p:2 can only sit at 9:00; p:1 then waits until 9:45 rather than leaving p:2 out.
    jury = [member(f"{n}@x.fr", [THU_3]) for n in "abc"]
    requests = [
        request("p:1", at(THU_3, 9), at(THU_3, 18)),
        request("p:2", at(THU_3, 9), at(THU_3, 9, 45)),
    ]
    schedule = schedule_hearings(requests, jury)
    assert {p.key: p.start for p in schedule.bookings} == {
        "p:1": at(THU_3, 9, 45), "p:2": at(THU_3, 9)
    }


def test_load_is_balanced() -> None:
    jury = [member(f"{n}@x.fr", [THU_3]) for n in "ab"]
    requests = [
        request("p:1", at(THU_3, 9), at(THU_3, 18), jury_size=1),
        request("p:2", at(THU_3, 14), at(THU_3, 18), jury_size=1),
    ]
    schedule = schedule_hearings(requests, jury)
    assert sorted(p.jury for p in schedule.bookings) == [("a@x.fr",), ("b@x.fr",)]
    assert [p.start for p in schedule.bookings] == [at(THU_3, 9), at(THU_3, 14)]


def test_same_input_same_schedule() -> None:
    requests, jury = loaded_instance(20, 8, 5, seed=3, partial=True)
    first = schedule_hearings(requests, jury, time_limit_s=0.5, seed=4)
    again = schedule_hearings(list(reversed(requests)), list(reversed(jury)),
                              time_limit_s=0.5, seed=4)
    assert first == again


def test_greedy_fallback_when_cp_sat_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hearing_schedule._Model, "solve", lambda *a, **k: (None, False, 0.0))
    requests, jury = loaded_instance(15, 6, 5, seed=5, partial=False)
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert (schedule.solver, schedule.status) == ("greedy", "UNKNOWN")
    assert len(schedule.bookings) == 15


def test_sixty_requests_twelve_members_three_weeks() -> None:
    requests, jury = loaded_instance(60, 12, 15, seed=1, partial=False)
    schedule = schedule_hearings(requests, jury)
    check(schedule, requests, jury)
    assert len(schedule.bookings) == 60
    assert schedule.solver == "cp-sat"
