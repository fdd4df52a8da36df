"""deliver-effects against the DS sandbox and a real SMTP server, on SQLite and PostgreSQL.

Every effect must be observed exactly once at the sandbox or the SMTP server, whatever
fails in between: SMTP outages, a lost DS answer after the mutation was applied, a crash
between delivering and marking.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from connectors.store import outbox
from ds_sandbox import PROJETS
from flows.delivery.deliverer import deliver_pending
from flows.effects import DeliverParameters, deliver_effects
from flows.runtime import open_runtime
from models.outbox import Kind, Status, ds_key, mail_key
from models.tables import Effect

pytestmark = pytest.mark.both_dialects  # the SQL dialect matters here


def record(store, *effects: tuple[str, Kind, str, dict]) -> list[bool]:
    now = datetime.now(UTC)
    with store.sessions.begin() as session:
        return [outbox.record_effect(session, key, kind, action, payload, now)
                for key, kind, action, payload in effects]


def statuses(store) -> dict[str, str]:
    with store.sessions() as session:
        return {e.key: e.status for e in session.query(Effect)}


def later(hours: float = 2):
    """A runtime clock some hours ahead: transient failures are due again."""
    moment = datetime.now(UTC) + timedelta(hours=hours)
    return lambda: moment


def email(key: str, n: int) -> tuple[str, Kind, str, dict]:
    return (key, Kind.EMAIL, "send", {
        "to": [{"email": f"evaluateur{n}@exemple.fr", "name": f"Évaluatrice n°{n}"}],
        "subject": f"Dossier {n} à évaluer — échéance",
        "text": f"Bonjour,\nle dossier {n} vous attend.",
        "html": f"<p>Bonjour,</p><p>le dossier <b>{n}</b> vous attend.</p>",
        "attachments": [{"filename": "tache.ics", "content_type": "text/calendar",
                         "content_b64": base64.b64encode(b"BEGIN:VCALENDAR\r\n").decode()}],
    })


def projet(sandbox, index: int = 0) -> int:
    """A projets dossier still to be decided (en construction or en instruction)."""
    open_ones = [n for n in sorted(sandbox.state.numbers(PROJETS.number))
                 if sandbox.state.dossier(n).state in ("en_construction", "en_instruction")]
    return open_ones[index]


def ds_effects(number: int) -> list[tuple[str, Kind, str, dict]]:
    return [
        (ds_key("accept", number), Kind.DS, "state",
         {"dossier": number, "target": "accepte", "motivation": "Projet retenu par le comité."}),
        (ds_key("message", number, "decision"), Kind.DS, "message",
         {"dossier": number, "body": "Votre projet est retenu. Bravo !"}),
        (ds_key("label", number, "favorable"), Kind.DS, "label_add",
         {"dossier": number, "label": "Présélection favorable"}),
    ]


def test_recording_the_same_key_twice_is_a_no_op(store):
    assert record(store, email("mail:test:1", 1)) == [True]
    assert record(store, email("mail:test:1", 1), email("mail:test:2", 2)) == [False, True]
    assert len(statuses(store)) == 2


def test_emails_resume_after_an_smtp_outage_each_received_once(store, smtp_server):
    keys = [mail_key("eval-request", n) for n in range(6)]
    record(store, *(email(k, n) for n, k in enumerate(keys)))
    smtp_server.fail_after(3)
    summary = deliver_effects(DeliverParameters())
    assert (summary["delivered"], summary["retrying"]) == (3, 3)
    smtp_server.recover()
    with open_runtime(clock=later()) as rt:
        report = deliver_pending(rt)
    assert report.delivered == 3
    assert set(statuses(store).values()) == {str(Status.DELIVERED)}
    received = smtp_server.mailbox.message_ids()
    assert len(received) == 6 and set(received.values()) == {1}
    subjects = sorted(m.subject for m in smtp_server.mailbox.list())
    assert subjects[0] == "Dossier 0 à évaluer — échéance"


def test_the_date_header_is_the_clock_of_the_deliverer(store, smtp_server):
    """In the demo the clock travels: an email sent on the story's 14 December says so."""
    record(store, email(mail_key("eval-request", 1), 1))
    story = datetime(2026, 12, 14, 8, 30, 15, 123456, tzinfo=UTC)
    with open_runtime(clock=lambda: story) as rt:
        assert deliver_pending(rt).delivered == 1
    [received] = smtp_server.mailbox.list()
    assert received.date == story.replace(microsecond=0)


def test_a_lost_ds_answer_is_not_applied_twice_and_reruns_change_nothing(sandbox, store):
    number = projet(sandbox)
    record(store, *ds_effects(number))
    sandbox.faults.add("http_500_after_apply", operation="DossierAccepter")
    sandbox.faults.add("drop_after_apply", operation="DossierEnvoyerMessage")
    first = deliver_effects(DeliverParameters())
    assert first["retrying"] == 2 and first["delivered"] == 1
    for _ in range(3):
        with open_runtime(clock=later()) as rt:
            deliver_pending(rt)
    assert set(statuses(store).values()) == {str(Status.DELIVERED)}
    log = sandbox.mutations
    assert log.applied("dossierAccepter", number) == 1
    assert log.applied("dossierEnvoyerMessage", number) == 1
    assert log.applied("dossierAjouterLabel", number) == 1
    assert log.applied("dossierPasserEnInstruction", number) == 1
    assert sandbox.state.dossier(number).state == "accepte"


@pytest.mark.sandbox(tokens={"sandbox-token": "read_only"})
def test_a_read_only_token_fails_the_effect_with_the_reason(sandbox, store):
    number = projet(sandbox)
    record(store, ds_effects(number)[0])
    summary = deliver_effects(DeliverParameters())
    assert summary["failed"] == 1
    [failure] = summary["failures"]
    assert failure["key"] == ds_key("accept", number) and "lecture" in failure["error"]
    assert sandbox.mutations.applied() == 0


def test_payload_errors_fail_their_effect_and_the_others_go_on(sandbox, store):
    outside, refused, fine = projet(sandbox, 0), projet(sandbox, 1), projet(sandbox, 2)
    sandbox.state.set_groupe(outside, PROJETS.number * 10 + 2)  # our instructeur is not there
    record(
        store,
        ds_effects(outside)[0],
        (ds_key("refuse", refused), Kind.DS, "state", {"dossier": refused, "target": "refuse"}),
        ds_effects(fine)[1],
    )
    summary = deliver_effects(DeliverParameters())
    reasons = {f["key"]: f["error"] for f in summary["failures"]}
    assert summary["delivered"] == 1 and summary["failed"] == 2
    assert "instructeur" in reasons[ds_key("accept", outside)]
    assert "motivation" in reasons[ds_key("refuse", refused)].lower()
    assert sandbox.mutations.applied("dossierEnvoyerMessage", fine) == 1


def test_a_crash_between_delivering_and_marking_repeats_nothing(sandbox, store, smtp_server,
                                                                monkeypatch):
    number = projet(sandbox)
    record(store, *ds_effects(number), email(mail_key("decision", number), 1))
    real_mark = outbox.mark_delivered
    crashes = {"left": 4}

    def crash_instead(*args, **kwargs):  # the effect happened, the process dies before marking
        if crashes["left"]:
            crashes["left"] -= 1
            raise SystemExit("killed")
        return real_mark(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_delivered", crash_instead)
    for _ in range(6):
        with open_runtime(clock=later()) as rt, contextlib.suppress(SystemExit):
            deliver_pending(rt)
        store.expire_leases()  # the dead deliverer's claims run out
    assert set(statuses(store).values()) == {str(Status.DELIVERED)}
    for mutation in ("dossierAccepter", "dossierEnvoyerMessage", "dossierAjouterLabel"):
        assert sandbox.mutations.applied(mutation, number) == 1
    # The email's fate was unknown after the crash: found in the server's Maildir, not resent.
    assert list(smtp_server.mailbox.message_ids().values()) == [1]


def annotation_id(n: int) -> str:
    from ds_sandbox import typed_id

    return typed_id("Champ", n)


def test_annotations_are_written_once_and_a_refused_one_is_reported(sandbox, store):
    number = projet(sandbox)
    scores = {"dossier": number, "values": [
        {"annotation_id": annotation_id(1201), "kind": "decimalNumber", "value": 3.75},
        {"annotation_id": annotation_id(1202), "kind": "integerNumber", "value": 4},
    ]}
    record(store, (ds_key("annotations", number, "scores"), Kind.DS, "annotations", scores))
    assert deliver_effects(DeliverParameters())["delivered"] == 1
    record(store, (ds_key("annotations", number, "scores-again"), Kind.DS, "annotations",
                   scores))
    assert deliver_effects(DeliverParameters())["skipped"] == 1  # DS already holds them
    assert sandbox.mutations.applied("dossierModifierAnnotations", number) == 1

    wrong = {"dossier": number, "values": [
        {"annotation_id": annotation_id(1204), "kind": "textarea", "value": "À discuter"},
        {"annotation_id": annotation_id(1202), "kind": "text", "value": "quatre"},  # integer
    ]}
    record(store, (ds_key("annotations", number, "alerts"), Kind.DS, "annotations", wrong))
    summary = deliver_effects(DeliverParameters())
    [failure] = summary["failures"]
    assert failure["key"] == ds_key("annotations", number, "alerts")
    assert annotation_id(1202) in failure["error"] and "applied" in failure["error"]


def test_a_decision_with_a_justificatif_uploads_it_first(sandbox, store):
    number = projet(sandbox)
    pdf = b"%PDF-1.4\n% releve de decision\n"
    record(store, (ds_key("accept", number), Kind.DS, "state", {
        "dossier": number, "target": "accepte", "motivation": "Retenu.",
        "justificatif": {"filename": "releve.pdf", "content_type": "application/pdf",
                         "content_b64": base64.b64encode(pdf).decode()},
    }))
    assert deliver_effects(DeliverParameters())["delivered"] == 1
    [accepted] = sandbox.mutations.entries("dossierAccepter", number)
    assert accepted.outcome == "applied" and accepted.input.get("justificatif")
    # the effect's key travels as clientMutationId: DS's log ties each write to its effect
    assert accepted.input.get("clientMutationId") == ds_key("accept", number)
    assert sandbox.state.dossier(number).state == "accepte"
