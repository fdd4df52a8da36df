"""The token prefilled in a juror's scoring form: which hearing it scores, signed.

``a<slot id>.<HMAC-SHA256 over slot, juror and heard dossier>``: the evaluation démarche
is open to anyone with the link, so a jury form counts only if its token was made by us
for that juror, that dossier and that very slot — a form copied onto another hearing, or
filled for a slot since cancelled, does not. The ``a`` keeps it apart from an evaluation
token (``<assignment>.<mac>``): one can never be read as the other.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable

from models.evaluation_token import signature

_VERSION = "eig-jury-v1"
_FORMAT = re.compile(r"a([0-9]{1,12})\.([A-Za-z0-9_-]{24})", re.ASCII)


def _mac(secret: bytes, slot_id: int, juror: str, dossier_number: int) -> str:
    return signature(secret, _VERSION, slot_id, juror.strip().lower(), dossier_number)


def make_jury_token(secret: bytes, slot_id: int, juror: str, dossier_number: int) -> str:
    return f"a{slot_id}.{_mac(secret, slot_id, juror, dossier_number)}"


def jury_token_slot(token: str | None) -> int | None:
    """The slot a token claims to score (unverified), or None if it is malformed."""
    match = _FORMAT.fullmatch(token or "")
    return int(match.group(1)) if match else None


def token_juror(secret: bytes, token: str | None, slot_id: int, jury: Iterable[str],
                dossier_number: int) -> str | None:
    """The member of ``jury`` the token was made for (None: made for nobody of it)."""
    match = _FORMAT.fullmatch(token or "")
    if not match or int(match.group(1)) != slot_id:
        return None
    return next((juror for juror in jury if hmac.compare_digest(
        match.group(2), _mac(secret, slot_id, juror, dossier_number))), None)
