"""Hostile roster files (issue 19): each is refused in one French line naming the file,
its line and the rule, quickly and without quoting more than ~80 characters of a value;
an import that would empty the roster waits for --confirm-retire, the store unchanged."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from connectors.roster_file import RosterFileError, read_roster_rows
from connectors.store.engine import make_sessionmaker
from eig.cli import app
from flows.runtime import open_store
from models.quote import quoted
from models.roster import RosterValidationError, parse_roster, retire_problem
from models.tables import EvaluatorRow

CONFIG = Path(__file__).resolve().parents[2] / "config"
PROFILES = ["produit", "technique", "design", "data", "juridique"]
BOMB = """\
- courriel: a@x.fr
  nom: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  organisation: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  ministere: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  profils: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  parcours: [*d,*d,*d,*d,*d,*d,*d,*d,*d]
"""


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_a_yaml_alias_bomb_is_refused_at_its_line_at_once(tmp_path):
    started = time.perf_counter()
    with pytest.raises(RosterFileError) as error:
        read_roster_rows(write(tmp_path, "bombe.yaml", BOMB))
    assert time.perf_counter() - started < 1  # a refusal, not an expansion (no timing claim)
    message = str(error.value)
    assert "bombe.yaml, ligne 2" in message and "alias YAML" in message
    assert len(message) < 300 and "\n" not in message


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("latin1.csv", "courriel;nom\nléa@x.fr;Léa\n".encode("latin-1"),
     "latin1.csv, ligne 2 : le fichier n'est pas en UTF-8"),
    ("vide.yaml", "", "vide.yaml : fichier vide"),
    ("texte.yaml", "juste du texte", "attendu une liste d'évaluateurs"),
])
def test_unreadable_files_are_named_with_their_line(tmp_path, name, data, expected):
    with pytest.raises(RosterFileError, match=expected):
        read_roster_rows(write(tmp_path, name, data))


def test_a_missing_file_a_folder_and_a_file_too_big(tmp_path, monkeypatch):
    with pytest.raises(RosterFileError, match="fichier des évaluateurs introuvable"):
        read_roster_rows(tmp_path / "absent.csv")
    (tmp_path / "dossier.csv").mkdir()
    with pytest.raises(RosterFileError, match="c'est un dossier"):
        read_roster_rows(tmp_path / "dossier.csv")
    monkeypatch.setenv("EIG_MAX_INPUT_BYTES", "100")
    with pytest.raises(RosterFileError, match="au-delà de la limite de 100 octets"):
        read_roster_rows(CONFIG / "evaluateurs.example.csv")


def test_a_huge_value_is_quoted_in_80_characters_at_most():
    row = {"courriel": "x" * 1_000_000, "nom": "Léa", "organisation": "DINUM"}
    with pytest.raises(RosterValidationError) as error:
        parse_roster([(2, row)], allowed_profiles=PROFILES, allowed_tracks=["projets"])
    assert len(str(error.value)) < 400
    assert len(quoted("y" * 10**6)) == 80 and len(quoted(list(range(10**5)))) < 80


def test_control_characters_in_a_name_are_refused():
    row = {"courriel": "lea@x.fr", "nom": "Léa\x00\x07", "organisation": "DINUM",
           "profils": "produit", "parcours": "projets"}
    with pytest.raises(RosterValidationError, match="caractère de contrôle"):
        parse_roster([(2, row)], allowed_profiles=PROFILES, allowed_tracks=["projets"])


def test_the_retire_rule():
    assert retire_problem(150, 150, 0.2) is not None
    assert "150 évaluateurs sur 150 (100 %)" in retire_problem(150, 150, 0.2)
    assert retire_problem(150, 30, 0.2) is None and retire_problem(0, 0, 0.2) is None


def test_a_header_only_roster_retires_no_one_without_confirmation(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'eig.sqlite'}"
    monkeypatch.setenv("EIG_DATABASE_URL", url)
    sessions = make_sessionmaker(open_store(url))
    runner = CliRunner()
    full = runner.invoke(app, ["roster", "import", str(CONFIG / "evaluateurs.example.csv")])
    assert full.exit_code == 0, full.output

    def active() -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(EvaluatorRow).where(
                EvaluatorRow.active.is_(True)))

    header = (CONFIG / "evaluateurs.example.csv").read_text(encoding="utf-8").splitlines()[0]
    empty = write(tmp_path, "entete.csv", header + "\n")
    refused = runner.invoke(app, ["roster", "import", str(empty)])
    assert refused.exit_code == 1
    assert "12 évaluateurs sur 12 (100 %) seraient retirés" in refused.output
    assert "--confirm-retire" in refused.output and "Traceback" not in refused.output
    assert active() == 12  # the store unchanged
    confirmed = runner.invoke(app, ["roster", "import", str(empty), "--confirm-retire"])
    assert confirmed.exit_code == 0, confirmed.output
    assert active() == 0


def test_a_capacity_beyond_reason_is_refused_on_its_line():
    row = {"courriel": "lea@x.fr", "nom": "Léa", "organisation": "DINUM", "profils": "produit",
           "parcours": "projets", "capacite_mensuelle": str(10**29)}
    with pytest.raises(RosterValidationError, match="au plus 100 dossiers par mois"):
        parse_roster([(7, row)], allowed_profiles=PROFILES, allowed_tracks=["projets"])


@pytest.mark.parametrize(("args", "expected"), [
    (["--debut", "2027-13-01"], "--debut : date attendue (AAAA-MM-JJ), reçu '2027-13-01'"),
    (["--quotite", "3/5"], "--quotite : valeurs permises : 'temps plein' ou '4/5', reçu '3/5'"),
    (["--experience-min", "-5"], "--experience-min : au moins 0, reçu -5"),
    (["--contact-email", "pas-une-adresse"], "--contact-email : forme invalide"),
])
def test_mission_parameters_are_refused_in_one_french_line(tmp_path, monkeypatch, args,
                                                            expected):
    monkeypatch.setenv("EIG_DATABASE_URL", f"sqlite:///{tmp_path / 'eig.sqlite'}")
    result = CliRunner().invoke(app, ["missions", "match", *args])
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_unknown_hearing_track_is_named(tmp_path):
    scores = write(tmp_path, "notes.csv", "dossier;courriel\n")
    result = CliRunner().invoke(app, ["hearings", "scores", str(scores), "-t", "nope"])
    assert result.exit_code == 2 and "parcours « nope » inconnu" in result.output
    missing = CliRunner().invoke(app, ["hearings", "scores", str(tmp_path / "absent.csv")])
    assert missing.exit_code == 2 and "introuvable" in missing.output


@pytest.mark.parametrize(("config", "expected"), [
    ("tracks: [\n", "ligne 2 : syntaxe YAML invalide"),
    ("tracks:\n  projets:\n    label: 3\n",
     "configuration invalide — demarches : obligatoire ; tracks.projets.label : texte "
     "attendu, reçu 3"),
    ("\xe9t\xe9: 1\n", "n'est pas en UTF-8"),
])
def test_a_bad_configuration_is_one_french_line_and_exit_2(tmp_path, config, expected):
    import subprocess
    import sys

    path = tmp_path / "eig.yaml"
    path.write_bytes(config.encode("latin-1"))
    result = subprocess.run(
        [sys.executable, "-m", "eig", "roster", "import", str(CONFIG / "evaluateurs.example.csv")],
        capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "EIG_CONFIG": str(path),
             "EIG_DATABASE_URL": f"sqlite:///{tmp_path / 'eig.sqlite'}"})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["missions", "match", "-m", "999"],
                                  ["missions", "deliberate", "999"]])
def test_an_unknown_mission_is_one_line_before_any_run(tmp_path, monkeypatch, args):
    monkeypatch.setenv("EIG_DATABASE_URL", f"sqlite:///{tmp_path / 'eig.sqlite'}")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "mission 999 : inconnue" in result.output
    assert len(result.output.strip().splitlines()) == 1
