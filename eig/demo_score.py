"""The demo's scoring chapter: the evaluations become a ranking, written back to DS once."""

from __future__ import annotations

from typing import Any

from ds_sandbox import Sandbox

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
    echo(f"Formulaires : {forms['seen']} lus, {forms['rejected']} ne comptent pas (jeton "
         f"absent ou faux, note manquante… : eig quarantine), {forms['extra']} au-delà des "
         f"k premiers.")
    for track in first["tracks"]:
        echo(f"{track['track']} : {track['ranked']} classés, {track['pending']} en attente "
             f"de leurs évaluations, {track['above_cut']} au-dessus de la barre, "
             f"{track['flagged']} à "
             f"discuter ; {track['written_back']} écrits dans DS (note, rang, alertes, "
             f"étiquette) ; graphique : {track['plot']}")
        for row in [r for r in track["ranking"] if r["rank"] is not None][:3]:
            echo(f"  {row['rank']}. dossier {row['number']} : {row['total']} "
                 f"(calibré {row['calibrated_total']} ± {row['calibrated_stderr']})"
                 + (f" — {row['flags']}" if row["flags"] else ""))
    second = score_dossiers(ScoreParameters())
    deliver()
    again = sum(t["written_back"] for t in second["tracks"])
    echo(f"\n== 17. Sans nouvelle évaluation, rien n'est réécrit dans DS : {again} écriture(s)")
    published = sum(t["written_back"] for t in first["tracks"])
    return {
        "les formulaires invalides sont mis de côté avec leur raison": forms["rejected"] > 0,
        "les notes et le rang sont écrits dans DS, une seule fois":
            published > 0 and written == published and again == 0,
    }
