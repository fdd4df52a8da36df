"""The committee's agenda: a proposed decision and a drafted motivation per dossier.

Pure: the flow reads a track's stored scores (``DossierScore`` as JSON, see
``flows/score.py``), the evaluators' comments and the hearing notes, calls ``propose``,
lets the operator amend the proposals (``apply_edits``) and records the approved ones.

    agenda = propose("projets", facts, criteria_labels=labels, max_total=45, scale_max=5,
                     quorum=3, waiting_list=3, hearing_required=False)
    agenda = apply_edits(agenda, {42: ("refus", "Motivation revue par le comité.")})

Only dossiers with quorum (k, or k−1 when a replacement failed) — and, when hearings
are required, whose hearing took place — are proposed; the others are listed in
``Agenda.pending`` with the reason, never decided.

The motivation is drafted in French from the scores and the flags. It is sent to the
applicant with the decision, so it is built from the committee's decision and the
criteria scores only: it names no evaluator and quotes no evaluator's comment (those are
internal, for the committee); it is the operator's to edit before approval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from models.french import nombre_fr


class CommitteeStatus(StrEnum):
    """A committee's session: its agenda waits for the operator, who approves it (then it
    is published) or not; a paused wait can also expire."""

    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    NOT_APPROVED = "not_approved"
    EXPIRED = "expired"


Decision = Literal["laureat", "liste_attente", "refus", "vivier"]
DECISION_LABELS: Mapping[str, str] = {
    "laureat": "Lauréat", "liste_attente": "Liste d'attente", "refus": "Refus",
    "vivier": "Vivier"}

# What a decision does to the dossier in DS: a state (accepté, refusé), or — for the
# waiting list — nothing but a label, the dossier staying en instruction.
DS_STATES: Mapping[str, str] = {"laureat": "accepte", "vivier": "accepte", "refus": "refuse"}


def ds_state(decision: str) -> str | None:
    """The DS state a decision puts its dossier in (None: the state does not change)."""
    return DS_STATES.get(decision)


def decision_code(value: str) -> str:
    """The decision a form gives, as a code or as its French label (« Liste d'attente »
    → ``liste_attente``); ``ValueError`` for anything else."""
    text = value.strip()
    if text in DECISION_LABELS:
        return text
    for code, label in DECISION_LABELS.items():
        if text.casefold() == label.casefold():
            return code
    raise ValueError(f"décision {value!r} inconnue (décisions : "
                     f"{', '.join(DECISION_LABELS.values())})")


TRACK_DECISIONS: Mapping[str, tuple[str, ...]] = {
    "projets": ("laureat", "liste_attente", "refus"), "candidats": ("vivier", "refus")}
HEARINGS = {"projets": "la soutenance", "candidats": "l'entretien métier"}
NOT_EVALUATED = "pas encore évalué"
HEARING_MISSING = {"projets": "soutenance non tenue", "candidats": "entretien métier non tenu"}
STRENGTHS = 2  # criteria cited as strengths in a favourable motivation
CONCERNS = {  # flag kind → how the motivation names it (no evaluator, no score)
    "spread": "écart de notation entre évaluateurs",
    "split_threshold": "appréciations partagées au regard du seuil",
    "calibration_crosses_cut": "position proche de la barre une fois harmonisées les "
                               "sévérités des évaluateurs",
}
NBSP = "\u00a0"  # inside « guillemets », so they never end a line alone


@dataclass(frozen=True)
class DossierFacts:
    """What the committee sees of one dossier."""

    number: int
    title: str  # "Accélérer les plaintes (Préfecture du Nord)" / "Nathalie Grenier, designer"
    scores: Mapping[str, Any] | None  # the stored DossierScore JSON, None if never scored
    comments: tuple[str, ...]  # the evaluators' comments: for the committee, never quoted
    hearing: str | None = None  # soutenance / entretien notes, None until it took place
    hearing_due: bool = False  # selected for a hearing: not proposed until it took place


@dataclass(frozen=True)
class Proposal:
    number: int
    title: str
    decision: Decision
    motivation: str  # drafted in French; the operator's to edit
    rank: int | None
    total: float | None
    calibrated_total: float | None
    flags: tuple[str, ...]  # flag details (for the committee: they name evaluators)

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]


@dataclass(frozen=True)
class Agenda:
    track: str
    proposals: tuple[Proposal, ...]  # eligible dossiers, in rank order
    pending: tuple[tuple[int, str, str], ...]  # (number, title, why it is not proposed)

    def proposal(self, number: int) -> Proposal | None:
        return next((p for p in self.proposals if p.number == number), None)


def agenda_to_json(agenda: Agenda, facts: Sequence[DossierFacts]) -> dict[str, Any]:
    """What a committee was shown, kept while it waits for approval (JSON)."""
    return {"track": agenda.track, "proposals": [asdict(p) for p in agenda.proposals],
            "pending": [list(p) for p in agenda.pending], "facts": [asdict(f) for f in facts]}


def agenda_from_json(data: Mapping[str, Any]) -> tuple[Agenda, list[DossierFacts]]:
    """The agenda and facts ``agenda_to_json`` kept, as they were."""
    proposals = tuple(Proposal(**{**p, "flags": tuple(p["flags"])}) for p in data["proposals"])
    pending = tuple((int(n), str(t), str(w)) for n, t, w in data["pending"])
    facts = [DossierFacts(**{**f, "comments": tuple(f["comments"])}) for f in data["facts"]]
    return Agenda(data["track"], proposals, pending), facts


def allowed_decisions(track: str) -> tuple[str, ...]:
    """The decisions of a track; an unknown track raises ``ValueError``."""
    if track not in TRACK_DECISIONS:
        raise ValueError(f"parcours inconnu : {track!r} (parcours connus : "
                         f"{', '.join(TRACK_DECISIONS)})")
    return TRACK_DECISIONS[track]


def propose(
    track: str,
    facts: Sequence[DossierFacts],
    *,
    criteria_labels: Mapping[str, str],
    waiting_list: int = 3,
    hearing_required: bool = False,
    max_total: float | None = None,
    scale_max: float | None = None,
    quorum: int | None = None,
) -> Agenda:
    """The proposed decision of every eligible dossier, in rank order, and the others.

    Projets: above the cut → lauréat; the next ``waiting_list`` that pass the thresholds
    → liste d'attente; the others → refus. Candidats: above the cut → vivier; the
    others → refus. ``max_total`` (Σ weight × scale max) and ``scale_max`` put totals and
    means on their scale in the motivation; ``quorum`` (k) says how many evaluations a
    pending dossier still lacks.
    """
    allowed_decisions(track)
    if waiting_list < 0:
        raise ValueError(f"liste d'attente négative : {waiting_list}")
    numbers = [f.number for f in facts]
    if len(set(numbers)) != len(numbers):
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        raise ValueError(f"dossier(s) listé(s) deux fois : {', '.join(map(str, twice))}")
    eligible: list[DossierFacts] = []
    pending: list[tuple[int, str, str]] = []
    for f in facts:
        reason = _not_eligible(track, f, hearing_required, quorum)
        if reason is None:
            eligible.append(f)
        else:
            pending.append((f.number, f.title, reason))
    eligible.sort(key=lambda f: (_rank(f.scores), f.number))
    ranked = sum(1 for f in facts if f.scores is not None and f.scores.get("rank") is not None)
    style = _Style(track, criteria_labels, max_total, scale_max, ranked)
    waiting = 0
    proposals = []
    for f in eligible:
        scores = f.scores or {}
        if scores.get("above_cut"):
            decision: Decision = "laureat" if track == "projets" else "vivier"
        elif track == "projets" and scores.get("passes_thresholds") and waiting < waiting_list:
            waiting += 1
            decision = "liste_attente"
        else:
            decision = "refus"
        proposals.append(Proposal(
            number=f.number, title=f.title, decision=decision,
            motivation=draft_motivation(f, decision, style, waiting_position=waiting),
            rank=scores.get("rank"), total=scores.get("total"),
            calibrated_total=scores.get("calibrated_total"),
            flags=tuple(str(flag.get("detail", "")) for flag in scores.get("flags") or ())))
    return Agenda(track, tuple(proposals), tuple(sorted(pending)))


def apply_edits(agenda: Agenda, edits: Mapping[int, tuple[Decision, str]]) -> Agenda:
    """The agenda with the operator's decisions and motivations (stripped).

    Raises ``ValueError`` naming the dossier for a dossier not on the agenda, a decision
    the track does not allow, or a refusal without motivation (DS refuses none without).
    """
    allowed = allowed_decisions(agenda.track)
    listed = {p.number for p in agenda.proposals}
    pending = {number: reason for number, _, reason in agenda.pending}
    for number, (decision, motivation) in edits.items():
        if number not in listed:
            why = f" ({pending[number]})" if number in pending else ""
            raise ValueError(f"dossier n° {number} : pas proposé au comité{why}, "
                             "aucune décision possible")
        if decision not in allowed:
            raise ValueError(
                f"dossier n° {number} : décision {decision!r} impossible pour le parcours "
                f"{agenda.track} ; décisions possibles : "
                + ", ".join(f"{d} ({DECISION_LABELS[d]})" for d in allowed))
        if decision == "refus" and not (motivation or "").strip():
            raise ValueError(f"dossier n° {number} : un refus doit être motivé (Démarches "
                             "Simplifiées exige une motivation pour refuser un dossier)")
    return replace(agenda, proposals=tuple(
        replace(p, decision=edits[p.number][0], motivation=(edits[p.number][1] or "").strip())
        if p.number in edits else p for p in agenda.proposals))


# --- eligibility ----------------------------------------------------------------------

def _not_eligible(track: str, f: DossierFacts, hearing_required: bool,
                  quorum: int | None) -> str | None:
    scores = f.scores
    if scores is None or not scores.get("n_evaluations"):
        return NOT_EVALUATED
    if scores.get("quorum") not in ("k", "k-1"):
        n = int(scores.get("n_evaluations") or 0)
        of = "" if quorum is None else f" sur {quorum}"
        return f"évaluations incomplètes ({n} {_plural(n, 'reçue', 'reçues')}{of})"
    if scores.get("rank") is None or scores.get("total") is None:
        return "non classé"
    if (hearing_required or f.hearing_due) and not (f.hearing or "").strip():
        return HEARING_MISSING[track]
    return None


def _rank(scores: Mapping[str, Any] | None) -> int:
    rank = (scores or {}).get("rank")
    return rank if isinstance(rank, int) else 1 << 30


# --- the motivation ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Style:
    track: str
    labels: Mapping[str, str]
    max_total: float | None
    scale_max: float | None
    ranked: int  # dossiers ranked in the track

    @property
    def feminine(self) -> bool:  # « la candidature », « le projet »
        return self.track == "candidats"

    def label(self, key: str) -> str:
        return f"«{NBSP}{self.labels.get(key, key)}{NBSP}»"

    def mean(self, value: float) -> str:
        if self.scale_max is None:
            return f"moyenne {fr_number(value)}"
        return f"{fr_number(value)} sur {fr_number(self.scale_max)}"


def draft_motivation(f: DossierFacts, decision: str, style: _Style, *,
                     waiting_position: int = 0) -> str:
    """Two or three French sentences: the total and rank, the reason of the decision
    (criteria below their threshold by label, strengths) and the flags put to the
    committee. No evaluator's words: ``f.comments`` are not read."""
    scores = f.scores or {}
    criteria: Mapping[str, Mapping[str, Any]] = scores.get("criteria") or {}
    pronoun = "Elle" if style.feminine else "Il"
    subject = "La candidature" if style.feminine else "Le projet"
    sentences = [_score_sentence(scores, style, subject, hearing=bool(f.hearing))]
    if decision in ("laureat", "vivier"):
        retained = ("rejoint le vivier des entrepreneur·es d'intérêt général"
                    if decision == "vivier" else "est proposé comme lauréat")
        strengths = _strengths(criteria, style)
        sentences.append(f"{pronoun} se situe au-dessus de la barre de sélection et {retained}"
                         + (f" ; points forts : {strengths}." if strengths else "."))
    elif decision == "liste_attente":
        sentences.append(f"{pronoun} atteint les seuils requis et se place en "
                         f"{_ordinal(waiting_position, True)} position sur la liste "
                         "d'attente, après les projets retenus.")
    else:
        sentences.append(_refusal_sentence(scores, criteria, style, pronoun))
    flags = scores.get("flags") or ()
    concerns = _concerns(flags, style)
    if concerns:
        sentences.append(f"{_plural(len(flags), 'Point soumis', 'Points soumis')} à "
                         f"l'examen du comité de sélection : {' ; '.join(concerns)}.")
    return " ".join(sentences)


def _score_sentence(scores: Mapping[str, Any], style: _Style, subject: str, *,
                    hearing: bool) -> str:
    total = float(scores["total"])
    on_scale = "" if style.max_total is None else f" sur {fr_number(style.max_total)}"
    n = int(scores.get("n_evaluations") or 0)
    basis = f"{n} {_plural(n, 'évaluation', 'évaluations')}"
    heard = (f" ; l'avis du jury de {HEARINGS[style.track]} a été présenté au comité de "
             "sélection" if hearing else "")
    rank = scores.get("rank")
    placed = "" if rank is None else (
        f"classé{'e' if style.feminine else ''} {_ordinal(int(rank), style.feminine)} "
        f"sur {style.ranked}, ")
    return (f"{subject} est {placed}avec une note totale de {fr_number(total)}{on_scale}, "
            f"établie d'après {basis}{heard}.")


def _refusal_sentence(scores: Mapping[str, Any], criteria: Mapping[str, Mapping[str, Any]],
                      style: _Style, pronoun: str) -> str:
    below = [(key, float(s["mean"])) for key, s in criteria.items() if not s.get("passes", True)]
    if below:
        listing = _join([f"{style.label(key)} ({style.mean(mean)})" for key, mean in below])
        return (f"{pronoun} n'atteint pas le seuil requis sur "
                f"{_plural(len(below), 'le critère', 'les critères')} {listing}.")
    if not scores.get("passes_thresholds"):
        return "Sa note totale n'atteint pas le seuil global requis."
    others = "les candidatures retenues pour le vivier" if style.feminine else \
        "les projets retenus et la liste d'attente"
    return (f"{pronoun} atteint les seuils requis mais se classe après {others}, "
            "le nombre de places étant limité.")


def _strengths(criteria: Mapping[str, Mapping[str, Any]], style: _Style) -> str:
    order = {key: i for i, key in enumerate(criteria)}
    best = sorted((key for key, s in criteria.items() if s.get("passes", True)),
                  key=lambda key: (-float(criteria[key]["mean"]), order[key]))[:STRENGTHS]
    return _join([f"{style.label(key)} ({style.mean(float(criteria[key]['mean']))})"
                  for key in best])


def _concerns(flags: Sequence[Mapping[str, Any]], style: _Style) -> list[str]:
    """The flags described without their evaluators (a flag's detail names them), grouped
    by kind: « écart de notation entre évaluateurs sur « A » et « B » »."""
    by_kind: dict[str, list[str]] = {}
    for flag in flags:
        kind, key = str(flag.get("kind")), flag.get("criterion")
        keys = by_kind.setdefault(kind if kind in CONCERNS else "other", [])
        if key and key not in keys:
            keys.append(str(key))
    out = []
    for kind, keys in by_kind.items():
        on = f" sur {_join([style.label(k) for k in keys])}" if keys and kind != "other" else ""
        out.append(CONCERNS.get(kind, "point relevé par l'analyse des notes") + on)
    return out


# --- French wording -------------------------------------------------------------------

def fr_number(value: float) -> str:
    """38.5 → "38,5", 4.666 → "4,67", 45.0 → "45" (the one French format)."""
    return nombre_fr(float(value))


def _ordinal(n: int, feminine: bool = False) -> str:
    if n == 1:
        return "1re" if feminine else "1er"
    return f"{n}e"


def _plural(n: int, singular: str, plural: str) -> str:
    return singular if abs(n) < 2 else plural


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]

