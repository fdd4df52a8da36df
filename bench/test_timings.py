"""Timing checks: how fast, as limits a quiet machine keeps. Run by `make bench`
(`pytest -m bench bench/`), never by `make test`: on a loaded machine a limit in seconds
says nothing about the code, and what the code does is tested in tests/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from connectors.mail import MailTemporaryError, SmtpSender, build_message, running_smtp_server
from ds_sandbox import Sandbox, SandboxState, generate
from ds_sandbox.testing import FakeClock
from models.assignment import DossierSpec, replace, solve
from tests.integration.test_mail_smtp import evaluation_email, send_all
from tests.unit.test_assignment_capacity import large_instance

pytestmark = pytest.mark.bench


def test_100k_dossiers_generate_in_10_s():
    started = time.perf_counter()
    generate(Sandbox(SandboxState(now=FakeClock())).state, dossiers=100_000, seed=1)
    elapsed = time.perf_counter() - started
    print(f"100 000 dossiers générés en {elapsed:.2f} s")
    assert elapsed < 10, f"generation took {elapsed:.1f} s"


def test_a_replacement_is_found_in_a_tenth_of_a_second():
    dossiers, evaluators = large_instance(1000, 200)
    result = solve(dossiers, evaluators, mix=False)
    evs = {e.email: e for e in evaluators}
    load: dict[str, int] = {}
    teams: dict[int, set[str]] = {}
    for a in result.assignments:
        load[a.evaluator] = load.get(a.evaluator, 0) + 1
        teams.setdefault(a.dossier, set()).add(a.evaluator)
    worst = 0.0
    for d in dossiers[:50]:
        current = DossierSpec(d.number, d.track, 0, theme=d.theme,
                              specialty_family=d.specialty_family, employer=d.employer,
                              assigned=frozenset(teams[d.number]))
        start = time.perf_counter()
        replace(current, sorted(teams[d.number])[0], evs, sorted(evs), load)
        worst = max(worst, time.perf_counter() - start)
    print(f"remplacement le plus lent : {worst * 1000:.1f} ms")
    assert worst < 0.1


def test_a_stopped_smtp_server_is_reported_at_once(tmp_path: Path):
    emails = [evaluation_email(n) for n in range(6)]
    with running_smtp_server(tmp_path / "maildir") as server, \
            SmtpSender(server.url, timeout=5) as sender:
        assert send_all(sender, emails[:3]) == []
        server.stop()
        started = time.monotonic()
        for email in emails[3:]:
            with pytest.raises(MailTemporaryError):
                sender.send(build_message(email))
        elapsed = time.monotonic() - started
        print(f"3 refus en {elapsed * 1000:.0f} ms (délai d'attente du client : 5 s)")
        assert elapsed < 2


@pytest.mark.parametrize("length", [20_000, 200_000])
def test_a_convention_with_a_huge_unbroken_word_previews_in_5_s(length):
    """Issue 19: any dossier renders in < 5 s (a 200,000-character word never finished)."""
    from connectors.documents import convention_pdf, render_docx
    from tests.unit.convention_samples import convention_context

    context = convention_context("budgetaire")
    context["mission"]["paragraphes"] = ["x" * length]
    started = time.perf_counter()
    convention_pdf(render_docx("convention", context), title="x")
    elapsed = time.perf_counter() - started
    print(f"aperçu PDF avec un mot de {length} caractères : {elapsed:.2f} s")
    assert elapsed < 5, f"{elapsed:.1f} s"
