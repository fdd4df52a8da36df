"""The store's reads of the jurors' scoring forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.jury_forms import JuryFormStatus
from models.tables import JuryForm


def invalid_jury_forms(session: Session) -> list[JuryForm]:
    """The jury forms that do not count (set aside with their field and rule), by number."""
    return list(session.scalars(select(JuryForm).where(
        JuryForm.status == JuryFormStatus.INVALID).order_by(JuryForm.form_number)))
