"""The evaluation token: made for one assignment, evaluator and dossier; nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.evaluation_token import make_token, token_assignment, verify_token

SECRET = b"k" * 32


def test_a_token_verifies_for_what_it_was_made_for():
    token = make_token(SECRET, 42, "Ana@Example.org", 1234)
    assert token.startswith("42.")
    assert token_assignment(token) == 42
    assert verify_token(SECRET, token, 42, "ana@example.org", 1234)
    assert verify_token(SECRET, token, 42, "ANA@example.org", 1234)  # the address's case


def test_only_the_exact_token_verifies_not_what_surrounds_it_nor_other_digits():
    token = make_token(SECRET, 42, "ana@example.org", 1234)
    number, mac = token.split(".")
    for changed in (f"  {token} ", f"{token}\n", f"\t{token}",
                    "٤٢." + mac, "４２." + mac):  # Arabic-Indic and full-width digits
        assert token_assignment(changed) is None, changed
        assert not verify_token(SECRET, changed, 42, "ana@example.org", 1234), changed


@pytest.mark.parametrize("assignment, email, dossier, secret", [
    (43, "ana@example.org", 1234, SECRET),  # another assignment
    (42, "bob@example.org", 1234, SECRET),  # another evaluator
    (42, "ana@example.org", 1235, SECRET),  # another dossier
    (42, "ana@example.org", 1234, b"other key"),  # not our key
])
def test_a_token_does_not_verify_for_anything_else(assignment, email, dossier, secret):
    token = make_token(SECRET, 42, "ana@example.org", 1234)
    assert not verify_token(secret, token, assignment, email, dossier)


def test_a_tampered_token_is_rejected():
    token = make_token(SECRET, 42, "ana@example.org", 1234)
    number, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert not verify_token(SECRET, f"{number}.{flipped}", 42, "ana@example.org", 1234)
    forged = make_token(SECRET, 43, "ana@example.org", 1234).split(".")[1]
    assert not verify_token(SECRET, f"42.{forged}", 42, "ana@example.org", 1234)


@pytest.mark.parametrize("token", [None, "", "42", "42.", "abc.def", "42.tooshort",
                                   "-1." + "A" * 24, "42." + "A" * 25])
def test_malformed_tokens_claim_nothing(token):
    assert token_assignment(token) is None
    assert not verify_token(SECRET, token, 42, "ana@example.org", 1234)


@given(st.integers(1, 10**9), st.emails(), st.integers(1, 10**9), st.integers(0, 29))
def test_any_single_character_change_is_caught(assignment, email, dossier, position):
    token = make_token(SECRET, assignment, email, dossier)
    mac_start = token.index(".") + 1
    index = mac_start + position % (len(token) - mac_start)
    changed = token[:index] + ("x" if token[index] != "x" else "y") + token[index + 1:]
    assert not verify_token(SECRET, changed, assignment, email, dossier)
