"""The token prefilled in an evaluation form: which assignment it answers, signed.

``<assignment id>.<HMAC-SHA256 over assignment, evaluator and evaluated dossier>``: the
evaluation démarche is open to anyone with the link, so a form counts only if its token
was made by us for that evaluator and that dossier. The key never leaves the settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_VERSION = "eig-eval-v1"
_FORMAT = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{24})", re.ASCII)
r"""The whole token, nothing around it: ASCII digits only (« ٣ » is a digit to ``\d``), no
space nor line break (what the link prefilled is what comes back)."""


def signature(secret: bytes, version: str, *parts: object) -> str:
    """The 24 URL-safe characters every signed token of ours ends with: HMAC-SHA256 over
    the version and the parts, one per line (evaluation, jury, availability, vivier)."""
    message = "\n".join([version, *map(str, parts)])
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def _mac(secret: bytes, assignment_id: int, evaluator_email: str, dossier_number: int) -> str:
    return signature(secret, _VERSION, assignment_id, evaluator_email.strip().lower(),
                     dossier_number)


def make_token(secret: bytes, assignment_id: int, evaluator_email: str,
               dossier_number: int) -> str:
    return f"{assignment_id}.{_mac(secret, assignment_id, evaluator_email, dossier_number)}"


def token_assignment(token: str | None) -> int | None:
    """The assignment a token claims to answer (unverified), or None if it is malformed."""
    match = _FORMAT.fullmatch(token or "")
    return int(match.group(1)) if match else None


def verify_token(secret: bytes, token: str | None, assignment_id: int, evaluator_email: str,
                 dossier_number: int) -> bool:
    """Whether ``token`` was made for exactly this assignment, evaluator and dossier."""
    match = _FORMAT.fullmatch(token or "")
    if not match or int(match.group(1)) != assignment_id:
        return False
    expected = _mac(secret, assignment_id, evaluator_email, dossier_number)
    return hmac.compare_digest(match.group(2), expected)
