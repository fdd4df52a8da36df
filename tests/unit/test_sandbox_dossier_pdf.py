"""The sandbox's dossier PDF looks like DS's export: header, state, history, applicant,
then every champ in order (sections, repetitions, files, numbers), pages numbered; it is
rendered once per version of the dossier, fast enough for the demo's task emails."""

from __future__ import annotations

import base64
import re
import time
import zlib
from typing import Any

import pytest

from ds_sandbox import CANDIDATS, PROJETS, Sandbox, SandboxState, generate
from ds_sandbox.dossier_pdf import EMPTY, datetime_fr, grouped, render
from ds_sandbox.payloads import PayloadBuilder
from ds_sandbox.pdf import dossier_pdf, printed_pdfs
from ds_sandbox.testing import FakeClock


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, in drawing order (the strings of its Tj operators)."""
    pages = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        data = zlib.decompress(base64.a85decode(data[:-2] if data.endswith(b"~>") else data))
        if b" Tj" not in data:
            continue
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data)
        pages.append("\n".join(_unescape(s) for s in strings))
    return pages


def _unescape(raw: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x5C:  # backslash
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out.append(raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return out.decode("cp1252")


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    box = Sandbox(SandboxState(now=FakeClock()))
    generate(box.state, projets=3, candidats=3, evaluations=2, seed=4)
    return box


def payload_of(sandbox: Sandbox, number: int) -> dict[str, Any]:
    with sandbox.state.lock:
        return PayloadBuilder(sandbox.state).dossier(sandbox.state.dossier(number))


def first(sandbox: Sandbox, demarche: int) -> int:
    return sorted(sandbox.state.numbers(demarche))[0]


def test_a_projet_reads_like_ds_export(sandbox: Sandbox) -> None:
    number = first(sandbox, PROJETS.number)
    payload = payload_of(sandbox, number)
    pages = pdf_text(dossier_pdf(sandbox.state, number))
    text = "\n".join(pages)
    assert len(pages) >= 2
    head = pages[0]
    for expected in ("RÉPUBLIQUE", "FRANÇAISE", "Dossier n°", str(number), "Démarche",
                     "EIG — Appel à projets", "Organisme", "Ce dossier est ", "Historique",
                     "Déposé le", datetime_fr(payload["dateDepot"]), "Identité du demandeur",
                     "SIRET", payload["demandeur"]["siret"], "Formulaire"):
        assert expected in head, expected
    # every champ, label then value, in the démarche's order
    position = text.index("Formulaire")
    for champ in payload["champs"]:
        position = text.index(champ["label"], position)
        if champ["__typename"] == "RepetitionChamp":
            for index, row in enumerate(champ["rows"], start=1):
                position = text.index(f"{champ['label']} — {index}", position)
                for child in row["champs"]:
                    position = text.index(child["label"], position)
                    position = text.index(child["stringValue"], position)
        elif champ["stringValue"]:
            words = champ["stringValue"].split()[:4]  # a long answer wraps over lines
            position = text.index(" ".join(words), position)
    # pages numbered « n / total », the reference on each page but the first
    total = len(pages)
    for index, page in enumerate(pages, start=1):
        assert f"{index} / {total}" in page
        assert (f"Dossier n° {number} — EIG — Appel à projets" in page) == (index > 1)


def test_a_candidat_shows_the_person(sandbox: Sandbox) -> None:
    number = first(sandbox, CANDIDATS.number)
    demandeur = payload_of(sandbox, number)["demandeur"]
    text = "\n".join(pdf_text(dossier_pdf(sandbox.state, number)))
    for expected in ("EIG — Candidature", "Civilité", demandeur["nom"], demandeur["prenom"],
                     "Date de naissance", "Expériences marquantes — 1", "Durée (mois)"):
        assert expected in text, expected


def synthetic(**changes: Any) -> dict[str, Any]:
    champs = [
        {"__typename": "HeaderSectionChamp", "label": "1. Le projet", "level": 1},
        {"__typename": "TextChamp", "label": "Intitulé", "stringValue": "<b>Données</b> & cie"},
        {"__typename": "TextChamp", "label": "Description",
         "stringValue": "Première ligne.\nDeuxième ligne."},
        {"__typename": "IntegerNumberChamp", "label": "Usagers", "stringValue": "34000"},
        {"__typename": "DecimalNumberChamp", "label": "Budget", "stringValue": "1234567.5"},
        {"__typename": "TextChamp", "label": "Lieu", "stringValue": ""},
        {"__typename": "PieceJustificativeChamp", "label": "Pièces",
         "files": [{"filename": "budget.pdf"}, {"filename": "lettre de soutien.pdf"}]},
        {"__typename": "RepetitionChamp", "label": "Équipe", "stringValue": "",
         "rows": [{"champs": [{"__typename": "TextChamp", "label": "Nom",
                               "stringValue": "Ana Ruiz"}]}]},
    ]
    return {"number": 77, "state": "accepte", "motivation": "Projet retenu.",
            "dateDepot": "2026-06-21T01:26:20+02:00",
            "datePassageEnInstruction": "2026-10-12T23:32:09+02:00",
            "dateTraitement": "2026-12-01T10:00:00+01:00",
            "usager": {"email": "ana@exemple.fr"},
            "demandeur": {"__typename": "PersonnePhysique", "civilite": "M", "nom": "Ruiz",
                          "prenom": "Ana", "dateDeNaissance": "1990-03-01"},
            "demarche": {"title": "EIG — Appel à projets"}, "champs": champs} | changes


def test_every_kind_of_champ() -> None:
    text = "\n".join(pdf_text(render(synthetic())))
    assert "Ce dossier est " in text and "accepté" in text
    assert "Motif de la décision" in text and "Projet retenu." in text
    assert "Décision le" in text and "1 décembre 2026 à 10 h 00" in text
    assert "M." in text and "1er mars 1990" in text
    assert "1. Le projet" in text
    # shown as typed, not as markup (ReportLab draws the escaped characters apart)
    assert "<b>Données</b> & cie" in text.replace("\n", "")
    assert "Première ligne.\nDeuxième ligne." in text
    # grouped by no-break spaces (ReportLab draws them as plain spaces, never breaking)
    assert "34 000" in text and "1 234 567,5" in text
    assert text.index("Lieu") < text.index(EMPTY) < text.index("Pièces")
    assert "- budget.pdf\n- lettre de soutien.pdf" in text
    assert "Équipe — 1" in text and "Ana Ruiz" in text


def test_same_payload_same_bytes() -> None:
    assert render(synthetic()) == render(synthetic())
    assert render(synthetic()) != render(synthetic(number=78))


@pytest.mark.parametrize("raw, shown", [
    ("1", "1"), ("34000", "34\u00a0000"), ("-1234", "-1\u00a0234"), ("12.5", "12,5"),
    ("1000000,25", "1\u00a0000\u00a0000,25"), ("deux", "deux"), ("", ""),
])
def test_numbers_are_grouped_the_french_way(raw: str, shown: str) -> None:
    assert grouped(raw) == shown


def test_rendered_once_per_version_of_the_dossier() -> None:
    box = Sandbox(SandboxState(now=FakeClock()))
    generate(box.state, projets=2, candidats=0, evaluations=0, seed=5)
    number = first(box, PROJETS.number)
    cache = printed_pdfs(box.state)
    before = dossier_pdf(box.state, number)
    assert dossier_pdf(box.state, number) is before and cache.renders == 1
    box.state.update_champ(number, PROJETS.champs[2].id, "Un nouvel intitulé")
    after = dossier_pdf(box.state, number)
    assert cache.renders == 2 and "Un nouvel intitulé" in "\n".join(pdf_text(after))


def test_fast_enough_for_the_demo(sandbox: Sandbox) -> None:
    """The demo attaches it to hundreds of emails: well under a tenth of a second."""
    payloads = [payload_of(sandbox, n) for n in sorted(sandbox.state.numbers(PROJETS.number))]
    render(payloads[0])  # imports
    started = time.process_time()
    for payload in payloads:
        render(payload)
    assert (time.process_time() - started) / len(payloads) < 0.25
