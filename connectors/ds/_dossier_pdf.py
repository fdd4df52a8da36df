"""The dossier as DS renders it in PDF (`Dossier.pdf`, `dossier_pdf.graphql`).

DS answers a signed URL, valid one hour, that needs no token: the file is downloaded with
a plain GET, without the DS token. DS renders that PDF when the URL is fetched and
announces byteSizeBigInt "0" and an empty checksum for it: the size and the MD5 are
checked only when announced (as for stored attachments).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ._documents import load_document
from ._error_mapping import describe_operation
from ._exceptions import DSFileError, DSNotFoundError, DSProtocolError
from ._pages import GraphQLExecutor
from ._transport import TRANSIENT_HTTP_ERRORS
from ._upload import md5_base64

log = logging.getLogger("connectors.ds")

_EXPIRED_ADVICE = "ask for the dossier again: URLs expire after one hour"


@dataclass(frozen=True)
class DossierPdf:
    filename: str
    content: bytes
    content_type: str


def fetch_dossier_pdf(
    client: GraphQLExecutor,
    number: int,
    *,
    timeout: float = 60.0,
    max_attempts: int = 3,
    transport: httpx.BaseTransport | None = None,
    http: httpx.Client | None = None,
) -> DossierPdf | None:
    """The dossier's PDF as DS renders it, or None when DS offers none (then render your
    own). The download is retried on network errors and 5xx.

    Raises `DSFileError` when the download fails or the bytes are not what DS announced,
    `DSNotFoundError` when there is no such dossier, or any `DSError` of the query.
    `transport` replaces the network for the download (tests); `http` is a client to
    reuse across downloads (a new one per call costs a TLS context, ~30 ms).
    """
    variables = {"number": number}
    context = describe_operation(load_document("dossier_pdf").operation_name, variables)
    dossier = client.execute("dossier_pdf", variables).get("dossier")
    if not isinstance(dossier, dict):
        raise DSNotFoundError(
            f"{context}: DS answered no dossier: it was deleted or never existed", errors=[]
        )
    file = dossier.get("pdf")
    if file is None:
        return None
    if not isinstance(file, dict) or not file.get("url"):
        raise DSProtocolError(f"{context}: DS's pdf has no url ({str(file)[:200]})")
    filename = str(file.get("filename") or f"dossier-{number}.pdf")
    content_type = str(file.get("contentType") or "application/pdf")
    where = f"{context}: download of {filename}"
    content = _download(str(file["url"]), where, timeout, max_attempts, transport, http)
    _check(content, file, content_type, where)
    return DossierPdf(filename=filename, content=content, content_type=content_type)


def _download(
    url: str,
    where: str,
    timeout: float,
    max_attempts: int,
    transport: httpx.BaseTransport | None,
    http: httpx.Client | None = None,
) -> bytes:
    # The URL is a short-lived credential: it stays out of messages and logs.
    retrying = Retrying(
        stop=stop_after_attempt(max_attempts),
        wait=wait_exponential_jitter(initial=0.5, max=5.0, jitter=0.5),
        retry=(retry_if_exception_type(TRANSIENT_HTTP_ERRORS)
               | retry_if_result(lambda r: r.status_code >= 500)),
        before_sleep=lambda state: _log_retry(state, where),
        retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
    )
    own = http is None
    client = http or httpx.Client(transport=transport, timeout=timeout, follow_redirects=True)
    try:
        response = retrying(client.get, url, timeout=timeout)
    except httpx.TransportError as exc:
        raise DSFileError(
            f"{where} failed ({type(exc).__name__}: {exc}): check the network; "
            f"{_EXPIRED_ADVICE}"
        ) from exc
    finally:
        if own:
            client.close()
    status = response.status_code
    if status >= 300:
        cause = "the URL expired or is invalid" if status in (401, 403, 404) else "DS failed"
        raise DSFileError(
            f"{where} answered HTTP {status} ({cause}): {_EXPIRED_ADVICE}", status_code=status
        )
    return response.content


def _check(content: bytes, file: dict[str, Any], content_type: str, where: str) -> None:
    """The announced size and MD5 (base64) when DS gives them, and the PDF magic number."""
    size = _int(file.get("byteSizeBigInt"))
    if size and len(content) != size:
        raise DSFileError(
            f"{where}: {len(content)} bytes received, DS announced {size}: {_EXPIRED_ADVICE}"
        )
    checksum = file.get("checksum")
    if checksum and md5_base64(content) != checksum:
        raise DSFileError(
            f"{where}: the bytes do not match DS's checksum (MD5 {md5_base64(content)}, "
            f"announced {checksum}): {_EXPIRED_ADVICE}"
        )
    if content_type == "application/pdf" and not content.startswith(b"%PDF-"):
        raise DSFileError(
            f"{where}: the answer is not a PDF (starts with {content[:16]!r}): "
            f"{_EXPIRED_ADVICE}"
        )


def _int(value: Any) -> int:
    try:  # DS's BigInt comes as a string
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _log_retry(state: RetryCallState, where: str) -> None:
    outcome = state.outcome
    assert outcome is not None
    cause = (
        repr(outcome.exception()) if outcome.failed else f"HTTP {outcome.result().status_code}"
    )
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s failed (%s); retrying in %.1f s", where, cause, wait)
