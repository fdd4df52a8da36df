"""Golden samples (issue 18, item 5): one rendering of every email, DS message, calendar file
and document people receive, from the fixed fixtures of ``tests/unit/*_samples.py``, kept
under ``tests/golden/``. A change of wording or layout shows there, in review, line by line.

After an intended change, regenerate and review the diff:
``EIG_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/unit/test_golden.py`` then ``git diff
tests/golden``. Each sample is also read for what no recipient should meet: template syntax,
"None", a decimal point, a numeric date, an English word of the code.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import docx
import pytest

from connectors.documents import (
    environment,
    render_document,
    render_docx,
    render_email,
)
from models.evaluation_task import dossier_brief
from models.vivier_forms import LEFT_VIVIER
from tests.unit import email_samples as samples
from tests.unit.convention_samples import convention_context
from tests.unit.test_decision_record import build, render
from tests.unit.test_hearing_invitations import ics as hearing_ics
from tests.unit.test_ical import ics as task_ics

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("EIG_UPDATE_GOLDEN") == "1"

Render = Callable[[], str]


def _email(name: str, context: dict) -> dict[str, Render]:
    def text() -> str:
        email = render_email(name, context)
        return f"Objet : {email.subject}\n\n{email.text}"

    def html() -> str:
        return render_email(name, context).html

    return {f"emails/{name}.txt": text, f"emails/{name}.html": html}


def _emails() -> dict[str, Render]:
    out: dict[str, Render] = {}
    variants: dict[str, list[tuple[str, dict]]] = {
        "hearing_invitation": [(role, samples.hearing_invitation(role)) for role in
                               ("jury", "porteur", "candidat", "administration")],
        "hearing_cancellation": [
            ("jury-invite", samples.hearing_cancellation("jury")),
            ("jury-libere", _released(samples.hearing_cancellation("jury"))),
            ("porteur", samples.hearing_cancellation("porteur")),
            ("candidat", samples.hearing_cancellation("candidat")),
            ("administration", samples.hearing_cancellation("administration")),
            ("candidat-desistement", samples.hearing_cancellation("candidat", "mission") | {
                "replacement": None, "reason": "désistement", "withdrawn": True}),
            *((f"{role}-sortie-vivier", samples.hearing_cancellation(role, "mission") | {
                "replacement": None, "reason": LEFT_VIVIER, "withdrawn": True,
                "left_vivier": True}) for role in ("candidat", "administration"))],
        "mission_decision": [("retenu", samples.mission_decision(True)),
                             ("non-retenu", samples.mission_decision(False))],
        "mission_decision_admin": [("retenu", samples.mission_decision_admin(True)),
                                   ("aucun", samples.mission_decision_admin(False))],
        "pipeline_report": [("retards", samples.pipeline_report(True)),
                            ("a-l-heure", samples.pipeline_report(False))],
        "no_substitute": [("retard", samples.no_substitute(False)),
                          ("declin", samples.no_substitute(True))],
        "availability_request": [
            ("jury", samples.availability_request("jury")),
            ("administration", samples.availability_request("administration")),
            ("relance", samples.availability_request("jury", reminder=True))],
        "alert": [(kind, samples.alert(kind)) for kind in
                  ("awaiting", "reminder", "late", "failed", "crashed")],
    }
    for name, make in samples.EMAILS.items():
        for variant, context in variants.get(name, [("", make())]):
            stem = f"{name}-{variant}" if variant else name
            for path, renderer in _email(name, context).items():
                out[path.replace(f"/{name}.", f"/{stem}.")] = renderer
    return out


def _released(context: dict) -> dict:
    context["replacement"]["invited"] = False
    return context


DECISION_MOTIVATION = ("Le projet est classé 3e sur 12, avec une note totale de 38,5 sur 45, "
                       "établie d'après 3 évaluations.")


VIVIER_LINK = ("https://www.demarches-simplifiees.fr/commencer/vivier?"
               "champ_Q2hhbXAtNjAwMQ%3D%3D=42&champ_Q2hhbXAtNjAwMg%3D%3D=42.jetonsigne"
               "&champ_Q2hhbXAtNjAwMw%3D%3D=true")


def _messages() -> dict[str, Render]:
    env = environment()
    brief = dossier_brief("projets", 42, {"intitule": "Signaux faibles & entreprises"}, {})

    def decision(kind: str) -> Render:
        return lambda: env.get_template("messages/decision.txt.j2").render(
            decision=kind, motivation=DECISION_MOTIVATION, dossier=brief,
            session_date=date(2027, 1, 19), programme=samples.programme(),
            vivier_link=VIVIER_LINK if kind == "vivier" else None).strip() + "\n"

    def hearing(role: str) -> Render:
        return lambda: env.get_template("messages/hearing.txt.j2").render(
            **samples.hearing_message(role)).strip() + "\n"

    def mission(event: str) -> Render:
        return lambda: env.get_template("messages/mission.txt.j2").render(
            **samples.mission_message(event)).strip() + "\n"

    out = {f"messages/decision-{kind}.txt": decision(kind)
           for kind in ("laureat", "liste_attente", "refus", "vivier")}
    out |= {f"messages/hearing-{role}.txt": hearing(role) for role in ("porteur", "candidat")}

    def vivier_form(context: dict) -> Render:
        return lambda: env.get_template("messages/vivier_form.txt.j2").render(
            **context).strip() + "\n"

    names = ("vivier-form-updated", "vivier-form-unchanged", "vivier-form-withdrawn",
             "vivier-form-invalid", "vivier-form-invalid-token")
    out |= {f"messages/{name}.txt": vivier_form(context)
            for name, context in zip(names, samples.vivier_form_variants(), strict=True)}
    out |= {f"messages/mission-{event}.txt": mission(event)
            for event in samples.MISSION_MESSAGE_EVENTS}
    return out


def _calendars() -> dict[str, Render]:
    def text(data: bytes) -> str:
        return data.decode("utf-8").replace("\r\n", "\n")

    return {
        "calendars/evaluation-task.ics": lambda: text(task_ics()),
        "calendars/hearing-request.ics": lambda: text(hearing_ics()),
        "calendars/hearing-cancel.ics": lambda: text(hearing_ics(method="CANCEL", sequence=1)),
    }


def docx_text(data: bytes) -> str:
    """What a reader of the .docx meets, in order: headers, paragraphs, table rows (cells
    joined by « | »), and each section's orientation."""
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for number, section in enumerate(document.sections, start=1):
        lines.append(f"[section {number} : {section.orientation.name.lower()}, en-tête : "
                     f"{' / '.join(p.text for p in section.header.paragraphs if p.text)}]")
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if text.strip():
                lines.append(text)
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = ["".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                             for cell in row if cell.tag.endswith("}tc")]
                    lines.append(" | ".join(cells))
    return "\n".join(lines) + "\n"


def _documents() -> dict[str, Render]:
    return {
        "documents/dossier.html": lambda: render_document("dossier",
                                                          samples.dossier_document()),
        "documents/releve-projet.html": lambda: render(build()),
        "documents/convention-budgetaire.txt": lambda: docx_text(
            render_docx("convention", convention_context("budgetaire"))),
        "documents/convention-partenariat.txt": lambda: docx_text(
            render_docx("convention", convention_context("partenariat"))),
    }


SAMPLES: dict[str, Render] = {**_emails(), **_messages(), **_calendars(), **_documents()}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_sample_is_the_reviewed_one(name: str) -> None:
    rendered = SAMPLES[name]()
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"{name} : pas d'échantillon relu (EIG_UPDATE_GOLDEN=1 pour le créer)"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name} a changé : relisez `git diff tests/golden` après EIG_UPDATE_GOLDEN=1")


def test_every_kept_sample_is_still_rendered() -> None:
    kept = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert kept == set(SAMPLES), "des échantillons ne correspondent plus à aucun rendu"


def test_every_email_template_has_a_sample() -> None:
    named = {Path(n).name.split("-")[0].split(".")[0] for n in SAMPLES if n.startswith("emails/")}
    assert named == set(samples.EMAILS)


# What no recipient should meet, in any sample (text as read: HTML tags and URLs removed).
FORBIDDEN = {
    "template syntax": re.compile(r"\{\{|\{%|\}\}"),
    "« None »": re.compile(r"\bNone\b"),
    "a decimal point": re.compile(r"(?<![\w.,/:=-])\d+\.\d+(?![\w./])"),
    "a numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),
    "a doubled word": re.compile(r"\b(Programme|programme|le|la|les|de|du)\s+\1\b"),
    "a count with (s)": re.compile(r"\w\(s\)"),
}


def _readable(name: str, text: str) -> str:
    if name.endswith(".html"):
        text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
    if name.endswith(".ics"):
        text = re.sub(r"\n[ \t]", "", text)  # unfold
        text = "\n".join(line for line in text.splitlines()
                         if line.startswith(("SUMMARY", "DESCRIPTION", "LOCATION")))
    return re.sub(r"https?://\S+", " ", text)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_recipient_meets_what_no_one_should(name: str) -> None:
    text = _readable(name, SAMPLES[name]())
    found = {what: m.group(0) for what, pattern in FORBIDDEN.items()
             if (m := pattern.search(text))}
    assert found == {}, name
