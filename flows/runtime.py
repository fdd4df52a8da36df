"""What every flow run needs: settings, configuration, the migrated store, a DS client."""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connectors.ds import DSClient
from connectors.store.engine import make_engine, make_sessionmaker
from connectors.store.migrate import upgrade_to_head
from connectors.store.outbox import TALLY, EffectTally
from flows.ds_access import ds_client
from flows.fetch_ahead import ReadAhead
from settings.config import EigConfig, load_config
from settings.environment import Settings, resolve_ds_token

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


_clock_override: Clock | None = None


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Every flow run opened inside this block reads the time from ``clock`` (tests and
    demos travel through weeks without sleeping)."""
    global _clock_override
    previous, _clock_override = _clock_override, clock
    try:
        yield clock
    finally:
        _clock_override = previous


def current_clock() -> Clock:
    """The clock flow runs read: ``use_clock``'s, else the shared travelling clock of
    ``EIG_CLOCK_FILE`` (soak tests only), else real time."""
    if _clock_override is not None:
        return _clock_override
    shared = os.environ.get("EIG_CLOCK_FILE")
    if shared:
        from connectors.clock_file import FileClock

        return FileClock(shared)
    return utc_now


class Channel:
    """A DS client and its read-ahead, for the one thread working on one démarche.

    DS clients are not shared between threads; they share the token's rate limit.
    """

    def __init__(self, ds: DSClient) -> None:
        self.ds = ds
        self.ahead: ReadAhead[Any, Any] = ReadAhead()

    def close(self) -> None:
        self.ahead.stop()
        self.ds.close()


class Runtime:
    """Handles shared by the tasks of one flow run.

    A plain class rather than a dataclass: Prefect walks dataclass task arguments in
    search of futures, and this one holds the whole configuration.
    """

    def __init__(self, settings: Settings, config: EigConfig, engine: Engine,
                 sessions: sessionmaker[Session], clock: Clock = utc_now) -> None:
        self.settings = settings
        self.config = config
        self.engine = engine
        self.sessions = sessions
        self.clock = clock
        self._token = resolve_ds_token(settings)
        # effects this run's sessions recorded, per lane (see flows.handover)
        self.tally: EffectTally = (sessions.kw.get("info") or {}).get(TALLY) or EffectTally()
        self._channels: dict[int, Channel] = {}
        self._lock = threading.Lock()

    def new_ds_client(self) -> DSClient:
        """A DS client of its own (for one thread), sharing the token's rate limit (with
        every process using the store: `flows.ds_access`)."""
        return ds_client(self.settings, self.config, self._token)

    def channel(self, demarche_number: int) -> Channel:
        """The DS channel of a démarche (démarches may be synced in parallel)."""
        with self._lock:
            if demarche_number not in self._channels:
                self._channels[demarche_number] = Channel(self.new_ds_client())
            return self._channels[demarche_number]

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


def open_store(database_url: str) -> Engine:
    """An engine on a store brought to the latest migration."""
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    return engine


@contextmanager
def open_runtime(settings: Settings | None = None, clock: Clock | None = None
                 ) -> Iterator[Runtime]:
    settings = settings or Settings()
    clock = clock or current_clock()
    config = load_config(settings.config)
    engine = open_store(settings.database_url)
    sessions = make_sessionmaker(engine, {TALLY: EffectTally()})
    runtime = Runtime(settings, config, engine, sessions, clock)
    # The DS read-ahead thread and the store share the GIL: a 1 ms switch interval (5 ms by
    # default) lets the reader pick up each DS response promptly (bench/sync.py: ~20 % faster).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.001))
    # Each DS page parses into ~30,000 objects, which sets off full collections that
    # would rescan every object of the process (Prefect's included) again and again:
    # freeze what exists now so that they only scan what the run allocates (−10 %).
    gc.freeze()
    try:
        yield runtime
    finally:
        gc.unfreeze()
        _collect_now_and_then()
        sys.setswitchinterval(switch_interval)
        runtime.close()
        engine.dispose()


_released = itertools.count(1)
COLLECT_EVERY = 25
"""Runs between two full collections in one process."""


def _collect_now_and_then() -> None:
    """A full collection every ``COLLECT_EVERY`` runs of this process. ``gc.unfreeze``
    hands the frozen heap back to the oldest generation, which Python seldom collects:
    on a worker each run is a process of its own, but where runs follow one another in
    one process (a simulated season, the demo) the finished runs' engines and sessions
    waited for a collection for months (a season's peak RSS: 1,359 MB, 670 MB with this;
    each collection ~0.1 s)."""
    if next(_released) % COLLECT_EVERY == 0:
        gc.collect()
