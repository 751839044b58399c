"""Fixtures for the record tests: a database with one whole lifecycle on it, and the CLI pointed at it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.databases import recipe
from tests.record.scenario import Lifecycle, run_lifecycle


def url_of(engine: Engine) -> str:
    """A DATABASE_URL that reaches the same database (and PostgreSQL schema) as `engine`."""
    url, kwargs = recipe(engine)
    options = kwargs.get("connect_args", {}).get("options")
    return f"{url}?options={options.replace('=', '%3D')}" if options else url


@pytest.fixture
def lifecycle(engine: Engine) -> Lifecycle:
    return run_lifecycle(SqlUnitOfWork(session_factory(engine)))


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """`app.main` runs against the test database, under the LSCB procedure, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url_of(engine))
    monkeypatch.setenv("PARLEY_POLICY", "lscb")
    for name in ("PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
