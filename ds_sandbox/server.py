"""The Starlette app: DS's GraphQL endpoint plus a small admin API under /_sandbox.

Admin endpoints (no auth: the sandbox is local) let a benchmark or a demo in another
process inject faults, read request counts and the mutation log, and change dossiers.
``PUT /_sandbox/uploads/<key>`` is the storage behind ``createDirectUpload``.

DS's other routes: the prefill API (``POST /api/public/v1/demarches/<n>/dossiers``, see
prefill.py) with the page its links open (``GET /commencer/<path>``), and the dossier
PDFs (``GET /api/v2/dossiers/pdf/<signed id>``, see pdf.py). ``GET /_sandbox/prefilled``
lists the prefilled dossiers not submitted yet; ``POST /_sandbox/prefilled/<n>/submit``
(``{"values": {...}, "email": ...}``) submits one as its usager would.

Prefill by link (commencer.py): ``GET /commencer/<path>?champ_<id>=<value>…`` shows the
démarche and the values it prefills, ``POST`` on it starts the démarche (a brouillon);
``POST /_sandbox/commencer`` (``{"url": ..., "values": {...}, "submit": true, "email":
...}``) plays the person who follows the link, starts and submits, and answers the
brouillon. ``GET /_sandbox/prefill-stats`` counts the prefill API's requests (``DELETE``
resets it).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ds_sandbox import pdf, prefill
from ds_sandbox.commencer import handle_commencer, start_for_test
from ds_sandbox.faults import Fault
from ds_sandbox.sandbox import Reply, Sandbox
from ds_sandbox.state import UnknownDossier


class DroppedResponse(Response):
    """No answer at all: the connection is closed (``drop_after_apply``).

    With uvicorn the transport is closed before anything is written; elsewhere the
    headers go out and the body is cut short, which a client also sees as a broken
    connection."""

    def __init__(self) -> None:
        super().__init__(b"", 200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cycle = getattr(receive, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is not None and hasattr(transport, "close"):
            transport.close()
            for _ in range(20):  # let uvicorn see the disconnection: it then sends nothing
                if getattr(cycle, "disconnected", True):
                    break
                await asyncio.sleep(0)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})


def to_response(reply: Reply) -> Response:
    if reply.drop:
        return DroppedResponse()
    return Response(reply.body, reply.status, reply.headers, reply.media_type)


def create_app(sandbox: Sandbox) -> Starlette:
    async def graphql(request: Request) -> Response:
        body = await request.body()
        # where createDirectUpload's URLs point: this server, as the client reached it
        base_url = str(request.base_url).rstrip("/")
        if sandbox.base_url != base_url:
            sandbox.base_url = base_url
        # execution is synchronous and CPU-bound: keep the event loop free for admin calls
        reply = await run_in_threadpool(sandbox.handle, request.headers.get("authorization"),
                                        body)
        return to_response(reply)

    async def uploads(request: Request) -> Response:
        key = request.path_params["key"]
        if request.method == "GET":
            blob = sandbox.state.blobs.by_key(key)
            if blob is None or blob.data is None:
                return Response(b"NoSuchKey", 404, media_type="text/plain")
            return Response(blob.data, 200, media_type=blob.content_type)
        status, message = sandbox.state.blobs.put(key, await request.body(),
                                                  request.headers.get("content-md5"))
        return Response(message.encode(), status, media_type="text/plain")

    async def mutations(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.mutations.reset()
            return JSONResponse({"reset": True})
        return JSONResponse(sandbox.mutations.snapshot())

    async def stats(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.stats.reset()
            return JSONResponse({"reset": True})
        return JSONResponse(sandbox.stats.snapshot())

    async def reset_stats(_request: Request) -> Response:
        sandbox.stats.reset()
        return JSONResponse({"reset": True})

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"faults": sandbox.faults.pending()})
        if request.method == "DELETE":
            sandbox.faults.clear()
            return JSONResponse({"faults": []})
        try:
            payload = await request.json()
            items = payload.get("faults", [payload]) if isinstance(payload, dict) else payload
            added = [sandbox.faults.push(Fault.from_json(item)) for item in items]
        except (ValueError, TypeError, AttributeError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"added": len(added), "faults": sandbox.faults.pending()}, 201)

    async def dossier_action(request: Request) -> Response:
        number = request.path_params["number"]
        action = request.path_params["action"]
        raw = await request.body()
        payload: dict[str, Any] = json.loads(raw) if raw else {}
        state = sandbox.state
        actions = {
            "touch": lambda: state.touch(number),
            "hide": lambda: state.hide(number, payload.get("reason", "user_request")),
            "restore": lambda: state.restore(number),
            "delete": lambda: state.delete(number, payload.get("reason", "user_request")),
            "state": lambda: state.set_state(number, payload["state"]),
            "labels": lambda: state.set_labels(number, payload["names"]),
            "champ": lambda: state.update_champ(number, payload["descriptor_id"],
                                                payload.get("value")),
            "groupe": lambda: state.set_groupe(number, int(payload["number"])),
        }
        if action not in actions:
            return JSONResponse({"error": f"unknown action {action!r}",
                                 "actions": sorted(actions)}, 404)
        try:
            stamp = actions[action]()
        except UnknownDossier:
            return JSONResponse({"error": f"dossier {number} not found"}, 404)
        except (KeyError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"number": number, "action": action, "stamp_us": stamp})

    def seen_at(request: Request) -> None:
        # where the URLs the sandbox answers point: this server, as the client reached it
        base_url = str(request.base_url).rstrip("/")
        if sandbox.base_url != base_url:
            sandbox.base_url = base_url

    async def prefill_dossier(request: Request) -> Response:
        seen_at(request)
        body = await request.body()
        client_ip = request.client.host if request.client else "unknown"
        reply = await run_in_threadpool(
            prefill.handle_prefill, sandbox, request.path_params["number"],
            request.headers.get("content-type"), body, client_ip)
        return to_response(reply)

    async def commencer(request: Request) -> Response:
        seen_at(request)
        return to_response(await run_in_threadpool(
            handle_commencer, sandbox, request.path_params["path"], request.url.query,
            request.method))

    async def commencer_for_test(request: Request) -> Response:
        seen_at(request)
        raw = await request.body()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError as error:
            return JSONResponse({"error": f"the body is not JSON: {error}"}, 400)
        status, answer = start_for_test(sandbox, payload)
        return JSONResponse(answer, status)

    async def prefill_stats(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.prefill_stats.reset()
            return JSONResponse({"reset": True})
        return JSONResponse(sandbox.prefill_stats.snapshot())

    async def dossier_pdf(request: Request) -> Response:
        status, content, number = await run_in_threadpool(
            pdf.serve, sandbox.state, request.path_params["signed"])
        if status != 200:
            return Response(b"", status)
        disposition = f'inline; filename="dossier-{number}.pdf"'
        return Response(content, 200, {"Content-Disposition": disposition}, "application/pdf")

    async def prefilled(request: Request) -> Response:
        demarche = request.query_params.get("demarche")
        records = sandbox.state.prefilled_dossiers(int(demarche) if demarche else None)
        return JSONResponse({"prefilled": [prefill.prefilled_json(sandbox, r) for r in records]})

    async def submit_prefilled(request: Request) -> Response:
        raw = await request.body()
        payload: dict[str, Any] = json.loads(raw) if raw else {}
        number = request.path_params["number"]
        try:
            record = sandbox.state.submit_prefilled(number, payload.get("values"),
                                                    email=payload.get("email"))
        except UnknownDossier:
            return JSONResponse({"error": f"no prefilled dossier {number}"}, 404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"number": number, "state": record.state,
                             "stamp_us": record.updated_at})

    async def health(_request: Request) -> Response:
        return JSONResponse({"ok": True, "dossiers": sandbox.state.counts()})

    return Starlette(routes=[
        Route("/api/v2/graphql", graphql, methods=["POST"]),
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/stats", stats, methods=["GET", "DELETE"]),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_sandbox/mutations", mutations, methods=["GET", "DELETE"]),
        Route("/_sandbox/uploads/{key}", uploads, methods=["PUT", "GET"]),
        Route("/_sandbox/dossiers/{number:int}/{action}", dossier_action, methods=["POST"]),
        Route("/_sandbox/prefilled", prefilled, methods=["GET"]),
        Route("/_sandbox/prefilled/{number:int}/submit", submit_prefilled, methods=["POST"]),
        Route("/api/public/v1/demarches/{number:int}/dossiers", prefill_dossier,
              methods=["POST"]),
        Route("/commencer/{path}", commencer, methods=["GET", "POST"]),
        Route("/_sandbox/commencer", commencer_for_test, methods=["POST"]),
        Route("/_sandbox/prefill-stats", prefill_stats, methods=["GET", "DELETE"]),
        Route(pdf.PDF_PATH + "{signed}", dossier_pdf, methods=["GET"]),
    ])
