"""What the CLI and the demo print of a run's summary."""

from __future__ import annotations

from models.french import compte, nombre_fr
from models.vivier_forms import vivier_line


def render_sync_summary(summary: dict) -> str:
    head = (f"{'démarche':<22}{'créés':>7}{'màj':>7}{'autres':>8}{'masqués':>9}{'supprimés':>11}"
            f"{'quarant.':>10}{'libérés':>9}{'étiq.':>7}{'requêtes':>10}{'s':>8}")
    mode = {"full": "complète", "incremental": "incrémentale"}[summary["mode"]]
    lines = [f"Synchronisation {mode}"
             f"{' + réconciliation' if summary['reconcile'] else ''}", head]
    for d in summary["demarches"]:
        name = f"{d['role']} ({d['number']})"
        lines.append(f"{name:<22}{d['created']:>7}{d['updated']:>7}{d['touched']:>8}"
                     f"{d['hidden']:>9}"
                     f"{d['deleted']:>11}{d['quarantined']:>10}{d['released']:>9}{d['labels_changed']:>7}"
                     f"{d['requests']:>10}{nombre_fr(d['seconds']):>8}")
        if d["error"]:
            lines.append(f"  ERREUR : {d['error']}")
        lines.extend(f"  quarantaine : {p}" for p in d["quarantine"])
    if availability := summary.get("availability"):
        new = [r for r in availability["rejected"] if r.get("new", True)]
        taken = compte(availability["applied"], "formulaire pris en compte",
                       "formulaires pris en compte")
        lines.append(f"Disponibilités : {taken} ("
                     f"{compte(availability['windows'], 'créneau', 'créneaux')}), "
                     f"{compte(len(new), 'nouveau mis', 'nouveaux mis')} en quarantaine"
                     + (" (eig quarantine)" if new else ""))
    lines.append(f"Total : {compte(summary['requests'], 'requête')} DS en "
                 f"{nombre_fr(summary['seconds'])} s")
    if summary.get("vivier") and (said := vivier_line(summary["vivier"])):
        lines.append(said)  # the vivier candidates' answers (flows/vivier_forms.py)
    return "\n".join(lines)
