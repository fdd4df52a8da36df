"""Recruiting on a mission: the proposal, the decisions, the weekly digest, and the
entretien de mission in the hearing emails (with the administration beside DINUM)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jinja2
import pytest
from markupsafe import escape

from connectors.documents import environment, render_email
from tests.unit import email_samples as samples

NNBSP, NBSP = "\u202f", "\u00a0"
DEBUT_FR = "lundi 1er mars 2027"
START_FR = "mardi 8 décembre 2026 à 10 h 00"
NEW_START_FR = "jeudi 10 décembre 2026 à 14 h 00"
TITRE = "Détecter plus tôt les entreprises en difficulté"
ADMINISTRATION = "Direction générale des entreprises"
EVIL = "<script>alert(1)</script> & « Cie », \"quoi\""
EVIL_HTML = str(escape(EVIL))
MISSION_EMAILS = ("mission_proposal", "mission_decision", "mission_decision_admin",
                  "missions_digest")


def html_escape(value: str) -> str:
    return str(escape(value)).replace("&#39;", "'")


def parts(email: Any) -> tuple[tuple[str, Callable[[str], str]], ...]:
    """The text (raw) and the HTML (escaped) of an email, each with its escaping. The HTML
    is read without its tags, and values shown through a variable have their apostrophes
    escaped there: put them back."""
    html = re.sub(r"<[^>]*>", "", email.html).replace("&#39;", "'")
    return (email.text, str), (html, html_escape)


@pytest.mark.parametrize("name", MISSION_EMAILS)
def test_every_mission_email_renders_in_text_and_html(name: str) -> None:
    email = render_email(name, samples.EMAILS[name]())
    assert email.subject.startswith("EIG — ") and "\n" not in email.subject
    assert email.html.startswith("<!DOCTYPE html>") and "eig@beta.gouv.fr" in email.html
    for part, html in parts(email):
        assert html(TITRE) in part
        assert "{{" not in part and "{%" not in part and "None" not in part


# --- The proposal ----------------------------------------------------------------------

def test_the_proposal_says_what_the_mission_is_why_them_and_what_follows() -> None:
    context = samples.mission_proposal()
    email = render_email("mission_proposal", context)
    assert email.subject == f"EIG — Une mission pour vous ? « {TITRE} » ({ADMINISTRATION})"
    for part, html in parts(email):
        assert part.count(ADMINISTRATION) >= 2 and "mission n° 12" in part
        assert html("« Signaux faibles & entreprises »") in part
        assert "designer, développeur·se" in part and "4/5" in part
        assert DEBUT_FR in part
        assert "Paris" in part and "Économie" in part
        for raison in context["raisons"]:
            assert raison in part
        assert "entretien de mission" in part and "DINUM" in part and ".ics" in part
        assert "ne vous engage à rien" in part and "répondez simplement à ce message" in part
        assert "vous restez dans le vivier" in part


def test_the_proposal_without_reasons_nor_place_nor_theme() -> None:
    context = samples.mission_proposal() | {"raisons": []}
    context["mission"] |= {"localisation": "", "thematique": "", "profils": ["designer"]}
    email = render_email("mission_proposal", context)
    for part in (email.text, email.html):
        assert "ourquoi vous" not in part and "Lieu" not in part and "Thématique" not in part
        assert "Profil recherché" in part and "Profils" not in part
        assert "ne vous engage à rien" in part


# --- The decision, to the candidate ------------------------------------------------------

def test_a_retained_candidate_gets_congratulations_and_the_contract_figures() -> None:
    context = samples.mission_decision(retenu=True)
    email = render_email("mission_decision", context)
    assert email.subject.startswith("EIG — Félicitations : vous êtes retenu·e pour la mission")
    for part, _ in parts(email):
        assert "Félicitations" in part and "vous retiennent" in part
        assert f"3{NNBSP}400,00{NBSP}€ net par mois" in part
        assert f"part variable de 6{NBSP}%" in part
        assert f"à partir du {DEBUT_FR}" in part and "pour 12 mois" in part
        assert "Convention de partenariat (cadre adaptable)" in part and "4/5 (80 %)" in part
        assert "Ce montant est indicatif : il est arrêté quand l'équipe du programme " \
            "prépare votre contrat avec vous." in part
        assert "à confirmer" not in part and "coût employeur" not in part
        assert "Un parcours solide en recherche utilisateur." in part
        assert "vous acceptez la mission" in part
        assert "n'est pas retenue" not in part and "reste dans le vivier" not in part
    assert "Un parcours solide en recherche utilisateur.\nUne vraie curiosité" in email.text
    assert "white-space:pre-line" in email.html


def test_a_candidate_not_retained_is_thanked_and_stays_in_the_vivier() -> None:
    email = render_email("mission_decision", samples.mission_decision(retenu=False))
    assert "Félicitations" not in email.subject and "suite de votre entretien" in email.subject
    for part, _ in parts(email):
        assert "Merci d'avoir pris le temps de rencontrer" in part
        assert "votre candidature n'est pas retenue pour cette mission" in part
        assert "vous restez dans le vivier" in part and "d'autres missions" in part
        assert "Félicitations" not in part and "€" not in part and "contrat" not in part
        assert "Votre entretien de mission a atteint le seuil" in part
        assert "Motivation du jury" not in part


def test_a_retained_candidate_without_figures_yet_and_without_variable_part() -> None:
    pending = render_email("mission_decision", samples.mission_decision() | {
        "contrat": None, "motivation": ""})
    for part, _ in parts(pending):
        assert "Nous préparons votre proposition de contrat" in part and DEBUT_FR in part
        assert "€" not in part and "Motivation" not in part
    context = samples.mission_decision()
    context["contrat"] |= {"taux_variable": Decimal("0"), "indicatif": False,
                           "net_mensuel": Decimal("4000")}
    fixed = render_email("mission_decision", context)
    for part, _ in parts(fixed):
        assert f"4{NNBSP}000,00{NBSP}€ net par mois." in part
        assert "part variable" not in part and "indicatif" not in part


# --- The decision, to the administration ---------------------------------------------------

def test_the_administration_learns_who_is_retained_and_what_follows() -> None:
    email = render_email("mission_decision_admin", samples.mission_decision_admin())
    assert email.subject == f"EIG — Mission « {TITRE} » : Camille Martin est retenu·e"
    for part, _ in parts(email):
        assert "Bonjour Sophie Laurent," in part
        assert "Camille Martin" in part and "(designer)" in part and "retenu·e" in part
        assert "proposition de contrat" in part and DEBUT_FR in part
        assert "accueil" in part and "Motivation du jury" in part
        assert "La mission reste ouverte" not in part


def test_the_administration_is_told_when_nobody_is_retained() -> None:
    email = render_email("mission_decision_admin", samples.mission_decision_admin(False))
    assert email.subject == (f"EIG — Mission « {TITRE} » : aucun·e candidat·e retenu·e, "
                             "la recherche continue")
    for part in (email.text, email.html):
        assert "aucun·e des candidat·es rencontré·es n'est retenu·e" in part
        assert "La mission reste ouverte" in part and "nouveaux entretiens de mission" in part
        assert "Camille Martin" not in part and "proposition de contrat" not in part


# --- The weekly digest --------------------------------------------------------------------

def test_the_digest_lists_each_open_mission_with_its_shortlist() -> None:
    context = samples.missions_digest()
    email = render_email("missions_digest", context)
    assert email.subject == "EIG — 2 missions ouvertes : semaine du lundi 14 décembre 2026"
    first, second = context["missions"]
    for part, html in parts(email):
        assert "lundi 14 décembre 2026" in part
        assert "Mission n° 12" in part or "MISSION N° 12" in part
        assert html(second["titre"]) in part and html(second["administration"]) in part
        assert "entretiens en cours" in part and "ouverte depuis 9 jours" in part
        assert "2 entretiens de mission" in part and "ouverte depuis 1 jour" in part
        assert "aucun entretien de mission" in part
        assert "Camille Martin" in part and "dossier n° 57" in part and "72,5" in part
        assert "Karim Benali" in part and "score 55" in part
        camille = first["shortlist"][0]["raisons"]
        assert camille[0] in part and camille[1] in part and camille[2] not in part
        assert "et 1 autre raison" in part
        assert html(first["shortlist"][1]["raisons"][0]) in part
        assert f"à partir du {DEBUT_FR}" in part and "lundi 4 janvier 2027" in part
        assert "aucun·e candidat·e du vivier pour l'instant" in part.lower()


def test_the_digest_without_open_missions() -> None:
    email = render_email("missions_digest", samples.missions_digest() | {"missions": []})
    assert email.subject == "EIG — Aucune mission ouverte : semaine du lundi 14 décembre 2026"
    for part in (email.text, email.html):
        assert "aucune mission ouverte" in part and "Présélection" not in part


def test_a_single_mission_opened_today() -> None:
    context = samples.missions_digest()
    context["missions"] = [context["missions"][0] | {"jours_ouverts": 0, "entretiens": 1}]
    email = render_email("missions_digest", context)
    assert email.subject.startswith("EIG — 1 mission ouverte : ")
    for part in (email.text, email.html):
        assert "avec sa présélection" in part and "ouverte aujourd'hui" in part
        assert "1 entretien de mission" in part


# --- Strict contexts ------------------------------------------------------------------------

MISSING: list[tuple[str, tuple[Any, ...]]] = [
    ("mission_proposal", ("mission",)),
    ("mission_proposal", ("mission", "titre")),
    ("mission_proposal", ("mission", "administration")),
    ("mission_proposal", ("mission", "profils")),
    ("mission_proposal", ("mission", "quotite")),
    ("mission_proposal", ("mission", "localisation")),
    ("mission_proposal", ("mission", "thematique")),
    ("mission_proposal", ("programme",)),
    ("mission_decision", ("person",)),
    ("mission_decision", ("mission", "debut")),
    ("mission_decision", ("contrat", "cadre")),
    ("mission_decision", ("contrat", "indicatif")),
    ("mission_decision", ("contrat", "quotite_libelle")),
    ("mission_decision_admin", ("motivation",)),
    ("mission_decision_admin", ("retenu", "specialite")),
    ("mission_decision_admin", ("mission", "debut")),
    ("missions_digest", ("missions",)),
    ("missions_digest", ("missions", 0, "statut")),
    ("missions_digest", ("missions", 0, "entretiens")),
    ("missions_digest", ("missions", 0, "jours_ouverts")),
    ("missions_digest", ("missions", 0, "shortlist", 0, "dossier")),
    ("missions_digest", ("programme",)),
]


def remove(context: dict[str, Any], path: tuple[Any, ...]) -> None:
    *parents, key = path
    target: Any = context
    for parent in parents:
        target = target[parent]
    del target[key]


@pytest.mark.parametrize(("name", "path"), MISSING)
def test_a_missing_key_raises(name: str, path: tuple[Any, ...]) -> None:
    context = samples.EMAILS[name]()
    remove(context, path)
    with pytest.raises(jinja2.UndefinedError):
        render_email(name, context)


@pytest.mark.parametrize(("name", "path"), [
    ("mission_decision", ("contrat", "net_mensuel")),
    ("mission_decision", ("contrat", "taux_variable")),
    ("missions_digest", ("missions", 0, "shortlist", 0, "score")),
])
def test_a_missing_number_raises_too(name: str, path: tuple[Any, ...]) -> None:
    """The number filters format the undefined value, which fails with a TypeError."""
    context = samples.EMAILS[name]()
    remove(context, path)
    with pytest.raises((jinja2.UndefinedError, TypeError)):
        render_email(name, context)


# --- The entretien de mission in the hearing emails ----------------------------------------

MISSION_ROLES = (*samples.MISSION_HEARING_ROLES, "porteur")
"""A porteur invited to an entretien de mission reads as the administration's contact."""


def invitation(role: str, **hearing: Any) -> dict[str, Any]:
    context = samples.hearing_invitation(role, "mission")
    context["hearing"].update(hearing)
    return context


@pytest.mark.parametrize("role", MISSION_ROLES)
def test_the_mission_invitation_says_when_where_who_and_which_mission(role: str) -> None:
    email = render_email("hearing_invitation", invitation(role))
    assert email.subject == f"EIG — Entretien de mission de la candidature n° 57 : {START_FR}"
    for part, html in parts(email):
        assert f"Le {START_FR}" in part and "pendant 45 minutes" in part
        assert html(samples.HEARING_LOCATION) in part
        assert "Élodie Müller (DINUM)" in part and "Sophie Laurent (DGE)" in part
        assert f"« {TITRE} »" in part and "fichier .ics" in part
        assert "l'entretien de mission" in part or "Un entretien de mission" in part
        assert "soutenance" not in part.lower() and "10 minutes" not in part
        assert "métier" not in part and "l'entretien métier" not in part


def test_each_role_is_told_its_part() -> None:
    emails = {role: render_email("hearing_invitation", invitation(role))
              for role in MISSION_ROLES}
    for part, _ in parts(emails["jury"]):
        assert "Merci de siéger au jury de l'entretien de mission du" in part
        assert "aux côtés de l'administration qui accueille la mission" in part
        assert "formulaire de notation sur Démarches Simplifiées" in part
        assert "Cohérence du profil" in part and "grille" not in part
        assert "Préparez une courte présentation de la mission" not in part
    for role in ("administration", "porteur"):
        for part, _ in parts(emails[role]):
            assert "vous invite à siéger, aux côtés de la DINUM, au jury" in part
            assert f"de votre administration ({ADMINISTRATION})" in part
            assert "Préparez une courte présentation de la mission" in part
            assert "Relisez le dossier n° 57" in part and "Juste après l'entretien" in part
            assert "faites part de votre appréciation au jury de la DINUM" in part
            assert "vous restez dans le vivier" not in part and "grille" not in part
    assert "4. Juste après l'entretien de mission" in emails["administration"].text
    for part, _ in parts(emails["candidat"]):
        assert "Vous faites partie du vivier du programme EIG" in part
        assert f"l'administration partenaire ({ADMINISTRATION}) vous invitent" in part
        assert "« Signaux faibles &" in part and "vous restez dans le vivier" in part
        assert "jeton" not in part and "Relisez le dossier" not in part


def test_the_administration_receives_the_dossier_and_does_not_score() -> None:
    context = invitation("administration") | {"criteria": []}
    email = render_email("hearing_invitation", context)
    for part in (email.text, email.html):
        assert "Relisez le dossier n° 57, joint à ce message en PDF (dossier-57.pdf)" in part
        assert "grille" not in part and "vous enverra" not in part
        assert "prefill_token" not in part and "sur les critères du programme" in part


@pytest.mark.parametrize("role", MISSION_ROLES)
def test_a_moved_entretien_de_mission(role: str) -> None:
    email = render_email("hearing_cancellation", samples.hearing_cancellation(role, "mission"))
    assert email.subject == (
        "EIG — Nouveau créneau : entretien de mission de la candidature n° 57 déplacé du "
        f"{START_FR} au {NEW_START_FR}")
    for part in (email.text, email.html):
        assert START_FR in part and NEW_START_FR in part and "annulé" in part
        assert "entretien de mission" in part and "nouvelle invitation" in part
        assert "soutenance" not in part.lower()
    assert f"« {TITRE} »" in email.text
    if role in ("administration", "porteur"):
        assert "auquel vous deviez siéger aux côtés de la DINUM" in email.text
    if role == "candidat":
        assert f"avec la DINUM et l'administration partenaire ({ADMINISTRATION})" in email.text


def test_a_plain_cancellation_of_an_entretien_de_mission() -> None:
    context = samples.hearing_cancellation("candidat", "mission") | {
        "replacement": None, "reason": None}
    email = render_email("hearing_cancellation", context)
    assert email.subject == (f"EIG — Créneau annulé : entretien de mission de la candidature "
                             f"n° 57 du {START_FR}")
    assert "Dès qu'un nouveau créneau sera fixé, vous recevrez une nouvelle invitation" \
        in email.text


def message(context: dict[str, Any]) -> str:
    return environment().get_template("messages/hearing.txt.j2").render(context)


def test_the_ds_message_of_an_entretien_de_mission() -> None:
    candidate = message(samples.hearing_message("candidat", "mission"))
    assert f"l'administration partenaire ({ADMINISTRATION}) vous invitent à un entretien " \
           f"de mission pour la mission « {TITRE} »" in candidate
    assert "Sophie Laurent (DGE)" in candidate and "vous restez dans le vivier" in candidate
    assert "métier" not in candidate and "10 minutes" not in candidate
    for role in ("administration", "porteur"):
        host = message(samples.hearing_message(role, "mission"))
        assert "vous invite à siéger, aux côtés de la DINUM, au jury de l'entretien" in host
        assert "courte présentation de la mission" in host and "n° 57" in host
        assert "soutenance" not in host and "{{" not in host


@pytest.mark.parametrize("name", ["hearing_invitation", "hearing_cancellation"])
@pytest.mark.parametrize("role", MISSION_ROLES)
def test_mission_data_is_escaped_in_html_and_raw_in_text(name: str, role: str) -> None:
    context = samples.EMAILS[name](role, "mission")
    context["person"]["name"] = EVIL
    context["hearing"]["dossier"]["title"] = EVIL
    context["hearing"]["mission"] |= {"titre": EVIL, "administration": EVIL, "projet": EVIL}
    email = render_email(name, context)
    assert "<script>" not in email.html and email.html.count(EVIL_HTML) >= 2
    assert EVIL in email.text
    assert f"« {EVIL} »" in email.text and f"« {EVIL_HTML} »" in email.html


@pytest.mark.parametrize("name", ["hearing_invitation", "hearing_cancellation"])
@pytest.mark.parametrize("role", MISSION_ROLES)
def test_an_entretien_de_mission_needs_its_mission(name: str, role: str) -> None:
    context = samples.EMAILS[name](role, "mission")
    del context["hearing"]["mission"]
    with pytest.raises(jinja2.UndefinedError):
        render_email(name, context)


@pytest.mark.parametrize("role", ["candidat", "administration"])
def test_the_ds_message_of_an_entretien_de_mission_needs_its_mission(role: str) -> None:
    context = samples.hearing_message(role, "mission")
    del context["hearing"]["mission"]
    with pytest.raises(jinja2.UndefinedError):
        message(context)


# --- Each candidate reads their own outcome ------------------------------------------------

@pytest.mark.parametrize(("total", "passes", "someone", "expected"), [
    (21.0, True, True, ("a atteint le seuil de chacun", "retenu une autre candidature")),
    (12.0, False, True, ("n'a pas atteint le seuil d'au moins un", "une autre candidature")),
    (None, False, False, ("n'a pas été noté", "Aucune candidature n'est retenue")),
])
def test_a_candidate_not_retained_reads_only_their_own_outcome(
        total: float | None, passes: bool, someone: bool, expected: tuple[str, str]) -> None:
    from models.placement import not_retained_motivation

    text = not_retained_motivation(total, passes, someone)
    assert all(phrase in text for phrase in expected)
    assert "points" not in text and "Meilleur" not in text


# --- Who reads the programme's unsettled figures (« à confirmer ») ----------------------------

def test_unsettled_figures_go_to_the_administration_and_team_never_to_a_candidate() -> None:
    """The employer cost, the co-financing share and the band boundary are the programme's
    to settle with the administration: the convention draft (to the administration and the
    team) lists them; a retained candidate only learns whether their pay may change."""
    from models.convention_finance import contract_terms
    from settings.config import load_config
    from settings.environment import PROJECT_ROOT

    conventions = load_config(PROJECT_ROOT / "config" / "eig.yaml").conventions
    for kind, framework_config in conventions.frameworks.items():
        framework = framework_config.framework(kind)
        for years, quotite in ((None, "4/5"), (3, "temps plein"), (15, "temps plein")):
            terms = contract_terms(kind, framework, years, quotite)
            assert terms["a_confirmer"], "the sample config leaves figures to confirm"
            context = samples.mission_decision() | {"contrat": {
                **terms, "net_mensuel": Decimal(terms["net_mensuel"]),
                "taux_variable": Decimal(terms["taux_variable"])}}
            email = render_email("mission_decision", context)
            for part in (email.subject, email.text, email.html):
                for note in terms["a_confirmer"]:
                    assert str(escape(note)) not in part and note not in part
                for word in ("à confirmer", "coût employeur", "cofinanc", "charges"):
                    assert word not in part.lower(), (kind, years, word)
            assert ("indicatif" in email.text) is terms["indicatif"]
    draft = samples.convention_draft()
    email = render_email("convention_draft", draft)
    for part in (email.text, email.html):
        assert "à confirmer" in part
        for note in draft["convention"]["annexe"]["a_confirmer"]:
            assert str(escape(note)) in part
