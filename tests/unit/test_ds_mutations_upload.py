"""Uploads: createDirectUpload with the MD5 (base64) of the bytes, then one PUT of exactly
those bytes with DS's headers, through the client's transport and never retried."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.ds import (
    DSClient,
    DSHTTPError,
    DSPayloadError,
    DSProtocolError,
    DSServerError,
    md5_base64,
    upload_file,
)
from tests.unit.ds_fakes import API_URL, FakeTime
from tests.unit.test_ds_mutations_fakes import FakeDS, dossier_id, make_client

DOSSIER = dossier_id(42)
CONTENT = b"%PDF-1.7 decision\n"
# Computed apart from the code under test: openssl dgst -md5 -binary | base64
CONTENT_MD5 = "yK47aA2z6axW0jN3/kZsbA=="
STORAGE_URL = "https://storage.example/bucket/blob-key?temp_url_sig=abc"
DS_HEADERS = {"Content-Type": "application/pdf", "Content-MD5": CONTENT_MD5}


def direct_upload(headers: str = json.dumps(DS_HEADERS)) -> dict:
    return {
        "data": {
            "createDirectUpload": {
                "clientMutationId": None,
                "directUpload": {
                    "url": STORAGE_URL,
                    "headers": headers,
                    "blobId": "17",
                    "signedBlobId": "signed-17",
                },
            }
        }
    }


def test_the_checksum_is_md5_in_base64() -> None:
    assert md5_base64(b"hello") == "XUFAKrxLKna5cZ2REBfFkg=="
    assert md5_base64(CONTENT) == CONTENT_MD5


def test_upload_announces_the_file_then_puts_the_exact_bytes_with_ds_headers() -> None:
    fake = FakeDS({"CreateDirectUpload": direct_upload()})
    with make_client(fake) as ds:
        signed = upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")
        requests_sent = ds.requests_sent

    assert signed == "signed-17"
    create, put = fake.sent
    assert create.operation == "CreateDirectUpload"
    assert create.variables == {
        "dossierId": DOSSIER,
        "filename": "decision.pdf",
        "byteSize": len(CONTENT),
        "checksum": CONTENT_MD5,
        "contentType": "application/pdf",
    }
    assert (put.method, put.url) == ("PUT", STORAGE_URL)
    assert put.content == CONTENT
    assert put.headers["Content-Type"] == "application/pdf"
    assert put.headers["Content-MD5"] == CONTENT_MD5
    assert "Authorization" not in put.headers  # the DS token never goes to the storage
    assert put.not_idempotent and create.not_idempotent
    assert requests_sent == 2  # the PUT is counted (and rate-limited) like DS requests


def test_a_5xx_on_the_put_is_not_retried() -> None:
    fake = FakeDS({"CreateDirectUpload": direct_upload()}, put=httpx.Response(503, text="busy"))
    with make_client(fake, max_attempts=5) as ds, pytest.raises(DSServerError) as caught:
        upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")

    assert [s.method for s in fake.sent] == ["POST", "PUT"]
    assert caught.value.status_code == 503
    assert "decision.pdf" in str(caught.value) and "dossier 42" in str(caught.value)


def test_a_refused_put_is_an_http_error() -> None:
    fake = FakeDS({"CreateDirectUpload": direct_upload()}, put=httpx.Response(403, text="sig"))
    with make_client(fake) as ds, pytest.raises(DSHTTPError) as caught:
        upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")

    assert caught.value.status_code == 403
    assert not isinstance(caught.value, DSServerError)


def test_no_direct_upload_is_a_payload_error_and_nothing_is_put() -> None:
    fake = FakeDS({"CreateDirectUpload": {"data": {"createDirectUpload": None}}})
    with make_client(fake) as ds, pytest.raises(DSPayloadError) as caught:
        upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")

    assert caught.value.mutation == "createDirectUpload"
    assert [s.method for s in fake.sent] == ["POST"]


def test_headers_that_are_not_json_are_a_protocol_error() -> None:
    fake = FakeDS({"CreateDirectUpload": direct_upload(headers="Content-Type: x")})
    with make_client(fake) as ds, pytest.raises(DSProtocolError):
        upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")

    assert [s.method for s in fake.sent] == ["POST"]


class ClosingCounted(httpx.MockTransport):
    closed = 0

    def close(self) -> None:
        self.closed += 1


def test_uploads_borrow_the_transport_which_its_owner_closes_once() -> None:
    fake = FakeDS(
        {
            "CreateDirectUpload": direct_upload(),
            "GetDossier": {"data": {"dossier": {"id": DOSSIER, "number": 42}}},
        }
    )
    network = ClosingCounted(fake)
    time_ = FakeTime()
    ds = DSClient(
        API_URL, "secret-uploads", transport=network, sleep=time_.sleep, clock=time_.clock
    )
    upload_file(ds, DOSSIER, "decision.pdf", CONTENT, "application/pdf")
    assert ds.execute("dossier", {"number": 42})["dossier"]["number"] == 42
    assert network.closed == 0

    ds.close()

    assert network.closed == 1
