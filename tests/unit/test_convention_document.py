"""The convention draft as an editable .docx (docxtpl) and its PDF preview."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import jinja2
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

from connectors.documents import (
    TemplateNotFoundError,
    convention_pdf,
    docx_to_html,
    euros,
    pourcentage,
    render_docx,
)
from connectors.documents.docx import clean
from tests.unit.convention_samples import convention_context

NNBSP, NBSP = "\u202f", "\u00a0"
HOSTILE = '<script>alert(1)</script> & "Hôtel" {{ numero }} {% if %}'
ROOT = Path(__file__).resolve().parents[2]


def texts(data: bytes) -> str:
    """Every paragraph, table cell, header and footer of a .docx, one per line."""
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    lines = [p.text for p in (*section.header.paragraphs, *document.paragraphs,
                              *section.footer.paragraphs)]
    lines += [cell.text for table in document.tables for row in table.rows
              for cell in row.cells]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def budgetaire() -> str:
    return texts(render_docx("convention", convention_context("budgetaire")))


@pytest.fixture(scope="module")
def partenariat() -> str:
    return texts(render_docx("convention", convention_context("partenariat")))


def test_the_budgetaire_convention_names_parties_dates_and_figures(budgetaire):
    assert "PROJET DE CONVENTION — EIG-CONV-2026-0001 — version 1" in budgetaire
    assert "Convention budgétaire" in budgetaire
    assert "relative à l'accueil d'entrepreneur·es d'intérêt général" in budgetaire
    assert "Direction interministérielle du numérique (DINUM)" in budgetaire
    assert "Direction générale des entreprises (Ministère de l'Économie" in budgetaire
    assert ("représentée par Thomas Courbe, directeur général des entreprises, ci-après "
            "« l'administration »") in budgetaire
    assert "Porteur du projet : Camille Durand (camille.durand@finances.gouv.fr)" in budgetaire
    assert ("La mission commence le mercredi 1er septembre 2027 et se termine le "
            "vendredi 30 juin 2028, soit une durée de 10 mois.") in budgetaire
    assert "Vu la décision du mercredi 16 décembre 2026 (Comité de sélection" in budgetaire
    assert "contrat à durée déterminée (CDD) de 10 mois" in budgetaire
    assert "cofinancer la rémunération des EIG" in budgetaire
    assert "n'est pas renouvelable" in budgetaire
    assert "Inès Benali" in budgetaire and "Cheffe de projet" in budgetaire
    assert "Fait à Paris, le ……" in budgetaire
    for figure in ("3 500,00", "4 000,00", "74 000,00", "64 750,00", "138 750,00",
                   "69 375,00"):
        assert figure.replace(" ", NNBSP) + NBSP + "€" in budgetaire
    assert "Part DINUM" in budgetaire and "50" + NBSP + "% du coût employeur" in budgetaire
    assert "À confirmer : coût employeur estimé à 1,85 fois" in budgetaire
    assert "À confirmer : part cofinancée par la DINUM" in budgetaire
    assert "ne sont pas fixés par le programme" in budgetaire
    assert "{{" not in budgetaire and "{%" not in budgetaire


def test_the_partenariat_convention_is_renewable_at_four_fifths(partenariat):
    assert "Convention de partenariat" in partenariat and "cadre adaptable" in partenariat
    assert "EIG-CONV-2026-0002" in partenariat
    assert "contrat de projet d'un an, renouvelable, à temps plein ou à 4/5" in partenariat
    assert "EIG n° 1 : ingénieur·e de la donnée — 4/5" in partenariat
    assert "peut être renouvelée pour 12 mois" in partenariat
    assert "CDD" not in partenariat and "cofinancer" not in partenariat
    assert f"4{NNBSP}250,00{NBSP}€" in partenariat
    assert f"6{NBSP}% du net fixe" in partenariat
    assert f"4{NNBSP}800,00{NBSP}€ (10{NBSP}%)" in partenariat
    assert "10 ans d'expérience ou plus (hypothèse)" in partenariat
    assert "Hypothèse : L'expérience des EIG" in partenariat
    # no co-financing split: no shares table, no share in article 10
    assert "Part DINUM" not in partenariat and "à la charge de la DINUM" not in partenariat
    assert f"s'élève à 97{NNBSP}680,00{NBSP}€." in partenariat


def test_an_empty_team_and_location_are_left_out():
    context = convention_context("partenariat")
    context["equipe"], context["mission"]["localisation"] = [], ""
    text = texts(render_docx("convention", context))
    assert "Équipe projet : à constituer par l'administration." in text
    assert "Localisation" not in text and "Inès Benali" not in text


def test_hostile_text_shows_literally_and_the_preview_escapes_it():
    context = convention_context("budgetaire")
    context["mission"]["intitule"] = HOSTILE + "\x00\x0b"
    context["mission"]["paragraphes"] = [f"\x0b{HOSTILE}\x00\ud800"]
    context["equipe"][0]["nom"] = f"{HOSTILE}\x0c"
    data = render_docx("convention", context)
    text = texts(data)
    assert f"Intitulé : {HOSTILE}\n" in text
    assert f"\n{HOSTILE}\n" in text  # the description paragraph and the team's cell
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    html = docx_to_html(data, title=f"Projet {HOSTILE}")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Hôtel&#34; {{ numero }}" in html


def test_clean_removes_what_xml_cannot_hold_everywhere():
    assert clean({"a": ["x\x00y", ("\ud800z\t\n",)], "n": Decimal(1)}) == {
        "a": ["xy", ["z\t\n"]], "n": Decimal(1)}


def test_a_missing_key_raises():
    context = convention_context("budgetaire")
    del context["annexe"]["totaux"]
    with pytest.raises(jinja2.UndefinedError):
        render_docx("convention", context)


def test_an_unknown_template_is_named():
    with pytest.raises(TemplateNotFoundError, match="convention"):
        render_docx("conventoin", convention_context())


def test_the_pdf_preview_shows_the_annex():
    data = render_docx("convention", convention_context("budgetaire"))
    html = docx_to_html(data, title="Projet de convention EIG-CONV-2026-0001")
    assert "<h1>Annexe financière</h1>" in html and "<h2>Article 4 — Cadre" in html
    assert f"138{NNBSP}750,00{NBSP}€" in html and "PROJET" in html
    assert convention_pdf(data, title="Projet").startswith(b"%PDF")


def test_euros_and_pourcentage():
    assert euros(Decimal("3500")) == f"3{NNBSP}500,00{NBSP}€"
    assert euros(4250.5) == f"4{NNBSP}250,50{NBSP}€"
    assert euros(0) == f"0,00{NBSP}€"
    assert pourcentage(Decimal("0.06")) == f"6{NBSP}%"
    assert pourcentage(Decimal("0.10")) == f"10{NBSP}%"
    assert pourcentage(Decimal("0.125")) == f"12,5{NBSP}%"
    with pytest.raises(TypeError):
        pourcentage(True)


def test_the_template_is_what_the_script_builds(tmp_path):
    """Each Jinja tag whole in one run, and the committed file up to date."""
    spec = importlib.util.spec_from_file_location(
        "build_convention_template", ROOT / "scripts" / "build_convention_template.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = script.build(tmp_path / "convention.docx")
    document = docx.Document(built)
    paragraphs = [*document.paragraphs, *document.sections[0].header.paragraphs,
                  *(p for t in document.tables for row in t.rows for cell in row.cells
                    for p in cell.paragraphs)]
    for run in (r for p in paragraphs for r in p.runs):
        assert run.text.count("{{") == run.text.count("}}"), run.text
        assert run.text.count("{%") == run.text.count("%}"), run.text
    with zipfile.ZipFile(built) as fresh, \
            zipfile.ZipFile(ROOT / "templates" / "documents" / "convention.docx") as kept:
        assert {n: fresh.read(n) for n in fresh.namelist()} == {
            n: kept.read(n) for n in kept.namelist()}, "run scripts/build_convention_template.py"


# -- signable: parties, preamble, layout (as LibreOffice and Word lay it out) -----------


def body(data: bytes) -> str:
    """The body's paragraphs only (no page header or footer, no table)."""
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def signature_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].text == "Pour la DINUM")


def test_the_administration_is_represented_by_its_signatory_never_the_porteur():
    data = render_docx("convention", convention_context("budgetaire"))
    parties = next(p for p in body(data).splitlines() if "ci-après « l'administration »" in p)
    assert "Thomas Courbe, directeur général des entreprises" in parties
    assert "Camille Durand" not in parties and "porteur" not in parties
    signatures = signature_table(docx.Document(io.BytesIO(data)))
    assert signatures.rows[1].cells[1].text == "Thomas Courbe, directeur général des entreprises"


def test_an_unknown_signatory_is_a_marked_blank_to_fill():
    context = convention_context("partenariat")
    context["administration"]["signataire"] = ""
    data = render_docx("convention", context)
    document = docx.Document(io.BytesIO(data))
    blank = "[à compléter : nom et qualité du ou de la signataire habilité·e]"
    assert f"représentée par {blank}, ci-après « l'administration »" in body(data)
    assert signature_table(document).rows[1].cells[1].text == blank
    runs = [r for p in document.paragraphs for r in p.runs if r.text == blank]
    assert runs and all(r.font.highlight_color is not None for r in runs)


def test_the_preamble_cites_the_dossier_not_a_motivation_or_an_evaluator():
    context = convention_context("budgetaire")
    data = render_docx("convention", context)
    text = body(data)
    preamble = text[:text.index("il est convenu ce qui suit.")]
    assert "Vu le dossier n° 77 déposé par l'administration, qui présente ainsi son défi" \
        in preamble
    for paragraph in context["mission"]["paragraphes"]:
        assert paragraph in preamble
    assert "Motivation" not in text and "évaluateur" not in text.lower()
    # the template has no place for the committee's motivation: a stray one shows nowhere
    context["decision"]["motivation"] = "Les évaluateurs relèvent notamment : « top »"
    assert "relèvent" not in texts(render_docx("convention", context))


def test_the_page_header_is_not_repeated_in_the_body():
    data = render_docx("convention", convention_context("budgetaire"))
    document = docx.Document(io.BytesIO(data))
    assert [p.text for p in document.sections[0].header.paragraphs] == [
        "PROJET DE CONVENTION — EIG-CONV-2026-0001 — version 1"]
    assert "PROJET DE CONVENTION" not in body(data)
    assert all(s.header.is_linked_to_previous for s in document.sections[1:])


def test_the_signature_block_holds_together():
    document = docx.Document(io.BytesIO(render_docx("convention",
                                                    convention_context("budgetaire"))))
    place = next(p for p in document.paragraphs if p.text.startswith("Fait à Paris"))
    assert place.paragraph_format.keep_with_next
    signatures = signature_table(document)
    for index, row in enumerate(signatures.rows):
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        last = index == len(signatures.rows) - 1
        assert all(bool(c.paragraphs[0].paragraph_format.keep_with_next) is not last
                   for c in row.cells)
    assert signatures.rows[-1].height >= Mm(25)  # room to sign


def test_the_annex_is_landscape_and_no_column_cuts_a_word():
    """Every column of every table is wider than its longest word (at the table's font
    size, Arial's widest lowercase ≈ 0.6 em), within the page's width."""
    document = docx.Document(io.BytesIO(render_docx("convention",
                                                    convention_context("budgetaire"))))
    annex = document.sections[-1]
    assert annex.orientation == WD_ORIENT.LANDSCAPE and annex.page_width > annex.page_height
    usable = annex.page_width - annex.left_margin - annex.right_margin
    padding = Mm(2.5)  # cell margins, left and right
    for grid in document.tables:
        widths = [int(col.get(qn("w:w"))) * 635 for col in grid._tbl.tblGrid.findall(
            qn("w:gridCol"))]  # twips → EMU
        assert sum(widths) <= usable
        for tr in grid._tbl.tr_lst:
            column = 0
            for tc in tr.tc_lst:
                span = sum(widths[column:column + tc.grid_span])
                column += tc.grid_span
                for run in (r for p in _Cell(tc, grid).paragraphs for r in p.runs):
                    size = run.font.size or Pt(10)
                    for word in run.text.split():
                        assert len(word) * 0.6 * size + padding <= span, word
    assert any(len(t.columns) == 9 for t in document.tables)  # the per-EIG costs


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice (soffice) and pdftotext needed")
def test_libreoffice_lays_out_a_signable_draft(tmp_path):
    """As LibreOffice prints it: the reference once per page, the signature block on one
    page, the annex on its own pages, no word of a table cut in two."""
    for kind in ("budgetaire", "partenariat"):
        source = tmp_path / f"{kind}.docx"
        source.write_bytes(render_docx("convention", convention_context(kind)))
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile",
                        "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                        str(source)], check=True, capture_output=True, timeout=120)
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{kind}.pdf"), "-"],
                              check=True, capture_output=True, text=True).stdout
        pages = text.split("\f")[:-1]
        for page in pages:
            assert page.count("PROJET DE CONVENTION") == 1
        signing = [page for page in pages if "Fait à Paris" in page]
        assert len(signing) == 1 and signing[0].count("Signature :") == 2
        assert "Pour la DINUM" in signing[0] and "Pour l'administration" in signing[0]
        annex = pages[next(i for i, page in enumerate(pages) if "Annexe financière" in page):]
        assert "Signature :" not in "".join(annex)
        assert not re.search(r"d'expérien\s*$", "".join(annex), re.MULTILINE)
        assert "d'expérience" in annex[0]
