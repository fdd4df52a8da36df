"""The relevé de décision: canonical content, seal, CSV rows, the HTML and PDF document."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.documents import html_to_pdf, render_document
from models.committee_sitting import Sitting
from models.decision_record import (
    NO_HEARING,
    CommitteeRecord,
    canonical_json,
    cut_line_fr,
    dossier_entry,
    pending_entries,
    record_content,
    record_csv_rows,
    seal,
    tie_break_descriptions,
)
from models.deliberation import Agenda, DossierFacts, apply_edits, propose
from tests.unit.test_deliberation import LABELS, RULES, facts_of, stored_scores

EVIL = "<script>alert('x')</script> & Cie"
MEMBERS = ("Jeanne Commission (DINUM)", "Paul Comité (DB)", "Rita Séance (SGG)",
           "Marc Absent (ancien EIG)")
SAT = Sitting("Jeanne Commission (DINUM)", MEMBERS[:3], MEMBERS, 3)
DRAFT_SITTING = Sitting("", (), MEMBERS, 3)
GENERATED = datetime(2026, 3, 2, 17, 5, tzinfo=UTC)  # 18 h 05 à Paris


def facts() -> list[DossierFacts]:
    out = facts_of(stored_scores(), hearings={11: "Soutenance convaincante."})
    return [replace(f, title=f"{EVIL} n°{f.number}") if f.number == 12 else f for f in out]


def the_agenda() -> Agenda:
    return propose("projets", facts(), criteria_labels=LABELS, max_total=15, scale_max=5,
                   quorum=3, waiting_list=2)


def build(agenda: Agenda | None = None, **changes: Any) -> CommitteeRecord:
    agenda = agenda or the_agenda()
    by_number = {f.number: f for f in facts()}
    resolutions = {"écart de 2 sur « Problème avéré » : alice.martin@beta.gouv.fr 3 ; "
                   "bruno.petit@interieur.gouv.fr 5 ; chloe.durand@dinum.gouv.fr 5":
                   "Écart discuté en séance : la note haute est retenue."}
    fields: dict[str, Any] = {
        "track": "projets", "track_label": "Appel à projets",
        "session_date": date(2026, 3, 2),
        "committee": "Comité de sélection — Appel à projets",
        "criteria": tuple({"key": c.key, "label": c.label, "weight": c.weight,
                           "threshold": c.threshold} for c in RULES.criteria),
        "overall_threshold": RULES.overall_threshold,
        "cut_line": cut_line_fr(RULES.cut_rank, RULES.cut_threshold),
        "tie_breaks": tie_break_descriptions(RULES.chain(), LABELS),
        "evaluators": (
            {"name": "Chloé Durand", "email": "chloe.durand@dinum.gouv.fr",
             "organisation": "DINUM", "conflicts": [], "recusals": []},
            {"name": "Alice Martin", "email": "alice.martin@beta.gouv.fr",
             "organisation": "beta.gouv.fr", "conflicts": [20, 18], "recusals": [20]}),
        "dossiers": tuple(dossier_entry(p, by_number[p.number], resolutions=resolutions)
                          for p in agenda.proposals),
        "pending": pending_entries(agenda),
        "scores_only": True, "approved": False, "approved_by": None,
        "generated_at": GENERATED, "sitting": DRAFT_SITTING,
    }
    if changes.get("approved"):
        fields["sitting"] = SAT
    fields.update(changes)
    return CommitteeRecord(**fields)


# --- content and seal ---------------------------------------------------------------------

def test_identical_content_gives_the_identical_seal() -> None:
    record = build()
    again = build()
    assert seal(record) == seal(again)
    shuffled = replace(record, dossiers=tuple(reversed(record.dossiers)),
                       evaluators=tuple(reversed(record.evaluators)),
                       pending=tuple(reversed(record.pending)))
    assert seal(shuffled) == seal(record)  # canonical order
    assert len(seal(record)) == 64 and int(seal(record), 16) >= 0
    assert seal(record) == hashlib.sha256(canonical_json(record)).hexdigest()
    expected = json.dumps(record_content(record), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
    assert canonical_json(record) == expected


def test_changing_one_decision_or_one_motivation_changes_the_seal() -> None:
    agenda = the_agenda()
    original = seal(build(agenda))
    motivation = agenda.proposal(15).motivation  # type: ignore[union-attr]
    decided = apply_edits(agenda, {15: ("liste_attente", motivation)})
    assert seal(build(decided)) != original
    reworded = apply_edits(agenda, {15: ("refus", motivation + " Le comité vous remercie.")})
    assert seal(build(reworded)) != original
    assert seal(build(approved=True, approved_by="Jeanne Commission")) != original


def test_content_is_canonical_json() -> None:
    content = record_content(build())
    assert list(content) == sorted(content)
    assert content["session_date"] == "2026-03-02"
    assert content["generated_at"] == "2026-03-02T18:05:00+01:00"  # Europe/Paris
    assert [d["rank"] for d in content["dossiers"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [p["number"] for p in content["pending"]] == [18, 19]
    assert [e["name"] for e in content["evaluators"]] == ["Alice Martin", "Chloé Durand"]
    assert content["evaluators"][0]["conflicts"] == [18, 20]
    refused = content["dossiers"][5]
    assert refused["number"] == 16 and refused["total"] == 9.33
    assert refused["criteria"] == {"avere": 4.0, "sponsoring": 2.67}
    assert refused["decision"] == "refus" and refused["decision_label"] == "Refus"
    assert content["dossiers"][0]["hearing"] == "Soutenance convaincante."
    assert content["dossiers"][1]["hearing"] is None
    same = replace(build(), dossiers=tuple({**d, "hearing": d["hearing"] or NO_HEARING}
                                           for d in build().dossiers))
    assert seal(same) == seal(build())  # the phrase for "no hearing" is stored as null
    assert json.loads(json.dumps(content)) == content


def test_the_record_checks_what_it_states() -> None:
    record = build()
    with pytest.raises(ValueError, match="un refus doit être motivé"):
        replace(record, dossiers=(*record.dossiers[:-1],
                                  {**record.dossiers[-1], "motivation": " "}))
    with pytest.raises(ValueError, match="dossier n° 11 : décision 'vivier' impossible"):
        replace(record, dossiers=({**record.dossiers[0], "decision": "vivier"},))
    with pytest.raises(ValueError, match="champ.* manquant.* motivation"):
        replace(record, dossiers=({k: v for k, v in record.dossiers[0].items()
                                   if k != "motivation"},))
    with pytest.raises(ValueError, match="approbateur"):
        replace(record, approved=True, sitting=SAT)
    with pytest.raises(ValueError, match="quorum non atteint : 2 membres présents, 3 requis"):
        replace(record, approved=True, approved_by="Jeanne",
                sitting=replace(SAT, present=MEMBERS[:2]))
    with pytest.raises(ValueError, match="présidence de séance n'est pas renseignée"):
        replace(record, approved=True, approved_by="Jeanne", sitting=DRAFT_SITTING)
    with pytest.raises(ValueError, match="fuseau"):
        replace(record, generated_at=datetime(2026, 3, 2, 18, 5))
    with pytest.raises(ValueError, match="deux fois : 18"):
        replace(record, pending=(*record.pending, {"number": 18, "title": "x", "reason": "y"}))


# --- CSV ---------------------------------------------------------------------------------

def test_csv_rows_one_per_dossier_then_the_pending_ones() -> None:
    rows = record_csv_rows(build())
    assert [r["Numéro"] for r in rows] == [11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert all(list(r) == list(rows[0]) for r in rows)
    first, refused, pending = rows[0], rows[5], rows[7]
    assert first["Décision"] == "Lauréat" and first["Au-dessus de la barre"] == "oui"
    assert first["Audition"] == "Soutenance convaincante."
    assert rows[1]["Audition"] == NO_HEARING
    assert refused["Moyenne — Poids et qualité du sponsoring"] == 2.67
    assert refused["Note totale"] == 9.33 and refused["Décision"] == "Refus"
    assert "2,67 sur 5" in refused["Motivation"]
    flagged = rows[2]
    assert flagged["Résolution des alertes"] == ("Écart discuté en séance : la note haute est "
                                                 "retenue.")
    assert pending["Décision"] == "en attente" and pending["Rang"] is None
    assert pending["Raison de l'attente"] == "évaluations incomplètes (2 reçues sur 3)"
    assert rows[8]["Raison de l'attente"] == "pas encore évalué"


# --- wording helpers -----------------------------------------------------------------------

def test_cut_line_and_tie_breaks_in_french() -> None:
    assert cut_line_fr(20, None) == "les 20 premiers"
    assert cut_line_fr(None, 30) == "note ≥ 30"
    assert cut_line_fr(40, 15.5, feminine=True) == "les 40 premières ayant une note ≥ 15,5"
    assert cut_line_fr(1, None) == "le premier"
    assert cut_line_fr(None, None) == "tous les dossiers qui atteignent les seuils"
    assert tie_break_descriptions(("total", "criterion:avere", "date_depot"), LABELS) == (
        "la note totale pondérée la plus haute", "la meilleure moyenne sur « Problème avéré »",
        "le dépôt le plus ancien")


# --- the document -------------------------------------------------------------------------

def render(record: CommitteeRecord) -> str:
    return render_document("releve", {"record": record_content(record), "seal": seal(record),
                                      "sealed_file": "releve-projets-2026-03-02-projet.json"})


def test_the_draft_renders_escaped_with_seal_cut_line_and_banner() -> None:
    record = build()
    html = render(record)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Cie n°12" in html
    assert seal(record) in html
    assert ("Empreinte SHA-256 du fichier <strong>releve-projets-2026-03-02-projet.json"
            "</strong>") in html
    assert "les 2 premiers" in html
    assert "décision sur les notes seules" in html
    assert "PROJET — non approuvé" in html
    assert "2 mars 2026" in html and "18 h 05" in html
    assert "évaluations incomplètes (2 reçues sur 3)" in html
    assert "Écart discuté en séance" in html and "à discuter en séance" in html
    assert "Alice Martin" in html and "n° 18, n° 20" in html
    assert "@" not in html.split("Annexe — Évaluateurs")[1]  # names, no emails
    assert "Rita Séance (SGG)" in html and "quorum : 3 membres" in html


def test_the_cut_line_follows_the_last_dossier_above_it() -> None:
    html = render(build())
    table = html[html.index("<h2>Décisions</h2>"):html.index("<h2>Critères")]
    barre = table.index('class="barre"')
    assert table.index("n° 12 — ") < barre < table.index("n° 13 — ")
    assert table.count('class="barre"') == 1


def test_the_approved_record_has_no_banner_nor_scores_only_mention() -> None:
    html = render(build(approved=True, approved_by="Jeanne Commission", scores_only=False))
    assert "PROJET" not in html
    assert "Relevé approuvé par Jeanne Commission" in html
    assert "Présidence de séance</dt><dd>Jeanne Commission (DINUM)" in html
    assert "Membres absents</dt><dd>Marc Absent (ancien EIG)" in html
    assert "3 membres : atteint" in html and "signature :" in html
    assert "Mention : décision sur les notes seules" not in html


def test_no_dossier_above_the_cut() -> None:
    record = build()
    html = render(replace(record, dossiers=tuple({**d, "above_cut": False}
                                                for d in record.dossiers)))
    assert "aucun dossier au-dessus" in html


def test_the_pdf_is_a_pdf() -> None:
    pdf = html_to_pdf(render(build()))
    assert pdf.startswith(b"%PDF")


def test_a_candidats_record_speaks_of_the_vivier_and_the_entretien() -> None:
    agenda = propose("candidats", facts(), criteria_labels=LABELS, quorum=3)
    record = build(agenda, track="candidats", track_label="Recrutement",
                   committee="Comité de sélection — Recrutement",
                   cut_line=cut_line_fr(2, None, feminine=True))
    html = render(record)
    assert "2 au vivier, 5 refus" in html and "les 2 premières" in html
    assert "Aucun entretien métier n'a encore eu lieu" in html
    assert [r["Décision"] for r in record_csv_rows(record)][:3] == ["Vivier", "Vivier", "Refus"]
    with pytest.raises(ValueError, match="décision 'laureat' impossible pour le parcours "
                                         "candidats"):
        build(track="candidats")


def test_the_decisions_come_first_and_the_evaluators_in_annex() -> None:
    html = render(build(approved=True, approved_by="Jeanne Commission"))
    order = [html.index(h) for h in ("<h2>Composition", "<h2>Décisions</h2>", "<h2>Critères",
                                     "<h2>Détail par dossier", "<h2>Signatures",
                                     "Annexe — Évaluateurs")]
    assert order == sorted(order)
    assert "aucune résolution consignée" in html  # what the committee did not enter


def test_a_flag_is_resolved_only_by_what_the_committee_entered() -> None:
    record = build(approved=True, approved_by="Jeanne Commission")
    resolutions = [f["resolution"] for d in record_content(record)["dossiers"]
                   for f in d["flags"]]
    assert "Écart discuté en séance : la note haute est retenue." in resolutions
    assert "" in resolutions  # the other flags: nothing invented


def test_the_flags_name_the_evaluators_without_their_address() -> None:
    agenda = the_agenda()
    by_number = {f.number: f for f in facts()}
    entries = [dossier_entry(p, by_number[p.number], names={
        "alice.martin@beta.gouv.fr": "Alice Martin", "bruno.petit@interieur.gouv.fr": "Bruno Petit",
        "chloe.durand@dinum.gouv.fr": "Chloé Durand"}) for p in agenda.proposals]
    details = [f["detail"] for e in entries for f in e["flags"]]
    assert details and not any("@" in d for d in details)
    assert any("Alice Martin 3 ; Bruno Petit 5 ; Chloé Durand 5" in d for d in details)


CRITERIA_9 = ("Soutien aux politiques prioritaires", "Problème avéré", "Problème majeur",
              "Problème actionnable", "Adéquation avec l'approche produit",
              "Poids et qualité du sponsoring", "Autonomie et accès aux ressources",
              "Feuille de route stratégique", "Ambition entrepreneuriale")


def season_record(dossiers: int = 49, evaluators: int = 150) -> CommitteeRecord:
    """A projets committee of the programme's size, with the demo's wording: long titles,
    nine criteria, three flags per dossier, hearing notes, four-sentence motivations."""
    criteria = tuple({"key": f"c{i}", "label": label, "weight": 1, "threshold": 3}
                     for i, label in enumerate(CRITERIA_9))
    names = [f"Prénom{i:03d} Nomdefamille{i:03d}" for i in range(evaluators)]
    entries = []
    for n in range(dossiers):
        trio = names[(3 * n) % evaluators:(3 * n) % evaluators + 3] or names[:3]
        flag = (f"écart de 2 sur « {CRITERIA_9[n % 9]} » : {trio[0]} 5 ; {trio[1]} 3 ; "
                f"{trio[2]} 5")
        entries.append({
            "number": 100 + n, "rank": n + 1, "calibrated_rank": n + 1,
            "title": "Mesurer la satisfaction des usagers des services publics en ligne "
                     "(Direction interministérielle de la transformation publique)",
            "total": 40 - n / 2, "calibrated_total": 40 - n / 2, "calibrated_stderr": 1.6,
            "above_cut": n < 20, "criteria": {c["key"]: 4.33 for c in criteria},
            "flags": [{"detail": flag, "resolution": ""}] * 3,
            "hearing": "Soutenance du 31/12/2026 : 36/45 (3 membres du jury). Avis du jury : "
                       "Présentation claire, échanges convaincants.",
            "decision": "laureat" if n < 20 else "refus",
            "motivation": "Le projet est classé 15e sur 49, avec une note totale de 33,33 "
                          "sur 45, établie d'après 3 évaluations ; l'avis du jury de la "
                          "soutenance a été présenté au comité de sélection. Il se situe "
                          "au-dessus de la barre de sélection et est proposé comme lauréat ; "
                          "points forts : « Adéquation avec l'approche produit » (4,33 sur 5) "
                          "et « Problème majeur » (4 sur 5). Points soumis à l'examen du "
                          "comité de sélection : écart de notation entre évaluateurs sur "
                          "« Problème majeur » et « Autonomie et accès aux ressources »."})
    return build(criteria=criteria, dossiers=tuple(entries), pending=(), approved=True,
                 approved_by="Jeanne Commission",
                 evaluators=tuple({"name": name, "organisation": "Direction générale des "
                                   "finances publiques", "conflicts": [], "recusals": []}
                                  for name in names))


def test_a_committee_of_49_projects_signs_at_most_20_pages() -> None:
    from weasyprint import HTML

    pages = len(HTML(string=render(season_record())).render().pages)
    assert pages <= 20, f"{pages} pages"
