"""The demo's conventions chapter: the committee's lauréats have their drafts (made by the
committee's run), a second run changes nothing, an operator's override makes version 2."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import store_sessions
from models.french import compte
from models.tables import Convention, ConventionVersion, Effect

Echo = Any


def _sent(url: str) -> int:
    with store_sessions(url) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Effect).where(
            Effect.key.like("mail:convention:%"), Effect.status == "delivered")) or 0


def conventions_story(echo: Echo) -> dict[str, bool]:
    from eig.demo_delivery import deliver
    from flows.conventions import draft_conventions

    url = os.environ["EIG_DATABASE_URL"]
    echo("\n== 24. Conventions des projets lauréats, rédigées dès la sélection")
    with store_sessions(url) as sessions, sessions() as session:
        drafts = session.execute(select(Convention.numero, Convention.kind,
                                        Convention.dossier_number, ConventionVersion.files)
                                 .join(ConventionVersion, ConventionVersion.dossier_number
                                       == Convention.dossier_number)
                                 .order_by(Convention.numero)).all()
    for numero, kind, number, files in drafts[:3]:
        echo(f"  {numero} ({kind}, dossier {number}) : {files['docx']}")
    if len(drafts) > 3:
        echo(f"  … et {compte(len(drafts) - 3, 'autre')} dans var/demo/conventions/")
    sent = _sent(url)
    echo(f"{compte(len(drafts), 'projet de convention', 'projets de convention')} (Word + "
         f"PDF) envoyés à l'administration et à l'équipe : {compte(sent, 'courriel')}.")
    again = draft_conventions()
    deliver()
    echo(f"\n== 25. Relancer la rédaction sans changement : "
         f"{compte(len(again['new']), 'nouvelle version', 'nouvelles versions')}, "
         f"{compte(_sent(url) - sent, 'courriel')} de plus")
    changed: dict[str, Any] = {"new": []}
    if drafts:
        number = drafts[0][2]
        changed = draft_conventions(dossier=number, quotite="4/5", coach="Dana Coach")
        deliver()
        for draft in changed["new"]:
            echo(f"\n== 26. Un opérateur passe le dossier {number} à 4/5 : version "
                 f"{draft['version']} ({draft['files']['pdf']}), l'ancienne est gardée")
    return {
        "chaque lauréat a sa convention, envoyée une fois ; une modification fait une "
        "nouvelle version":
            bool(drafts) and sent == len(drafts) and again["new"] == []
            and [d["version"] for d in changed["new"]] == [2]
            and _sent(url) == sent + 1,
    }
