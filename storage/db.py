"""Engines, sessions and migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage import sqlite_writes

MIGRATIONS = Path(__file__).parent / "migrations"


class NotMigrated(RuntimeError):
    """The database schema is missing or older than this version of Parley."""


def _json_text(value: Any) -> str:
    """A JSON column's text: orjson writes it several times faster than the json module, which matters when
    a Monday's sweep queues thousands of messages (bench/sweep.py); keys that aren't strings become strings, as
    json.dumps makes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so the web server and scheduler can share it,
    and its writers queue in the process (storage/sqlite_writes.py). JSON columns are read and written with orjson."""
    kwargs = {"json_serializer": _json_text, "json_deserializer": orjson.loads, **kwargs}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "factory": sqlite_writes.Connection}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema up to date (`app.py db upgrade`)."""
    command.upgrade(_alembic_config(engine), "head")


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()  # type: ignore[arg-type,return-value]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_migrated(engine: Engine) -> None:
    """Raise NotMigrated, with what to run, unless the schema is at the latest revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no Parley tables yet" if current is None else f"is at revision {current}, not {head}"
        raise NotMigrated(f"The database {state}. Run `python app.py db upgrade` (or `make run`, which does it for you).")


