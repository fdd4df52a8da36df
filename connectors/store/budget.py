"""Request budgets shared by every process that uses the same store.

DS allows 400 requests per minute per token, counted in fixed one-minute windows aligned
on the epoch (Rack::Attack: the window of a request is ``floor(now / 60)``), for all our
processes together. A `StoreBudget` counts them the same way, in the table
``rate_budgets`` — one row per bucket: the window being counted, the tokens handed out in
it, and ``paused_until`` — so that concurrent flow runs never send more than the limit
between them::

    budget = shared_budget(database_url, token_bucket(token), limit=400, window_seconds=60)
    budget.acquire()            # blocks until one request may be sent now
    budget.pause_until(reset)   # DS answered 429: every process waits until then

- **Blocks.** A process reserves tokens in blocks, one transaction each: 1 first, twice
  as many each time it needs more in the same window, up to ``max_block`` (10), and
  never more than a quarter of what is left (at least 1): a quiet process takes one
  token, a busy one few transactions, and near the limit the last tokens go one by one
  to whoever asks. The threads of a process share its block.
- **Windows.** Tokens are valid only in the window they were reserved for: unused ones
  are dropped at its end, never carried over. The last ``send_margin`` seconds of each
  window (a fifth of it, at most 1 s: half a second was too thin for a busy machine's
  scheduling) send nothing, so that a request sent with a token
  of one window reaches DS before the next one begins.
- **Pauses.** A 429 seen by any process pauses the bucket until DS's ``RateLimit-Reset``:
  the others learn it at their next reservation (at most a block later).
- **Atomic.** A reservation reads the row ``FOR UPDATE`` (PostgreSQL) or under SQLite's
  write lock (every transaction of `make_engine`'s engines is ``BEGIN IMMEDIATE``), then
  writes it, in one short transaction.
- **Where.** On PostgreSQL, the store's own ``rate_budgets`` table (migration 0010). On
  SQLite, the same table in a small file beside the store (``eig.sqlite`` →
  ``eig.budgets.sqlite``): SQLite has one write lock per file, and the sync holds the
  store's for a whole page at a time — a reservation queued behind it would stall the
  read-ahead (see the README's figures).
- **Fails closed.** A store that cannot be reached raises `BudgetUnavailableError`, in
  French: nothing is sent rather than the limit silently exceeded.

Generic: the bucket, limit and window are the caller's (DS tokens, SMTP pacing…). Every
process sharing a bucket must use the same limit and window.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from connectors.store.engine import make_engine
from models.french import nombre_fr
from models.tables import RateBudget

Clock = Callable[[], float]
Sleep = Callable[[float], None]

MAX_BLOCK = 10
"""Most tokens reserved in one transaction."""

_TABLE = RateBudget.__table__


class BudgetUnavailableError(RuntimeError):
    """The store that keeps a shared budget could not be reached or written."""


@dataclass(frozen=True, slots=True)
class Reservation:
    """What one transaction gave: ``tokens`` for the window starting at ``window_start``
    (0 when the window is spent), or a pause until ``paused_until``."""

    tokens: int
    window_start: int
    paused_until: float
    used: int


class StoreBudget:
    """At most ``limit`` acquisitions per fixed window of ``window_seconds`` (aligned on
    the epoch), for every process whose budget has this ``bucket`` on this store.

    Thread-safe; share one object per process and bucket (`shared_budget`) so that its
    threads share one block. ``engine`` must take SQLite's write lock up front
    (`connectors.store.engine.make_engine` does).
    """

    def __init__(
        self,
        engine: Engine,
        bucket: str,
        limit: int,
        window_seconds: float = 60.0,
        *,
        max_block: int = MAX_BLOCK,
        send_margin: float | None = None,
        create_table: bool = False,
    ) -> None:
        """``create_table``: create ``rate_budgets`` on first use if missing (a SQLite file
        of its own, which Alembic does not migrate)."""
        if limit < 1 or window_seconds < 1 or max_block < 1:
            raise ValueError(
                f"a shared budget needs limit >= 1, window_seconds >= 1 and max_block >= 1, "
                f"got {limit}, {window_seconds}, {max_block}")
        if len(bucket) > _TABLE.c.bucket.type.length:
            raise ValueError(f"bucket name too long: {bucket[:20]}…")
        self.engine = engine
        self.bucket = bucket
        self.limit = limit
        self.window_seconds = float(window_seconds)
        self.max_block = max_block
        self.send_margin = (min(1.0, self.window_seconds / 5) if send_margin is None
                            else send_margin)
        self.reservations = 0
        """Transactions that reserved tokens (or found none), for tests and figures."""
        self._lock = threading.Lock()
        self._window: int | None = None  # start of the window of the tokens held
        self._tokens = 0
        self._block = 1
        self._reserved_in_window = False
        self._paused_until = 0.0
        self._create_table = create_table

    # -- the protocol `connectors.ds.SharedBudget` ---------------------------------------

    def acquire(self, clock: Clock = time.time, sleep: Sleep = time.sleep) -> float:
        """Wait until one more request may be sent now; return the seconds waited.

        Raises `BudgetUnavailableError` when the store cannot be reached."""
        waited = 0.0
        while True:
            with self._lock:  # one reservation at a time per process: threads share it
                wait = self._take(clock())
            if wait <= 0:
                return waited
            sleep(wait)
            waited += wait

    def pause_until(self, epoch: float) -> None:
        """No acquisition by any process before ``epoch`` (DS answered 429 until then)."""
        with self._lock:
            self._paused_until = max(self._paused_until, epoch)
            self._tokens = 0
        with self._transaction() as conn:
            self._ensure_row(conn)
            conn.execute(update(_TABLE)
                         .where(_TABLE.c.bucket == self.bucket, _TABLE.c.paused_until < epoch)
                         .values(paused_until=epoch))

    # -- inspection -----------------------------------------------------------------------

    def window_start(self, now: float) -> int:
        """Start (epoch seconds) of the window ``now`` falls in, as DS counts it."""
        return math.floor(math.floor(now / self.window_seconds) * self.window_seconds)

    def state(self) -> RateBudget | None:
        """The bucket's row as the store has it (tests, figures)."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(_TABLE).where(_TABLE.c.bucket == self.bucket)).first()
        except SQLAlchemyError as exc:
            raise self._unavailable(exc) from exc
        return None if row is None else RateBudget(**row._mapping)

    def tighten(self, limit: int) -> None:
        """Lower the limit (never raise it): the strictest caller of a shared budget wins."""
        with self._lock:
            self.limit = min(self.limit, limit)

    # -- reservations ---------------------------------------------------------------------

    def _take(self, now: float) -> float:
        """Take a token valid now (0 returned) or say how long to wait (> 0)."""
        if now < self._paused_until:
            return self._paused_until - now
        index = math.floor(now / self.window_seconds)
        start = self.window_start(now)
        end = (index + 1) * self.window_seconds
        if now >= end - self.send_margin:  # too late for this window: wait for the next
            self._tokens = 0
            return end - now
        if self._window != start:  # a new window: what was left of the last one is dropped
            self._window, self._tokens = start, 0
            self._block = max(1, self._block // 2) if self._reserved_in_window else 1
            self._reserved_in_window = False
        if self._tokens > 0:
            self._tokens -= 1
            return 0.0
        if self._reserved_in_window:  # a block used up within its window: ask for more
            self._block = min(self.max_block, self._block * 2)
        reservation = self.reserve(now, self._block)
        self._reserved_in_window = True
        if reservation.paused_until > now:
            self._paused_until = reservation.paused_until
            return reservation.paused_until - now
        if reservation.tokens == 0:  # the window is spent, for every process
            return end - now
        self._tokens = reservation.tokens - 1
        return 0.0

    def reserve(self, now: float, want: int) -> Reservation:
        """One transaction: up to ``want`` tokens of the window of ``now`` (fewer near the
        limit), unless the bucket is paused. Raises `BudgetUnavailableError`."""
        start = self.window_start(now)
        with self._transaction() as conn:
            row = self._locked_row(conn)
            if row is None:
                self._ensure_row(conn)
                row = self._locked_row(conn)
                assert row is not None
            window_start, used, paused_until = row
            self.reservations += 1
            if paused_until > now:
                return Reservation(0, start, paused_until, used)
            if window_start > start:
                # Another process's clock is ahead: count in its window (never move it back).
                start = window_start
            elif window_start < start:
                used = 0  # a new window: last window's tokens are gone
            room = self.limit - used
            tokens = max(0, min(want, max(1, room // 4), room))
            if tokens or start != window_start:
                conn.execute(update(_TABLE).where(_TABLE.c.bucket == self.bucket)
                             .values(window_start=start, used=used + tokens))
            return Reservation(tokens, start, paused_until, used + tokens)

    def _locked_row(self, conn: Connection) -> tuple[int, int, float] | None:
        query = select(_TABLE.c.window_start, _TABLE.c.used, _TABLE.c.paused_until).where(
            _TABLE.c.bucket == self.bucket)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        return None if row is None else (int(row[0]), int(row[1]), float(row[2]))

    def _ensure_row(self, conn: Connection) -> None:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(_TABLE).values(bucket=self.bucket, window_start=0, used=0,
                                           paused_until=0.0).on_conflict_do_nothing())

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """``engine.begin()``, its database errors turned into `BudgetUnavailableError`."""
        try:
            with self.engine.begin() as conn:
                if self._create_table:
                    # Under SQLite's write lock (BEGIN IMMEDIATE): two processes starting
                    # together cannot both create it.
                    _TABLE.create(conn, checkfirst=True)
                    self._create_table = False
                yield conn
        except SQLAlchemyError as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: BaseException) -> BudgetUnavailableError:
        where = self.engine.url.render_as_string(hide_password=True)
        return BudgetUnavailableError(
            f"le budget de requêtes partagé {self.bucket[:24]}… ({self.limit} requêtes par "
            f"fenêtre de {nombre_fr(self.window_seconds)} s, pour tous les processus) est "
            f"inaccessible "
            f"dans la base {where} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). "
            "Aucune requête n'a été envoyée, pour ne pas dépasser la limite : vérifiez que "
            "la base (EIG_DATABASE_URL) répond, puis relancez.")


# -- one budget per process, store and bucket ---------------------------------------------

_budgets: dict[tuple[str, str, float], StoreBudget] = {}
_engines: dict[str, Engine] = {}
_registry_lock = threading.Lock()


def budget_url(database_url: str) -> str:
    """Where the budgets of the store at ``database_url`` live: the store itself
    (PostgreSQL), or a small SQLite file beside it (``eig.sqlite`` → ``eig.budgets.sqlite``).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    if not url.database or url.database == ":memory:":
        raise ValueError("an in-memory SQLite store cannot share a request budget with "
                         "other processes: use a SQLite file or PostgreSQL")
    path = Path(url.database)
    side = path.with_name(f"{path.stem}.budgets{path.suffix or '.sqlite'}")
    return url.set(database=str(side)).render_as_string(hide_password=False)


def shared_budget(database_url: str, bucket: str, limit: int, window_seconds: float = 60.0,
                  **options: float) -> StoreBudget:
    """This process's `StoreBudget` for ``bucket`` on the store at ``database_url`` (one per
    process, store, bucket and window: its threads share its block). A second call with a
    lower limit lowers it. ``options``: `StoreBudget`'s ``max_block``, ``send_margin``."""
    key = (database_url, bucket, float(window_seconds))
    with _registry_lock:
        budget = _budgets.get(key)
        if budget is None:
            url = budget_url(database_url)
            engine = _engines.get(url)
            if engine is None:
                engine = _engines[url] = make_engine(url)
            budget = _budgets[key] = StoreBudget(
                engine, bucket, limit, window_seconds, create_table=url != database_url,
                **options)  # type: ignore[arg-type]
        else:
            budget.tighten(limit)
        return budget


def close_budgets() -> None:
    """Forget every budget of the process and close their connections (tests)."""
    with _registry_lock:
        _budgets.clear()
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
