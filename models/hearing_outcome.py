"""The outcome of hearings: the jury's scores per criterion, read from a CSV export,
checked like evaluation forms, aggregated with the evaluations' code, and summed up as
the hearing notes the committee reads.

CSV columns (``;`` or ``,``): ``dossier``, ``courriel`` (the jury member), one
``note_<criterion>`` per criterion of the track, ``commentaire``. A bad row is reported
with its line, dossier, field and rule; the good rows are kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from models.evaluation_forms import check_scores
from models.french import date_fr, nombre_fr, pluriel
from models.jury_availability import record_line
from models.quote import quoted
from models.scoring.aggregate import DossierAggregate

REQUIRED_COLUMNS = ("dossier", "courriel")
HEARING_LABELS = {"soutenance": "Soutenance", "produit": "Entretien métier produit",
                  "technique": "Entretien métier technique", "mission": "Entretien de mission"}
"""What each hearing type is called in emails, agendas and the relevé."""
MISSIONS = "missions"
"""The hearing track of the entretiens de mission; each request names its mission
(``HearingRequest.mission_id``)."""


def criteria_track(track: str) -> str:
    """The track whose criteria score this hearing (a mission's entretien is judged on
    the candidates' criteria)."""
    return "candidats" if track == MISSIONS else track


def scores_grid(dossier: int, juror: str, criteria: Sequence[str]) -> str:
    """The grid a jury member fills after a hearing and sends back (the CSV that
    ``parse_jury_scores`` reads): the columns, and their own row with the dossier and
    their e-mail already written; ``;`` and a BOM, so that a French spreadsheet opens it
    in columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([*REQUIRED_COLUMNS, *(f"note_{key}" for key in criteria), "commentaire"])
    writer.writerow([dossier, juror, *("" for _ in criteria), ""])
    return "\ufeff" + out.getvalue()


@dataclass(frozen=True)
class JuryScores:
    line: int
    dossier: int
    juror: str
    scores: Mapping[str, int]
    comment: str | None


@dataclass(frozen=True)
class ImportProblem:
    line: int
    dossier: int | None
    field: str
    rule: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" + (f", dossier {self.dossier}" if self.dossier else "")
        return f"{where}, champ {self.field} : {self.rule}"


class _Semicolon(csv.excel):
    delimiter = ";"


def parse_jury_scores(text: str, criteria: Mapping[str, str], scale_min: int, scale_max: int,
                      comment_required: bool) -> tuple[list[JuryScores], list[ImportProblem]]:
    """Rows of jury scores and the problems of the others (``criteria``: key → label)."""
    text = text.lstrip("\ufeff")
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(text.split("\n", 1)[0],
                                                         delimiters=";,")
    except csv.Error:
        dialect = _Semicolon  # never csv.excel itself: changing it changes every reader
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = [c.strip() for c in reader.fieldnames or []]
    expected = (*REQUIRED_COLUMNS, *(f"note_{k}" for k in criteria), "commentaire")
    missing = [c for c in expected[:-1] if c not in columns]
    if not columns:
        return [], [ImportProblem(1, None, "en-tête", "fichier vide : il faut la ligne "
                                  "d'en-tête " + ";".join(expected))]
    if missing:
        return [], [ImportProblem(1, None, ", ".join(missing), pluriel(
            len(missing), "colonne absente", "colonnes absentes"))]
    rows: list[JuryScores] = []
    problems: list[ImportProblem] = []
    for raw in reader:
        line = record_line(reader, raw)
        record = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(record.values()):
            continue
        try:
            dossier = int(record["dossier"])
        except ValueError:
            problems.append(ImportProblem(line, None, "dossier",
                                          f"{quoted(record['dossier'])} n'est pas un numéro"))
            continue
        juror = record["courriel"].lower()
        if "@" not in juror:
            problems.append(ImportProblem(line, dossier, "courriel",
                                          "adresse du membre du jury absente ou invalide"))
            continue
        check = check_scores(record, criteria, scale_min, scale_max, comment_required)
        if check.problems:
            problems += [ImportProblem(line, dossier, field, rule)
                         for field, rule in check.problems]
            continue
        rows.append(JuryScores(line, dossier, juror, check.scores, check.comment))
    return rows, problems


def check_against_juries(rows: Sequence[JuryScores], juries: Mapping[int, set[str]],
                         upcoming: set[int] | frozenset[int] = frozenset()
                         ) -> tuple[list[JuryScores], list[ImportProblem]]:
    """Keep the rows of a jury member of a hearing that took place for that dossier
    (``upcoming``: booked, not held yet); the last row of a member for a dossier wins (a
    corrected export)."""
    kept: dict[tuple[int, str], JuryScores] = {}
    problems = []
    for row in rows:
        jury = juries.get(row.dossier)
        if row.dossier in upcoming:
            problems.append(ImportProblem(row.line, row.dossier, "dossier",
                                          "l'audition n'a pas encore eu lieu"))
        elif jury is None:
            problems.append(ImportProblem(row.line, row.dossier, "dossier",
                                          "aucune audition programmée pour ce dossier"))
        elif row.juror not in jury:
            problems.append(ImportProblem(row.line, row.dossier, "courriel",
                                          f"{row.juror} n'est pas membre du jury de "
                                          "cette audition"))
        else:
            kept[(row.dossier, row.juror)] = row
    return list(kept.values()), problems


def hearing_notes(kind_label: str, held_on: date | datetime, result: DossierAggregate,
                  max_total: float, comments: Sequence[str],
                  labels: Mapping[str, str] | None = None) -> str:
    """What the committee reads of a hearing: date, jury total and weakest criteria, and
    the jury's comments."""
    if result.total is None:
        return ""
    day = held_on if not isinstance(held_on, datetime) or held_on.tzinfo else held_on.date()
    members = pluriel(result.n_evaluations, "membre", "membres")
    text = (f"{kind_label} du {date_fr(day)} : {nombre_fr(result.total)}/"
            f"{nombre_fr(max_total)} ({result.n_evaluations} {members} du jury)")
    failing = [(labels or {}).get(key, key) for key, stats in result.criteria.items()
               if not stats.passes]
    if failing:
        text += " ; sous le seuil : " + ", ".join(failing)
    if comments:
        text += ". Avis du jury : " + " / ".join(c.strip() for c in comments if c.strip())
    return text
