"""``Dossier.pdf``: the dossier rendered in PDF, behind a URL signed for one hour.

As in DS (``Types::DossierType#pdf``), the URL is ``/api/v2/dossiers/pdf/<signed id>``,
needs no token, and the File announces byteSizeBigInt "0" and an empty checksum (DS
renders the PDF only when the URL is fetched); ``Sandbox.pdf_checksums`` announces the
real size and MD5 instead. An expired or forged signed id gets 401 with no body, like
DS's ``head :unauthorized``. The PDF is the dossier as DS prints it (``dossier_pdf.py``),
rendered once per version of the dossier and kept (``PDF_CACHE_ENTRIES``): the demo
attaches it to every task email.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import weakref
from collections import OrderedDict
from typing import Any

from ds_sandbox import dossier_pdf as printed
from ds_sandbox.payloads import PayloadBuilder
from ds_sandbox.state import SandboxState, UnknownDossier
from ds_sandbox.timeutil import format_us, to_us
from ds_sandbox.uploads import md5_base64

PDF_PATH = "/api/v2/dossiers/pdf/"
URL_LIFETIME_SECONDS = 3600
PDF_CACHE_ENTRIES = 512
"""Rendered PDFs kept per sandbox (a few kB each), by dossier, version and revision."""
_KEY = secrets.token_bytes(32)  # per process, like a key rotation on restart


class _Printed:
    """The PDFs of one sandbox's dossiers, least recently used dropped first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pdfs: OrderedDict[tuple[int, int, str], bytes] = OrderedDict()
        self.renders = 0

    def get(self, key: tuple[int, int, str]) -> bytes | None:
        with self.lock:
            pdf = self.pdfs.get(key)
            if pdf is not None:
                self.pdfs.move_to_end(key)
            return pdf

    def put(self, key: tuple[int, int, str], pdf: bytes) -> None:
        with self.lock:
            self.renders += 1
            self.pdfs[key] = pdf
            while len(self.pdfs) > PDF_CACHE_ENTRIES:
                self.pdfs.popitem(last=False)


_PRINTED: weakref.WeakKeyDictionary[SandboxState, _Printed] = weakref.WeakKeyDictionary()
_PRINTED_LOCK = threading.Lock()


def printed_pdfs(state: SandboxState) -> _Printed:
    """The PDF cache of ``state`` (``renders``: how many were rendered)."""
    with _PRINTED_LOCK:
        cache = _PRINTED.get(state)
        if cache is None:
            cache = _PRINTED[state] = _Printed()
        return cache


def sign(number: int, expires: int) -> str:
    """A signed id for dossier ``number``, valid until ``expires`` (epoch seconds)."""
    payload = base64.urlsafe_b64encode(f"{number}:{expires}".encode()).decode().rstrip("=")
    return f"{payload}--{_digest(payload)}"


def verify(signed: str, now: float) -> int | None:
    """The dossier number of a genuine signed id not expired at ``now``, else None."""
    payload, separator, digest = signed.rpartition("--")
    if not separator or not hmac.compare_digest(digest, _digest(payload)):
        return None
    try:
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        number, expires = (int(part) for part in decoded.split(":"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return number if now < expires else None


def dossier_pdf(state: SandboxState, number: int) -> bytes:
    """The PDF of a visible dossier (``UnknownDossier`` otherwise), as DS prints it;
    rendered (outside the state's lock) once per version of the dossier."""
    cache = printed_pdfs(state)
    with state.lock:
        record = state.dossier(number)
        key = (number, record.version, state.demarches[record.demarche].active_revision.id)
        pdf = cache.get(key)
        if pdf is not None:
            return pdf
        payload = PayloadBuilder(state, cache_size=1).dossier(record)
    pdf = printed.render(payload)
    cache.put(key, pdf)
    return pdf


def pdf_file(state: SandboxState, number: int, base_url: str, *,
             checksums: bool = False) -> dict[str, Any]:
    """The ``File`` that ``Dossier.pdf`` resolves to, with a URL valid one hour from now."""
    now = state.now()
    expires = int(now.timestamp()) + URL_LIFETIME_SECONDS
    size, checksum = 0, ""
    if checksums:
        content = dossier_pdf(state, number)
        size, checksum = len(content), md5_base64(content)
    return {
        "filename": f"dossier-{number}.pdf",
        "contentType": "application/pdf",
        "url": f"{base_url.rstrip('/')}{PDF_PATH}{sign(number, expires)}",
        "byteSize": size,
        "byteSizeBigInt": str(size),
        "checksum": checksum,
        "createdAt": format_us(to_us(now)),
        "virusScanResult": "safe",
    }


def serve(state: SandboxState, signed: str) -> tuple[int, bytes, int | None]:
    """GET of a PDF URL: (status, body, dossier number)."""
    number = verify(signed, state.now().timestamp())
    if number is None:
        return 401, b"", None
    try:
        return 200, dossier_pdf(state, number), number
    except UnknownDossier:  # deleted or in the trash since: DS's locate_signed finds nothing
        return 401, b"", None


def _digest(payload: str) -> str:
    return hmac.new(_KEY, payload.encode(), hashlib.sha256).hexdigest()[:40]
