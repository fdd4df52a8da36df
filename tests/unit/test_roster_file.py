"""Reading the roster file: the samples, both CSV delimiters, YAML, and unreadable files."""

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from connectors.roster_file import (
    RosterFileError,
    load_roster,
    read_csv_rows,
    read_roster_rows,
    read_yaml_rows,
)
from models.roster import COLUMNS, RosterValidationError, is_available, parse_roster

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROFILES = ["produit", "technique", "design", "data", "juridique"]
TRACKS = ["projets", "candidats"]


def load(path):
    return load_roster(path, allowed_profiles=PROFILES, allowed_tracks=TRACKS)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("name", ["evaluateurs.example.csv", "evaluateurs.example.yaml"])
def test_the_samples_import(name):
    evaluators = load(CONFIG / name)
    assert len(evaluators) == 12
    assert {p for e in evaluators for p in e.profiles} == set(PROFILES)
    assert {t for e in evaluators for t in e.tracks} == set(TRACKS)
    assert 3 <= sum(e.senior for e in evaluators) < 12
    assert any(e.conflict_organisations for e in evaluators)
    assert any(e.conflict_dossiers for e in evaluators)
    assert any(e.conflict_people for e in evaluators)
    [away] = [e for e in evaluators if e.unavailable]
    assert not is_available(away, date(2026, 12, 24), date(2026, 12, 26))
    assert is_available(away, date(2027, 1, 6), date(2027, 2, 9))


def test_the_csv_and_yaml_samples_say_the_same_thing():
    from_csv = load(CONFIG / "evaluateurs.example.csv")
    from_yaml = load(CONFIG / "evaluateurs.example.yaml")
    assert [dataclasses.replace(e, line=0) for e in from_csv] == [
        dataclasses.replace(e, line=0) for e in from_yaml]


def test_the_csv_sample_header_has_every_column_in_order():
    header = (CONFIG / "evaluateurs.example.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(";") == list(COLUMNS)


SEMICOLON = """\
courriel;nom;organisation;ministere;profils;parcours;capacite_mensuelle;indisponibilites
a@dinum.example;Ana Lopez;DINUM;Ministère de l'Économie, des Finances;produit|design;projets;2;

b@dinum.example;Bruno Roy;"DITP; pôle usagers";;data;candidats;1;"2027-01-01..2027-01-03;2027-02-01"
"""

COMMA = """\
courriel,nom,organisation,ministere,profils,parcours,capacite_mensuelle,indisponibilites
a@dinum.example,Ana Lopez,DINUM,"Ministère de l'Économie, des Finances",produit|design,projets,2,

b@dinum.example,Bruno Roy,DITP; pôle usagers,,data,candidats,1,2027-01-01..2027-01-03;2027-02-01
"""


@pytest.mark.parametrize("text", [SEMICOLON, COMMA], ids=["semicolon", "comma"])
def test_csv_with_either_delimiter(tmp_path, text):
    a, b = load(write(tmp_path, "evaluateurs.csv", text))
    assert (a.line, b.line) == (2, 4)  # the blank line 3 is skipped but counted
    assert a.ministry == "Ministère de l'Économie, des Finances"
    assert a.profiles == ("produit", "design")
    assert b.organisation == "DITP; pôle usagers"
    assert b.ministry is None
    assert [(r.start, r.end) for r in b.unavailable] == [
        (date(2027, 1, 1), date(2027, 1, 3)), (date(2027, 2, 1), date(2027, 2, 1))]


def test_csv_line_numbers_follow_multiline_cells_and_a_bom():
    text = ("\ufeffCourriel;Nom;Organisation;Profils;Parcours;Capacité mensuelle\n"
            'a@x.example;"Ana\nLopez";DINUM;produit;projets;1\n'
            "b@x.example;Bruno;DINUM;produit;projets;deux\n")
    rows = read_csv_rows(text)
    assert [line for line, _ in rows] == [2, 4]
    assert rows[0][1]["Nom"] == "Ana\nLopez"
    with pytest.raises(RosterValidationError) as caught:
        parse_roster(rows, allowed_profiles=PROFILES, allowed_tracks=TRACKS)
    assert [(e.line, e.field) for e in caught.value.errors] == [(4, "capacite_mensuelle")]


def test_all_errors_of_a_file_are_reported_at_once_with_the_file_name(tmp_path):
    path = write(tmp_path, "evaluateurs.csv", """\
courriel;nom;organisation;profils;parcours;capacite_mensuelle;indisponibilites
a@dinum.example;Ana;DINUM;produit;projets;2;
pas-une-adresse;Bruno;DINUM;produit;projets;2;
c@dinum.example;Chloé;DINUM;ux;projets;-1;
A@DINUM.example;Ana bis;DINUM;produit;vivier;2;2027-02-12..2027-02-10
""")
    with pytest.raises(RosterValidationError) as caught:
        load(path)
    assert [(e.line, e.field, e.rule) for e in caught.value.errors] == [
        (3, "courriel", "email"),
        (4, "profils", "allowed"),
        (4, "capacite_mensuelle", "integer"),
        (5, "parcours", "allowed"),
        (5, "indisponibilites", "range"),
        (5, "courriel", "duplicate"),
    ]
    message = str(caught.value)
    assert message.startswith(f"{path} : ")
    assert "ligne 5, champ 'courriel' : adresse déjà utilisée ligne 2" in message


def test_a_misspelt_or_missing_column_is_reported_once_on_the_header_line(tmp_path):
    path = write(tmp_path, "evaluateurs.csv", """\
courriel;nom;organisation;profils;parcours;capacite;capacite
a@dinum.example;Ana;DINUM;produit;projets;2;2
b@dinum.example;Bruno;DINUM;produit;projets;2;2
""")
    with pytest.raises(RosterValidationError) as caught:
        load(path)
    assert [(e.line, e.field, e.rule) for e in caught.value.errors] == [
        (1, "capacite", "unknown"), (1, "capacite", "unknown"),
        (1, "capacite_mensuelle", "required"),
    ]


def test_a_row_with_too_many_cells_names_its_line(tmp_path):
    path = write(tmp_path, "evaluateurs.csv", """\
courriel,nom,organisation,ministere,profils,parcours,capacite_mensuelle
a@dinum.example,Ana,DINUM,Ministère de l'Économie, des Finances,produit,projets,2
""")
    with pytest.raises(RosterFileError, match=r"ligne 2 : 8 valeurs pour 7 colonnes"):
        read_roster_rows(path)


def test_a_trailing_delimiter_is_harmless(tmp_path):
    path = write(tmp_path, "evaluateurs.csv",
                 "courriel;nom;organisation;profils;parcours;capacite_mensuelle;\n"
                 "a@dinum.example;Ana;DINUM;produit;projets;2;\n")
    [ev] = load(path)
    assert ev.email == "a@dinum.example"


YAML = """\
# liste d'évaluateurs
- courriel: a@dinum.example
  nom: Ana Lopez
  organisation: DINUM
  profils: [produit, design]
  parcours: projets
  capacite_mensuelle: 2
  indisponibilites:
    - 2027-03-01
    - 2027-01-01..2027-01-03

- courriel: b@dinum.example
  nom: Bruno Roy
  organisation: DITP
  profils: data
  parcours: [candidats]
  capacite_mensuelle: trois
"""


def test_yaml_rows_carry_the_line_where_each_evaluator_starts(tmp_path):
    rows = read_roster_rows(write(tmp_path, "evaluateurs.yml", YAML))
    assert [line for line, _ in rows] == [2, 12]
    assert rows[0][1]["indisponibilites"] == [date(2027, 3, 1), "2027-01-01..2027-01-03"]
    with pytest.raises(RosterValidationError) as caught:
        load(write(tmp_path, "evaluateurs.yaml", YAML))
    assert [(e.line, e.field) for e in caught.value.errors] == [(12, "capacite_mensuelle")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "fichier vide"),
        ("courriel: a@dinum.example\n", "attendu une liste"),
        ("- courriel: a@dinum.example\n- juste un texte\n", "ligne 2 : chaque évaluateur"),
        ("- courriel: [a@dinum.example\n", "YAML invalide"),
    ],
)
def test_yaml_that_is_not_a_list_of_mappings(text, match):
    with pytest.raises(RosterFileError, match=match):
        read_yaml_rows(text)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(RosterFileError, match=r"extension '\.xlsx' non reconnue"):
        read_roster_rows(write(tmp_path, "evaluateurs.xlsx", "courriel\n"))
    with pytest.raises(RosterFileError, match="introuvable"):
        read_roster_rows(tmp_path / "absent.csv")


def test_an_empty_csv_and_a_non_utf8_csv(tmp_path):
    with pytest.raises(RosterFileError, match="fichier vide"):
        read_roster_rows(write(tmp_path, "vide.csv", "\n\n"))
    latin1 = "courriel;nom\na@x.example;Léa\n"
    with pytest.raises(RosterFileError, match=r"ligne 2 : le fichier n'est pas en UTF-8"):
        read_roster_rows(write(tmp_path, "latin1.csv", latin1, encoding="latin-1"))
