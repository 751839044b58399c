"""The same test database reached again, as another server process would reach it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from storage.db import make_engine


def recipe(engine: Engine) -> tuple[str, dict[str, Any]]:
    """(url, make_engine keyword arguments) that reach the database (and PostgreSQL schema) `engine` uses."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url, {}
    with engine.connect() as conn:
        schema = conn.scalar(sa.text("select current_schema()"))
    return url, {"connect_args": {"options": f"-csearch_path={schema}"}}


def another_engine(engine: Engine) -> Engine:
    url, kwargs = recipe(engine)
    return make_engine(url, **kwargs)
