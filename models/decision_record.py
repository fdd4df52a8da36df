"""The relevé de décision of a comité de sélection: its content, its seal, its CSV rows.

Pure: the flow gathers the record (criteria, cut line, evaluators with their conflicts
and recusals, the decided dossiers, the pending ones), then

    content = record_content(record)       # canonical, JSON-able: what is sealed
    digest = seal(record)                   # SHA-256 of canonical_json(record)
    rows = record_csv_rows(record)          # one row per dossier, French columns
    html = render_document("releve", {"record": content, "seal": digest})

The seal is the SHA-256 of ``canonical_json(record)`` (sorted keys, no spaces, UTF-8,
floats rounded to 2): export those bytes beside the PDF and anyone can check the PDF's
decisions with ``sha256sum``. Changing any decision or motivation changes the seal;
identical content always gives the identical seal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from models.committee_sitting import Sitting, sitting_problem
from models.deliberation import (
    DECISION_LABELS,
    TRACK_DECISIONS,
    Agenda,
    DossierFacts,
    Proposal,
    fr_number,
)
from models.paris_time import PARIS
from models.scoring.rules import CRITERION_PREFIX

RECORD_FORMAT = "eig-releve-de-decision/2"
NO_HEARING = "aucune audition (décision sur les notes seules)"
PENDING_DECISION = "en attente"
DOSSIER_KEYS = ("number", "title", "total", "calibrated_total", "calibrated_stderr", "rank",
                "calibrated_rank", "above_cut", "criteria", "flags", "hearing", "decision",
                "motivation")
CRITERION_KEYS = ("key", "label", "weight", "threshold")
EVALUATOR_KEYS = ("name", "organisation")  # conflicts, recusals: [] when absent; no email
PENDING_KEYS = ("number", "title", "reason")
TIE_BREAK_WORDING = {
    "total": "la note totale pondérée la plus haute",
    "calibrated_total": "la note calibrée la plus haute",
    "min_criterion": "la meilleure moyenne sur son critère le plus faible",
    "median_total": "le total médian des évaluateurs le plus haut",
    "date_depot": "le dépôt le plus ancien",
    "number": "le plus petit numéro de dossier",
}


@dataclass(frozen=True)
class CommitteeRecord:
    """Everything the relevé de décision states; checked when built."""

    track: str
    track_label: str
    session_date: date
    committee: str  # "Comité de sélection — Appel à projets"
    criteria: tuple[Mapping[str, Any], ...]  # key, label, weight, threshold
    overall_threshold: float | None
    cut_line: str  # "les 20 premiers", "note ≥ 30" (see ``cut_line_fr``)
    tie_breaks: tuple[str, ...]  # French (see ``tie_break_descriptions``)
    # name, organisation, conflicts (dossier numbers declared), recusals (dossier numbers
    # they did not evaluate because of a conflict); their email is not the relevé's business
    evaluators: tuple[Mapping[str, Any], ...]
    # number, title, total, calibrated_total, calibrated_stderr, rank, calibrated_rank,
    # above_cut, criteria {key: mean}, flags [{detail, resolution}], hearing (None: no
    # hearing), decision, motivation — see ``dossier_entry``
    dossiers: tuple[Mapping[str, Any], ...]
    pending: tuple[Mapping[str, Any], ...]  # number, title, reason — see ``pending_entries``
    scores_only: bool  # no hearing yet: the committee decided on the scores alone
    approved: bool  # False: the draft shown before approval
    approved_by: str | None
    generated_at: datetime  # aware
    sitting: Sitting  # the draft's: the configured members, nobody present yet

    def __post_init__(self) -> None:
        if self.track not in TRACK_DECISIONS:
            raise ValueError(f"relevé : parcours inconnu {self.track!r} (parcours connus : "
                             f"{', '.join(TRACK_DECISIONS)})")
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("relevé : generated_at sans fuseau horaire")
        if self.approved and not (self.approved_by or "").strip():
            raise ValueError("relevé approuvé sans approbateur (approved_by)")
        if self.approved and (problem := sitting_problem(self.sitting)):
            raise ValueError(f"relevé approuvé : {problem}")
        for c in self.criteria:
            _require(c, CRITERION_KEYS, f"critère {c.get('key', '?')!r}")
        for e in self.evaluators:
            _require(e, EVALUATOR_KEYS, f"évaluateur {e.get('name', '?')!r}")
        allowed = TRACK_DECISIONS[self.track]
        for d in self.dossiers:
            where = f"dossier n° {d.get('number', '?')}"
            _require(d, DOSSIER_KEYS, where)
            if d["decision"] not in allowed:
                raise ValueError(f"{where} : décision {d['decision']!r} impossible pour le "
                                 f"parcours {self.track} (décisions possibles : "
                                 f"{', '.join(allowed)})")
            if d["decision"] == "refus" and not str(d["motivation"] or "").strip():
                raise ValueError(f"{where} : un refus doit être motivé")
            for flag in d["flags"]:
                _require(flag, ("detail", "resolution"), f"{where}, alerte")
        for p in self.pending:
            _require(p, PENDING_KEYS, f"dossier en attente n° {p.get('number', '?')}")
        numbers = [int(x["number"]) for x in (*self.dossiers, *self.pending)]
        if len(set(numbers)) != len(numbers):
            twice = sorted({n for n in numbers if numbers.count(n) > 1})
            raise ValueError(f"relevé : dossier(s) listé(s) deux fois : "
                             f"{', '.join(map(str, twice))}")


def record_content(record: CommitteeRecord) -> dict[str, Any]:
    """The canonical, JSON-able content: keys sorted, dates ISO (``generated_at`` in
    Europe/Paris), floats rounded to 2, dossiers by rank then number, pending ones and
    conflicts by number, evaluators by name."""
    labels = {str(c["key"]): str(c["label"]) for c in record.criteria}
    dossiers = sorted(record.dossiers, key=lambda d: (d["rank"] is None, d["rank"] or 0,
                                                      int(d["number"])))
    content = {
        "format": RECORD_FORMAT,
        "track": record.track,
        "track_label": record.track_label,
        "session_date": record.session_date.isoformat(),
        "committee": record.committee,
        "criteria": [{k: c[k] for k in CRITERION_KEYS} for c in record.criteria],
        "overall_threshold": record.overall_threshold,
        "cut_line": record.cut_line,
        "tie_breaks": list(record.tie_breaks),
        "evaluators": sorted(
            ({**{k: e[k] for k in EVALUATOR_KEYS},
              "conflicts": sorted(int(n) for n in e.get("conflicts") or ()),
              "recusals": sorted(int(n) for n in e.get("recusals") or ())}
             for e in record.evaluators),
            key=lambda e: (str(e["name"]).casefold(), str(e["organisation"]).casefold())),
        "dossiers": [_dossier(d, labels) for d in dossiers],
        "pending": sorted(({k: p[k] for k in PENDING_KEYS} for p in record.pending),
                          key=lambda p: int(p["number"])),
        "scores_only": record.scores_only,
        "approved": record.approved,
        "approved_by": record.approved_by,
        "generated_at": record.generated_at.astimezone(PARIS).isoformat(),
        "sitting": {"president": record.sitting.president.strip() or None,
                    "present": sorted(set(record.sitting.present)),
                    "members": list(record.sitting.members),
                    "quorum": record.sitting.quorum,
                    "quorum_reached": record.sitting.quorum_reached},
    }
    return _canonical(content)


def canonical_json(record: CommitteeRecord) -> bytes:
    """The bytes the seal is computed on: the JSON export to keep beside the PDF."""
    return json.dumps(record_content(record), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False).encode("utf-8")


def seal(record: CommitteeRecord) -> str:
    """SHA-256 (hex) of ``canonical_json(record)``."""
    return hashlib.sha256(canonical_json(record)).hexdigest()


def record_csv_rows(record: CommitteeRecord) -> list[dict[str, Any]]:
    """One row per decided dossier (rank order), then the pending ones (decision « en
    attente » and the reason); French column names, the same columns on every row."""
    content = record_content(record)
    criteria = content["criteria"]
    rows: list[dict[str, Any]] = []
    for d in content["dossiers"]:
        row: dict[str, Any] = {
            "Numéro": d["number"], "Titre": d["title"],
            "Rang": d["rank"], "Rang calibré": d["calibrated_rank"], "Note totale": d["total"],
            "Note calibrée": d["calibrated_total"], "Erreur type calibrée": d["calibrated_stderr"],
            "Au-dessus de la barre": "oui" if d["above_cut"] else "non"}
        for c in criteria:
            row[f"Moyenne — {c['label']}"] = d["criteria"].get(c["key"])
        row.update({
            "Alertes": " | ".join(f["detail"] for f in d["flags"]),
            "Résolution des alertes": " | ".join(f["resolution"] or "non consignée"
                                                  for f in d["flags"]),
            "Audition": d["hearing"] if d["hearing"] else NO_HEARING,
            "Décision": d["decision_label"], "Motivation": d["motivation"]})
        rows.append(row)
    for p in content["pending"]:
        rows.append({"Numéro": p["number"], "Titre": p["title"], "Décision": PENDING_DECISION,
                     "Raison de l'attente": p["reason"]})
    columns = ["Numéro", "Titre", "Rang", "Rang calibré", "Note totale", "Note calibrée",
               "Erreur type calibrée", "Au-dessus de la barre",
               *(f"Moyenne — {c['label']}" for c in criteria), "Alertes",
               "Résolution des alertes", "Audition", "Décision", "Motivation",
               "Raison de l'attente"]
    return [{col: row.get(col) for col in columns} for row in rows]


# --- building the record from the deliberation ----------------------------------------

def dossier_entry(proposal: Proposal, facts: DossierFacts, *,
                  resolutions: Mapping[str, str] | None = None,
                  names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A decided dossier as the record states it: the proposal (as edited and approved),
    its stored scores, the flags with how each was resolved (``resolutions``: flag detail
    → text; "" when not recorded), the hearing notes (None: no hearing). ``names``
    (email → name) names the evaluators in the flags: the relevé gives no address."""
    scores = facts.scores or {}
    resolutions = resolutions or {}
    return {
        "number": proposal.number, "title": proposal.title,
        "total": scores.get("total"), "calibrated_total": scores.get("calibrated_total"),
        "calibrated_stderr": scores.get("calibrated_stderr"), "rank": scores.get("rank"),
        "calibrated_rank": scores.get("calibrated_rank"),
        "above_cut": bool(scores.get("above_cut")),
        "criteria": {str(k): float(s["mean"]) for k, s in (scores.get("criteria") or {}).items()},
        "flags": [{"detail": _named(str(f.get("detail", "")), names or {}),
                   "resolution": resolutions.get(str(f.get("detail", "")), "")}
                  for f in scores.get("flags") or ()],
        "hearing": facts.hearing if (facts.hearing or "").strip() else None,
        "decision": proposal.decision, "motivation": proposal.motivation,
    }


def pending_entries(agenda: Agenda) -> tuple[dict[str, Any], ...]:
    """The dossiers not proposed to the committee, with the reason."""
    return tuple({"number": n, "title": t, "reason": r} for n, t, r in agenda.pending)


def cut_line_fr(cut_rank: int | None, cut_threshold: float | None, *,
                feminine: bool = False) -> str:
    """« les 20 premiers », « note ≥ 30 », « les 20 premiers ayant une note ≥ 30 », or every
    dossier passing the thresholds when neither is set (``feminine``: candidatures)."""
    if cut_rank is None:
        first = None
    elif cut_rank == 1:
        first = "la première" if feminine else "le premier"
    else:
        first = f"les {cut_rank} {'premières' if feminine else 'premiers'}"
    note = None if cut_threshold is None else f"note ≥ {fr_number(cut_threshold)}"
    if first and note:
        return f"{first} ayant une {note}"
    if first or note:
        return str(first or note)
    return ("toutes les candidatures" if feminine else "tous les dossiers") + \
        " qui atteignent les seuils"


def tie_break_descriptions(chain: Sequence[str], criteria_labels: Mapping[str, str]
                           ) -> tuple[str, ...]:
    """The tie-break chain in French, in order: « la meilleure moyenne sur « Problème
    majeur » », « le dépôt le plus ancien »…"""
    out = []
    for key in chain:
        if key.startswith(CRITERION_PREFIX):
            criterion = key.removeprefix(CRITERION_PREFIX)
            out.append(f"la meilleure moyenne sur « {criteria_labels.get(criterion, criterion)} »")
        else:
            out.append(TIE_BREAK_WORDING.get(key, key))
    return tuple(out)


# --- helpers ----------------------------------------------------------------------------

def _named(detail: str, names: Mapping[str, str]) -> str:
    """The flag's text with each evaluator's address replaced by their name (longest
    address first, so that one address inside another is never half replaced)."""
    for email in sorted(names, key=len, reverse=True):
        if email in detail and names[email].strip():
            detail = detail.replace(email, names[email].strip())
    return detail


def _require(item: Mapping[str, Any], keys: Sequence[str], where: str) -> None:
    missing = [k for k in keys if k not in item]
    if missing:
        raise ValueError(f"relevé, {where} : champ(s) manquant(s) {', '.join(missing)}")


def _dossier(d: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    out = {k: d[k] for k in DOSSIER_KEYS}
    out["criteria"] = {str(k): v for k, v in d["criteria"].items()}
    out["flags"] = [{"detail": f["detail"], "resolution": f["resolution"] or ""}
                    for f in d["flags"]]
    hearing = str(d["hearing"] or "").strip()
    out["hearing"] = d["hearing"] if hearing and hearing != NO_HEARING else None
    out["above_cut"] = bool(d["above_cut"])
    out["decision_label"] = DECISION_LABELS[d["decision"]]
    unknown = sorted(set(out["criteria"]) - set(labels))
    if unknown:
        raise ValueError(f"relevé, dossier n° {d['number']} : critère(s) hors du barème "
                         f"{', '.join(unknown)}")
    return out


def _canonical(value: Any) -> Any:
    """Plain JSON: mappings with sorted string keys, lists, floats rounded to 2 (−0 → 0),
    dates ISO; anything else raises ``TypeError``."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return round(value, 2) + 0.0
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"relevé : valeur non sérialisable {value!r} ({type(value).__name__})")
