"""Who sat on a committee: presidency, members present, quorum."""

from __future__ import annotations

from models.committee_sitting import Sitting, default_sitting, sitting_problem

MEMBERS = ("Claire Moreau (DINUM)", "Julien Lefèvre (DINUM)", "Sophie Bernard (DB)",
           "Karim Haddad (ancien EIG)")


def test_a_full_sitting_can_decide() -> None:
    assert sitting_problem(default_sitting(MEMBERS, 3)) is None
    assert sitting_problem(Sitting(MEMBERS[1], MEMBERS[1:], MEMBERS, 3)) is None


def test_the_quorum_counts_distinct_members_present() -> None:
    twice = Sitting(MEMBERS[0], (MEMBERS[0], MEMBERS[0], MEMBERS[1]), MEMBERS, 3)
    assert not twice.quorum_reached
    assert sitting_problem(twice) == "quorum non atteint : 2 membres présents, 3 requis"
    assert sitting_problem(Sitting(MEMBERS[0], (), MEMBERS, 1)) == (
        "quorum non atteint : 0 membre présent, 1 requis")


def test_the_president_is_a_member_present() -> None:
    assert sitting_problem(Sitting(" ", MEMBERS, MEMBERS, 3)) == (
        "la présidence de séance n'est pas renseignée")
    assert sitting_problem(Sitting(MEMBERS[3], MEMBERS[:3], MEMBERS, 3)) == (
        "la présidence (Karim Haddad (ancien EIG)) doit être assurée par un membre présent")


def test_only_configured_members_sit() -> None:
    sitting = Sitting(MEMBERS[0], (*MEMBERS[:3], "Inconnu"), MEMBERS, 3)
    assert sitting_problem(sitting) == (
        "Inconnu : pas membre du comité (config : deliberation.composition)")
    # no composition configured: whoever the approval names sits, one is a quorum
    assert sitting_problem(Sitting("Inconnu", ("Inconnu",), (), 1)) is None
