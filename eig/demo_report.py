"""The demo's pipeline-report chapter: where the season stands against the programme's
delays — the measures per step, the late dossiers, the next committees — and the team's
weekly email with the charts, sent once however often the report runs."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from connectors.mail import Mailbox
from eig.demo_delivery import deliver
from models.french import compte, datetime_fr

Echo = Any


def report_story(echo: Echo) -> dict[str, bool]:
    from flows.pipeline_report import PipelineReportParameters, pipeline_report

    echo("\n== 33. Le point des délais (pipeline-report, chaque matin ; le courriel à "
         "l'équipe le lundi, ici demandé)")
    mailbox = Mailbox(os.environ["EIG_MAILDIR"])
    before = len(mailbox)
    asked = PipelineReportParameters(email="toujours")
    first = pipeline_report(asked)
    again = pipeline_report(asked)  # the same week: no second email
    deliver()
    echo(first["headline"])
    for track, committee in first["committees"].items():
        ready = compte(len(committee["ready"]), "dossier prêt", "dossiers prêts")
        when = datetime_fr(datetime.fromisoformat(committee["date"]))
        echo(f"  prochain comité {track} : {when}, {ready}")
    for name, path in first["charts"].items():
        echo(f"  graphique {name} : {path}")
    sent = mailbox.list(start=before, effect_prefix="mail:pipeline-report:")
    for message in sent:
        echo(f"« {message.subject} » pour {', '.join(message.to)}, "
             f"{compte(len(message.attachments), 'pièce jointe', 'pièces jointes')}")
    return {"le point des délais est publié ; son courriel part une fois par semaine, "
            "graphiques joints":
            len(first["charts"]) == 3 and first["email"]["recorded"]
            and not again["email"]["recorded"] and len(sent) == 1
            and len(sent[0].attachments) == 3}
