"""The evaluator roster: who may evaluate what, when, how much, and with which conflicts.

Plain functions over plain data (rows already read by ``connectors.roster_file``). The
roster is imported all or nothing: ``parse_roster`` checks every row and raises once with
every problem, each naming its line, its column and the rule, so the programme team fixes
the file in one pass instead of discovering errors one at a time, and the assignment never
runs on a half-imported roster.

Column names are the French headers of the file (``courriel``, ``capacite_mensuelle`` …):
they are what the team writes and reads, so errors name them too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from models.quote import quoted

# Column → whether it is required. Order is the order of the sample files.
COLUMNS: dict[str, bool] = {
    "courriel": True,
    "nom": True,
    "organisation": True,
    "ministere": False,
    "profils": True,
    "parcours": True,
    "seniorite": False,
    "capacite_mensuelle": True,
    "indisponibilites": False,
    "thematiques": False,
    "ministeres_expertise": False,
    "conflits_organisations": False,
    "conflits_dossiers": False,
    "conflits_personnes": False,
}

# Inside one cell, a list is separated by ";" or "|" (never "," which names may contain).
_LIST_SEPARATORS = re.compile(r"[;|]")
_RANGE_SEPARATOR = ".."
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Deliberately simple: catches typos (missing "@", spaces, no domain dot), not RFC 5322.
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{}~-]+@([^\s@.]+\.)+[^\s@.]{2,}$")


@dataclass(frozen=True)
class DateRange:
    """Days an evaluator cannot evaluate, both ends included."""

    start: date
    end: date

    def overlaps(self, start: date, end: date) -> bool:
        """Whether this range shares at least one day with ``start..end`` (inclusive)."""
        return self.start <= end and start <= self.end


@dataclass(frozen=True)
class Evaluator:
    """One evaluator, normalised once at import so that matching code compares plain keys.

    Display values (``name``, ``organisation``, ``ministry``, conflicts as written) are kept
    as the team wrote them, for emails and documents; the ``*_key`` values are the
    comparison forms (see ``normalise_key``) used to detect conflicts of interest.
    """

    line: int
    email: str  # lower-case, validated
    name: str
    organisation: str
    organisation_key: str
    ministry: str | None
    ministry_key: str | None
    profiles: tuple[str, ...]  # spellings of the caller's allowed set
    tracks: tuple[str, ...]
    senior: bool
    seniority: tuple[str, ...]  # raw labels, e.g. ("ancien EIG", "jury")
    monthly_capacity: int
    unavailable: tuple[DateRange, ...] = ()
    themes: tuple[str, ...] = ()
    expertise_ministries: tuple[str, ...] = ()
    conflict_organisations: tuple[str, ...] = ()
    conflict_dossiers: tuple[int, ...] = ()
    conflict_people: tuple[str, ...] = ()  # names or emails, as written
    conflict_organisation_keys: frozenset[str] = field(default=frozenset(), repr=False)
    conflict_people_keys: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True)
class RosterError:
    """One reason a roster row is refused: where (line, column), which rule, what was seen."""

    line: int
    field: str
    rule: str  # "required", "email", "integer", "allowed", "date", "range", "duplicate", …
    message: str  # in French, e.g. "doit être un entier positif (reçu 'trois')"

    def describe(self) -> str:
        return f"ligne {self.line}, champ '{self.field}' : {self.message}"


class RosterValidationError(ValueError):
    """The roster file has errors; nothing was imported. Fix every listed line and reload."""

    def __init__(self, errors: list[RosterError], *, source: str | None = None):
        self.errors = errors
        self.source = source
        count = len(errors)
        if count == 1:  # one line: file, line, field, rule
            where = f"{source}, " if source else ""
            super().__init__(f"{where}{errors[0].describe()} ; aucun évaluateur importé")
            return
        where = f"{source} : " if source else ""
        super().__init__(
            f"{where}liste des évaluateurs refusée, {count} erreurs, "
            "aucun évaluateur importé :\n- " + "\n- ".join(e.describe() for e in errors)
        )


def normalise_key(text: str) -> str:
    """Comparison form of a name: no accents, case or punctuation differences.

    "Ministère de l'Intérieur" and "ministere de l interieur" must be the same organisation
    when we look for conflicts of interest; the original spelling is kept for display.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def column_key(name: Any) -> str:
    """The column a header or YAML key designates: "Capacité mensuelle" → capacite_mensuelle."""
    return normalise_key(str(name)).replace(" ", "_")


def parse_roster(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    allowed_profiles: Collection[str],
    allowed_tracks: Collection[str],
) -> list[Evaluator]:
    """Evaluators from ``(line_number, row)`` pairs, or RosterValidationError with them all.

    Every row is checked even after a failure, and duplicate emails are reported with both
    lines, so one error message lists everything to fix. Column names are matched without
    regard to case or accents ("Capacité_mensuelle" is ``capacite_mensuelle``).
    """
    profiles = _allowed(allowed_profiles)
    tracks = _allowed(allowed_tracks)
    evaluators: list[Evaluator] = []
    errors: list[RosterError] = []
    first_line_of: dict[str, int] = {}
    for line, raw in rows:
        row_errors: list[RosterError] = []
        evaluator = _parse_row(line, raw, profiles, tracks, row_errors)
        email = _email_of(raw)
        if email is not None:
            if email in first_line_of:
                row_errors.append(RosterError(
                    line, "courriel", "duplicate",
                    f"adresse déjà utilisée ligne {first_line_of[email]} (reçu {quoted(email)})",
                ))
            else:
                first_line_of[email] = line
        errors.extend(row_errors)
        if evaluator is not None and not row_errors:
            evaluators.append(evaluator)
    if errors:
        raise RosterValidationError(errors)
    return evaluators


def is_available(evaluator: Evaluator, start: date, end: date) -> bool:
    """Whether no unavailable range of the evaluator touches ``start..end`` (inclusive).

    The window is the period an evaluation would run (e.g. the 3 weeks of présélection):
    one day away inside it is enough to skip the evaluator, since deadlines are short.
    """
    if start > end:
        raise ValueError(f"window start {start} is after its end {end}")
    return not any(r.overlaps(start, end) for r in evaluator.unavailable)


def capacity_for(evaluator: Evaluator, open_assignments: int) -> int:
    """How many more dossiers the evaluator can take this month (never below zero).

    An evaluator over capacity (capacity lowered after assignment) gets 0, not a negative
    number that would offset someone else's share.
    """
    if open_assignments < 0:
        raise ValueError(f"open_assignments must be ≥ 0, got {open_assignments}")
    return max(0, evaluator.monthly_capacity - open_assignments)


def to_record(evaluator: Evaluator) -> dict[str, Any]:
    """The evaluator as JSON-ready data (lists, ISO dates), e.g. for ``EvaluatorRow.details``.

    Keys are the attribute names; unavailable ranges become ``[start, end]`` ISO pairs.
    The ``*_key`` values are left out: they are derived, and recomputing them with
    ``normalise_key`` keeps one definition of "same organisation".
    """
    return {
        "line": evaluator.line,
        "email": evaluator.email,
        "name": evaluator.name,
        "organisation": evaluator.organisation,
        "ministry": evaluator.ministry,
        "profiles": list(evaluator.profiles),
        "tracks": list(evaluator.tracks),
        "senior": evaluator.senior,
        "seniority": list(evaluator.seniority),
        "monthly_capacity": evaluator.monthly_capacity,
        "unavailable": [[r.start.isoformat(), r.end.isoformat()] for r in evaluator.unavailable],
        "themes": list(evaluator.themes),
        "expertise_ministries": list(evaluator.expertise_ministries),
        "conflict_organisations": list(evaluator.conflict_organisations),
        "conflict_dossiers": list(evaluator.conflict_dossiers),
        "conflict_people": list(evaluator.conflict_people),
    }


# --- one row ------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell that breaks a rule; turned into a RosterError by the row parser."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule, self.message = rule, message


def _allowed(values: Collection[str]) -> dict[str, str]:
    return {normalise_key(v): v for v in values}


def _normalised_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {column_key(k): v for k, v in raw.items() if k is not None}


def _email_of(raw: Mapping[str, Any]) -> str | None:
    """The row's valid email, or None (an invalid one is reported by the row parser)."""
    value = _normalised_row(raw).get("courriel")
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if _EMAIL.match(email) else None


def _parse_row(
    line: int,
    raw: Mapping[str, Any],
    profiles: dict[str, str],
    tracks: dict[str, str],
    errors: list[RosterError],
) -> Evaluator | None:
    row = _normalised_row(raw)
    for column in raw:
        if column is not None and column_key(column) not in COLUMNS:
            errors.append(RosterError(
                line, str(column), "unknown",
                f"colonne inconnue ; colonnes possibles : {', '.join(COLUMNS)}",
            ))
    values: dict[str, Any] = {}
    parsers = {
        "courriel": _email,
        "nom": _text,
        "organisation": _text,
        "ministere": _text,
        "profils": lambda v: _choices(v, profiles, "profil"),
        "parcours": lambda v: _choices(v, tracks, "parcours"),
        "seniorite": _texts,
        "capacite_mensuelle": _capacity,
        "indisponibilites": _ranges,
        "thematiques": _texts,
        "ministeres_expertise": _texts,
        "conflits_organisations": _texts,
        "conflits_dossiers": _dossier_numbers,
        "conflits_personnes": _people,
    }
    for column, required in COLUMNS.items():
        value = row.get(column)
        if _is_empty(value):
            if required:
                errors.append(RosterError(line, column, "required", "valeur obligatoire"))
            values[column] = None
            continue
        try:
            values[column] = parsers[column](value)
        except _Bad as bad:
            errors.append(RosterError(line, column, bad.rule, bad.message))
            continue
        if required and values[column] == ():  # e.g. profils " | ": only separators
            errors.append(RosterError(line, column, "required", "valeur obligatoire"))
    if errors:
        return None
    seniority = values["seniorite"] or ()
    organisations = values["conflits_organisations"] or ()
    people = values["conflits_personnes"] or ()
    return Evaluator(
        line=line,
        email=values["courriel"],
        name=values["nom"],
        organisation=values["organisation"],
        organisation_key=normalise_key(values["organisation"]),
        ministry=values["ministere"],
        ministry_key=normalise_key(values["ministere"]) if values["ministere"] else None,
        profiles=values["profils"],
        tracks=values["parcours"],
        senior=bool(seniority),
        seniority=seniority,
        monthly_capacity=values["capacite_mensuelle"],
        unavailable=values["indisponibilites"] or (),
        themes=values["thematiques"] or (),
        expertise_ministries=values["ministeres_expertise"] or (),
        conflict_organisations=organisations,
        conflict_dossiers=values["conflits_dossiers"] or (),
        conflict_people=people,
        conflict_organisation_keys=frozenset(normalise_key(o) for o in organisations),
        conflict_people_keys=frozenset(_person_key(p) for p in people),
    )


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(_is_empty(v) for v in value)
    return False


def _text(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _Bad("text", f"doit être un texte (reçu {quoted(value)})")
    if isinstance(value, str) and _CONTROL.search(value):
        raise _Bad("text", f"contient un caractère de contrôle (reçu {quoted(value)})")
    return " ".join(str(value).split())


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
"""Control characters (tab and line breaks aside): no name or organisation holds one."""


def _items(value: Any) -> list[Any]:
    """A cell's list: a YAML list, or a text split on ";" or "|"; empty items dropped."""
    if isinstance(value, list | tuple):
        items: list[Any] = []
        for v in value:
            items.extend(_items(v) if isinstance(v, str) else [v])
        return [v for v in items if not _is_empty(v)]
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
    return [value]


def _texts(value: Any) -> tuple[str, ...]:
    """Distinct texts in their written order (duplicates would only add noise)."""
    out: list[str] = []
    for item in _items(value):
        text = _text(item)
        if text not in out:
            out.append(text)
    return tuple(out)


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("email", f"doit être une adresse électronique (reçu {quoted(value)})")
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise _Bad("email", f"adresse électronique invalide (reçu {quoted(value)})")
    return email


def _choices(value: Any, allowed: dict[str, str], what: str) -> tuple[str, ...]:
    chosen: list[str] = []
    unknown: list[str] = []
    for item in _items(value):
        text = _text(item)
        canonical = allowed.get(normalise_key(text))
        if canonical is None:
            unknown.append(text)
        elif canonical not in chosen:
            chosen.append(canonical)
    if unknown:
        listed = ", ".join(repr(u) for u in unknown)
        raise _Bad("allowed", f"{what} inconnu : {listed} ; valeurs possibles : "
                              f"{', '.join(sorted(allowed.values()))}")
    return tuple(chosen)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    raise ValueError(value)


def _capacity(value: Any) -> int:
    try:
        capacity = _integer(value)
    except ValueError:
        capacity = -1
    if capacity < 0:
        raise _Bad("integer", f"doit être un entier positif ou nul (reçu {quoted(value)})")
    if capacity > MAX_MONTHLY_CAPACITY:
        raise _Bad("integer", f"au plus {MAX_MONTHLY_CAPACITY} dossiers par mois "
                   f"(reçu {quoted(value)})")
    return capacity


MAX_MONTHLY_CAPACITY = 100
"""Far above any evaluator's month (3 to 10), far below what the store's integer holds."""


def _dossier_numbers(value: Any) -> tuple[int, ...]:
    numbers: list[int] = []
    for item in _items(value):
        try:
            number = _integer(item)
        except ValueError:
            number = 0
        if number <= 0:
            raise _Bad("integer", f"numéro de dossier invalide (reçu {quoted(item)})")
        if number not in numbers:
            numbers.append(number)
    return tuple(numbers)


def _people(value: Any) -> tuple[str, ...]:
    people = _texts(value)
    for person in people:
        if "@" in person and not _EMAIL.match(person.lower()):
            raise _Bad("email", f"adresse électronique invalide (reçu {quoted(person)})")
    return people


def _person_key(person: str) -> str:
    return person.lower() if "@" in person else normalise_key(person)


def _ranges(value: Any) -> tuple[DateRange, ...]:
    """Ranges written ``2026-12-20..2027-01-05``, a single day, or (YAML) a date or a
    mapping ``{debut: …, fin: …}``."""
    ranges: list[DateRange] = []
    for item in _items(value):
        if isinstance(item, Mapping):
            start, end = _day(item.get("debut"), item), _day(item.get("fin"), item)
        elif isinstance(item, date):
            start = end = _day(item, item)
        elif isinstance(item, str):
            first, sep, last = item.partition(_RANGE_SEPARATOR)
            start = _day(first.strip(), item)
            end = _day(last.strip(), item) if sep else start
        else:
            raise _Bad("date", f"période invalide, attendu AAAA-MM-JJ..AAAA-MM-JJ "
                               f"(reçu {quoted(item)})")
        if start > end:
            raise _Bad("range", f"la période commence après sa fin (reçu {quoted(item)})")
        ranges.append(DateRange(start, end))
    return tuple(sorted(set(ranges), key=lambda r: (r.start, r.end)))


def _day(value: Any, item: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Bad("date", f"période invalide, attendu AAAA-MM-JJ..AAAA-MM-JJ (reçu {quoted(item)})")


def retire_problem(active: int, retiring: int, max_share: float) -> str | None:
    """Why an import may not retire ``retiring`` of the ``active`` evaluators without the
    operator's confirmation (None: it may)."""
    if active == 0 or retiring / active <= max_share:
        return None
    return (f"{retiring} évaluateurs sur {active} ({round(100 * retiring / active)} %) "
            f"seraient retirés du vivier, au-delà de {round(100 * max_share)} % : le fichier "
            "est-il complet ? Relancez avec --confirm-retire si c'est voulu ; rien n'a été "
            "importé")

