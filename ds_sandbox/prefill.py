"""DS's prefill API: ``POST /api/public/v1/demarches/{number}/dossiers``, no token.

As DS's ``API::Public::V1::DossiersController`` (January 2026), in DS's order:

1. a per-IP limit (``Sandbox.prefill_limiter``, 15 per 15 s by default): 429 with a
   plain-text body and an absolute ``RateLimit-Reset``, like the GraphQL limit;
2. ``Content-Type`` exactly ``application/json`` (no charset), else 400
   ``{"error": "Content-Type should be json"}``; a body that is not a JSON object: 400;
3. a published or brouillon (test) démarche, else 404 ``{"error": "procedure N is not found"}``;
4. ``champ_<descriptor id>`` keys of the active revision's champs: unknown keys, blank
   values and values that do not fit the champ are ignored (DS's ``PrefillChamps``, see
   prefill_params.py); the sandbox keeps them in the record's ``ignored_keys``;
5. 201 ``{dossier_url, state: "prefilled", dossier_id, dossier_number,
   dossier_prefill_token}``. The dossier is a brouillon, invisible to GraphQL until
   ``SandboxState.submit_prefilled`` (the usager submits it).

``GET /commencer/<path>?prefill_token=...`` shows the prefilled values (read-only). The
other way to prefill, a link with the values in it (no API call, no limit), is in
commencer.py.
"""

from __future__ import annotations

import html
import json
import time
from typing import Any

from ds_sandbox.demarches import demarche_path, typed_id
from ds_sandbox.prefill_params import (
    IGNORED,
    PREFILL_STATES,
    coerce,
    prefill_values,
)
from ds_sandbox.sandbox import Reply, Sandbox, rate_limited
from ds_sandbox.state import PrefilledRecord, UnknownDossier
from ds_sandbox.stats import RequestEntry

__all__ = ["IGNORED", "coerce", "commencer_page", "demarche_path", "handle_prefill",
           "prefill_url", "prefilled_json"]

CONTENT_TYPE_MESSAGE = "Content-Type should be json"


def prefill_url(sandbox: Sandbox, record: PrefilledRecord) -> str:
    """The usager's link to a prefilled dossier, as DS's ``commencer_url``."""
    spec = sandbox.state.demarche(record.demarche).spec
    return (f"{sandbox.base_url.rstrip('/')}/commencer/{demarche_path(spec)}"
            f"?prefill_token={record.token}")


def handle_prefill(sandbox: Sandbox, demarche_number: int, content_type: str | None,
                   body: bytes, client_ip: str) -> Reply:
    """One POST of the prefill API, answered the way DS does."""
    started = time.perf_counter()
    reply = _reply(sandbox, demarche_number, content_type, body, client_ip)
    sandbox.prefill_stats.record(RequestEntry(None, "prefill", reply.status, None, None,
                                              time.perf_counter() - started))
    return reply


def _reply(sandbox: Sandbox, demarche_number: int, content_type: str | None, body: bytes,
           client_ip: str) -> Reply:
    quota = sandbox.prefill_limiter.hit(client_ip)
    if not quota.allowed:
        return rate_limited(quota)
    if content_type != "application/json":
        return _error(400, CONTENT_TYPE_MESSAGE)
    try:
        params = json.loads(body or b"{}")
    except ValueError as error:
        return _error(400, f"the body is not JSON: {error}")
    if not isinstance(params, dict):
        return _error(400, "the body must be a JSON object")
    demarche = sandbox.state.demarches.get(demarche_number)
    if demarche is None or demarche.state not in PREFILL_STATES:
        return _error(404, f"procedure {demarche_number} is not found")
    values, ignored = prefill_values(demarche.active_revision.champs, params)
    record = sandbox.state.add_prefilled(demarche_number, values, ignored)
    return Reply(201, json.dumps({
        "dossier_url": prefill_url(sandbox, record),
        "state": "prefilled",
        "dossier_id": typed_id("Dossier", record.number),
        "dossier_number": record.number,
        "dossier_prefill_token": record.token,
    }).encode())


def prefilled_json(sandbox: Sandbox, record: PrefilledRecord) -> dict[str, Any]:
    """A prefilled record for the admin API."""
    return {"number": record.number, "demarche": record.demarche,
            "dossier_url": prefill_url(sandbox, record), "values": record.values,
            "ignored_keys": list(record.ignored_keys),
            "submitted": record.submitted_at is not None, "origin": record.origin}


def commencer_page(sandbox: Sandbox, path: str, token: str | None) -> Reply:
    """A small read-only page of the prefilled values (what the usager's link opens)."""
    state = sandbox.state
    try:
        record = state.prefilled_by_url(token or "")
        spec = state.demarche(record.demarche).spec
    except (UnknownDossier, KeyError):
        return _page(404, "Dossier introuvable", "<p>Ce lien de préremplissage est inconnu.</p>")
    if demarche_path(spec) != path:
        return _page(404, "Dossier introuvable", "<p>Ce lien de préremplissage est inconnu.</p>")
    if record.submitted_at is not None:
        body = f"<p>Le dossier n°{record.number} a déjà été déposé.</p>"
        return _page(200, spec.title, body)
    rows = "".join(
        f"<tr><th>{html.escape(d.label)}</th>"
        f"<td>{html.escape(_shown(record.values.get(d.id)))}</td></tr>"
        for d in state.demarche(record.demarche).active_revision.champs
    )
    body = (f"<p>Dossier n°{record.number}, prérempli : vérifiez les valeurs, complétez le "
            f"formulaire puis déposez-le.</p><table>{rows}</table>")
    return _page(200, spec.title, body)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _page(status: int, title: str, body: str) -> Reply:
    page = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>\n")
    return Reply(status, page.encode(), "text/html; charset=utf-8")


def _error(status: int, message: str) -> Reply:
    return Reply(status, json.dumps({"error": message}).encode())
