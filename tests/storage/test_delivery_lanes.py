"""A delivery pass sends to several conversations at once and each conversation's messages in order,
one at a time; an update in place that a newer one supersedes costs no call; the pacing gates
hold a conversation to its rate, with a burst where the platform's long-run limit allows one."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.outbox import Delivery, OutgoingMessage
from handlers.delivery import Sent, deliver_due
from storage.db import session_factory
from storage.gates import DeliveryGates
from storage.lanes import WINDOW, Gate, Lane
from storage.models import OutboxRow
from storage.outbox import SENT, OutboxDelivery, QueuedMessage, Thread
from storage.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 11, 2, 10, tzinfo=timezone.utc)


def _queue(engine, messages: list[tuple[str, Delivery, str, dict]]) -> None:
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.outbox.add([OutgoingMessage(key, "slack", "T1", delivery, target, payload) for key, delivery, target, payload in messages], T0)
        uow.commit()


def _dm(key: str, user: str) -> tuple[str, Delivery, str, dict]:
    return (key, Delivery.DIRECT, user, {"text": key})


def test_a_claim_takes_the_oldest_lane_and_passes_over_the_busy_ones(engine) -> None:
    _queue(engine, [_dm("a1", "UA"), _dm("b1", "UB"), _dm("a2", "UA"), _dm("c1", "UC"), _dm("b2", "UB")])
    outbox = OutboxDelivery(session_factory(engine))
    first = outbox.claim_lane(T0, limit=5, lease=timedelta(seconds=60))
    assert [m.key for m in first] == ["a1", "a2"]  # the oldest message's conversation, in order, and only it
    busy = {Lane("slack", "T1", "UA", False), Lane("slack", "T1", "UB", False)}
    assert [m.key for m in outbox.claim_lane(T0, limit=5, lease=timedelta(seconds=60), busy=busy)] == ["c1"]
    assert [m.key for m in outbox.claim_lane(T0, limit=1, lease=timedelta(seconds=60))] == ["b1"]  # at most `limit`
    assert outbox.claim_lane(T0, limit=5, lease=timedelta(seconds=60), busy={Lane("slack", "T1", "UB", False)}) == []


def test_a_claim_finds_a_free_lane_behind_more_due_messages_of_busy_lanes_than_it_first_reads(engine) -> None:
    crowd = WINDOW + 6  # more due messages of the busy lanes than the claim's first read takes in
    _queue(engine, [_dm(f"a{i}", "UA" if i % 2 else "UB") for i in range(crowd)] + [_dm("c1", "UC"), _dm("a-late", "UA")])
    outbox = OutboxDelivery(session_factory(engine))
    busy = {Lane("slack", "T1", "UA", False), Lane("slack", "T1", "UB", False)}
    assert [m.key for m in outbox.claim_lane(T0, limit=5, lease=timedelta(seconds=60), busy=busy)] == ["c1"]
    assert outbox.claim_lane(T0, limit=5, lease=timedelta(seconds=60), busy=busy | {Lane("slack", "T1", "UC", False)}) == []
    updates = {Lane("slack", "T1", "UB", True)}  # a conversation's updates in place are a lane of their own: its posts are free
    assert [m.key for m in outbox.claim_lane(T0, limit=2, lease=timedelta(seconds=60), busy=updates)] == ["a0", "a2"]


class Recording:
    """Answers after a moment, noting what was in flight at once."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.flying: Counter[str] = Counter()
        self.most_at_once = 0
        self.most_per_target = 0

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        self.flying[message.target] += 1
        self.most_at_once = max(self.most_at_once, sum(self.flying.values()))
        self.most_per_target = max(self.most_per_target, self.flying[message.target])
        await asyncio.sleep(0.01)
        self.order.append(message.key)
        self.flying[message.target] -= 1
        return Sent(f"ts-{message.key}", message.target)


def test_a_pass_sends_to_several_conversations_at_once_and_to_each_in_order(engine) -> None:
    users = [f"U{i}" for i in range(6)]
    _queue(engine, [_dm(f"{u}:{n}", u) for n in range(3) for u in users])
    platform = Recording()
    tally = asyncio.run(deliver_due(OutboxDelivery(session_factory(engine)), {"slack": platform}, now=T0, limit=100, lanes=4))
    assert tally["sent"] == 18 and sorted(platform.order) == sorted(f"{u}:{n}" for n in range(3) for u in users)
    assert platform.most_per_target == 1 < platform.most_at_once <= 4
    for u in users:
        assert [k for k in platform.order if k.startswith(f"{u}:")] == [f"{u}:0", f"{u}:1", f"{u}:2"]


def test_an_update_in_place_that_a_newer_one_supersedes_is_settled_without_a_call(engine) -> None:
    sessions = session_factory(engine)
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(
            [
                OutgoingMessage(f"d1:v{v}:root", "slack", "T1", Delivery.ROOT_UPDATE, "C1", {"text": f"v{v}"}, dispute_id="d1")
                for v in (1, 2)
            ],
            T0,
        )
        uow.commit()
    outbox = OutboxDelivery(sessions)
    outbox.thread = lambda dispute_id, platform, workspace: Thread(dispute_id, platform, workspace, "C1", "1.0", {})  # type: ignore[method-assign]
    platform = Recording()
    tally = asyncio.run(deliver_due(outbox, {"slack": platform}, now=T0, limit=10))
    assert platform.order == ["d1:v2:root"]
    assert (tally["sent"], tally["superseded"]) == (1, 1)
    with sessions() as s:
        rows = {r.key: r for r in s.scalars(select(OutboxRow))}
    assert {r.status for r in rows.values()} == {SENT}
    assert rows["d1:v1:root"].last_error == "not sent: superseded by d1:v2:root"


def test_a_gate_holds_a_conversation_to_its_interval(engine) -> None:
    gates = DeliveryGates(session_factory(engine))
    slots = [gates.reserve("slack", pause="workspace:T1", paces=[Gate("C1", timedelta(seconds=1))], now=T0, max_wait=timedelta(seconds=5))]
    slots += [gates.reserve("slack", pause="workspace:T1", paces=[Gate("C1", timedelta(seconds=1))], now=T0, max_wait=timedelta(seconds=5))]
    assert [(s.taken, s.at) for s in slots] == [(True, T0), (True, T0 + timedelta(seconds=1))]


def test_a_gate_with_a_burst_lets_that_many_go_at_once_then_holds_them_to_its_rate(engine) -> None:
    gates = DeliveryGates(session_factory(engine))
    gate = Gate("sustained:C1", timedelta(seconds=1), burst=timedelta(seconds=3))

    def reserve(now: datetime):
        return gates.reserve("teams", pause="workspace:T1", paces=[gate], now=now, max_wait=timedelta(0))

    assert [reserve(T0).taken for _ in range(5)] == [True, True, True, True, False]  # burst / interval + 1
    assert reserve(T0 + timedelta(seconds=1)).taken and not reserve(T0 + timedelta(seconds=1)).taken
