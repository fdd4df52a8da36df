"""Build ``templates/documents/convention.docx``, the docxtpl template of a convention draft.

    .venv/bin/python scripts/build_convention_template.py [output.docx]

One template serves both frameworks (``type`` is ``budgetaire`` or ``partenariat``); its
context is described in ``models/convention_draft.py``. Every Jinja tag is written inside
a single run so docxtpl sees it whole; ``{%p %}`` and ``{%tr %}`` tags sit alone in their
paragraph or table row, which docxtpl removes. Headings use Word's heading styles (the
HTML preview turns them into h1, h2, h3).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUTPUT = Path(__file__).resolve().parents[1] / "templates" / "documents" / "convention.docx"

BLUE = RGBColor(0x00, 0x00, 0x91)
RED = RGBColor(0xCE, 0x05, 0x00)
BUDGETAIRE = '{%p if type == "budgetaire" %}'
ELSE, ENDIF = "{%p else %}", "{%p endif %}"
SPLIT = "annexe.totaux.part_dinum is not none"
TO_FILL = "[à compléter : nom et qualité du ou de la signataire habilité·e]"
"""What stands for the administration's signatory the dossier does not name."""
PORTRAIT_WIDTH, LANDSCAPE_WIDTH = 170, 257  # mm between the margins


def styles(doc) -> None:
    """Fonts, heading colours, and the two custom styles (``Projet``, ``Signatures``)."""
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Heading 1", 18), ("Heading 2", 12.5), ("Heading 3", 11)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.color.rgb = "Arial", Pt(size), BLUE
        style.paragraph_format.space_before = Pt(12 if name != "Heading 1" else 4)
        style.paragraph_format.keep_with_next = True
    projet = doc.styles.add_style("Projet", WD_STYLE_TYPE.PARAGRAPH)
    projet.base_style = normal
    projet.font.bold, projet.font.color.rgb, projet.font.size = True, RED, Pt(9)
    projet.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.styles.add_style("Signatures", WD_STYLE_TYPE.TABLE).base_style = doc.styles[
        "Normal Table"]


def page(doc) -> None:
    """A4 portrait, 20 mm margins, the draft's reference in the page header (once per
    page: the body does not repeat it)."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    header = section.header.paragraphs[0]
    header.style = doc.styles["Projet"]
    header.add_run("PROJET DE CONVENTION — {{ numero }} — version {{ version }}")
    footer = section.footer.paragraphs[0]
    footer.add_run("Projet généré le {{ genere_le|datetime_fr }} — document de travail, "
                   "à relire avant signature").font.size = Pt(8)


def para(doc, *runs: str, style: str | None = None):
    """A paragraph of runs; a run written ``**text`` is bold."""
    paragraph = doc.add_paragraph(style=style)
    for run in runs:
        bold = run.startswith("**")
        paragraph.add_run(run.removeprefix("**")).bold = bold
    return paragraph


def tag(doc, text: str) -> None:
    """A docxtpl paragraph tag (``{%p … %}``), alone in its paragraph."""
    doc.add_paragraph(text)


def bullet(doc, *runs: str) -> None:
    para(doc, *runs, style="List Bullet")


def heading(doc, text: str, level: int = 2) -> None:
    doc.add_paragraph(text, style=f"Heading {level}")


def write(cell, text: str, *, bold: bool = False, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.add_run(text).bold = bold
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def repeat_header(row) -> None:
    """Mark a row as the table's header (repeated on each page; ``<th>`` in HTML)."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))


def no_split(row) -> None:
    """A row that never breaks across two pages."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def column_widths(grid, widths: list[float]) -> None:
    """Fixed column widths (mm), for Word (each cell) and LibreOffice (the grid)."""
    assert len(widths) == len(grid.columns), (len(widths), len(grid.columns))
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Mm(width)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def table(doc, header: list[str], loop: str, cells: list[str],
          total: list[str] | None = None, size: float = 8.5,
          widths: list[float] | None = None):
    """A bordered table: a header row (repeated on each page), one row per item of
    ``loop`` (``x in list``), then an optional totals row whose empty leading cells are
    merged under "Total". No row breaks across pages; ``widths`` in mm."""
    rows = [header, [f"{{%tr for {loop} %}}"], cells, ["{%tr endfor %}"]]
    grid = doc.add_table(rows=0, cols=len(header))
    grid.style, grid.alignment = doc.styles["Table Grid"], WD_TABLE_ALIGNMENT.CENTER
    money = ["euros" in text for text in cells]
    for index, texts in enumerate(rows + ([total] if total else [])):
        row = grid.add_row()
        for column, text in enumerate(texts):
            write(row.cells[column], text, bold=index in (0, 4),
                  right="euros" in text or (index == 0 and money[column]))
        if index == 0:
            repeat_header(row)
        no_split(row)
    if widths:
        column_widths(grid, widths)
    if total:
        row = grid.rows[-1]
        blank = next(i for i, text in enumerate(total) if i and text)
        if blank > 1:
            row.cells[0].merge(row.cells[blank - 1])
            for paragraph in row.cells[0].paragraphs[1:]:
                paragraph._p.getparent().remove(paragraph._p)
    for row in grid.rows:
        for run in (run for cell in row.cells for p in cell.paragraphs for run in p.runs):
            run.font.size = Pt(size)
    spacer(doc)
    return grid


def spacer(doc) -> None:
    """A small empty paragraph after a table (Word joins two tables that touch)."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    mark, font_size = OxmlElement("w:rPr"), OxmlElement("w:sz")
    font_size.set(qn("w:val"), "12")  # half-points: 6 pt
    mark.append(font_size)
    paragraph._p.get_or_add_pPr().append(mark)


def parties(doc) -> None:
    heading(doc, "Entre les soussignées")
    para(doc, "**{{ dinum.nom }}", ", {{ dinum.adresse }}, représentée par "
         "{{ dinum.representant }}, ci-après « la DINUM »,")
    para(doc, "d'une part,")
    para(doc, "et")
    administration = para(
        doc, "**{{ administration.nom }}", "{% if administration.ministere %} "
        "({{ administration.ministere }}){% endif %}{% if administration.localisation %}, "
        "{{ administration.localisation }}{% endif %}, représentée par "
        "{% if administration.signataire %}{{ administration.signataire }}{% else %}")
    to_fill(administration)
    administration.add_run("{% endif %}, ci-après « l'administration »,")
    para(doc, "d'autre part,")
    para(doc, "Vu la décision du {{ decision.date|date_fr }} ({{ decision.comite }}), "
         "qui retient le projet « {{ mission.intitule }} » au titre du programme "
         "Entrepreneur·es d'intérêt général (EIG) ;")
    para(doc, "Vu le dossier n° {{ dossier }} déposé par l'administration, qui présente "
         "ainsi son défi :")
    tag(doc, "{%p for paragraphe in mission.paragraphes %}")
    quote(doc, "{{ paragraphe }}")
    tag(doc, "{%p endfor %}")
    para(doc, "il est convenu ce qui suit.")


def to_fill(paragraph) -> None:
    """The blank left for the administration's signatory, highlighted to be seen."""
    run = paragraph.add_run(TO_FILL)
    run.bold = True
    highlight = OxmlElement("w:highlight")
    highlight.set(qn("w:val"), "yellow")
    run._r.get_or_add_rPr().append(highlight)


def quote(doc, text: str) -> None:
    """A paragraph of the applicant's own text, indented and in italics."""
    paragraph = doc.add_paragraph()
    paragraph.add_run(text).italic = True
    paragraph.paragraph_format.left_indent = Mm(8)


def articles(doc) -> None:
    heading(doc, "Article 1 — Objet")
    para(doc, "La présente convention ({{ type_libelle|lower }}, {{ cadre }}) définit les "
         "conditions dans lesquelles {{ eig|length }} {{ eig|length|pluriel("
         "\"entrepreneur·e d'intérêt général\", \"entrepreneur·es d'intérêt général\") }} "
         "{{ eig|length|pluriel(\"mène\", \"mènent\") }} la mission « {{ mission.intitule }} "
         "» au sein de l'administration.")
    tag(doc, BUDGETAIRE)
    para(doc, "La DINUM sélectionne les EIG et cofinance leur rémunération ; l'administration "
         "les recrute et les emploie.")
    tag(doc, ELSE)
    para(doc, "La DINUM sélectionne et recrute les EIG ; l'administration les accueille et "
         "leur confie la mission.")
    tag(doc, ENDIF)

    heading(doc, "Article 2 — Le défi")
    para(doc, "**Intitulé : ", "{{ mission.intitule }}")
    tag(doc, "{%p if mission.theme %}")
    para(doc, "**Thème : ", "{{ mission.theme }}")
    tag(doc, ENDIF)
    para(doc, "Le défi est celui que l'administration présente dans son dossier, cité au "
         "préambule.")
    tag(doc, "{%p if mission.objectif %}")
    para(doc, "**Terrain d'expérimentation et objectif d'impact : ", "{{ mission.objectif }}")
    tag(doc, ENDIF)
    tag(doc, "{%p if mission.localisation %}")
    para(doc, "**Localisation : ", "{{ mission.localisation }}")
    tag(doc, ENDIF)

    heading(doc, "Article 3 — L'équipe")
    para(doc, "**Sponsor : ", "{{ sponsor or \"à désigner par l'administration\" }}",
         " ; il ou elle soutient la mission, la facilite et en lève les obstacles.")
    para(doc, "**Porteur du projet : ", "{{ administration.porteur }}"
         "{% if administration.email %} ({{ administration.email }}){% endif %}")
    para(doc, "**Coach : ", "{{ coach }}")
    tag(doc, "{%p if equipe %}")
    para(doc, "**Équipe projet :")
    table(doc, ["Nom", "Rôle", "Courriel"], "membre in equipe",
          ["{{ membre.nom }}", "{{ membre.role }}", "{{ membre.email }}"], size=9,
          widths=[45, 40, 85])
    tag(doc, ELSE)
    para(doc, "**Équipe projet : ", "à constituer par l'administration.")
    tag(doc, ENDIF)
    para(doc, "**{{ eig|length|pluriel(\"EIG recherché·e\", \"EIG recherché·es\") }} :"
         ).paragraph_format.keep_with_next = True
    tag(doc, "{%p for e in eig %}")
    bullet(doc, "EIG n° {{ e.rang }} : {{ e.profil }} — {{ e.quotite_libelle }} — "
           "expérience : {{ e.experience_libelle }}")
    tag(doc, "{%p endfor %}")

    heading(doc, "Article 4 — Cadre d'emploi")
    tag(doc, BUDGETAIRE)
    para(doc, "Convention budgétaire, cadre fixe : l'administration recrute chaque EIG en "
         "qualité d'agent contractuel, par un contrat à durée déterminée (CDD) de 10 mois, "
         "à temps plein uniquement. La DINUM cofinance sa rémunération dans les conditions "
         "de l'annexe financière.")
    tag(doc, ELSE)
    para(doc, "Convention de partenariat, cadre adaptable : la DINUM recrute chaque EIG en "
         "qualité d'agent contractuel, par un contrat de projet d'un an, renouvelable, à "
         "temps plein ou à 4/5. L'administration accueille les EIG pendant toute la mission.")
    tag(doc, ENDIF)
    para(doc, "**Employeur : ", "{{ employeur_libelle }}.")
    para(doc, "**Contrat : ", "{{ contrat.libelle }}.")

    heading(doc, "Article 5 — Durée et dates")
    para(doc, "La mission commence le {{ dates.debut|date_fr }} et se termine le "
         "{{ dates.fin|date_fr }}, soit une durée de {{ dates.duree_mois }} mois.")
    para(doc, "{{ dates.renouvellement }}")

    heading(doc, "Article 6 — Engagements de la DINUM")
    para(doc, "La DINUM s'engage à :")
    bullet(doc, "sélectionner les EIG à l'issue du processus de recrutement du programme ;")
    tag(doc, BUDGETAIRE)
    bullet(doc, "cofinancer la rémunération des EIG selon l'annexe financière ;")
    tag(doc, ELSE)
    bullet(doc, "recruter les EIG, les rémunérer et assurer leur gestion administrative ;")
    tag(doc, ENDIF)
    bullet(doc, "accompagner les EIG et l'équipe pendant toute la mission : coaching, "
           "formations, événements de la promotion ;")
    bullet(doc, "faire bénéficier la mission de la communauté, des méthodes et des ressources "
           "du programme EIG.")

    heading(doc, "Article 7 — Engagements de l'administration")
    para(doc, "L'administration s'engage à :")
    bullet(doc, "garantir la disponibilité du sponsor, qui soutient la mission, arbitre et "
           "lève les obstacles ;")
    bullet(doc, "donner aux EIG un accès direct aux usagers, aux experts métier et aux données "
           "nécessaires, sans barrière technique, hiérarchique ou juridique ;")
    bullet(doc, "offrir aux EIG des conditions de travail adaptées : poste et outils de "
           "travail, accès aux locaux et aux réseaux, autonomie dans le choix des méthodes "
           "et des technologies ;")
    tag(doc, BUDGETAIRE)
    bullet(doc, "recruter les EIG dans les conditions de l'article 4 et de l'annexe "
           "financière ;")
    tag(doc, ENDIF)
    bullet(doc, "permettre aux EIG de participer au programme d'accompagnement de la DINUM.")

    heading(doc, "Article 8 — Ouverture des travaux")
    para(doc, "Dans l'esprit du programme EIG, les travaux de la mission sont ouverts : le code "
         "source développé est publié sous une licence libre, la documentation est partagée "
         "et les données sont ouvertes lorsque la loi le permet, sous réserve des secrets "
         "qu'elle protège.")

    heading(doc, "Article 9 — Suivi et résiliation")
    para(doc, "La DINUM, le sponsor, le coach et les EIG font le point sur l'avancement de la "
         "mission au moins à mi-parcours et à son terme.")
    para(doc, "Chaque partie peut résilier la présente convention par écrit, avec un préavis "
         "d'un mois, si l'autre manque à ses engagements ou si la mission ne peut plus être "
         "menée. Les parties se concertent au préalable pour rechercher une solution.")

    heading(doc, "Article 10 — Dispositions financières")
    para(doc, "Le coût employeur prévisionnel de la mission s'élève à "
         "{{ annexe.totaux.cout_employeur|euros }}{% if " + SPLIT + " %}, dont "
         "{{ annexe.totaux.part_dinum|euros }} à la charge de la DINUM et "
         "{{ annexe.totaux.part_administration|euros }} à la charge de l'administration"
         "{% endif %}. Le détail figure à l'annexe financière, qui fait partie intégrante "
         "de la présente convention.")


def signatures(doc) -> None:
    """The signature block, kept on one page: its heading, the place and date, and a
    table whose rows never split and each hold on to the next."""
    heading(doc, "Signatures")
    para(doc, "Fait à Paris, le ……").paragraph_format.keep_with_next = True
    grid = doc.add_table(rows=4, cols=2)
    grid.style = doc.styles["Signatures"]
    rows = (("**Pour la DINUM", "**Pour l'administration"),
            ("{{ dinum.representant }}", "{% if administration.signataire %}"
             "{{ administration.signataire }}{% else %}"),
            ("{{ dinum.nom }}", "{{ administration.nom }}"),
            ("Signature :", "Signature :"))
    for index, (row, texts) in enumerate(zip(grid.rows, rows, strict=True)):
        no_split(row)
        for cell, text in zip(row.cells, texts, strict=True):
            write(cell, text.removeprefix("**"), bold=text.startswith("**"))
            cell.paragraphs[0].paragraph_format.keep_with_next = index < len(rows) - 1
    signatory = grid.rows[1].cells[1].paragraphs[0]
    to_fill(signatory)
    signatory.add_run("{% endif %}")
    grid.rows[-1].height, grid.rows[-1].height_rule = Mm(30), WD_ROW_HEIGHT_RULE.AT_LEAST
    column_widths(grid, [PORTRAIT_WIDTH / 2] * 2)


def landscape(doc) -> None:
    """A new section, on a new page, in A4 landscape (same header and footer)."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)


def annex(doc) -> None:
    """The financial annex, in landscape so its nine columns read whole."""
    landscape(doc)
    doc.add_paragraph("Annexe financière", style="Heading 1")
    para(doc, "Convention {{ numero }}, version {{ version }} — {{ type_libelle }} "
         "({{ cadre }}). Décision du {{ decision.date|date_fr }} ({{ decision.comite }}).")

    heading(doc, "Grille de rémunération nette mensuelle", 3)
    table(doc, ["Tranche d'expérience", "Net mensuel à temps plein", "Part variable"],
          "b in annexe.grille",
          ["{{ b.tranche_libelle }}", "{{ b.net_mensuel|euros }}",
           "{% if b.taux_variable %}{{ b.taux_variable|pourcentage }} du net fixe"
           "{% else %}aucune{% endif %}"], size=9, widths=[90, 70, 70])

    heading(doc, "Coût prévisionnel par EIG", 3)
    table(doc, ["EIG", "Tranche d'expérience", "Quotité", "Net mensuel", "Mois", "Net fixe",
                "Part variable", "Net total", "Coût employeur"], "l in annexe.lignes",
          ["n° {{ l.rang }} — {{ l.profil }}",
           "{{ l.tranche_libelle }}{% if l.hypothese %} (hypothèse){% endif %}",
           "{{ l.quotite_libelle }}",
           "{{ l.net_mensuel|euros }}{% if l.net_mensuel != l.net_mensuel_plein %} "
           "(temps plein : {{ l.net_mensuel_plein|euros }}){% endif %}",
           "{{ l.mois }}", "{{ l.net_fixe|euros }}",
           "{{ l.part_variable|euros }}{% if l.taux_variable %} "
           "({{ l.taux_variable|pourcentage }}){% endif %}",
           "{{ l.net_total|euros }}", "{{ l.cout_employeur|euros }}"],
          total=["Total", "", "", "", "", "{{ annexe.totaux.net_fixe|euros }}",
                 "{{ annexe.totaux.part_variable|euros }}", "{{ annexe.totaux.net_total|euros }}",
                 "{{ annexe.totaux.cout_employeur|euros }}"],
          widths=[44, 40, 22, 32, 12, 27, 28, 26, 26])
    para(doc, "Coût employeur : rémunération nette totale × "
         "{{ annexe.taux_cout_employeur|nombre_fr }} (charges et cotisations comprises).")
    tag(doc, "{%p if annexe.hypothese %}")
    para(doc, "**Hypothèse : ", "{{ annexe.hypothese }}")
    tag(doc, ENDIF)

    tag(doc, "{%p if " + SPLIT + " %}")
    heading(doc, "Répartition du financement", 3)
    table(doc, ["EIG", "Coût employeur", "Part DINUM", "Part administration"],
          "l in annexe.lignes",
          ["n° {{ l.rang }} — {{ l.profil }}", "{{ l.cout_employeur|euros }}",
           "{{ l.part_dinum|euros }}", "{{ l.part_administration|euros }}"],
          total=["Total", "{{ annexe.totaux.cout_employeur|euros }}",
                 "{{ annexe.totaux.part_dinum|euros }}",
                 "{{ annexe.totaux.part_administration|euros }}"], size=9,
          widths=[85, 50, 50, 50])
    para(doc, "Part cofinancée par la DINUM : {{ annexe.taux_part_dinum|pourcentage }} du coût "
         "employeur.")
    tag(doc, ENDIF)

    tag(doc, "{%p if annexe.a_confirmer %}")
    heading(doc, "Points à confirmer", 3)
    para(doc, "Les montants et taux suivants ne sont pas fixés par le programme : ce sont "
         "des hypothèses de travail, à valider avant signature.").paragraph_format \
        .keep_with_next = True
    tag(doc, "{%p for note in annexe.a_confirmer %}")
    bullet(doc, "**À confirmer : ", "{{ note }}")
    tag(doc, "{%p endfor %}")
    tag(doc, ENDIF)


def build(path: Path = OUTPUT) -> Path:
    """Write the template to ``path``."""
    doc = Document()
    styles(doc)
    page(doc)
    doc.add_paragraph("{{ type_libelle }}", style="Heading 1")
    para(doc, "relative à l'accueil d'entrepreneur·es d'intérêt général (EIG)")
    parties(doc)
    articles(doc)
    signatures(doc)
    annex(doc)
    doc.core_properties.title = "Convention EIG"
    doc.core_properties.author = "Programme EIG — DINUM"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
