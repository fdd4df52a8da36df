"""What every flow run needs: settings, configuration, the migrated store, a DS client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connectors.ds import DSClient
from connectors.store.engine import make_engine, make_sessionmaker
from connectors.store.migrate import upgrade_to_head
from eig.config import EigConfig, load_config
from eig.settings import Settings, resolve_ds_token

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    config: EigConfig
    engine: Engine
    sessions: sessionmaker[Session]
    ds: DSClient
    clock: Clock = utc_now


def open_store(database_url: str) -> Engine:
    """An engine on a store brought to the latest migration."""
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    return engine


@contextmanager
def open_runtime(settings: Settings | None = None, clock: Clock = utc_now) -> Iterator[Runtime]:
    settings = settings or Settings()
    config = load_config(settings.config)
    engine = open_store(settings.database_url)
    client = DSClient(
        settings.ds_api_url,
        resolve_ds_token(settings),
        requests_per_minute=config.sync.requests_per_minute,
    )
    try:
        with client:
            yield Runtime(settings, config, engine, make_sessionmaker(engine), client, clock)
    finally:
        engine.dispose()
