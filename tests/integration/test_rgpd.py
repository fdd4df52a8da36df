"""Personal data's lifecycle on a store (SQLite and PostgreSQL): the purge's dry run
changes nothing, applied it removes exactly what is past retention and nothing else,
a second run does nothing; a person's export holds their data and emails; their erasure
leaves no trace, except a published decision, kept and said."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from connectors import prefect_artifacts
from connectors.store.engine import store_sessions
from flows.rgpd import PurgeParameters, erase_person, export_person, purge_personal_data
from flows.runtime import open_store, use_clock
from models.data_subject import parse_subject
from models.tables import Base, Dossier, PersonalDataAction
from tests.integration import rgpd_world as w


@pytest.fixture
def world(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EIG_DATABASE_URL", database_url)
    monkeypatch.setenv("EIG_MAILDIR", str(tmp_path / "maildir"))
    deleted: list = []
    monkeypatch.setattr(prefect_artifacts, "artifacts", lambda: [])  # see the test below
    monkeypatch.setattr(prefect_artifacts, "delete_artifacts",
                        lambda ids: deleted.extend(ids) or 0)
    open_store(database_url).dispose()  # PostgreSQL: a fresh schema
    with store_sessions(database_url) as sessions, sessions.begin() as session:
        built = w.build(session, tmp_path / "documents", tmp_path / "maildir")
    yield built


def dump(database_url: str) -> dict[str, list]:
    """Every row of every table, as text."""
    with store_sessions(database_url) as sessions, sessions() as session:
        return {t.name: [json.dumps(dict(r._mapping), default=str, ensure_ascii=False)
                         for r in session.execute(select(t))]
                for t in Base.metadata.sorted_tables}


def files(world: w.World) -> set[Path]:
    return {p for p in world.documents.rglob("*") if p.is_file()} | {
        p for p in world.maildir.rglob("*") if p.is_file()}


def counts(summary: dict) -> dict[tuple[str, str], int]:
    return {(r["data_class"], r["action"]): r["count"] for r in summary["rows"]}


@pytest.mark.both_dialects
def test_the_purge_dry_run_apply_and_again(world: w.World, database_url: str):
    before, before_files = dump(database_url), files(world)
    with use_clock(lambda: w.T0 + timedelta(days=2)):  # nothing is old yet
        assert purge_personal_data(PurgeParameters())["done"] == 0
    with use_clock(lambda: w.LATER):
        dry = purge_personal_data(PurgeParameters())
        assert dump(database_url) == before and files(world) == before_files
        applied = purge_personal_data(PurgeParameters(apply=True))
        again = purge_personal_data(PurgeParameters(apply=True))
    expected = {
        ("candidats_non_retenus", "pseudonymised"): 1,  # REFUSED
        ("candidats_non_retenus", "deferred"): 1,  # BUSY: a DS message still to deliver
        ("saison_close", "pseudonymised"): 1,  # PROJECT_REFUSED
        ("saison_close", "deleted"): 4,  # evaluations of REFUSED, LAUREATE, DELETED; a draft
        ("vivier", "pseudonymised"): 1, ("vivier", "deleted"): 1,  # consent not renewed
        ("dossiers_supprimes_ds", "deleted"): 1,
        ("decisions_publiees", "kept"): 3,  # the laureate, its relevé, its convention
        ("evaluateurs_partis", "pseudonymised"): 1,
        ("effets_livres", "pseudonymised"): 2,
        ("quarantaine_levee", "deleted"): 1,
        ("documents", "deleted"): 1,  # the old chart
        ("courriels", "deleted"): 1,  # the old email, not last week's
        ("missions", "pseudonymised"): 1,  # MISSION_CLOSED; MISSION_OPEN recruits still
        ("disponibilites", "pseudonymised"): 1,  # the form's dossier
        ("disponibilites", "deleted"): 3,  # its request, the form as read, the window
    }
    assert counts(dry) == expected
    assert counts(applied) == expected
    assert again["done"] == 0
    assert {a for _, a in counts(again)} <= {"deferred", "kept"}
    after = dump(database_url)
    relevés = after.pop("committee_sessions")  # published decisions: kept
    assert any(w.REFUSED_NAME in row for row in relevés)
    text_after = json.dumps(after, ensure_ascii=False)
    for gone in (w.REFUSED_EMAIL, w.REFUSED_NAME, "Vivi Vivier", "Sam Supprimé", w.GONE,
                 "Paul Parti", "Marc Porteur", "Paula Pourvue", "2027-01-11"):
        assert gone not in text_after, gone
    for kept in ("Lucie Porteuse", "Rita Récente", "Oscar Occupé", w.ACTIVE, "Olga Ouverte"):
        assert kept in text_after, kept
    with store_sessions(database_url) as sessions, sessions() as session:
        numbers = set(session.scalars(select(Dossier.number)))
        log = session.scalars(select(PersonalDataAction)).all()
    assert w.DELETED not in numbers and {w.REFUSED, w.VIVIER, w.RECENT} <= numbers
    assert not world.old_chart.exists() and world.releve.exists()
    assert world.convention_pdf.exists()
    assert len(list((world.maildir / "new").iterdir())) == 1  # last week's stays
    assert log and all("@" not in ref for entry in log for ref in entry.refs)
    assert not any(name in json.dumps([e.refs for e in log]) for name in ("Camille", "Paul"))

    # a full sync brings a pseudonymised dossier's data back from DS: the next purge
    # pseudonymises it again
    with store_sessions(database_url) as sessions, sessions.begin() as session:
        session.execute(update(Dossier).where(Dossier.number == w.REFUSED).values(
            applicant={"email": w.REFUSED_EMAIL}, synced_at=w.LATER + timedelta(hours=1)))
    with use_clock(lambda: w.LATER + timedelta(days=1)):
        resynced = purge_personal_data(PurgeParameters(apply=True))
    assert counts(resynced)[("candidats_non_retenus", "pseudonymised")] == 1
    assert w.REFUSED_EMAIL not in json.dumps(dump(database_url), ensure_ascii=False)


@pytest.mark.both_dialects
def test_export_then_erase_leaves_no_trace(world: w.World, database_url: str):
    subject = parse_subject(w.REFUSED_EMAIL)
    with use_clock(lambda: w.LATER):
        done = export_person(subject)
    folder = Path(done["folder"])
    data = json.loads((folder / "donnees.json").read_text(encoding="utf-8"))
    assert data["dossiers"] == [w.REFUSED]
    assert {"dossiers", "evaluations", "assignments", "decisions", "effects"} <= set(done["tables"])
    evaluations = json.dumps(data["donnees"]["evaluations"], ensure_ascii=False)
    assert "Avis sur 2001" in evaluations and w.GONE not in evaluations  # third parties masked
    assert done["emails"] == 1 and Path(done["zip"]).is_file()
    assert w.REFUSED_EMAIL in (folder / "courriels" / "001.eml").read_text(encoding="utf-8")

    dry = erase_person(subject)
    assert dry.refused is None and not dry.held and json.dumps(
        dump(database_url), ensure_ascii=False).count(w.REFUSED_EMAIL) > 0
    erased = erase_person(subject, confirm=True)
    assert erased.refused is None and not erased.held
    assert any("relevé" in k for k in erased.kept)  # the published refusal stays in the relevé
    tables = dump(database_url)
    relevés = tables.pop("committee_sessions")  # the published decisions: kept, and said
    assert [w.REFUSED_NAME in row for row in relevés] == [True, False, False]
    everything = json.dumps(tables, ensure_ascii=False)
    assert w.REFUSED_EMAIL not in everything and "Camille" not in everything
    assert not folder.exists() and not Path(done["zip"]).exists()
    assert all(w.REFUSED_EMAIL not in p.read_text(encoding="utf-8", errors="replace")
               for p in world.maildir.rglob("*") if p.is_file())
    with pytest.raises(Exception, match="aucune donnée"):
        erase_person(subject)


@pytest.mark.both_dialects
def test_erasing_a_published_laureate_is_refused_and_said(world: w.World, database_url: str):
    report = erase_person(parse_subject(str(w.LAUREATE)), confirm=True)
    assert report.held and "est conservé" in report.held[0]
    assert "obligation légale" in report.held[0]
    with store_sessions(database_url) as sessions, sessions() as session:
        kept = session.scalar(select(Dossier).where(Dossier.number == w.LAUREATE))
        assert kept.applicant["email"] == "porteur@ministere.fr"
        assert session.execute(text("select count(*) from convention_versions")).scalar() == 1


def test_erasure_waits_for_the_outbox(world: w.World, database_url: str):
    report = erase_person(parse_subject(str(w.BUSY)), confirm=True)
    assert report.refused and "à délivrer" in report.refused
    with store_sessions(database_url) as sessions, sessions() as session:
        assert session.get(Dossier, session.scalar(select(Dossier.id).where(
            Dossier.number == w.BUSY))).applicant


def test_the_cli_refuses_bad_input_in_one_line(world: w.World):
    from eig.cli import app

    runner = CliRunner()
    for args in (["rgpd", "export", "personne"], ["rgpd", "erase", "inconnu@exemple.fr"],
                 ["rgpd", "export", "999999"], ["rgpd", "purge", "--date", "2027-13-01"],
                 ["rgpd", "purge", "--appliquer", "--date", "2999-01-01"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert "Traceback" not in result.output


def test_cli_erase_of_a_laureate_exits_1_with_the_reason(world: w.World):
    from eig.cli import app

    result = CliRunner().invoke(app, ["rgpd", "erase", str(w.LAUREATE), "--confirmer"])
    assert result.exit_code == 1
    assert result.output.startswith("Effacement refusé en partie : le dossier 1001 est "
                                    "conservé")


def test_our_artifacts_are_found_and_deleted_on_the_prefect_api():
    """The connector the purge and the erasure use, on the test harness's server."""
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(key="rgpd-probe", markdown="| Évaluateur |\n|---|\n| "
                             "zoe.probe@exemple.fr |")
    found = prefect_artifacts.mentioning(prefect_artifacts.artifacts(), ["Zoe.Probe@exemple.fr"])
    assert [a.key for a in found] == ["rgpd-probe"]
    assert prefect_artifacts.delete_artifacts(a.id for a in found) == 1
    assert prefect_artifacts.mentioning(prefect_artifacts.artifacts(),
                                        ["zoe.probe@exemple.fr"]) == []
