"""draft-conventions against the sandbox, the SMTP server and both stores: a draft per
lauréat, numbered and versioned; regenerating without change adds nothing and sends
nothing; overrides make a new version (the old one kept); bad input is reported by
dossier, field and rule while the others go on."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from docx import Document
from sqlalchemy import select

from ds_sandbox import PROJETS
from flows.conventions import draft_conventions as draft_conventions_flow
from models.tables import CommitteeSession, ConventionVersion, Dossier, Effect
from tests.integration.chase_helpers import Inbox, effect_key, of_kind, text_of
from tests.integration.delivery_helpers import deliver_all
from tests.integration.sync_helpers import run_sync

pytestmark = pytest.mark.sandbox_data(dossiers=16, seed=5)
SESSION = date(2026, 11, 5)  # not the promotion's month: convention de partenariat
HOSTILE = '<script>alert("x")</script> & Cie {{ numero }}\x0b'


def draft_conventions(**parameters):
    """A draft-conventions run, then the deliverer its hand-over triggers."""
    result = draft_conventions_flow(**parameters)
    deliver_all()
    return result


@pytest.fixture
def laureats(sandbox, store, smtp_server, tmp_path, monkeypatch):
    """Three projets decided by an approved committee: two lauréats and a refusal."""
    run_sync(full=True, assign_new=False)
    first, second, refused = sorted(sandbox.state.numbers(PROJETS.number))[:3]
    with store.sessions.begin() as session:
        dossier = by_number(session, first)
        dossier.fields = {**dossier.fields, "nombre_eig": 2,
                          "profils": ["designer", "développeur·se"],
                          "intitule": f"Défi {HOSTILE}"}
        by_number(session, second).fields = {**by_number(session, second).fields,
                                               "nombre_eig": 1}
        session.add(CommitteeSession(
            track="projets", session_date=SESSION, status="approved", proposals=[],
            decisions=[{"dossier": first, "decision": "laureat", "motivation": "Retenu."},
                       {"dossier": second, "decision": "laureat", "motivation": "Retenu."},
                       {"dossier": refused, "decision": "refus", "motivation": "Non."}],
            files={}, created_at=datetime.now(UTC)))
    return first, second, refused


def by_number(session, number: int) -> Dossier:
    return session.scalar(select(Dossier).where(Dossier.number == number))


def inbox(smtp_server) -> Inbox:
    return Inbox(smtp_server.mailbox)


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def versions(store, number: int) -> list[int]:
    with store.sessions() as session:
        return list(session.scalars(select(ConventionVersion.version).where(
            ConventionVersion.dossier_number == number).order_by(ConventionVersion.version)))


@pytest.mark.both_dialects
def test_each_laureat_gets_one_numbered_draft_sent_once(laureats, sandbox, store,
                                                        smtp_server):
    first, second, refused = laureats
    mail = inbox(smtp_server)
    summary = draft_conventions()
    assert summary["laureats"] == 2 and summary["problems"] == []
    numeros = {d["dossier"]: d["numero"] for d in summary["new"]}
    assert numeros == {first: "EIG-CONV-2026-0001", second: "EIG-CONV-2026-0002"}
    sent = of_kind(mail.new(), "convention")
    assert len(sent) == 2 and summary["handed_over"] == {"email": 2}

    message = next(m for m in sent if f":{first}:" in effect_key(m))
    with store.sessions() as session:
        porteur = by_number(session, first).fields["email"]
    assert porteur in str(message["To"]) and "equipe@eig.example" in str(message["To"])
    files = attachments(message)
    docx = files["EIG-CONV-2026-0001-v1.docx"]
    assert files["EIG-CONV-2026-0001-v1.pdf"].startswith(b"%PDF")
    text = docx_text(docx)
    assert "Convention de partenariat" in text and "EIG-CONV-2026-0001" in text
    assert "4\u202f250,00\u00a0€" in text or "5\u202f000,00\u00a0€" in text
    assert "à confirmer" in text.lower()
    assert '<script>alert("x")</script> & Cie {{ numero }}' in text  # literal, not run
    assert "\x0b" not in text
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "1er janvier 2027" in text_of(message)  # 2 months after the committee

    # Rerun: nothing changed, nothing new, nothing sent
    again = draft_conventions()
    assert again["new"] == [] and again["unchanged"] == 2
    assert mail.new() == [] and versions(store, first) == [1]
    assert sandbox.mutations.applied("dossierEnvoyerMessage", first) == 0


def test_overrides_make_a_new_version_and_keep_the_old(laureats, store, smtp_server):
    first, second, _ = laureats
    mail = inbox(smtp_server)
    draft_conventions()
    mail.new()
    params = {"dossier": second, "quotite": "4/5", "experience": "moins-10-ans",
              "coach": "Dana Coach"}
    summary = draft_conventions(**params)
    assert [(d["dossier"], d["version"]) for d in summary["new"]] == [(second, 2)]
    assert versions(store, second) == [1, 2]
    sent = of_kind(mail.new(), "convention")
    assert len(sent) == 1 and "version 2" in str(sent[0]["Subject"])
    text = docx_text(attachments(sent[0])["EIG-CONV-2026-0002-v2.docx"])
    assert "3\u202f400,00\u00a0€" in text and "Dana Coach" in text  # 4 250 € × 4/5

    # The overrides are kept: the nightly run (no parameters) does not undo them
    assert draft_conventions(**params)["new"] == []
    assert draft_conventions()["new"] == [] and mail.new() == []


def test_bad_input_is_reported_and_the_others_go_on(laureats, store, smtp_server):
    first, second, _ = laureats
    with store.sessions.begin() as session:
        dossier = by_number(session, first)
        dossier.fields = {**dossier.fields, "nombre_eig": 5}
    summary = draft_conventions()
    assert [d["dossier"] for d in summary["new"]] == [second]
    assert summary["problems"] == [{"dossier": first, "problem":
                                    f"dossier {first}, champ nombre_eig (1 ou 2) : nombre "
                                    "d'EIG souhaités 5 : 1 ou 2 attendu"}]
    part_time = draft_conventions(dossier=second, type_convention="budgetaire",
                                  quotite="4/5")
    assert part_time["problems"][0]["problem"].startswith(f"dossier {second}, champ quotite")
    assert versions(store, second) == [1]


def test_a_dossier_that_is_not_laureat_has_no_convention(laureats):
    _, _, refused = laureats
    state = draft_conventions(dossier=refused, return_state=True)
    assert state.is_failed()
    with pytest.raises(LookupError, match=f"dossier {refused} : pas lauréat"):
        state.result()


def test_the_draft_can_also_reach_the_dossier_in_ds_once(laureats, sandbox, store,
                                                         smtp_server, tmp_path, monkeypatch):
    first, _, _ = laureats
    config = yaml.safe_load(Path(os.environ["EIG_CONFIG"]).read_text(encoding="utf-8"))
    config["conventions"]["attach_in_ds"] = True
    path = tmp_path / "attach.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("EIG_CONFIG", str(path))
    draft_conventions(dossier=first)
    draft_conventions(dossier=first)
    assert sandbox.mutations.applied("dossierEnvoyerMessage", first) == 1
    message = sandbox.state.dossier(first).messages[-1]
    assert "EIG-CONV-2026-0001" in message.body and message.attachment
    with store.sessions() as session:
        keys = list(session.scalars(select(Effect.key).where(Effect.key.like("ds:message:%"))))
    assert keys == [f"ds:message:{first}:convention-v1"]
