"""Run the sandbox over HTTP: in a background thread (tests, benchmarks) or blocking (CLI)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

import uvicorn

from ds_sandbox.generator import generate
from ds_sandbox.sandbox import Sandbox, TokenAccess
from ds_sandbox.server import create_app

log = logging.getLogger(__name__)


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: without it, each answer on a kept-alive connection
    # waits for the client's delayed ACK of its headers before sending its body (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    return sock


@contextmanager
def running_sandbox(sandbox: Sandbox, port: int = 0, *,
                    startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``sandbox`` on 127.0.0.1 in a daemon thread; yields the base URL.

    ``port=0`` picks a free port. The server is stopped when the block exits.
    """
    sock = listening_socket("127.0.0.1", port)
    host, bound_port = sock.getsockname()[:2]
    config = uvicorn.Config(create_app(sandbox), log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name=f"ds-sandbox-{bound_port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the DS sandbox did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(host: str = "127.0.0.1", port: int = 8765, dossiers: int = 1000, seed: int = 0,
          tokens: Mapping[str, TokenAccess] | Iterable[str] | None = None,
          requests_per_minute: int = 400, now: Callable[[], datetime] | None = None) -> None:
    """Generate ``dossiers`` and serve until interrupted (``eig sandbox``); with ``now``
    (the travelling clock the pipeline reads too), DS's dates follow it."""
    state = None
    if now is not None:
        from ds_sandbox.state import SandboxState

        state = SandboxState(now=now)
    sandbox = Sandbox(state, tokens=tokens, requests_per_window=requests_per_minute,
                      window_seconds=60.0)
    generate(sandbox.state, dossiers=dossiers, seed=seed)
    accepted = ", ".join(sorted(sandbox.tokens))
    log.info("DS sandbox: %s dossiers on http://%s:%s/api/v2/graphql (tokens: %s)",
             dossiers, host, port, accepted)
    config = uvicorn.Config(create_app(sandbox), log_level="info", access_log=False,
                            lifespan="off")
    with listening_socket(host, port) as sock:
        uvicorn.Server(config).run(sockets=[sock])
