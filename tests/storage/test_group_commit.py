"""Disputes opened at the same moment are committed together, and a group that fails keeps nothing
and sends each save back to its own transaction (storage/group_commit.py)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, event

from bot import opening
from bot.directory import Directory
from bot.moves import Outcome
from bot.upkeep import load_directory
from storage import group_commit
from storage.db import session_factory
from storage.group_commit import GroupedUnitOfWork, NotGrouped
from tests.builders import directory_for
from tests.storage.store_setup import CALENDAR, MONDAY, POLICY, count, new_uow, open_dispute

TABLES = ("disputes", "dispute_people", "dispute_asked", "record_entries", "nudges")


@pytest.fixture
def directory(engine: Engine) -> Directory:
    d = directory_for(POLICY)
    load_directory(d, uow=new_uow(engine))
    open_dispute(engine, key="first")  # the directory read into its cache
    return d


def grouped(engine: Engine, key: str) -> Outcome:
    cmd = opening.OpenDispute(
        raiser="amara.okafor", reference="CSC-2026-0193", category="Criteria for referrals", other_agency="police",
        other_person="dc.jones", problem="The referral was not accepted.", outcome="A strategy discussion.", idempotency_key=key,
    )  # fmt: skip
    return opening.open_dispute(cmd, uow=GroupedUnitOfWork(session_factory(engine)), policy=POLICY, calendar=CALENDAR, now=MONDAY)


@pytest.fixture
def held(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """The first group written waits until `release(n)`, which lets it go once n more saves wait
    beside it (after running `meanwhile`, if given)."""
    go = threading.Event()
    real = group_commit.GroupCommit._write
    calls = 0

    def write(self: group_commit.GroupCommit, group: list[Any]) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert go.wait(10)
        return real(self, group)

    monkeypatch.setattr(group_commit.GroupCommit, "_write", write)
    group = group_commit.group_for(session_factory(engine))

    def release(waiting: int, meanwhile: Callable[[], None] = lambda: None) -> None:
        deadline = time.monotonic() + 10
        while len(group._waiting) < waiting and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(group._waiting) == waiting
        meanwhile()
        go.set()

    yield release
    go.set()


def _all(futures: list[Future]) -> list[Any]:
    out = []
    for f in futures:
        try:
            out.append(f.result(timeout=20))
        except NotGrouped as exc:
            out.append(exc)
    return out


def test_saves_waiting_together_are_written_in_one_transaction_with_all_their_rows(engine: Engine, directory: Directory, held) -> None:
    before = {t: count(engine, t) for t in TABLES}
    one = {t: before[t] for t in TABLES}  # the rows of one dispute: the fixture's first
    commits: list[int] = []
    event.listen(engine, "commit", lambda *a: commits.append(1))
    group = group_commit.group_for(session_factory(engine))
    groups = group.groups
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(grouped, engine, "leader")]
        time.sleep(0.05)  # the leader is writing (held)
        futures += [pool.submit(grouped, engine, f"k{i}") for i in range(5)]
        held(5)
        results = _all(futures)
    assert all(isinstance(r, Outcome) for r in results), results
    assert group.groups - groups == 2 and len(commits) == 2  # the leader alone, then the five together
    assert {t: count(engine, t) for t in TABLES} == {t: before[t] + 6 * one[t] for t in TABLES}


def test_a_taken_key_fails_the_group_keeps_nothing_and_each_save_runs_alone_after(engine: Engine, directory: Directory, held) -> None:
    before = {t: count(engine, t) for t in TABLES}
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(grouped, engine, "leader")]
        time.sleep(0.05)
        futures += [pool.submit(grouped, engine, k) for k in ("new-1", "first", "new-2")]  # "first" is taken
        held(3)
        results = _all(futures)
    assert isinstance(results[0], Outcome)
    assert all(isinstance(r, NotGrouped) for r in results[1:]), results
    assert count(engine, "disputes") == before["disputes"] + 1  # the leader's only
    # the ordinary way, as the front end then runs them: two new disputes and the first one again
    again = [open_dispute(engine, key=k) for k in ("new-1", "first", "new-2")]
    assert [bool(o.events) for o in again] == [True, False, True]
    assert count(engine, "disputes") == before["disputes"] + 3


def test_a_directory_changed_meanwhile_fails_the_group(engine: Engine, directory: Directory, held) -> None:
    before = count(engine, "disputes")
    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(grouped, engine, "leader")]
        time.sleep(0.05)
        futures += [pool.submit(grouped, engine, k) for k in ("a", "b")]
        renamed = {pid: dataclasses.replace(p, name=p.name + " Jr") for pid, p in directory.people.items()}
        # the three have worked out their disputes with the directory as it was; it changes before they are written
        held(2, meanwhile=lambda: load_directory(dataclasses.replace(directory, people=renamed), uow=new_uow(engine)))
        results = _all(futures)
    assert all(isinstance(r, NotGrouped) for r in results), results
    assert count(engine, "disputes") == before


def test_reading_in_a_grouped_unit_of_work_sends_the_caller_the_ordinary_way(engine: Engine, directory: Directory) -> None:
    with GroupedUnitOfWork(session_factory(engine)) as uow, pytest.raises(NotGrouped):
        uow.disputes.by_idempotency_key("first")
    with pytest.raises(NotGrouped):
        grouped(engine, "first")  # a replay: the use case reads the first dispute, which a group cannot
