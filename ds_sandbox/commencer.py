"""DS's start page, ``/commencer/<procedure path>``, and prefill by link.

``GET /commencer/<path>?champ_<descriptor id>=<value>&…`` prefills without any API call
and without a rate limit (it is a page, not the API): DS's ``Users::CommencerController``
reads the query with ``PrefillChamps`` — the same keys and value rules as the prefill API
(prefill_params.py, where multi-valued champs are described) — and the person starts the
démarche with those values. The page shows the démarche and the values it will prefill,
with a « Commencer la démarche » form; ``POST`` on the same URL starts it: a brouillon
prefilled with the link's values (``SandboxState.start_from_link``), then a redirection
to that brouillon's page (``?prefill_token=``). Unknown keys, blank values and values that
do not fit their champ are ignored and kept in the brouillon's ``ignored_keys``.

Where the sandbox differs from DS, on purpose: DS creates the (orphan) brouillon as soon
as the page is shown and keeps its token in the session cookie, so that reloading the same
link reuses it; the person takes it when signed in. The sandbox creates it only when the
person starts (the POST), so reading the page, as a link checker does, leaves nothing
behind. Neither is visible to the GraphQL API until submitted, so the pipeline cannot
tell the difference.

``?prefill_token=`` (the ``dossier_url`` of the prefill API) keeps its read-only page of
that dossier (prefill.py). An unknown or closed démarche: a 404 page (DS redirects home
with « Cette démarche n'existe pas »). ``/commencer/<path>`` without values is the plain
start page.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from ds_sandbox.prefill import commencer_page, prefill_url, prefilled_json
from ds_sandbox.prefill_params import query_params
from ds_sandbox.sandbox import Reply, Sandbox
from ds_sandbox.state import (
    LINK_RESERVED_PARAMS,
    DemarcheRecord,
    LinkPrefill,
    UnknownDemarche,
)

NOT_FOUND_TITLE = "Démarche introuvable"


def handle_commencer(sandbox: Sandbox, path: str, query: str, method: str) -> Reply:
    """``GET`` or ``POST /commencer/<path>?<query>``, answered as DS's start page."""
    url = f"/commencer/{quote(path, safe='')}" + (f"?{query}" if query else "")
    params = query_params(query)
    if method == "GET" and "prefill_token" in params:
        token = params["prefill_token"]
        return commencer_page(sandbox, path, token if isinstance(token, str) else None)
    state = sandbox.state
    try:
        link = state.read_link(url)
        demarche = state.demarche(link.demarche)
    except UnknownDemarche:
        return _page(404, NOT_FOUND_TITLE, "<p>Cette démarche n'existe pas ou n'est plus "
                     "ouverte. Vérifiez le lien que vous avez reçu.</p>")
    if method == "POST":
        record = state.start_from_link(url)
        return Reply(303, b"", "text/html; charset=utf-8",
                     {"Location": prefill_url(sandbox, record)})
    return _start_page(demarche, link, url, params)


def _start_page(demarche: DemarcheRecord, link: LinkPrefill, url: str,
                params: dict[str, Any]) -> Reply:
    spec = demarche.spec
    prefilled = [(d.label, link.values[d.id]) for d in demarche.active_revision.champs
                 if d.id in link.values]
    if prefilled:
        rows = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(_shown(value))}"
                       f"</td></tr>" for label, value in prefilled)
        values = ("<p>Des informations ont été préremplies pour vous : vous pourrez les "
                  "vérifier et compléter le formulaire avant de le déposer.</p>"
                  f"<table>{rows}</table>")
    elif any(key not in LINK_RESERVED_PARAMS for key in params):
        values = "<p>Aucune des valeurs du lien n'a pu être préremplie.</p>"
    else:
        values = ""
    body = (f"<p>{html.escape(spec.description)}</p>{values}"
            f'<form method="post" action="{html.escape(url)}">'
            '<button type="submit">Commencer la démarche</button></form>')
    return _page(200, spec.title, body)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(value)


def _page(status: int, title: str, body: str) -> Reply:
    page = (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1>{body}</body></html>\n")
    return Reply(status, page.encode(), "text/html; charset=utf-8")


def start_for_test(sandbox: Sandbox, payload: Any) -> tuple[int, dict[str, Any]]:
    """``POST /_sandbox/commencer``: the person follows ``url``, starts the démarche and,
    with ``"submit": true``, submits it with ``values`` (their answers, by descriptor id
    or config/eig.yaml key) as ``email``: it becomes a dossier the GraphQL API sees.
    Answers ``(status, the brouillon as prefilled_json shows it)``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("url"), str):
        return 400, {"error": 'expected {"url": "<prefill link>", "values": {...}, '
                              '"submit": true, "email": "..."}'}
    values = payload.get("values") or {}
    submit = bool(payload.get("submit"))
    if not isinstance(values, dict) or (values and not submit):
        return 400, {"error": "values are the answers given when submitting: an object, "
                              'with "submit": true'}
    state = sandbox.state
    try:
        record = state.start_from_link(payload["url"])
    except UnknownDemarche as error:
        return 404, {"error": f"no open démarche at that link ({error})"}
    if submit:
        try:
            state.submit_prefilled(record.number, values, email=payload.get("email"))
        except ValueError as error:
            return 400, {"error": str(error), "number": record.number}
    return 200, prefilled_json(sandbox, record)
