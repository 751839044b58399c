"""Replicas starting together each keep the workspace their start-up check saw: none fails for it."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from sqlalchemy import Engine

from storage.db import session_factory
from storage.gates import PlatformChecks
from tests.databases import another_engine

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


def test_a_later_check_replaces_the_one_kept(engine: Engine) -> None:
    checks = PlatformChecks(session_factory(engine))
    checks.remember("slack", "T0OLD", {"team": "Old"}, NOW)
    checks.remember("slack", "T0CSC", {"team": "Children's Social Care"}, NOW)
    row = checks.last("slack")
    assert row is not None and (row.workspace, row.detail) == ("T0CSC", {"team": "Children's Social Care"})


def test_replicas_keeping_their_first_check_at_once_all_succeed(engine: Engine) -> None:
    replicas = 8 if engine.dialect.name == "postgresql" else 3
    engines = [another_engine(engine) for _ in range(replicas)]
    start = threading.Barrier(replicas)
    errors: list[BaseException] = []

    def replica(e: Engine) -> None:
        try:
            start.wait()
            PlatformChecks(session_factory(e)).remember("slack", "T0CSC", {"team": "Children's Social Care"}, NOW)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in engines:
        e.dispose()
    assert errors == []  # a merge (read, then insert) let two replicas insert: duplicate key, and a serve exited
    row = PlatformChecks(session_factory(engine)).last("slack")
    assert row is not None and row.workspace == "T0CSC"
