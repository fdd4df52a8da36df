"""A real SMTP server on this machine, for the demo and the tests.

Every message it accepts lands in a Maildir (default ``var/maildir``), where
``Mailbox`` reads it back: the demo shows what the pipeline sent without any mail
account, and tests check delivery through the very same smtplib path as production.
It can be told to misbehave (answer 421 and hang up after N messages, refuse the
next messages or some recipients) and be stopped and restarted on the same port, so
that retries and de-duplication are tested against a real server, not a mock.

    with running_smtp_server(Path("var/maildir")) as server:   # or `as (host, port)`
        sender = SmtpSender(server.url)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import mailbox
import selectors
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from .maildir import DEFAULT_MAILDIR, Mailbox

log = logging.getLogger(__name__)

CLOSING_REPLY = "421 4.3.2 Service indisponible (panne simulée), réessayer plus tard"
UNKNOWN_RECIPIENT_REPLY = "550 5.1.1 Destinataire inconnu"
ENVELOPE_HEADER = "X-EIG-Envelope-To"
READY = b"listening\n"  # SmtpServerProcess's child, once it listens


@dataclass
class _Faults:
    """What the server is told to do wrong; shared between the test thread and the
    server's event loop, hence the lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accept_left: int | None = None  # None: accept everything; 0: answer 421 and hang up
    refuse_left: int = 0
    refuse_reply: str = UNKNOWN_RECIPIENT_REPLY
    rejected_recipients: dict[str, str] = field(default_factory=dict)
    drop_left: int = 0
    received: int = 0


class _MaildirHandler:
    """aiosmtpd hooks: apply the faults, store every accepted message in the Maildir."""

    def __init__(self, maildir: Path, faults: _Faults) -> None:
        self.maildir = maildir
        self.faults = faults

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        with self.faults.lock:
            closing = self.faults.accept_left == 0
        if closing:
            transport = server.transport
            if transport is not None:  # hang up right after the 421 is written
                asyncio.get_running_loop().call_soon(transport.close)
            return CLOSING_REPLY
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        with self.faults.lock:
            reply = self.faults.rejected_recipients.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.faults.lock:
            if self.faults.refuse_left > 0:
                self.faults.refuse_left -= 1
                return self.faults.refuse_reply
        content = envelope.original_content or b""
        head = (f"Return-Path: <{envelope.mail_from}>\r\n"
                f"{ENVELOPE_HEADER}: {', '.join(envelope.rcpt_tos)}\r\n").encode("ascii",
                                                                               "replace")
        box = mailbox.Maildir(self.maildir, create=True)
        box.add((head + content).replace(b"\r\n", b"\n"))
        with self.faults.lock:
            self.faults.received += 1
            if self.faults.accept_left:
                self.faults.accept_left -= 1
            drop = self.faults.drop_left > 0
            if drop:
                self.faults.drop_left -= 1
        if drop and server.transport is not None:  # kept, but the client never hears so
            server.transport.abort()
            await asyncio.Event().wait()  # cancelled by aiosmtpd when it sees the loss
        return "250 2.0.0 Message accepté"


class LocalSmtpServer:
    """An aiosmtpd server writing into a Maildir, with fault injection for tests.

    Unpacks as ``(host, port)``. ``port=0`` picks a free port once; ``restart()`` and
    ``start()`` after ``stop()`` reuse it, so a sender's URL stays valid.
    """

    def __init__(self, maildir: Path = DEFAULT_MAILDIR, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self.port = port or _free_port(host)
        self._faults = _Faults()
        self._controller: Controller | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.host, self.port))

    def __enter__(self) -> LocalSmtpServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The ``EIG_SMTP_URL`` that reaches this server."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def received(self) -> int:
        """Messages accepted and stored since this object was created."""
        with self._faults.lock:
            return self._faults.received

    @property
    def mailbox(self) -> Mailbox:
        return Mailbox(self.maildir)

    def start(self) -> None:
        if self._controller is not None:
            return
        mailbox.Maildir(self.maildir, create=True)  # the demo may list it before any mail
        controller = Controller(_MaildirHandler(self.maildir, self._faults), hostname=self.host,
                                port=self.port, server_hostname="eig-smtp-local",
                                ready_timeout=10)
        controller.start()
        self._controller = controller
        log.info("local SMTP server on %s:%d, Maildir %s", self.host, self.port, self.maildir)

    def stop(self) -> None:
        """Stop listening and drop every open connection (as a crashed server would)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def fail_after(self, n: int) -> None:
        """Accept ``n`` more messages, then answer every transaction with 421 and hang
        up, until ``recover()``: a server going down in the middle of a batch."""
        with self._faults.lock:
            self._faults.accept_left = n

    def refuse_next(self, n: int, reply: str = UNKNOWN_RECIPIENT_REPLY) -> None:
        """Answer ``reply`` (e.g. ``"550 …"`` or ``"451 …"``) after the content of the
        next ``n`` messages, and store none of them."""
        with self._faults.lock:
            self._faults.refuse_left = n
            self._faults.refuse_reply = reply

    def drop_after_data(self, n: int) -> None:
        """Keep the next ``n`` messages but cut the connection instead of answering 250:
        the sender cannot know it was delivered, and a resend makes a duplicate."""
        with self._faults.lock:
            self._faults.drop_left = n

    def reject_recipient(self, email: str, reply: str = UNKNOWN_RECIPIENT_REPLY) -> None:
        """Refuse ``email`` at RCPT with ``reply`` (an unknown mailbox), until recover()."""
        with self._faults.lock:
            self._faults.rejected_recipients[email.lower()] = reply

    def recover(self) -> None:
        """Forget every fault: accept everything again."""
        with self._faults.lock:
            self._faults.accept_left = None
            self._faults.refuse_left = 0
            self._faults.drop_left = 0
            self._faults.rejected_recipients.clear()


@contextmanager
def running_smtp_server(maildir: Path = DEFAULT_MAILDIR, port: int = 0, *,
                        host: str = "127.0.0.1") -> Iterator[LocalSmtpServer]:
    """A started ``LocalSmtpServer``, stopped on exit. Use ``as (host, port)`` or
    ``as server`` (for its URL, its faults, its mailbox)."""
    server = LocalSmtpServer(maildir, host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class SmtpServerProcess:
    """The same server in a child process, without fault injection: the demo's
    thousand messages are received on the other core instead of competing with the
    pipeline that sends them for this process's interpreter (about a tenth of the
    demo's CPU time). Unpacks as ``(host, port)``; ``mailbox`` reads the Maildir."""

    def __init__(self, maildir: Path = DEFAULT_MAILDIR, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self.port = port or _free_port(host)
        self._process: subprocess.Popen[bytes] | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.host, self.port))

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def mailbox(self) -> Mailbox:
        return Mailbox(self.maildir)

    def start(self, timeout: float = 15.0) -> None:
        if self._process is not None:
            return
        mailbox.Maildir(self.maildir, create=True)
        self._process = process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import main; main()",
             "--maildir", str(self.maildir),
             "--host", self.host, "--port", str(self.port), "--announce"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:  # the child says when it listens
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = bool(selector.select(timeout)) and process.stdout.readline() == READY
        if not ready:
            error = self._stop_process()
            raise RuntimeError(f"serveur SMTP local (port {self.port}) non démarré : "
                               f"{error or 'pas de réponse'}")

    def stop(self) -> None:
        self._stop_process()

    def _stop_process(self) -> str:
        process, self._process = self._process, None
        if process is None:
            return ""
        if process.poll() is None:
            process.terminate()
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        lines = (err or b"").decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""


@contextmanager
def running_smtp_process(maildir: Path = DEFAULT_MAILDIR, port: int = 0, *,
                         host: str = "127.0.0.1") -> Iterator[SmtpServerProcess]:
    """A started ``SmtpServerProcess``, stopped on exit."""
    server = SmtpServerProcess(maildir, host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def serve(maildir: Path = DEFAULT_MAILDIR, port: int = 8025, *, host: str = "127.0.0.1",
          stop: threading.Event | None = None,
          ready: Callable[[], None] | None = None) -> None:
    """Run the server until ``stop`` is set, Ctrl-C or SIGTERM: for ``eig mailserver``
    and ``SmtpServerProcess``; ``ready`` is called once it listens."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_smtp_server(maildir, port, host=host):
        if ready is not None:
            ready()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass


def _free_port(host: str, port: int = 0) -> int:
    """A port nobody listens on now (aiosmtpd cannot be started on port 0); with ``port``,
    that one, or OSError when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if port:  # as asyncio's server will: a port left in TIME_WAIT is free, a listener not
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    """SmtpServerProcess's child (and ``python -m connectors.mail.local_server``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maildir", type=Path, default=DEFAULT_MAILDIR)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--announce", action="store_true",
                        help="write a line on standard output once listening")
    arguments = parser.parse_args(argv)
    try:  # aiosmtpd would wait its whole ready_timeout before saying the port is taken
        _free_port(arguments.host, arguments.port)
    except OSError as exc:
        sys.exit(f"port {arguments.port} indisponible sur {arguments.host} : {exc.strerror}")
    serve(arguments.maildir, arguments.port, host=arguments.host,
          ready=(lambda: (sys.stdout.buffer.write(READY), sys.stdout.flush()))
          if arguments.announce else None)


if __name__ == "__main__":
    main()
