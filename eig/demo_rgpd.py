"""The demo's last chapter: personal data has a lifecycle. A dry run of the purge two
years ahead shows what would go (nothing changes); one candidate's data is exported;
erasing a lauréat is refused, and said why."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from connectors.store.engine import store_sessions
from models.data_subject import parse_subject
from models.french import compte
from models.tables import CommitteeSession, Dossier

Echo = Any


def rgpd_story(echo: Echo, today: Any) -> dict[str, bool]:
    from flows.rgpd import PurgeParameters, erase_person, export_person, purge_personal_data

    url = os.environ["EIG_DATABASE_URL"]
    refused, laureate = _decided(url)
    later = today + timedelta(days=2 * 365 + 1)
    echo("\n== 32. Données personnelles (RGPD) : ce que la purge ferait dans deux ans, un "
         "export, un effacement refusé")
    before = _pseudonymised(url)
    dry = purge_personal_data(PurgeParameters(as_of=later))
    echo(dry["headline"])
    for row in dry["rows"]:
        echo(f"  {row['label']} : {row['said']}")
    unchanged = _pseudonymised(url) == before
    exported: dict[str, Any] = {}
    if refused is not None:
        exported = export_person(parse_subject(str(refused)))
        echo(f"Export du dossier {refused} (droit d'accès) : "
             f"{compte(exported['rows'], 'ligne')}, "
             f"{compte(exported['emails'], 'courriel')} — {exported['zip']}")
    held: list[str] = []
    if laureate is not None:
        report = erase_person(parse_subject(str(laureate)))
        held = report.held
        echo(f"Effacement du dossier {laureate} demandé : refusé en partie, "
             f"{held[0] if held else 'rien de gardé'}.")
    return {"la purge à blanc montre ce qui partirait sans rien changer ; un export, un "
            "effacement refusé pour un lauréat":
            dry["done"] > 0 and unchanged and bool(exported.get("rows")) and bool(held)}


def _decided(url: str) -> tuple[int | None, int | None]:
    """A candidate refused and a lauréat of the story's committees."""
    refused = laureate = None
    with store_sessions(url) as sessions, sessions() as session:
        for row in session.scalars(select(CommitteeSession).where(
                CommitteeSession.status == "approved")):
            for d in row.decisions or []:
                if d["decision"] == "refus" and row.track == "candidats" and refused is None:
                    refused = int(d["dossier"])
                if d["decision"] == "laureat" and laureate is None:
                    laureate = int(d["dossier"])
    return refused, laureate


def _pseudonymised(url: str) -> int:
    with store_sessions(url) as sessions, sessions() as session:
        return session.scalar(select(func.count()).select_from(Dossier).where(
            Dossier.pseudonymised_at.is_not(None))) or 0
