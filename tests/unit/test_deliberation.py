"""Deliberation: proposed decisions by track, pending dossiers, drafted motivations, edits."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

import pytest

from models.deliberation import (
    DECISION_LABELS,
    Agenda,
    DossierFacts,
    apply_edits,
    fr_number,
    propose,
)
from models.scoring import CriterionRule, DossierInfo, EvaluationScores, ScoringRules, score_track

T0 = datetime(2026, 1, 5, 9, 0)
LABELS = {"avere": "Problème avéré", "sponsoring": "Poids et qualité du sponsoring"}
RULES = ScoringRules(
    criteria=(CriterionRule("avere", LABELS["avere"], 1.0, 3),
              CriterionRule("sponsoring", LABELS["sponsoring"], 2.0, 3)),
    overall_threshold=6, cut_rank=2)
EVALUATORS = ("alice.martin@beta.gouv.fr", "bruno.petit@interieur.gouv.fr",
              "chloe.durand@dinum.gouv.fr")
# (avere, sponsoring) per evaluator; totals are avere + 2 × sponsoring, out of 15
TABLE = {
    11: [(5, 5), (5, 4), (4, 5)],  # 14 → 1st, above the cut
    12: [(4, 4), (4, 4), (4, 4)],  # 12 → 2nd, above the cut
    13: [(3, 4), (5, 3), (5, 3)],  # 11 → 3rd, passes; a spread on « Problème avéré »
    14: [(4, 3), (4, 3), (3, 4)],  # 10,33 → 4th, passes
    15: [(3, 3), (3, 3), (3, 3)],  # 9 → 5th, passes but after the waiting list
    16: [(5, 1), (4, 3), (3, 4)],  # 9,33: sponsoring 2,67 under its threshold; flags
    17: [(2, 2), (2, 3), (3, 2)],  # 7: both criteria under their thresholds
    18: [(4, 4), (3, 4)],  # two evaluations of three: quorum pending
}
COMMENTS = ("Très bon sponsor, équipe engagée (vu avec alice.martin@beta.gouv.fr).  Le "
            "terrain reste à préciser.", "Dossier solide.")


def stored_scores(table: dict[int, list[tuple[int, int]]] = TABLE,
                  rules: ScoringRules = RULES) -> dict[int, dict[str, Any]]:
    """The scores as flows/score.py stores them: asdict, then JSON."""
    evaluations = [EvaluationScores(d, EVALUATORS[i], {"avere": a, "sponsoring": s}, T0)
                   for d, marks in table.items() for i, (a, s) in enumerate(marks)]
    scores = score_track(evaluations, [DossierInfo(d) for d in table], rules)
    return {d.number: json.loads(json.dumps(asdict(d), default=str)) for d in scores.dossiers}


def facts_of(scores: dict[int, dict[str, Any]], *, hearings: dict[int, str] | None = None,
             never_scored: tuple[int, ...] = (19,)) -> list[DossierFacts]:
    facts = [DossierFacts(n, f"Projet {n} (Préfecture du Nord)", s, COMMENTS,
                          (hearings or {}).get(n)) for n, s in scores.items()]
    facts += [DossierFacts(n, f"Projet {n}", None, ()) for n in never_scored]
    return facts


def agenda(track: str = "projets", **kwargs: Any) -> Agenda:
    options: dict[str, Any] = {"criteria_labels": LABELS, "max_total": 15, "scale_max": 5,
                               "quorum": 3, "waiting_list": 2}
    options.update(kwargs)
    return propose(track, facts_of(stored_scores()), **options)


def decisions(a: Agenda) -> dict[int, str]:
    return {p.number: p.decision for p in a.proposals}


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))  # numbers use the decimal comma


# --- proposals --------------------------------------------------------------------------

def test_projets_laureats_above_the_cut_then_the_waiting_list_then_refusals() -> None:
    a = agenda()
    assert [p.number for p in a.proposals] == [11, 12, 13, 14, 15, 16, 17]  # rank order
    assert [p.rank for p in a.proposals] == [1, 2, 3, 4, 5, 6, 7]
    assert decisions(a) == {11: "laureat", 12: "laureat", 13: "liste_attente",
                            14: "liste_attente", 15: "refus", 16: "refus", 17: "refus"}
    first = a.proposals[0]
    assert first.total == pytest.approx(14) and first.calibrated_total is not None
    assert first.decision_label == "Lauréat"


def test_waiting_list_length_is_a_parameter() -> None:
    assert decisions(agenda(waiting_list=0))[13] == "refus"
    longer = decisions(agenda(waiting_list=5))
    assert [n for n, d in longer.items() if d == "liste_attente"] == [13, 14, 15]  # passing only


def test_candidats_go_to_the_vivier_above_the_cut_and_are_refused_otherwise() -> None:
    a = agenda("candidats")
    assert decisions(a) == {11: "vivier", 12: "vivier", 13: "refus", 14: "refus", 15: "refus",
                            16: "refus", 17: "refus"}
    assert "rejoint le vivier" in a.proposals[0].motivation
    assert a.proposals[0].motivation.startswith("La candidature est classée 1re sur 7")


def test_pending_dossiers_are_listed_with_their_reason_and_never_proposed() -> None:
    a = agenda()
    assert a.pending == ((18, "Projet 18 (Préfecture du Nord)",
                          "évaluations incomplètes (2 reçues sur 3)"),
                         (19, "Projet 19", "pas encore évalué"))
    assert {18, 19}.isdisjoint(decisions(a))


def test_pending_reason_without_the_quorum_size() -> None:
    a = propose("projets", facts_of(stored_scores()), criteria_labels=LABELS)
    assert (18, "Projet 18 (Préfecture du Nord)", "évaluations incomplètes (2 reçues)") in a.pending


def test_reduced_quorum_is_eligible() -> None:
    scores = stored_scores()
    scores[18] = {**scores[18], "quorum": "k-1", "rank": 8, "total": 11.5}
    a = propose("projets", facts_of(scores), criteria_labels=LABELS)
    assert 18 in decisions(a)
    assert "d'après 2 évaluations" in a.proposal(18).motivation  # type: ignore[union-attr]


def test_hearing_required_excludes_dossiers_without_hearing_notes() -> None:
    scores = stored_scores()
    hearings = {11: "Soutenance convaincante, sponsor présent.", 13: "  "}
    a = propose("projets", facts_of(scores, hearings=hearings), criteria_labels=LABELS,
                hearing_required=True)
    assert list(decisions(a)) == [11]
    reasons = dict((n, r) for n, _, r in a.pending)
    assert reasons[12] == reasons[13] == "soutenance non tenue"
    assert reasons[18].startswith("évaluations incomplètes") and reasons[19] == "pas encore évalué"
    # the score comes from the evaluations alone; the hearing is told apart
    assert ("d'après 3 évaluations ; l'avis du jury de la soutenance a été présenté au comité"
            in a.proposals[0].motivation)
    cand = propose("candidats", facts_of(scores), criteria_labels=LABELS, hearing_required=True)
    assert not cand.proposals
    assert dict((n, r) for n, _, r in cand.pending)[11] == "entretien métier non tenu"


def test_without_hearing_required_hearings_are_optional() -> None:
    a = propose("projets", facts_of(stored_scores(), hearings={12: "Bonne soutenance."}),
                criteria_labels=LABELS)
    assert len(a.proposals) == 7
    assert "jury de la soutenance" in a.proposal(12).motivation  # type: ignore[union-attr]
    assert "soutenance" not in a.proposal(11).motivation  # type: ignore[union-attr]


def test_unknown_track_and_duplicate_dossiers_are_refused() -> None:
    with pytest.raises(ValueError, match="parcours inconnu"):
        propose("missions", [], criteria_labels=LABELS)
    facts = facts_of(stored_scores())
    with pytest.raises(ValueError, match="deux fois : 11"):
        propose("projets", [*facts, facts[0]], criteria_labels=LABELS)


# --- motivations ------------------------------------------------------------------------

def test_motivations_cite_total_on_the_scale_rank_and_failed_criteria_by_label() -> None:
    by_number = {p.number: p for p in agenda().proposals}
    refused = by_number[16].motivation
    assert "classé 6e sur 7" in refused
    assert "note totale de 9,33 sur 15" in refused
    assert "Poids et qualité du sponsoring\u00a0» (2,67 sur 5)" in refused
    assert "Problème avéré\u00a0» (" not in refused  # it passes its threshold
    both = by_number[17].motivation
    assert "les critères «\u00a0Problème avéré\u00a0» (2,33 sur 5) et «\u00a0Poids" in both
    assert "note totale de 7 sur 15" in by_number[17].motivation
    assert "seuils requis mais se classe après" in by_number[15].motivation
    assert "1re position sur la liste d'attente" in by_number[13].motivation
    assert "2e position sur la liste d'attente" in by_number[14].motivation


def test_motivations_are_short_and_name_no_evaluator() -> None:
    a = agenda()
    for p in a.proposals:
        assert 2 <= sentences(p.motivation) <= 4, p.motivation
        assert "@" not in p.motivation
        for email in EVALUATORS:
            assert email.split("@")[0] not in p.motivation
    flagged = a.proposal(16)
    assert flagged is not None and flagged.flags  # the details, for the committee...
    assert any("alice.martin@beta.gouv.fr" in f for f in flagged.flags)  # ...name evaluators


def test_no_motivation_quotes_an_evaluator() -> None:
    """The motivation goes to the applicant: built from the committee's decision and the
    criteria scores, never from an evaluator's words (their comments are internal)."""
    words = [w for comment in COMMENTS for w in re.split(r"[.!?]\s+|\s+\(", comment)
             if len(w.split()) >= 3]
    for track in ("projets", "candidats"):
        for p in agenda(track).proposals:
            assert "relèvent" not in p.motivation and "«\u00a0Le terrain" not in p.motivation
            for excerpt in words:
                assert excerpt.strip(" .") not in p.motivation, (track, p.decision)
    laureat = agenda().proposals[0]
    assert laureat.decision == "laureat"
    assert "points forts : «\u00a0Problème avéré\u00a0» (4,67 sur 5)" in laureat.motivation


def test_flags_are_described_for_the_committee_without_their_evaluators() -> None:
    by_number = {p.number: p.motivation for p in agenda().proposals}
    assert ("Point soumis à l'examen du comité de sélection : écart de notation entre "
            "évaluateurs sur «\u00a0Problème avéré\u00a0»") in by_number[13]
    assert "Points soumis" in by_number[16]
    assert "appréciations partagées au regard du seuil" in by_number[16]
    assert "examen du comité" not in by_number[12]


def test_calibration_crossing_flag_is_worded_without_numbers() -> None:
    scores = stored_scores()
    scores[12] = {**scores[12], "flags": [{"kind": "calibration_crosses_cut",
                                           "criterion": None, "detail": "alice -0,8"}]}
    a = propose("projets", facts_of(scores), criteria_labels=LABELS)
    text = a.proposal(12).motivation  # type: ignore[union-attr]
    assert "harmonisées les sévérités des évaluateurs" in text and "alice" not in text


def test_totals_without_a_scale_and_unknown_labels_fall_back_to_keys() -> None:
    a = propose("projets", facts_of(stored_scores()), criteria_labels={})
    text = a.proposal(17).motivation  # type: ignore[union-attr]
    assert "note totale de 7," in text and "«\u00a0avere\u00a0» (moyenne 2,33)" in text


def test_fr_number() -> None:
    assert [fr_number(v) for v in (38.5, 4.666, 45.0, 0, -0.001)] == [
        "38,5", "4,67", "45", "0", "0"]


# --- the operator's edits -----------------------------------------------------------------

def test_apply_edits_replaces_decision_and_motivation() -> None:
    a = agenda()
    edited = apply_edits(a, {15: ("liste_attente", "  Retenu en liste d'attente.  "),
                             11: ("refus", "Le comité a jugé le périmètre trop large.")})
    assert decisions(edited)[15] == "liste_attente"
    assert edited.proposal(15).motivation == "Retenu en liste d'attente."  # type: ignore
    assert decisions(edited)[11] == "refus"
    assert decisions(a)[11] == "laureat"  # the original agenda is untouched
    assert edited.pending == a.pending
    assert [p.number for p in edited.proposals] == [p.number for p in a.proposals]


def test_apply_edits_refuses_a_decision_of_another_track() -> None:
    with pytest.raises(ValueError) as raised:
        apply_edits(agenda(), {12: ("vivier", "Motivation.")})  # type: ignore[dict-item]
    message = str(raised.value)
    assert "dossier n° 12" in message and "projets" in message
    for decision in ("laureat", "liste_attente", "refus"):
        assert decision in message and DECISION_LABELS[decision] in message
    with pytest.raises(ValueError, match=r"dossier n° 11 .*vivier \(Vivier\), refus"):
        apply_edits(agenda("candidats"), {11: ("laureat", "Bravo.")})


def test_apply_edits_requires_a_motivation_to_refuse() -> None:
    with pytest.raises(ValueError, match="dossier n° 12 : un refus doit être motivé"):
        apply_edits(agenda(), {12: ("refus", "   ")})
    assert apply_edits(agenda(), {12: ("laureat", "")}).proposal(12).motivation == ""  # type: ignore


def test_apply_edits_refuses_dossiers_not_on_the_agenda() -> None:
    with pytest.raises(ValueError, match=r"dossier n° 18 : pas proposé .*évaluations incomplètes"):
        apply_edits(agenda(), {18: ("laureat", "Bravo.")})
    with pytest.raises(ValueError, match="dossier n° 99 : pas proposé"):
        apply_edits(agenda(), {99: ("refus", "Non.")})


def test_a_decision_sets_the_dossiers_state_in_ds_or_only_labels_it() -> None:
    from models.deliberation import ds_state

    assert ds_state("laureat") == ds_state("vivier") == "accepte"
    assert ds_state("refus") == "refuse"
    assert ds_state("liste_attente") is None  # a label; the dossier stays en instruction
