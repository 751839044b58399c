"""Replicas starting together all load the same directory file: that is safe, and only the first does anything."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy import Engine

from bot.upkeep import load_directory
from handlers.files import read_policy
from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import directory_for
from tests.databases import another_engine

POLICY = read_policy("bradford")


def _revision(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("select revision from directory_revision where id = 1"))


def test_loading_the_directory_already_stored_changes_nothing(engine: Engine) -> None:
    directory = directory_for(POLICY)
    load_directory(directory, uow=SqlUnitOfWork(session_factory(engine)))
    revision = _revision(engine)
    load_directory(directory, uow=SqlUnitOfWork(session_factory(engine)))
    assert _revision(engine) == revision  # no reload anywhere: nothing changed
    with SqlUnitOfWork(session_factory(engine)) as uow:
        assert uow.directory.load().people.keys() == directory.people.keys()


def test_eight_replicas_loading_the_same_directory_at_once_all_succeed_and_it_is_stored_once(engine: Engine) -> None:
    directory = directory_for(POLICY)
    before = _revision(engine)
    replicas = 8 if engine.dialect.name == "postgresql" else 3
    engines = [another_engine(engine) for _ in range(replicas)]
    start = threading.Barrier(replicas)
    errors: list[BaseException] = []

    def replica(e: Engine) -> None:
        try:
            start.wait()
            load_directory(directory, uow=SqlUnitOfWork(session_factory(e)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []
    assert _revision(engine) == before + 1  # the first stored it; the others found it stored
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from people")) == len(directory.people)
