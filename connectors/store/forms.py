"""The store's reads of a forms démarche (evaluations, jury scores): which forms stand
submitted and when DS last changed each — cheap columns only —, then the whole dossier of
just those a collection must read again. A season holds thousands of forms: loading every
one's champs at every collection was most of what the sync and the chase cost."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from models.evaluation_forms import SUBMITTED_STATES
from models.paris_time import aware
from models.tables import Dossier, Evaluation, JuryForm

Row = TypeVar("Row", Evaluation, JuryForm)

CHUNK = 500  # numbers per IN (...) query: well under SQLite's bound parameters


def submitted_form_heads(session: Session, demarche_number: int
                         ) -> list[tuple[int, datetime | None]]:
    """(number, DS's last change) of each submitted, visible, not quarantined form of the
    démarche, in the order they were filed."""
    return [(int(number), updated) for number, updated in session.execute(
        select(Dossier.number, Dossier.ds_updated_at).where(
            Dossier.demarche_number == demarche_number, Dossier.hidden.is_(False),
            Dossier.deleted.is_(False), Dossier.quarantined.is_(False),
            Dossier.state.in_(SUBMITTED_STATES))
        .order_by(Dossier.date_depot, Dossier.number))]


def forms_to_read(session: Session, demarche_number: int,
                  counted: Mapping[int, datetime | None],
                  others: Mapping[int, datetime | None]) -> tuple[int, list[int]]:
    """(how many submitted forms stand counted as they are, the numbers of those to read
    now, in the order they were filed). ``counted``: form number → the DS change it was
    counted at by this collection; ``others``: the same for the forms the other
    collection of the démarche read (evaluations, or the jurors' scores), not ours."""
    standing, to_read = 0, []
    for number, updated in submitted_form_heads(session, demarche_number):
        if same_version(counted.get(number), updated):
            standing += 1  # reading it again would change nothing
        elif not same_version(others.get(number), updated):
            to_read.append(number)
    return standing, to_read


def forms_by_number(session: Session, numbers: Sequence[int]) -> list[Dossier]:
    """The forms of these numbers, in the order given: their answers (``fields``) and
    dates, not the raw champs a reading never looks at."""
    found: dict[int, Dossier] = {}
    for chunk in _chunks(numbers):
        for form in session.scalars(select(Dossier).where(Dossier.number.in_(chunk)).options(
                load_only(Dossier.number, Dossier.demarche_number, Dossier.state,
                          Dossier.date_depot, Dossier.ds_updated_at, Dossier.fields))):
            found[int(form.number)] = form
    return [found[n] for n in numbers if n in found]


def read_versions(session: Session, table: type[Row]) -> dict[int, datetime | None]:
    """form number → the DS change a collection last read it at, for every form ``table``
    keeps (evaluations, or the jurors' scores)."""
    return {int(number): updated for number, updated in session.execute(
        select(table.form_number, table.form_updated_at))}


def rows_by_form_number(session: Session, table: type[Row], numbers: Sequence[int]
                        ) -> dict[int, Row]:
    """The rows ``table`` keeps for these forms, by form number."""
    return {int(row.form_number): row for chunk in _chunks(numbers)
            for row in session.scalars(select(table).where(table.form_number.in_(chunk)))}


def same_version(read_at: datetime | None, updated: datetime | None) -> bool:
    """A form read at ``read_at`` is unchanged in DS since (both dates known)."""
    return read_at is not None and updated is not None and aware(read_at) == aware(updated)


def _chunks(numbers: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(numbers), CHUNK):
        yield list(numbers[start:start + CHUNK])
