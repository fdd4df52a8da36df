"""The token prefilled in an availability form: which request it answers, signed.

``<request id>.<HMAC-SHA256 over the request, the person and the period's scope>``: the
availability démarche is open to anyone with the link, so a form counts only if its token
was made by us for that person and that period (a juror's form cannot declare a
colleague's windows, nor a mission contact's another mission's). Its own version string:
an evaluation token never passes for one of these.
"""

from __future__ import annotations

import hmac
import re

from models.evaluation_token import signature

_VERSION = "eig-dispo-v1"
_FORMAT = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{24})", re.ASCII)


def _mac(secret: bytes, request_id: int, email: str, scope: str) -> str:
    return signature(secret, _VERSION, request_id, email.strip().lower(), scope)


def make_token(secret: bytes, request_id: int, email: str, scope: str) -> str:
    return f"{request_id}.{_mac(secret, request_id, email, scope)}"


def token_request(token: str | None) -> int | None:
    """The request a token claims to answer (unverified), or None if it is malformed."""
    match = _FORMAT.fullmatch((token or "").strip())
    return int(match.group(1)) if match else None


def verify_token(secret: bytes, token: str | None, request_id: int, email: str,
                 scope: str) -> bool:
    """Whether ``token`` was made for exactly this request, person and period."""
    match = _FORMAT.fullmatch((token or "").strip())
    if not match or int(match.group(1)) != request_id:
        return False
    return hmac.compare_digest(match.group(2), _mac(secret, request_id, email, scope))
