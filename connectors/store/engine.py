"""Engine and sessions for the store (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _json_dumps(value: object) -> str:
    return orjson.dumps(value).decode()


# Raw DS payloads are large JSON documents: orjson (de)serialises them several times faster.
JSON_OPTIONS = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, foreign keys and a busy timeout (flows and CLI share it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **JSON_OPTIONS)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
            # Démarches are synced in parallel threads. A deferred transaction that reads
            # then writes fails at once ("database is locked") if another thread wrote in
            # between; taking the write lock up front makes it wait its turn instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **JSON_OPTIONS)


def make_sessionmaker(engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``info`` is shared by every session they open (e.g. the
    run's tally of recorded effects)."""
    return sessionmaker(engine, expire_on_commit=False, info=info)


@contextmanager
def store_sessions(url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the store at ``url`` for one command; the engine is disposed after."""
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
