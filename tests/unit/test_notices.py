"""The timekeeper's notices (bot/notices.py): changes saved first, told just after, in order, each once."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import timedelta

import pytest

import bot.learning
import bot.retention
from bot import due_work, event_codec, events, moves, notices
from bot.events import Event
from tests.fakes import FakeNotifier, FakeUnitOfWork
from tests.unit.dispute_setup import CALENDAR, MONDAY, POLICY, directory, open_one

# --- events as JSON and back --------------------------------------------------------------------


def _every_kind() -> list[type[Event]]:
    found, todo = [], list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return sorted(found, key=lambda c: c.kind)


def _sample(hint, n: int):
    """A value of type `hint`, different for each field (`n`)."""
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        return _sample(next(a for a in typing.get_args(hint) if a is not type(None)), n)
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return (_sample(args[0], n), _sample(args[0], n + 1))
        return tuple(_sample(a, n + i) for i, a in enumerate(args))
    if hint is bool:
        return n % 2 == 0
    if hint is int:
        return n
    if hint is typing.Any or hint is str:
        return f"text {n}: ‘quoted’ – 5 < 6"
    if hint.__name__ == "datetime":
        return MONDAY + timedelta(hours=n, microseconds=n)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return list(hint)[n % len(hint)]
    raise AssertionError(f"no sample for {hint}")


KINDS = _every_kind()


def test_every_kind_of_event_is_known() -> None:
    assert {c.__module__ for c in KINDS} == {events.__name__, bot.learning.__name__, bot.retention.__name__}
    assert len({c.kind for c in KINDS}) == len(KINDS) >= 16


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.kind)
def test_an_event_read_back_is_the_event_written(cls: type[Event]) -> None:
    hints = typing.get_type_hints(cls)
    fields = {f.name: _sample(hints[f.name], n) for n, f in enumerate(dataclasses.fields(cls)) if f.name not in ("dispute_id", "at", "actor")}
    event = cls(dispute_id="d1", at=MONDAY, actor="amara", **fields)
    assert event_codec.decode("d1", event_codec.encode(event)) == event
    parley = cls(dispute_id="d1", at=MONDAY, actor=None, **fields)  # Parley acting on its own
    assert event_codec.decode("d1", event_codec.encode(parley)) == parley


# --- told after the change, in order --------------------------------------------------------------


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(directory())


def _keys(uow: FakeUnitOfWork) -> list[str]:
    return [m.key for m in uow.outbox.messages]


def test_the_sweep_saves_the_escalation_and_tells_it_after_with_the_keys_of_the_version_it_left(uow) -> None:
    dispute = open_one(uow).dispute
    opened = len(uow.outbox.messages)
    [moved] = due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline, notifier=FakeNotifier())
    assert uow.disputes.get(dispute.id).stage_index == 1
    assert len(uow.outbox.messages) == opened  # saved, not yet told
    [told] = due_work.tell(uow=uow, notifier=FakeNotifier(), now=dispute.deadline)
    assert isinstance(told, int)
    new = _keys(uow)[opened:]
    assert new == [f"{dispute.id}:v{dispute.version}:{i}:{e.kind}" for i, e in enumerate(moved.events)]  # type: ignore[union-attr]
    assert due_work.tell(uow=uow, notifier=FakeNotifier(), now=dispute.deadline) == []


def test_a_move_on_a_dispute_with_an_untold_escalation_tells_it_first(uow) -> None:
    dispute = open_one(uow).dispute
    due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline)
    opened = len(uow.outbox.messages)
    moves.add_note(moves.AddNote(dispute_id=dispute.id, by="amara", text="Called again."), uow=uow, now=dispute.deadline, notifier=FakeNotifier())
    kinds = [k.split(":")[-1] for k in _keys(uow)[opened:]]
    assert kinds == ["escalated", "stage started", "note"]
    assert uow.notices.pending(10) == []
    assert due_work.tell(uow=uow, notifier=FakeNotifier(), now=dispute.deadline) == []  # told once


def test_a_reminder_for_a_stage_the_dispute_has_left_is_dropped(uow) -> None:
    dispute = open_one(uow).dispute
    first_stage = uow.disputes.get(dispute.id)
    due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline)
    due_work.tell(uow=uow, notifier=FakeNotifier(), now=dispute.deadline)
    opened = len(uow.outbox.messages)
    uow.notices.add([notices.of_reminder(first_stage, "half way")], dispute.deadline)
    assert due_work.tell(uow=uow, notifier=FakeNotifier(), now=dispute.deadline) != []
    assert _keys(uow)[opened:] == [] and uow.notices.pending(10) == []


def test_a_notice_that_cannot_be_told_never_stops_a_move_and_is_reported_by_the_sweep(uow) -> None:
    dispute = open_one(uow).dispute
    held = uow.disputes.get(dispute.id)
    uow.notices.add([notices.of_reminder(held, "half way"), notices.of_reminder(held, "morning of due day")], MONDAY)
    broken = FakeNotifier(fail_on=1)
    moves.add_note(moves.AddNote(dispute_id=dispute.id, by="amara", text="Called again."), uow=uow, now=MONDAY, notifier=broken)
    assert "Called again." in [e.details.get("text") for e in uow.disputes.record(dispute.id)]
    assert [n.nudge for n in uow.notices.pending(10)] == ["half way", "morning of due day"]  # kept for the sweep, in order
    [later] = [n for n in uow.notices.pending(10) if n.nudge == "morning of due day"]
    uow.notices.delete([later.id])  # the rest of this test follows the first one alone
    for attempt in range(notices.MAX_ATTEMPTS):
        [error] = due_work.tell(uow=uow, notifier=FakeNotifier(fail_on=1), now=MONDAY)
        assert isinstance(error, RuntimeError), attempt
    assert due_work.tell(uow=uow, notifier=FakeNotifier(fail_on=1), now=MONDAY) == []
    assert uow.notices.pending(10) == []  # given up on after MAX_ATTEMPTS, and kept for whoever looks
    assert len(uow.notices.rows) == 1


def test_the_sweeps_next_change_tells_the_last_one_first_so_the_thread_stays_in_order(uow) -> None:
    dispute = open_one(uow).dispute
    opened = len(uow.outbox.messages)
    due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=dispute.deadline)  # not told: no notifier ran
    later = uow.disputes.get(dispute.id).deadline
    due_work.escalate_overdue(uow=uow, policy=POLICY, calendar=CALENDAR, now=later, notifier=FakeNotifier())
    assert [k.split(":")[1] for k in _keys(uow)[opened:]] == [f"v{dispute.version}"] * 2  # the first escalation, told by the second
    assert len(uow.notices.pending(10)) == 1
    due_work.tell(uow=uow, notifier=FakeNotifier(), now=later)
    assert [k.split(":")[1] for k in _keys(uow)[opened:]] == [f"v{dispute.version}"] * 2 + [f"v{dispute.version + 1}"] * 2
