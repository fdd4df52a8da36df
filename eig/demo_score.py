"""The demo's scoring chapter: the evaluations become a ranking, written back to DS once."""

from __future__ import annotations

from typing import Any

from ds_sandbox import Sandbox
from models.french import compte, nombre_fr

Echo = Any


def score_story(echo: Echo, sandbox: Sandbox) -> dict[str, bool]:
    from eig.demo_delivery import deliver
    from flows.score import ScoreParameters, score_dossiers

    before = sandbox.mutations.applied("dossierModifierAnnotations")
    first = score_dossiers(ScoreParameters())
    deliver()
    written = sandbox.mutations.applied("dossierModifierAnnotations") - before
    forms = first["forms"]
    echo("\n== 16. Notes : validation, agrégation, calibration, classement")
    echo(f"Formulaires : {compte(forms['seen'], 'lu', 'lus')}, {forms['rejected']} écartés "
         f"(les {forms['rejected']} du bac à sable sans jeton, vus au chapitre 10 : "
         f"eig quarantine), {forms['extra']} au-delà des trois premières évaluations d'un "
         "dossier.")
    for track in first["tracks"]:
        echo(f"{track['track']} : "
             f"{compte(track['ranked'], 'dossier classé', 'dossiers classés')}, "
             f"{track['above_cut']} au-dessus de la barre, {track['flagged']} à discuter "
             f"(une alerte à regarder en comité) ; {track['written_back']} écrits dans DS "
             f"(note, rang, alertes, étiquette) ; graphique : {track['plot']}")
        if track["pending"]:
            echo(f"  {compte(track['pending'], 'autre attend', 'autres attendent')} le quorum "
                 "de trois évaluations : leurs tâches en retard sont passées aux suppléants "
                 "(chapitre 14), qui n'ont pas encore répondu ; eig score les classera "
                 "quand ils auront rendu.")
        for row in [r for r in track["ranking"] if r["rank"] is not None][:3]:
            echo(f"  {row['rank']}. dossier {row['number']} : {nombre_fr(row['total'])} "
                 f"(calibré {nombre_fr(row['calibrated_total'])} ± "
                 f"{nombre_fr(row['calibrated_stderr'])})"
                 + (f" — {row['flags']}" if row["flags"] else ""))
    second = score_dossiers(ScoreParameters())
    deliver()
    again = sum(t["written_back"] for t in second["tracks"])
    echo(f"\n== 17. Sans nouvelle évaluation, rien n'est réécrit dans DS : "
         f"{compte(again, 'écriture')}")
    published = sum(t["written_back"] for t in first["tracks"])
    return {
        "les formulaires invalides sont mis de côté avec leur raison": forms["rejected"] > 0,
        "les notes et le rang sont écrits dans DS, une seule fois":
            published > 0 and written == published and again == 0,
    }
