"""Direct uploads as DS (ActiveStorage) does them: ``createDirectUpload`` creates a blob
and returns a URL and headers; the client PUTs the bytes there; only then is the blob's
``signedBlobId`` usable as a justificatif or a message attachment.

The URL points at the sandbox itself (``PUT /_sandbox/uploads/<key>``). Like the object
storage behind DS, the PUT is refused when the size or the MD5 (base64) differs from
what was declared, and the blob then stays unusable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass

UPLOAD_PATH = "/_sandbox/uploads/"
_SIGNING_KEY = b"ds-sandbox-blobs"  # not a secret: it only makes signed ids look like DS's

INVALID_BLOB = "L’identifiant du fichier téléversé est invalide"
NOT_UPLOADED = "Le fichier n’a pas été correctement téléversé sur le serveur de stockage"


def md5_base64(data: bytes) -> str:
    """The checksum ``createDirectUpload`` expects: base64 of the MD5 digest."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324 - DS's checksum


@dataclass(slots=True)
class Blob:
    id: int
    key: str
    signed_id: str
    filename: str
    byte_size: int
    checksum: str
    content_type: str
    url: str
    created_at: int
    data: bytes | None = None  # set once a PUT succeeded

    @property
    def uploaded(self) -> bool:
        return self.data is not None

    def headers(self) -> str:
        """The JSON-encoded headers the client must send with its PUT."""
        return json.dumps({"Content-Type": self.content_type, "Content-MD5": self.checksum})


class BlobStore:
    """Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, Blob] = {}
        self._by_signed: dict[str, Blob] = {}
        self._next_id = 1

    def create(self, *, filename: str, byte_size: int, checksum: str, content_type: str,
               base_url: str, created_at: int) -> Blob:
        with self._lock:
            blob_id = self._next_id
            self._next_id += 1
            key = secrets.token_urlsafe(18)
            payload = base64.b64encode(json.dumps(
                {"_rails": {"data": blob_id, "pur": "blob_id"}}, separators=(",", ":"),
            ).encode()).decode()
            digest = hmac.new(_SIGNING_KEY, payload.encode(), hashlib.sha256).hexdigest()[:40]
            blob = Blob(blob_id, key, f"{payload}--{digest}", filename, byte_size, checksum,
                        content_type, f"{base_url.rstrip('/')}{UPLOAD_PATH}{key}", created_at)
            self._by_key[key] = blob
            self._by_signed[blob.signed_id] = blob
            return blob

    def by_key(self, key: str) -> Blob | None:
        with self._lock:
            return self._by_key.get(key)

    def put(self, key: str, data: bytes, content_md5: str | None = None) -> tuple[int, str]:
        """Store an upload: (HTTP status, message). Refused on a size or checksum mismatch."""
        with self._lock:
            blob = self._by_key.get(key)
            if blob is None:
                return 404, "NoSuchUpload"
            if content_md5 is not None and content_md5 != blob.checksum:
                return 403, "SignatureDoesNotMatch: Content-MD5 is not the declared checksum"
            if len(data) != blob.byte_size:
                return 400, (f"IncompleteBody: {len(data)} bytes received, "
                             f"{blob.byte_size} declared")
            if md5_base64(data) != blob.checksum:
                return 400, "BadDigest: the content does not match the declared checksum"
            blob.data = data
            return 200, "OK"

    def usable(self, signed_id: str) -> tuple[Blob | None, str | None]:
        """DS's ``validate_blob``: the blob, or the payload error message."""
        with self._lock:
            blob = self._by_signed.get(signed_id)
        if blob is None:
            return None, INVALID_BLOB
        if not blob.uploaded:
            return None, NOT_UPLOADED
        return blob, None

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_key)
