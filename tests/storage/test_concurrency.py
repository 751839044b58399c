"""Simultaneous moves and opens on PostgreSQL (TEST_DATABASE_URL): one wins, the rest are told who acted."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot import moves
from bot.directory import Directory
from bot.errors import StaleAction
from bot.moves import Escalate, Outcome, ProposeResolution
from bot.upkeep import load_directory
from tests.builders import directory_for
from tests.storage.store_setup import CALENDAR, MONDAY, POLICY, count, new_uow, open_dispute, record_rows, stored


@pytest.fixture
def directory(engine: Engine) -> Directory:
    """The stored directory: csc on Slack, police on Teams, a holder of every Bradford role."""
    d = directory_for(POLICY)
    load_directory(d, uow=new_uow(engine))
    return d


# --- concurrency --------------------------------------------------------------------------------

CONTENDERS = 20


def test_of_twenty_simultaneous_moves_on_one_dispute_exactly_one_wins_and_the_rest_are_told_who_acted(
    engine: Engine, directory: Directory
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer, so there is no race to test; PostgreSQL runs this")
    dispute_id = open_dispute(engine).dispute.id
    for hour in (1, 2):  # the raiser moves it on to the managers' step, where the line managers act
        moves.escalate(
            Escalate(dispute_id=dispute_id, by="amara.okafor", reason="No agreement yet."),
            uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=MONDAY + timedelta(hours=hour),
        )  # fmt: skip
    before = stored(engine, dispute_id)
    assert POLICY.stages[before.stage_index].id == "managers"
    entries_before = record_rows(engine, dispute_id)
    now = MONDAY + timedelta(hours=3)

    def escalate() -> Outcome:
        cmd = Escalate(dispute_id=dispute_id, by="ben.hughes", reason="Needs a service manager.", expected_version=before.version)
        return moves.escalate(cmd, uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=now)

    def propose() -> Outcome:
        cmd = ProposeResolution(
            dispute_id=dispute_id, by="ds.khan", agreed_outcome="Joint visit on Thursday.", expected_version=before.version
        )
        return moves.propose_resolution(cmd, uow=new_uow(engine), now=now)

    barrier = threading.Barrier(CONTENDERS)
    results: list[Outcome | BaseException | None] = [None] * CONTENDERS

    def contend(n: int) -> None:
        move = escalate if n % 2 == 0 else propose
        barrier.wait()
        try:
            results[n] = move()
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted on below
            results[n] = exc

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(CONTENDERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    winners = [r for r in results if isinstance(r, Outcome)]
    losers = [r for r in results if not isinstance(r, Outcome)]
    assert len(winners) == 1, results
    assert all(isinstance(r, StaleAction) for r in losers), [r for r in losers if not isinstance(r, StaleAction)]
    won = winners[0]
    winner = directory.person(won.events[0].actor)
    assert winner is not None
    kinds = {e.kind for e in won.events}
    for refused in losers:
        assert isinstance(refused, StaleAction)
        assert refused.by == winner.name
        assert refused.what in kinds
        assert f"by {winner.name}" in str(refused)

    after = stored(engine, dispute_id)
    assert after.version == before.version + 1
    assert after == won.dispute
    entries_after = record_rows(engine, dispute_id)
    new = entries_after[len(entries_before) :]
    assert entries_after[: len(entries_before)] == entries_before
    assert [(row[2], row[3]) for row in new] == [(e.kind, e.actor) for e in won.events]
    assert [row[1] for row in new] == list(range(len(entries_before) + 1, len(entries_after) + 1))


def test_ten_simultaneous_opens_with_the_same_idempotency_key_open_one_dispute(
    engine: Engine, directory: Directory
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer, so there is no race to test; PostgreSQL runs this")
    barrier = threading.Barrier(10)
    results: list[Outcome | BaseException | None] = [None] * 10

    def contend(n: int) -> None:
        barrier.wait()
        try:
            results[n] = open_dispute(engine, key="slack:T0CSC:view:V0RETRY", now=MONDAY + timedelta(seconds=n))
        except BaseException as exc:  # noqa: BLE001 - every outcome is asserted on below
            results[n] = exc

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert all(isinstance(r, Outcome) for r in results), results
    assert len({r.dispute.id for r in results}) == 1
    assert sum(1 for r in results if r.events) == 1  # only the first to commit recorded anything
    assert count(engine, "disputes") == 1
    assert [row[2] for row in record_rows(engine)] == ["opened", "stage started"]
