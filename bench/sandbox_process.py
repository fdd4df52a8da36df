"""The DS sandbox in a process of its own, for the benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(port: int, dossiers: int, seed: int,
                  requests_per_minute: int) -> subprocess.Popen:
    """`eig sandbox` with ``dossiers`` generated from ``seed``, DS's per-token budget set
    to ``requests_per_minute``; returns once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "eig", "sandbox", "--port", str(port), "--dossiers",
         str(dossiers), "--seed", str(seed), "--requests-per-minute",
         str(requests_per_minute)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    sys.exit("bench: the sandbox did not start")
