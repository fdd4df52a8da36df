"""Uploading a file for a decision's justificatif or a message's attachment.

DS's direct upload is two steps: `createDirectUpload` (DS records the blob: name, size,
MD5 checksum as base64, content type) answers a signed storage URL and the headers to
PUT with; the bytes go there, and the blob's `signedBlobId` is then passed to
`dossierAccepter(justificatif:)` or `dossierEnvoyerMessage(attachment:)`. DS checks the
stored bytes against the checksum when the blob is used.

Neither step is retried blindly. A failed upload costs only an orphan blob: re-running
`upload_file` starts over with a new one, which is why it is safe to call again.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Protocol

import httpx
import orjson

from ._documents import load_document
from ._exceptions import (
    DSHTTPError,
    DSNetworkError,
    DSPayloadError,
    DSProtocolError,
    DSServerError,
)
from ._mutations import mutation_context
from ._pages import GraphQLExecutor

_EXCERPT = 200


class UploadClient(GraphQLExecutor, Protocol):
    def put_upload(self, url: str, headers: dict[str, str], content: bytes) -> httpx.Response: ...


def md5_base64(content: bytes) -> str:
    """The checksum DS (ActiveStorage) expects: MD5 digest, base64 (not hex)."""
    return base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()


def upload_file(
    client: UploadClient,
    dossier_id: str,
    filename: str,
    content: bytes,
    content_type: str,
) -> str:
    """Upload `content` for the dossier and return its signed blob id.

    Raises `DSPayloadError` when DS answers no upload, `DSServerError` / `DSHTTPError`
    when the storage refuses the PUT (not retried after a 5xx: call again, a new blob is
    created), `DSNetworkError`, or any `DSError` of `createDirectUpload`.
    """
    if not filename:
        raise ValueError("upload_file needs a file name")
    variables: dict[str, Any] = {
        "dossierId": dossier_id,
        "filename": filename,
        "byteSize": len(content),
        "checksum": md5_base64(content),
        "contentType": content_type,
    }
    mutation = "createDirectUpload"
    context = mutation_context(load_document("create_direct_upload"), variables)
    payload = client.execute("create_direct_upload", variables).get(mutation) or {}
    upload = payload.get("directUpload")
    if not isinstance(upload, dict) or not upload.get("url") or not upload.get("signedBlobId"):
        raise DSPayloadError(
            f"{context}: DS answered no direct upload for {filename!r}: check that the token "
            "may write and sees the dossier, then re-deliver",
            mutation=mutation,
            messages=[],
        )
    headers = _headers(upload.get("headers"), context)
    where = f"{context}: PUT of {filename!r} ({len(content)} bytes) to DS's storage"
    try:
        response = client.put_upload(str(upload["url"]), headers, content)
    except DSNetworkError as exc:
        raise DSNetworkError(f"{where}: {exc}", attempts=exc.attempts) from exc
    status = response.status_code
    if status < 300:
        return str(upload["signedBlobId"])
    said = " ".join(response.text.split())[:_EXCERPT]
    if status >= 500:
        raise DSServerError(
            f"{where} failed with HTTP {status} ({said}); not retried, since the bytes may "
            "have landed: call upload_file again (it creates a new blob)",
            status_code=status,
        )
    raise DSHTTPError(
        f"{where} was refused with HTTP {status} ({said}): the signed URL may have expired "
        "or the headers or checksum do not match the bytes: call upload_file again",
        status_code=status,
    )


def _headers(raw: Any, context: str) -> dict[str, str]:
    """DS sends the PUT headers as a JSON-encoded object (they have no GraphQL schema)."""
    try:
        headers = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    except orjson.JSONDecodeError as exc:
        raise DSProtocolError(
            f"{context}: DS's directUpload.headers is not JSON ({str(raw)[:_EXCERPT]})"
        ) from exc
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise DSProtocolError(
            f"{context}: DS's directUpload.headers is not a JSON object ({str(raw)[:_EXCERPT]})"
        )
    return {str(name): str(value) for name, value in headers.items()}
