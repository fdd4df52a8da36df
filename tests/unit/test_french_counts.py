"""`compte`: a count and its noun agree (« 20 lauréats », never « 20 lauréat »)."""

from __future__ import annotations

import pytest

from models.french import compte


@pytest.mark.parametrize(("n", "noun", "plural", "expected"), [
    (0, "lauréat", None, "0 lauréat"),
    (1, "lauréat", None, "1 lauréat"),
    (20, "lauréat", None, "20 lauréats"),
    (2, "refus", None, "2 refus"),
    (3, "bureau", "bureaux", "3 bureaux"),
    (1234, "courriel", None, "1\u202f234 courriels"),
    (2, "dossier classé", "dossiers classés", "2 dossiers classés"),
])
def test_the_noun_agrees_with_the_count(n, noun, plural, expected):
    assert compte(n, noun, plural) == expected


def test_a_phrase_needs_its_plural():
    with pytest.raises(ValueError, match="pluriel"):
        compte(2, "dossier classé")
