"""Templates: French emails and the dossier document render, escape and fail loudly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jinja2
import pytest
from markupsafe import escape

from connectors.documents import (
    TemplateNotFoundError,
    date_fr,
    datetime_fr,
    email_template_names,
    environment,
    html_to_pdf,
    nombre_fr,
    pluriel,
    render_document,
    render_dossier_pdf,
    render_email,
)
from connectors.documents.docx import render_docx
from tests.unit import email_samples as samples

DUE_FR = "lundi 14 décembre 2026 à 18 h 00"
NNBSP = "\u202f"
EVIL = "<script>alert(1)</script> & Cie"
EVIL_HTML = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie"


# --- French filters -------------------------------------------------------------------

def test_date_fr_names_day_and_month_and_writes_1er() -> None:
    assert date_fr(date(2026, 12, 14)) == "lundi 14 décembre 2026"
    assert date_fr(date(2026, 3, 1)) == "dimanche 1er mars 2026"
    assert date_fr(date(2026, 8, 15)) == "samedi 15 août 2026"


def test_date_fr_of_an_aware_datetime_is_the_paris_day() -> None:
    assert date_fr(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "vendredi 1er janvier 2027"


def test_datetime_fr_converts_utc_to_paris_in_winter_and_summer() -> None:
    assert datetime_fr(datetime(2026, 12, 14, 17, 0, tzinfo=UTC)) == DUE_FR
    summer = datetime(2026, 7, 14, 10, 5, tzinfo=UTC)
    assert datetime_fr(summer) == "mardi 14 juillet 2026 à 12 h 05"


def test_datetime_fr_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="sans fuseau"):
        datetime_fr(datetime(2026, 12, 14, 18, 0))


@pytest.mark.parametrize(("value", "kwargs", "expected"), [
    (1234567, {}, f"1{NNBSP}234{NNBSP}567"),
    (999, {}, "999"),
    (3.5, {}, "3,5"),
    (3.456, {}, "3,46"),
    (4.0, {}, "4"),
    (-1234.5, {}, f"-1{NNBSP}234,5"),
    (Decimal("12.50"), {}, "12,5"),
    (Decimal("5000"), {}, f"5{NNBSP}000"),
    (4250, {"decimales": 2}, f"4{NNBSP}250,00"),
])
def test_nombre_fr(value: Any, kwargs: dict[str, int], expected: str) -> None:
    assert nombre_fr(value, **kwargs) == expected


def test_pluriel_is_singular_below_two() -> None:
    assert [pluriel(n, "jour", "jours") for n in (0, 1, 1.5, 2, 10)] == [
        "jour", "jour", "jour", "jours", "jours"]


def test_filters_are_available_in_templates() -> None:
    template = environment().from_string(
        "{{ d|date_fr }} / {{ t|datetime_fr }} / "
        "{{ n|nombre_fr }} {{ n|pluriel('euro', 'euros') }}")
    assert template.render(d=date(2026, 12, 14), t=samples.DUE, n=3500) == (
        f"lundi 14 décembre 2026 / {DUE_FR} / 3{NNBSP}500 euros")


# --- Emails -----------------------------------------------------------------------------

def test_email_template_names_are_the_sample_emails() -> None:
    assert email_template_names() == sorted(samples.EMAILS)


@pytest.mark.parametrize("name", sorted(samples.EMAILS))
def test_every_email_renders_from_its_sample(name: str) -> None:
    email = render_email(name, samples.EMAILS[name]())
    assert email.subject and "\n" not in email.subject and email.subject.startswith("EIG — ")
    assert email.html.startswith("<!DOCTYPE html>") and email.html.rstrip().endswith("</html>")
    assert "Programme EIG — Entrepreneur·es d'intérêt général" in email.html
    assert "eig@beta.gouv.fr" in email.html  # the layout's footer
    # the team writes to itself
    assert name in ("alert", "escalation", "missions_digest", "pipeline_report",
                    "no_substitute") or \
        "eig@beta.gouv.fr" in email.text
    for part in (email.text, email.html):
        assert "{{" not in part and "{%" not in part


def test_eval_request_says_what_when_how_and_who() -> None:
    context = samples.eval_request()
    email = render_email("eval_request", context)
    assert email.subject == ("EIG — Dossier à évaluer avant le lundi 14 décembre 2026 "
                             "(projet n° 42)")
    for part, link in ((email.text, str), (email.html, escape)):
        assert DUE_FR in part
        assert link(samples.EVALUATE_URL) in part
        assert link(samples.DECLINE_URL) in part
        assert "ne modifiez pas le jeton" in part.lower()
        assert "Je ne peux pas évaluer ce dossier" in part
        assert "conflit d'intérêts" in part
        assert "dossier-42.pdf" in part and "evaluation-42.ics" in part
        assert "de 0 (le critère n'est pas du tout rempli) à 5" in part
        for criterion in context["criteria"]:
            assert criterion["label"] in part and criterion["description"] in part
        assert "(coefficient 2)" in part
        assert "remplacement" not in part
    assert "Jeanne Dupont\n    Cheffe de projet" in email.text
    assert "white-space:pre-line" in email.html


def test_eval_request_for_a_replacement_says_so_and_a_rendered_pdf_does_not_bind() -> None:
    context = samples.eval_request() | {"replacement": True}
    context["attachments"]["pdf_source"] = "rendered"
    email = render_email("eval_request", context)
    assert email.subject.startswith("EIG — En remplacement : dossier à évaluer")
    for part in (email.text, email.html):
        assert "en remplacement d'une autre personne" in part
        assert "ne fait pas foi" in part


@pytest.mark.parametrize("required", [True, False])
def test_eval_request_says_whether_the_comment_is_required_as_the_form_check_does(
        required: bool) -> None:
    email = render_email("eval_request", samples.eval_request() | {"comment_required": required})
    for part in (email.text, email.html):
        assert ("motivez vos notes dans le commentaire, obligatoire" in part) is required
        assert ("ajoutez un commentaire si vous le souhaitez" in part) is not required
        assert "pas repris dans la réponse faite au déposant" in part


def _reminder(*tasks: dict[str, Any]) -> dict[str, Any]:
    return samples.eval_reminder() | {"tasks": list(tasks)}


def test_eval_reminder_lists_every_task_with_its_links_and_delay() -> None:
    context = samples.eval_reminder()
    email = render_email("eval_reminder", context)
    assert email.subject == "EIG — Rappel : 2 évaluations en attente, dont 1 en retard"
    for part, link in ((email.text, str), (email.html, escape)):
        assert DUE_FR in part and "samedi 19 décembre 2026 à 18 h 00" in part
        assert "en retard de 2 jours" in part and "dans 3 jours" in part
        for task in context["tasks"]:
            assert link(task["links"]["evaluate"]) in part
            assert link(task["links"]["decline"]) in part


def test_eval_reminder_subjects() -> None:
    late, on_time = samples.eval_reminder()["tasks"]
    assert render_email("eval_reminder", _reminder(on_time)).subject == (
        "EIG — Rappel : évaluation attendue avant le samedi 19 décembre 2026 "
        "(candidature n° 57)")
    assert render_email("eval_reminder", _reminder(late)).subject == (
        "EIG — Évaluation en retard : projet n° 42, attendue le lundi 14 décembre 2026")
    assert render_email("eval_reminder", _reminder(on_time, on_time)).subject == (
        "EIG — Rappel : 2 évaluations en attente")


@pytest.mark.parametrize(("late", "days", "expected"), [
    (False, 0, "c'est aujourd'hui"), (False, 1, "c'est demain"), (False, 5, "dans 5 jours"),
    (True, 0, "échéance dépassée"), (True, 1, "en retard de 1 jour"),
])
def test_eval_reminder_delay_wording(late: bool, days: int, expected: str) -> None:
    task = samples.eval_reminder()["tasks"][1] | {"late": late, "days": days}
    email = render_email("eval_reminder", _reminder(task))
    assert expected in email.text and expected in email.html


def test_escalation_is_a_table_of_late_evaluations() -> None:
    context = samples.escalation()
    email = render_email("escalation", context)
    assert email.subject == "EIG — 2 évaluations en retard au mercredi 16 décembre 2026"
    assert "<table" in email.html and "<th" in email.html
    assert email.html.count("<tr style=\"border-bottom") == 2
    for part in (email.text, email.html):
        assert "karim.benali@exemple.fr" in part and "5 jours" in part
        assert "vendredi 18 décembre 2026" in part


def test_escalation_without_late_evaluations() -> None:
    email = render_email("escalation", samples.escalation() | {"late": []})
    assert email.subject == "EIG — Aucune évaluation en retard au mercredi 16 décembre 2026"
    assert "aucune évaluation n'est en retard" in email.text


def test_replacement_notice_thanks_and_keeps_the_link_open() -> None:
    email = render_email("replacement_notice", samples.replacement_notice())
    for part, link in ((email.text, str), (email.html, escape)):
        assert "confiée à une autre personne" in part
        assert "Vous n'avez donc plus besoin de la poursuivre" in part
        assert "premières évaluations valides" in part
        assert link(samples.EVALUATE_URL) in part and DUE_FR in part


@pytest.mark.parametrize("conflict", [True, False])
def test_decline_ack_records_a_conflict_only_when_there_is_one(conflict: bool) -> None:
    context = samples.decline_ack() | {"conflict": conflict}
    email = render_email("decline_ack", context)
    for part in (email.text, email.html):
        assert ("aucun dossier similaire ne vous sera proposé" in part) is conflict
        assert "Nous confions ce dossier à une autre personne" in part


def _with_evil(name: str) -> dict[str, Any]:
    """The sample with a hostile title and person name wherever the template shows them."""
    context = samples.EMAILS[name]()
    if name == "convention_draft":
        context["convention"]["mission"]["intitule"] = EVIL
        context["convention"]["administration"]["porteur"] = EVIL
        return context
    if name in ("mission_proposal", "mission_decision", "mission_decision_admin"):
        context["mission"]["titre"] = EVIL
        context["mission"]["administration"] = EVIL
        context["contact" if name == "mission_decision_admin" else "person"]["name"] = EVIL
        if name == "mission_proposal":
            context["raisons"][0] = EVIL
        else:
            context["motivation"] = EVIL
        if name == "mission_decision":
            context["contrat"]["a_confirmer"][0] = EVIL
        if name == "mission_decision_admin":
            context["retenu"]["name"] = EVIL
        return context
    if name == "availability_request":  # the mission's contact, after a bad form
        context = samples.EMAILS[name]("administration", reminder=True)
        context["mission"]["titre"] = context["mission"]["administration"] = EVIL
        context["person"]["name"] = context["problem"]["reason"] = EVIL
        return context
    if name == "alert":
        context["run"]["name"] = EVIL
        context["run"]["message"] = EVIL
        context["waiting"]["label"] = context["waiting"]["phrase"] = EVIL
        return context
    if name == "missions_digest":
        context["missions"][0]["titre"] = EVIL
        context["missions"][0]["administration"] = EVIL
        context["missions"][0]["shortlist"][0]["name"] = EVIL
        context["missions"][0]["shortlist"][0]["raisons"][0] = EVIL
        return context
    if name == "pipeline_report":  # its labels come from the configuration
        context["etapes"][0]["Étape"] = EVIL
        context["retards"][0]["Attend"] = EVIL
        context["goulot"] = EVIL
        return context
    if name in ("hearing_invitation", "hearing_cancellation"):
        context["hearing"]["dossier"]["title"] = EVIL
        context["person"]["name"] = EVIL
        if name == "hearing_invitation":
            context["hearing"]["jury"][0]["name"] = EVIL
            context["hearing"]["location"] = EVIL
            context["criteria"][0]["label"] = EVIL
        else:
            context["reason"] = EVIL
        return context
    if name == "jury_reminder":
        context["hearings"][0]["dossier"]["title"] = EVIL
        context["juror"]["name"] = EVIL
        return context
    if name == "jury_fix":
        context["hearing"]["dossier"]["title"] = EVIL
        context["juror"]["name"] = EVIL
        return context
    if name == "jury_escalation":
        context["late"][0]["dossier"]["title"] = EVIL
        context["late"][0]["juror"]["name"] = EVIL
        return context
    dossiers = {
        "eval_reminder": lambda c: c["tasks"][0]["dossier"],
        "escalation": lambda c: c["late"][0]["dossier"],
    }
    dossier = dossiers.get(name, lambda c: c["dossier"])(context)
    dossier["title"] = EVIL
    if name == "escalation":
        context["late"][0]["evaluator"]["name"] = EVIL
    elif name == "no_substitute":
        context["leaving"]["name"] = EVIL
    else:
        context["evaluator"]["name"] = EVIL
    if name == "eval_request":
        context["dossier"]["essentials"][0]["value"] = EVIL
    if name == "decline_ack":
        context["reason"] = EVIL
    return context


@pytest.mark.parametrize("name", sorted(samples.EMAILS))
def test_data_is_escaped_in_html_and_raw_in_text(name: str) -> None:
    email = render_email(name, _with_evil(name))
    assert "<script>" not in email.html
    assert EVIL_HTML in email.html
    assert EVIL in email.text


MISSING: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("eval_request", lambda c: c.pop("due")),
    ("eval_request", lambda c: c["dossier"].pop("essentials")),
    ("eval_request", lambda c: c["links"].pop("decline")),
    ("eval_request", lambda c: c.pop("replacement")),
    ("eval_request", lambda c: c.pop("comment_required")),
    ("eval_reminder", lambda c: c["tasks"][0].pop("late")),
    ("escalation", lambda c: c.pop("late")),
    ("replacement_notice", lambda c: c.pop("links")),
    ("decline_ack", lambda c: c.pop("conflict")),
    ("decline_ack", lambda c: c.pop("programme")),
    ("convention_draft", lambda c: c["convention"].pop("annexe")),
    ("hearing_invitation", lambda c: c["hearing"].pop("start")),
    ("hearing_invitation", lambda c: c["hearing"].pop("rescheduled")),
    ("hearing_invitation", lambda c: c["hearing"].pop("jury")),
    ("hearing_invitation", lambda c: c["links"].pop("scores")),
    ("hearing_invitation", lambda c: c.pop("criteria")),
    ("hearing_invitation", lambda c: c.pop("role")),
    ("hearing_cancellation", lambda c: c.pop("replacement")),
    ("hearing_cancellation", lambda c: c.pop("reason")),
    ("hearing_cancellation", lambda c: c["hearing"]["dossier"].pop("number")),
    ("mission_proposal", lambda c: c.pop("raisons")),
    ("mission_proposal", lambda c: c["mission"].pop("debut")),
    ("mission_proposal", lambda c: c.pop("person")),
    ("mission_decision", lambda c: c.pop("retenu")),
    ("mission_decision", lambda c: c.pop("contrat")),
    ("mission_decision", lambda c: c["contrat"].pop("duree_mois")),
    ("mission_decision", lambda c: c.pop("motivation")),
    ("mission_decision_admin", lambda c: c.pop("retenu")),
    ("mission_decision_admin", lambda c: c.pop("contact")),
    ("mission_decision_admin", lambda c: c["mission"].pop("titre")),
    ("missions_digest", lambda c: c.pop("semaine")),
    ("missions_digest", lambda c: c["missions"][0].pop("shortlist")),
    ("missions_digest", lambda c: c["missions"][0]["shortlist"][0].pop("raisons")),
]


@pytest.mark.parametrize(("name", "remove"), MISSING)
def test_a_missing_context_key_raises(name: str, remove: Callable[[dict], None]) -> None:
    context = samples.EMAILS[name]()
    remove(context)
    with pytest.raises(jinja2.UndefinedError):
        render_email(name, context)


@pytest.mark.parametrize("name", ["eval_requet", "_layout", "../documents/dossier", ""])
def test_unknown_email_raises_and_lists_the_available_ones(name: str) -> None:
    with pytest.raises(TemplateNotFoundError, match="eval_request") as info:
        render_email(name, samples.eval_request())
    assert isinstance(info.value, LookupError)


def test_convention_draft_email_says_which_version_and_what_to_confirm() -> None:
    first = render_email("convention_draft", samples.convention_draft() | {"version": 1})
    second = render_email("convention_draft", samples.convention_draft())
    assert "(version 2)" in second.subject and "(version" not in first.subject
    assert "remplace la version 1" in second.text and "remplace" not in first.text
    for part in (second.text, second.html):
        assert "à confirmer" in part and "cofinancée par la DINUM" in part


# --- Dossier document -----------------------------------------------------------------

def test_dossier_document_renders_fields_tables_and_the_disclaimer() -> None:
    html = render_document("dossier", samples.dossier_document())
    assert "Dossier n° 42 (projet)" in html
    assert "Signaux faibles &amp; entreprises" in html
    assert "lundi 2 novembre 2026 à 11 h 15" in html
    assert "<th>Nom</th><th>Rôle</th><th>Disponibilité</th>" in html
    assert "Non renseigné" in html
    assert "ne fait pas foi" in html and "counter(pages)" in html
    assert "size: A4" in html


def test_dossier_document_escapes_data_and_allows_no_deposit_date() -> None:
    context = samples.dossier_document()
    context["dossier"]["title"] = EVIL
    context["dossier"]["date_depot"] = None
    context["dossier"]["sections"][1]["value"][0]["Nom"] = EVIL
    context["dossier"]["sections"].append({"label": EVIL, "value": EVIL})
    html = render_document("dossier", context)
    assert "<script>" not in html and html.count(EVIL_HTML) == 5
    assert "non déposé" in html


def test_dossier_document_needs_its_context_and_unknown_documents_raise() -> None:
    context = samples.dossier_document()
    del context["generated_at"]
    with pytest.raises(jinja2.UndefinedError):
        render_document("dossier", context)
    with pytest.raises(TemplateNotFoundError, match="dossier"):
        render_document("inconnu", {})


def test_render_dossier_pdf_is_a_pdf() -> None:
    pdf = render_dossier_pdf(samples.dossier_document())
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    assert pdf.rstrip().endswith(b"%%EOF")


def _dejavu_subset(subset_method: Callable[..., None]) -> dict[str, bytes]:
    """DejaVu Sans (matplotlib ships it) subsetted as WeasyPrint does, table by table."""
    import io
    from pathlib import Path

    import matplotlib
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    options = subset.Options(retain_gids=True, passthrough_tables=True,
                             ignore_missing_glyphs=True, hinting=False, desubroutinize=True,
                             notdef_outline=False)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]  # weasyprint/pdf/fonts.py
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=list(range(3, 240)))
    font = TTFont(path, recalcTimestamp=False)
    assert {"GSUB", "GPOS", "kern"} <= set(font.keys())
    subset_method(subsetter, font)
    out = io.BytesIO()
    font.save(out)
    saved = TTFont(io.BytesIO(out.getvalue()), recalcTimestamp=False)
    tags = [tag for tag in saved.keys() if tag != "GlyphOrder"]  # noqa: SIM118 (no __iter__)
    return {tag: saved.getTableData(tag) for tag in tags}


def test_layout_tables_dropped_first_give_the_same_font_subset() -> None:
    from fontTools import subset

    from connectors.documents.pdf import drop_layout_tables_first

    drop_layout_tables_first()
    drop_layout_tables_first()  # idempotent
    patched = subset.Subsetter.subset
    original = patched.__wrapped__
    assert getattr(original, "_drops_layout_first", False) is False
    assert _dejavu_subset(patched) == _dejavu_subset(original)


@pytest.fixture
def http_hits() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every request: the PDF renderer must not call it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_html_to_pdf_fetches_nothing_but_data_urls(http_hits: tuple[str, list[str]]) -> None:
    base, hits = http_hits
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR4"
             "2mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")
    html = (f'<link rel="stylesheet" href="{base}/style.css"><p>Bonjour</p>'
            f'<img src="{base}/image.png"><img src="file:///image.png"><img src="{pixel}">')
    assert html_to_pdf(html).startswith(b"%PDF-")
    assert hits == []


def test_an_unknown_name_greets_without_a_blank() -> None:
    context = samples.eval_request()
    context["evaluator"]["name"] = ""
    email = render_email("eval_request", context)
    assert email.text.startswith("Bonjour,\n") and ">Bonjour,</p>" in email.html
    escalation = samples.escalation()
    escalation["late"][0]["evaluator"]["name"] = ""
    text = render_email("escalation", escalation).text
    assert "  Évaluateur·rice : elodie.muller@exemple.gouv.fr\n  Échéance" in text


@pytest.mark.parametrize("name", sorted(samples.EMAILS))
def test_the_configured_programme_name_is_never_said_twice(name: str) -> None:
    """« le programme {name} »: the configured name is the short one (was « Programme
    EIG », read « programme Programme EIG » in every email)."""
    from settings.config import load_config
    from settings.environment import PROJECT_ROOT

    configured = load_config(PROJECT_ROOT / "config" / "eig.yaml").evaluation.programme_name
    context = samples.EMAILS[name]()
    context["programme"] = {**context.get("programme", {}), "name": configured}
    email = render_email(name, context)
    for part in (email.text, email.html):
        assert "programme programme" not in part.casefold()


def test_a_greeting_names_the_person_not_their_function() -> None:
    from models.evaluation_task import porteur_name

    assert porteur_name("Danielle Léger, cheffe de projet numérique") == "Danielle Léger"
    assert porteur_name("Camille Durand") == "Camille Durand"
    email = render_email("convention_draft", samples.convention_draft())
    assert email.text.startswith("Bonjour Camille Durand,\n")


CONTROLS = "\x00\x07\x0b\x0c\x1b\x7f\x85\ufffe"


@pytest.mark.parametrize("name", sorted(samples.EMAILS))
def test_no_control_character_from_a_dossier_reaches_a_reader(name: str) -> None:
    context = _with_evil(name)
    for value in _strings(context):
        assert isinstance(value, str)
    context = _poison(context)
    email = render_email(name, context)
    for part in (email.subject, email.text, email.html):
        assert not any(c in part for c in CONTROLS), name


def _strings(value: Any) -> list:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _poison(value: Any) -> Any:
    """Every text of the context with control characters in it, as a hostile dossier has."""
    if isinstance(value, dict):
        return {k: _poison(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v) for v in value]
    if isinstance(value, str) and not value.startswith("http") and "@" not in value:
        return value + CONTROLS
    return value


def test_the_convention_docx_holds_no_control_character() -> None:
    from tests.unit.convention_samples import convention_context

    context = convention_context("budgetaire")
    context["mission"]["intitule"] = "Signaux\x00 faibles\x07\x1b"
    data = render_docx("convention", context)
    assert b"Signaux faibles" in b"".join(_docx_texts(data))


def _docx_texts(data: bytes) -> list[bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(n) for n in archive.namelist() if n.endswith(".xml")]


def test_long_runs_get_break_opportunities_in_text_only() -> None:
    from connectors.documents.pdf import breakable

    html = f'<p title="{"a" * 100}">{"x" * 100} court</p><a href="http://e/{"b" * 90}">lien</a>'
    out = breakable(html)
    assert f'title="{"a" * 100}"' in out and f'href="http://e/{"b" * 90}"' in out
    assert f'>{"x" * 40}\u200b{"x" * 40}\u200b{"x" * 20} court<' in out


def test_a_huge_value_is_shown_cut_with_its_length() -> None:
    from models.outside_text import MAX_SHOWN, shown

    text = shown("y" * (MAX_SHOWN + 5))
    assert text.startswith("y" * MAX_SHOWN) and text.endswith(
        "[…] (texte tronqué : 20\u202f005 caractères)")
