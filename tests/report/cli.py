"""Run `python app.py ...` in-process against a test database (the PostgreSQL schema too)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import Engine

import app
from tests.databases import recipe


def database_url(engine: Engine) -> str:
    url, kwargs = recipe(engine)
    options = kwargs.get("connect_args", {}).get("options")
    return f"{url}?options={quote(options)}" if options else url


def run_cli(engine: Engine, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url(engine))
    monkeypatch.setenv("PARLEY_POLICY", "bradford")
    return app.main(list(argv))
