"""Thread-safe in-memory DS state: démarches, revisions, dossiers, trash, tombstones,
and the prefilled brouillons (invisible to GraphQL until submitted).

Per dossier only compact data is kept (number, seed, state, dates, overrides); the
champs are built on demand from the seed (see payloads.py). Every write that DS
would stamp bumps the dossier's ``updated_at`` strictly above every earlier stamp,
so ``(updated_at, number)`` orders deterministically. Labels do not bump it (as in DS).
"""

from __future__ import annotations

import secrets
import threading
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from ds_sandbox.demarches import (
    AUTRE_INSTRUCTEUR,
    DEMARCHES,
    INSTRUCTEUR,
    LABEL_NAMES,
    DemarcheSpec,
    Descriptor,
    Instructeur,
    demarche_path,
    typed_id,
)
from ds_sandbox.prefill_params import PREFILL_STATES, prefill_values, query_params
from ds_sandbox.timeutil import to_us
from ds_sandbox.uploads import BlobStore

DossierState = Literal["en_construction", "en_instruction", "accepte", "refuse", "sans_suite"]
DOSSIER_STATES: tuple[str, ...] = (
    "en_construction", "en_instruction", "accepte", "refuse", "sans_suite",
)
TERMINAL_STATES = frozenset({"accepte", "refuse", "sans_suite"})
LABEL_COLORS = (
    "green_bourgeon", "blue_ecume", "purple_glycine", "pink_macaron", "yellow_tournesol",
    "brown_cafe_creme", "beige_gris_galet", "green_emeraude", "green_menthe",
    "green_tilleul_verveine",
)
Key = tuple[int, int]
LINK_RESERVED_PARAMS = frozenset({"prefill_token", "test"})
"""Query parameters of a ``/commencer`` link that are not prefill values."""


class UnknownDossier(KeyError):
    """No dossier with this number (or it is in the trash / deleted, when that matters)."""


class UnknownDemarche(KeyError):
    pass


@dataclass(slots=True)
class DossierRecord:
    """The compact per-dossier data; everything else derives from ``seed``."""

    number: int
    demarche: int
    seed: int
    state: str
    date_depot: int  # µs since the epoch, like every timestamp here
    updated_at: int
    champs_at: int  # dateDerniereModificationChamps
    en_instruction_at: int | None = None
    traite_at: int | None = None
    archived: bool = False
    labels: tuple[str, ...] = ()
    # descriptor id → (value, stamp): champs written after generation or given explicitly
    overrides: dict[str, tuple[Any, int]] | None = None
    ref: int | None = None  # evaluations: the evaluated dossier's number
    ref_track: str | None = None  # evaluations: "projets" or "candidats"
    hidden_at: int | None = None
    hidden_reason: str | None = None
    version: int = 0  # bumped on every change: the payload cache key
    annotations_at: int | None = None  # dateDerniereModificationAnnotations (else champs_at)
    motivation: str | None = None
    justificatif: str | None = None  # the blob key of the decision's justificatif
    messages: tuple[MessageRecord, ...] = ()
    groupe: int | None = None  # groupe instructeur number; None: the démarche's default
    prefilled: bool = False  # created through the prefill API: champs only from overrides
    usager_email: str | None = None  # who submitted it (else the seed's usager)


@dataclass(slots=True)
class PrefilledRecord:
    """A prefilled dossier not submitted yet: a brouillon, invisible to every GraphQL
    query. ``values``: descriptor id → coerced value; ``ignored_keys``: the request's keys
    that gave no value (unknown champ, value not fitting the champ's type), kept for
    inspection; ``origin``: ``api`` (the prefill API) or ``link`` (started from a prefill
    link, ``/commencer/<path>?champ_…``)."""

    number: int
    demarche: int
    token: str  # the prefill_token of the usager's link
    values: dict[str, Any]
    ignored_keys: tuple[str, ...]
    created_at: int
    submitted_at: int | None = None
    origin: str = "api"


@dataclass(frozen=True, slots=True)
class LinkPrefill:
    """What a prefill link fills in its démarche (nothing is created by reading it)."""

    demarche: int
    values: dict[str, Any]
    ignored_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: str
    body: str
    created_at: int
    email: str
    attachment: str | None = None  # blob key


@dataclass(frozen=True, slots=True)
class Tombstone:
    number: int
    demarche: int
    state: str
    reason: str
    deleted_at: int


@dataclass(frozen=True, slots=True)
class Revision:
    id: str
    created_at: int
    published_at: int
    champs: tuple[Descriptor, ...]
    annotations: tuple[Descriptor, ...]


@dataclass(frozen=True, slots=True)
class LabelRecord:
    id: str
    name: str
    color: str


@dataclass(frozen=True, slots=True)
class GroupeRecord:
    number: int
    label: str
    instructeurs: tuple[Instructeur, ...]
    closed: bool = False

    @property
    def id(self) -> str:
        return typed_id("GroupeInstructeur", self.number)


@dataclass(slots=True)
class DemarcheRecord:
    spec: DemarcheSpec
    id: str
    state: str
    created_at: int
    revisions: list[Revision]
    groupe_number: int  # the default groupe instructeur
    labels: dict[str, LabelRecord] = field(default_factory=dict)
    groupes: dict[int, GroupeRecord] = field(default_factory=dict)
    # sorted indexes of (sort key, number)
    by_updated: list[Key] = field(default_factory=list)
    by_depot: list[Key] = field(default_factory=list)
    trash: list[Key] = field(default_factory=list)
    tombstones: list[Key] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.spec.number

    @property
    def active_revision(self) -> Revision:
        return self.revisions[-1]

    def groupe_of(self, record: DossierRecord) -> GroupeRecord:
        return self.groupes[record.groupe if record.groupe is not None else self.groupe_number]

    def add_label(self, name: str) -> LabelRecord:
        label = self.labels.get(name)
        if label is None:
            color = LABEL_COLORS[len(self.labels) % len(LABEL_COLORS)]
            label_id = typed_id("Label", f"{self.number}-{len(self.labels) + 1}")
            label = self.labels[name] = LabelRecord(label_id, name, color)
        return label


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _remove(index: list[Key], key: Key) -> None:
    position = bisect_left(index, key)
    if position < len(index) and index[position] == key:
        del index[position]


def descriptor_typename(name: str) -> str:
    """Accept ``IntegerNumberChampDescriptor`` or the config's ``integer_number``."""
    if name.endswith("ChampDescriptor"):
        return name
    return "".join(part.capitalize() for part in name.split("_")) + "ChampDescriptor"


class SandboxState:
    """All DS data of the sandbox; every public method takes the lock."""

    def __init__(
        self,
        now: Callable[[], datetime] = _utcnow,
        demarches: Iterable[DemarcheSpec] = DEMARCHES,
    ) -> None:
        self.now = now
        self.lock = threading.RLock()
        self.demarches: dict[int, DemarcheRecord] = {}
        self.dossiers: dict[int, DossierRecord] = {}
        self.deleted: dict[int, Tombstone] = {}
        self.prefills: dict[int, PrefilledRecord] = {}  # brouillons of the prefill API
        self._prefill_tokens: dict[str, int] = {}
        self.blobs = BlobStore()  # direct uploads (justificatifs, attachments)
        self.generation_seed = 0
        self._last_stamp = 0
        self._next_number = 1
        self._next_revision = 1
        self._next_message = 1
        for spec in demarches:
            self.add_demarche(spec)

    # -- clock -------------------------------------------------------------------------

    def stamp(self) -> int:
        """Now, in µs, strictly after every earlier stamp."""
        with self.lock:
            self._last_stamp = max(to_us(self.now()), self._last_stamp + 1)
            return self._last_stamp

    # -- démarches ---------------------------------------------------------------------

    def add_demarche(self, spec: DemarcheSpec) -> DemarcheRecord:
        with self.lock:
            created = to_us(self.now() - timedelta(days=365))
            record = DemarcheRecord(
                spec=spec,
                id=typed_id("Procedure", spec.number),
                state="publiee",
                created_at=created,
                revisions=[],
                groupe_number=spec.number * 10 + 1,
            )
            default, other = record.groupe_number, spec.number * 10 + 2
            record.groupes[default] = GroupeRecord(default, "défaut", (INSTRUCTEUR,))
            record.groupes[other] = GroupeRecord(other, "Autre groupe", (AUTRE_INSTRUCTEUR,))
            for name in (*LABEL_NAMES, *spec.labels):
                record.add_label(name)
            self.demarches[spec.number] = record
            self._publish(record, spec.champs, spec.annotations, created)
            return record

    def demarche(self, number: int) -> DemarcheRecord:
        try:
            return self.demarches[number]
        except KeyError:
            raise UnknownDemarche(number) from None

    def _publish(self, demarche: DemarcheRecord, champs: tuple[Descriptor, ...],
                 annotations: tuple[Descriptor, ...], at: int | None = None) -> Revision:
        at = at if at is not None else self.stamp()
        revision = Revision(typed_id("ProcedureRevision", self._next_revision), at, at,
                            champs, annotations)
        self._next_revision += 1
        demarche.revisions.append(revision)
        return revision

    def remove_descriptor(self, demarche: int, descriptor_id: str) -> Revision:
        """Publish a revision without this descriptor (drift simulation)."""
        with self.lock:
            record = self.demarche(demarche)
            active = record.active_revision
            return self._publish(record, _without(active.champs, descriptor_id),
                                 _without(active.annotations, descriptor_id))

    def change_descriptor_type(self, demarche: int, descriptor_id: str,
                               new_typename: str) -> Revision:
        """Publish a revision where this descriptor has another type (drift simulation)."""
        typename = descriptor_typename(new_typename)
        with self.lock:
            record = self.demarche(demarche)
            active = record.active_revision
            return self._publish(record, _retyped(active.champs, descriptor_id, typename),
                                 _retyped(active.annotations, descriptor_id, typename))

    # -- dossiers ----------------------------------------------------------------------

    def allocate_number(self) -> int:
        with self.lock:
            number = self._next_number
            self._next_number += 1
            return number

    def add_dossier(
        self,
        demarche: int,
        *,
        number: int | None = None,
        seed: int | None = None,
        state: str = "en_construction",
        date_depot: datetime | int | None = None,
        updated_at: datetime | int | None = None,
        en_instruction_at: datetime | int | None = None,
        traite_at: datetime | int | None = None,
        values: Mapping[str, Any] | None = None,
        ref: int | None = None,
        ref_track: str | None = None,
    ) -> DossierRecord:
        """Add one dossier. ``values`` (descriptor id → value) override generated champs.

        Without ``updated_at`` the dossier gets a fresh stamp. Timestamps are datetimes
        or µs since the epoch.
        """
        if state not in DOSSIER_STATES:
            raise ValueError(f"unknown dossier state {state!r}")
        with self.lock:
            record_demarche = self.demarche(demarche)
            if number is None:
                number = self.allocate_number()
            elif number in self.dossiers or number in self.deleted or number in self.prefills:
                raise ValueError(f"dossier {number} already exists")
            self._next_number = max(self._next_number, number + 1)
            updated = self.stamp() if updated_at is None else _us(updated_at)
            self._last_stamp = max(self._last_stamp, updated)
            depot = updated if date_depot is None else _us(date_depot)
            overrides = {k: (v, updated) for k, v in values.items()} if values else None
            record = DossierRecord(
                number=number,
                demarche=demarche,
                seed=number if seed is None else seed,
                state=state,
                date_depot=depot,
                updated_at=updated,
                champs_at=updated,
                en_instruction_at=_us_or_none(en_instruction_at),
                traite_at=_us_or_none(traite_at),
                overrides=overrides,
                ref=ref,
                ref_track=ref_track,
            )
            self.dossiers[number] = record
            insort(record_demarche.by_updated, (record.updated_at, number))
            insort(record_demarche.by_depot, (record.date_depot, number))
            return record

    def load_sorted(self, records: list[DossierRecord]) -> None:
        """Bulk insert (the generator): one sort per index instead of n insertions."""
        with self.lock:
            touched: set[int] = set()
            for record in records:
                if record.number in self.dossiers:
                    raise ValueError(f"dossier {record.number} already exists")
                demarche = self.demarche(record.demarche)
                self.dossiers[record.number] = record
                demarche.by_updated.append((record.updated_at, record.number))
                demarche.by_depot.append((record.date_depot, record.number))
                touched.add(record.demarche)
                self._last_stamp = max(self._last_stamp, record.updated_at)
                self._next_number = max(self._next_number, record.number + 1)
            for number in touched:
                self.demarches[number].by_updated.sort()
                self.demarches[number].by_depot.sort()

    def dossier(self, number: int, *, visible: bool = True) -> DossierRecord:
        """A dossier; with ``visible``, one neither in the trash nor deleted."""
        record = self.dossiers.get(number)
        if record is None or (visible and record.hidden_at is not None):
            raise UnknownDossier(number)
        return record

    def _bump(self, record: DossierRecord) -> int:
        demarche = self.demarches[record.demarche]
        if record.hidden_at is None:
            _remove(demarche.by_updated, (record.updated_at, record.number))
        record.updated_at = self.stamp()
        record.version += 1
        if record.hidden_at is None:
            insort(demarche.by_updated, (record.updated_at, record.number))
        return record.updated_at

    def touch(self, number: int) -> int:
        """Bump ``updated_at`` as any DS write would (an avis, a message…)."""
        with self.lock:
            return self._bump(self.dossier(number))

    def update_champ(self, number: int, descriptor_id: str, value: Any) -> int:
        """Set a champ (or annotation) value; bumps ``updated_at``. Returns the new stamp."""
        with self.lock:
            record = self.dossier(number)
            stamp = self._bump(record)
            record.champs_at = stamp
            if record.overrides is None:
                record.overrides = {}
            record.overrides[descriptor_id] = (value, stamp)
            return stamp

    def set_state(self, number: int, state: str) -> int:
        if state not in DOSSIER_STATES:
            raise ValueError(f"unknown dossier state {state!r}")
        with self.lock:
            record = self.dossier(number)
            stamp = self._bump(record)
            record.state = state
            if state == "en_construction":
                record.en_instruction_at = record.traite_at = None
            elif state == "en_instruction":
                record.en_instruction_at, record.traite_at = stamp, None
            else:
                record.en_instruction_at = record.en_instruction_at or stamp
                record.traite_at = stamp
            return stamp

    def set_labels(self, number: int, names: Iterable[str]) -> None:
        """Replace the dossier's labels; does NOT bump ``updated_at`` (DS labels don't)."""
        with self.lock:
            record = self.dossier(number)
            demarche = self.demarches[record.demarche]
            names = tuple(dict.fromkeys(names))
            for name in names:
                demarche.add_label(name)
            record.labels = names
            record.version += 1

    def write_annotations(self, number: int, values: Mapping[str, Any]) -> int:
        """Set annotation values (descriptor id → value) in one write: bumps
        ``updated_at`` and dateDerniereModificationAnnotations, not the champs' date."""
        with self.lock:
            record = self.dossier(number)
            stamp = self._bump(record)
            record.annotations_at = stamp
            if record.overrides is None:
                record.overrides = {}
            for descriptor_id, value in values.items():
                record.overrides[descriptor_id] = (value, stamp)
            return stamp

    def decide(self, number: int, state: str, motivation: str | None = None,
               justificatif: str | None = None) -> int:
        """A state change by an instructeur, with its motivation and justificatif."""
        with self.lock:
            record = self.dossier(number)
            stamp = self.set_state(number, state)
            record.motivation = motivation
            record.justificatif = justificatif
            return stamp

    def add_message(self, number: int, body: str, email: str,
                    attachment: str | None = None) -> MessageRecord:
        """A message to the usager (bumps ``updated_at``, as DS's messages do)."""
        with self.lock:
            record = self.dossier(number)
            stamp = self._bump(record)
            message = MessageRecord(typed_id("Commentaire", self._next_message), body, stamp,
                                    email, attachment)
            self._next_message += 1
            record.messages = (*record.messages, message)
            return message

    def set_groupe(self, number: int, groupe: int) -> int:
        """Move a dossier to another groupe instructeur of its démarche (bumps it)."""
        with self.lock:
            record = self.dossier(number)
            if groupe not in self.demarches[record.demarche].groupes:
                raise ValueError(f"no groupe instructeur {groupe} in this démarche")
            record.groupe = groupe
            return self._bump(record)

    def set_archived(self, number: int, archived: bool = True) -> int:
        with self.lock:
            record = self.dossier(number)
            stamp = self._bump(record)
            record.archived = archived
            return stamp

    def hide(self, number: int, reason: str = "user_request") -> int:
        """Move to the trash: in ``pendingDeletedDossiers``, gone from ``dossiers``."""
        with self.lock:
            record = self.dossier(number)
            demarche = self.demarches[record.demarche]
            _remove(demarche.by_updated, (record.updated_at, number))
            _remove(demarche.by_depot, (record.date_depot, number))
            record.hidden_at = self.stamp()
            record.hidden_reason = reason
            record.version += 1
            insort(demarche.trash, (record.hidden_at, number))
            return record.hidden_at

    def restore(self, number: int) -> int:
        """Take out of the trash; bumps ``updated_at`` so the stream sees it again."""
        with self.lock:
            record = self.dossier(number, visible=False)
            if record.hidden_at is None:
                raise ValueError(f"dossier {number} is not in the trash")
            demarche = self.demarches[record.demarche]
            _remove(demarche.trash, (record.hidden_at, number))
            record.hidden_at = record.hidden_reason = None
            insort(demarche.by_depot, (record.date_depot, number))
            insort(demarche.by_updated, (record.updated_at, number))
            return self._bump(record)

    def delete(self, number: int, reason: str = "user_request") -> int:
        """Delete for good: gone from ``dossiers`` and the trash, in ``deletedDossiers``."""
        with self.lock:
            record = self.dossier(number, visible=False)
            demarche = self.demarches[record.demarche]
            if record.hidden_at is not None:
                _remove(demarche.trash, (record.hidden_at, number))
                reason = record.hidden_reason or reason
            else:
                _remove(demarche.by_updated, (record.updated_at, number))
                _remove(demarche.by_depot, (record.date_depot, number))
            del self.dossiers[number]
            tombstone = Tombstone(number, record.demarche, record.state, reason, self.stamp())
            self.deleted[number] = tombstone
            insort(demarche.tombstones, (tombstone.deleted_at, number))
            return tombstone.deleted_at

    # -- prefilled dossiers (brouillons) ------------------------------------------------

    def add_prefilled(self, demarche: int, values: Mapping[str, Any],
                      ignored_keys: Iterable[str] = (), *, origin: str = "api"
                      ) -> PrefilledRecord:
        """A prefilled brouillon (``values``: descriptor id → value, already coerced)."""
        with self.lock:
            self.demarche(demarche)
            token = secrets.token_urlsafe(18)
            record = PrefilledRecord(self.allocate_number(), demarche, token, dict(values),
                                     tuple(ignored_keys), self.stamp(), origin=origin)
            self.prefills[record.number] = record
            self._prefill_tokens[token] = record.number
            return record

    def prefilled_dossiers(self, demarche_number: int | None = None, *,
                           pending_only: bool = True) -> list[PrefilledRecord]:
        """Prefilled dossiers by number; without ``pending_only``, submitted ones too."""
        with self.lock:
            return [record for number, record in sorted(self.prefills.items())
                    if (demarche_number is None or record.demarche == demarche_number)
                    and not (pending_only and record.submitted_at is not None)]

    def prefilled_by_url(self, url_or_token: str) -> PrefilledRecord:
        """The prefilled dossier of a ``dossier_url`` (its ``prefill_token``) or a token."""
        tokens = parse_qs(urlsplit(url_or_token).query).get("prefill_token")
        token = tokens[0] if tokens else url_or_token
        with self.lock:
            number = self._prefill_tokens.get(token)
            if number is None:
                raise UnknownDossier(f"no prefilled dossier for {url_or_token!r}")
            return self.prefills[number]

    def demarche_by_path(self, path: str) -> DemarcheRecord:
        """The published (or brouillon) démarche at ``/commencer/<path>``, as DS finds it;
        ``UnknownDemarche`` otherwise (no such path, or the démarche is closed)."""
        with self.lock:
            for record in self.demarches.values():
                if demarche_path(record.spec) == path and record.state in PREFILL_STATES:
                    return record
        raise UnknownDemarche(path)

    def read_link(self, url: str) -> LinkPrefill:
        """What a prefill link ``…/commencer/<path>?champ_<id>=<value>&…`` fills: its query
        read as DS reads it, then the prefill API's rules (prefill_params.py). Creates
        nothing. ``UnknownDemarche`` when no open démarche has that path."""
        parts = urlsplit(url)
        prefix, _, path = parts.path.rstrip("/").rpartition("/")
        if not prefix.endswith("/commencer") or not path:
            raise UnknownDemarche(f"not a /commencer/<path> link: {url!r}")
        params = {key: value for key, value in query_params(parts.query).items()
                  if key not in LINK_RESERVED_PARAMS}
        with self.lock:
            demarche = self.demarche_by_path(unquote(path))
            values, ignored = prefill_values(demarche.active_revision.champs, params)
            return LinkPrefill(demarche.number, values, tuple(ignored))

    def start_from_link(self, url: str) -> PrefilledRecord:
        """The person follows a prefill link and starts the démarche: a brouillon prefilled
        with the link's values (see ``read_link``), invisible to GraphQL until
        ``submit_prefilled``. Each start makes a new brouillon, as each visit does in DS."""
        with self.lock:
            link = self.read_link(url)
            return self.add_prefilled(link.demarche, link.values, link.ignored_keys,
                                      origin="link")

    def submit_prefilled(self, number: int, values: Mapping[str, Any] | None = None, *,
                         email: str | None = None) -> DossierRecord:
        """The usager completes and submits a prefilled dossier: ``values`` (champ key of
        config/eig.yaml such as ``commentaire``, or descriptor id → value) are merged into
        the prefilled ones; the dossier goes en_construction, deposited now, with a fresh
        ``updated_at``: from now on every query sees it."""
        with self.lock:
            prefilled = self.prefills.get(number)
            if prefilled is None:
                raise UnknownDossier(number)
            if prefilled.submitted_at is not None:
                raise ValueError(f"prefilled dossier {number} was already submitted")
            demarche = self.demarche(prefilled.demarche)
            merged = dict(prefilled.values)
            for key, value in (values or {}).items():
                merged[_champ_id(demarche, key)] = value
            stamp = self.stamp()
            record = DossierRecord(
                number=number, demarche=prefilled.demarche, seed=number,
                state="en_construction", date_depot=stamp, updated_at=stamp, champs_at=stamp,
                overrides={key: (value, stamp) for key, value in merged.items()},
                prefilled=True, usager_email=email,
            )
            prefilled.submitted_at = stamp
            self.dossiers[number] = record
            insort(demarche.by_updated, (stamp, number))
            insort(demarche.by_depot, (stamp, number))
            return record

    def numbers(self, demarche: int) -> list[int]:
        """Visible dossier numbers of a démarche, by deposit date."""
        with self.lock:
            return [number for _, number in self.demarche(demarche).by_depot]

    def counts(self) -> dict[int, int]:
        with self.lock:
            return {number: len(d.by_depot) for number, d in self.demarches.items()}


def _us(value: datetime | int) -> int:
    return value if isinstance(value, int) else to_us(value)


def _us_or_none(value: datetime | int | None) -> int | None:
    return None if value is None else _us(value)


def _champ_id(demarche: DemarcheRecord, key: str) -> str:
    """The descriptor id of a champ of the active revision, by id or by config key."""
    for descriptor in demarche.active_revision.champs:
        if key in (descriptor.id, descriptor.key):
            return descriptor.id
    raise ValueError(f"démarche {demarche.number} has no champ {key!r}")


def _without(descriptors: tuple[Descriptor, ...], descriptor_id: str) -> tuple[Descriptor, ...]:
    kept = []
    for descriptor in descriptors:
        if descriptor.id == descriptor_id:
            continue
        if descriptor.children:
            descriptor = replace(descriptor,
                                 children=_without(descriptor.children, descriptor_id))
        kept.append(descriptor)
    return tuple(kept)


def _retyped(descriptors: tuple[Descriptor, ...], descriptor_id: str,
             typename: str) -> tuple[Descriptor, ...]:
    changed = []
    for descriptor in descriptors:
        if descriptor.id == descriptor_id:
            descriptor = replace(descriptor, typename=typename)
        elif descriptor.children:
            descriptor = replace(descriptor,
                                 children=_retyped(descriptor.children, descriptor_id, typename))
        changed.append(descriptor)
    return tuple(changed)
