"""``Dossier.pdf``: the dossier rendered in PDF, behind a URL signed for one hour.

As in DS (``Types::DossierType#pdf``), the URL is ``/api/v2/dossiers/pdf/<signed id>``,
needs no token, and the File announces byteSizeBigInt "0" and an empty checksum (DS
renders the PDF only when the URL is fetched); ``Sandbox.pdf_checksums`` announces the
real size and MD5 instead. An expired or forged signed id gets 401 with no body, like
DS's ``head :unauthorized``. The PDF is a small valid PDF 1.4 whose bytes depend only on
the dossier's number, démarche title and deposit date.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from ds_sandbox.state import SandboxState, UnknownDossier
from ds_sandbox.timeutil import PARIS, format_us, from_us, to_us
from ds_sandbox.uploads import md5_base64

PDF_PATH = "/api/v2/dossiers/pdf/"
URL_LIFETIME_SECONDS = 3600
_KEY = secrets.token_bytes(32)  # per process, like a key rotation on restart


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
    """The PDF of a visible dossier (``UnknownDossier`` otherwise)."""
    with state.lock:
        record = state.dossier(number)
        title = state.demarches[record.demarche].spec.title
        deposited = from_us(record.date_depot).astimezone(PARIS)
    return render_pdf([
        f"Dossier n°{number} — {title}",
        f"Déposé le {deposited:%d/%m/%Y à %H:%M}",
        "Document du bac à sable DS (démonstration).",
    ])


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


def render_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF 1.4 showing ``lines`` in Helvetica (WinAnsi: French accents work)."""
    text = b"".join(b"(" + _pdf_string(line) + b") Tj T*\n" for line in lines)
    stream = b"BT\n/F1 14 Tf\n18 TL\n72 770 Td\n" + text + b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % index + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _pdf_string(line: str) -> bytes:
    escaped = bytearray()
    for byte in line.encode("cp1252", errors="replace"):
        if byte in b"\\()":
            escaped += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            escaped.append(byte)
        else:
            escaped += b"\\%03o" % byte
    return bytes(escaped)


def _digest(payload: str) -> str:
    return hmac.new(_KEY, payload.encode(), hashlib.sha256).hexdigest()[:40]
