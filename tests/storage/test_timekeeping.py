"""The timekeeper on a real database: a fixed clock moved through whole stages.

Times are London wall-clock (tests.builders.at). Bradford's steps are 5 working days each, with
nudges half-way and on the morning of the due day.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import signal
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import due_work, moves, opening, upkeep
from bot.outbox import Delivery, NoNotifier
from bot.policy import Nudge, WhenMissed
from handlers.delivery import RetryLater, Sent, Undeliverable
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.scheduler import Timekeeper
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import OutboxDelivery, QueuedMessage, Thread
from tests.builders import Clock, at, directory_for
from tests.databases import recipe
from tests.fakes import FakeNotifier

BRADFORD = read_policy("bradford")


def keeper(engine, policy=BRADFORD, notifier=None, senders=None, now=None) -> Timekeeper:
    return Timekeeper(
        sessions=session_factory(engine),
        policy=policy,
        calendar=calendar_for(policy),
        clock=Clock(now or at(2026, 11, 2, 10)),
        notifier=notifier or FakeNotifier(),
        senders=senders or {},
    )


def open_dispute(tk: Timekeeper, now: datetime, **changes) -> str:
    upkeep.load_directory(directory_for(tk.policy), uow=tk.uow())
    fields = dict(
        raiser="amara.okafor",
        reference="CSC-2026-0193",
        category=tk.policy.categories[0],
        other_agency="police",
        other_person="dc.jones",
        problem="The referral was closed with no further action.",
        outcome="A strategy discussion this week.",
    )
    cmd = opening.OpenDispute(**{**fields, **changes})
    return opening.open_dispute(
        cmd, uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now, notifier=tk.notifier
    ).dispute.id


def nudges(tk: Timekeeper, dispute_id: str) -> list[tuple[int, str, datetime, str]]:
    with tk.uow() as uow:
        return uow.nudges.for_dispute(dispute_id)


def reminders(tk: Timekeeper) -> list[str]:
    with tk.sessions() as s:
        return list(s.scalars(select(OutboxRow.key).where(OutboxRow.delivery == Delivery.DIRECT.value).order_by(OutboxRow.id)))


def stage_of(tk: Timekeeper, dispute_id: str) -> int:
    with tk.uow() as uow:
        return uow.disputes.get(dispute_id).stage_index


def test_a_stage_plans_its_nudges_half_way_and_on_the_morning_of_the_due_day(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    # 40 working hours to Monday 9 Nov 10:00; half of them have passed at Wednesday 14:00
    assert nudges(tk, d) == [
        (0, "half way", at(2026, 11, 4, 14), "pending"),
        (0, "morning of due day", at(2026, 11, 9, 9), "pending"),
    ]


def test_sweeps_send_each_nudge_once_when_due_and_escalate_at_the_deadline(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    assert tk.run_due_work(at(2026, 11, 4, 13, 59)).nudged == 0
    assert tk.run_due_work(at(2026, 11, 4, 14)).nudged == 1
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 0  # not twice
    # Bradford's step 1 is the raiser reflecting with co-workers: only she is reminded
    assert reminders(tk) == [f"{d}:0:half way:amara.okafor"]
    assert tk.run_due_work(at(2026, 11, 9, 9)).nudged == 1
    report = tk.run_due_work(at(2026, 11, 9, 10))
    assert report.escalated == 1
    assert stage_of(tk, d) == 1
    # step 2's nudges are planned from the moment it started
    assert [n for n in nudges(tk, d) if n[0] == 1] == [
        (1, "half way", at(2026, 11, 11, 14), "pending"),
        (1, "morning of due day", at(2026, 11, 16, 9), "pending"),
    ]


def test_a_server_down_over_a_deadline_escalates_on_start_and_does_not_send_stale_nudges(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    report = tk.run_due_work(at(2026, 11, 10, 11))  # back a day after the deadline
    assert report.escalated == 1
    assert report.nudged == 0
    assert reminders(tk) == []
    assert [n[3] for n in nudges(tk, d) if n[0] == 0] == ["skipped", "skipped"]
    assert stage_of(tk, d) == 1
    # and nothing more on the next sweep
    again = tk.run_due_work(at(2026, 11, 10, 11, 1))
    assert (again.escalated, again.nudged) == (0, 0)


def test_after_an_outage_only_the_latest_due_nudge_of_the_stage_is_sent(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10))
    tk.run_due_work(at(2026, 11, 9, 9, 30))  # both nudges are due; the half-way one is stale
    assert reminders(tk) == [f"{d}:0:morning of due day:amara.okafor"]


def test_a_deadline_on_saturday_is_nudged_on_monday_morning_and_then_once_each_working_day(engine):
    # a "24 hours" stage that reminds and waits, with a nudge at the deadline
    policy = read_policy("specialist-childrens-services")
    stages = list(policy.stages)
    stages[1] = dataclasses.replace(stages[1], when_missed=WhenMissed.REMIND, nudges=(Nudge.AT_DEADLINE,))
    policy = dataclasses.replace(policy, stages=tuple(stages))
    tk = keeper(engine, policy)
    d = open_dispute(tk, at(2026, 11, 5, 10))  # Thursday
    tk.run_due_work(at(2026, 11, 6, 10))  # Friday 10:00: stage 1 missed, stage 2 (24 hours) starts
    assert stage_of(tk, d) == 1
    assert tk.run_due_work(at(2026, 11, 7, 10)).missed == 1  # Saturday: the miss is recorded...
    assert reminders(tk) == []  # ...but nobody is nudged at the weekend
    sunday = tk.run_due_work(at(2026, 11, 8, 12))
    assert sunday.nudged == 0
    monday = tk.run_due_work(at(2026, 11, 9, 9))
    assert monday.nudged == 1  # one reminder, not one for the deadline and another for the overdue
    tk.run_due_work(at(2026, 11, 9, 16))
    tk.run_due_work(at(2026, 11, 10, 9))
    tk.run_due_work(at(2026, 11, 11, 9))
    kinds = [k.split(":")[2] for k in reminders(tk) if k.endswith("ben.hughes")]  # the line manager
    assert kinds == ["overdue 1", "overdue 2", "overdue 3"]


def test_the_urgent_path_nudges_on_its_own_same_day_clock(engine):
    tk = keeper(engine)
    d = open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)
    # due 17:00 the same day: half way through the working time left is 13:30
    # (the morning of the due day is this very morning, before it started, so there is none)
    assert [(n[1], n[2]) for n in nudges(tk, d)] == [("half way", at(2026, 11, 2, 13, 30))]


def test_one_broken_dispute_does_not_stop_the_sweep_and_its_nudge_is_sent_by_the_next(engine):
    tk = keeper(engine, notifier=FakeNotifier(fail_on=1))
    first = open_dispute(tk, at(2026, 11, 2, 10))
    second = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0194")
    report = tk.run_due_work(at(2026, 11, 4, 14))
    assert (report.nudged, report.errors) == (1, 1)
    tk.notifier = FakeNotifier()
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 1
    sent = reminders(tk)
    assert len(sent) == 2 and len(set(sent)) == 2
    assert {k.split(":")[0] for k in sent} == {first, second}


class PoisonNotifier(FakeNotifier):
    """Queues, for one case reference, a message the database cannot store: the kind of bad row
    that makes a whole batch's transaction fail."""

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference

    def _poison(self, dispute, messages):
        if dispute.reference != self.reference:
            return messages
        return [dataclasses.replace(m, payload={"text": object()}) for m in messages]

    def messages_for(self, dispute, events, directory):
        return self._poison(dispute, super().messages_for(dispute, events, directory))

    def reminders_for(self, dispute, nudge, directory):
        return self._poison(dispute, super().reminders_for(dispute, nudge, directory))


def test_a_dispute_the_database_refuses_is_retried_alone_and_the_others_escalate(engine):
    tk = keeper(engine)
    good = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]
    bad = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0666")

    results = due_work.escalate_overdue(
        uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=at(2026, 11, 9, 10), notifier=PoisonNotifier("CSC-2026-0666")
    )

    assert sorted(r.dispute.id for r in results if isinstance(r, moves.Outcome)) == sorted(good)
    assert len([r for r in results if isinstance(r, Exception)]) == 1
    assert [stage_of(tk, d) for d in good] == [1, 1]
    assert stage_of(tk, bad) == 0  # nothing of it was written: it waits for the next sweep
    with tk.uow() as uow:
        assert "escalated" not in [e.kind for e in uow.disputes.record(bad)]
    again = due_work.escalate_overdue(uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=at(2026, 11, 9, 10, 1), notifier=FakeNotifier())
    assert [r.dispute.id for r in again] == [bad] and stage_of(tk, bad) == 1


def test_a_reminder_the_database_refuses_stays_pending_and_the_others_are_sent(engine):
    tk = keeper(engine)
    good = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]
    bad = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0666")

    results = due_work.send_due_nudges(
        uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=at(2026, 11, 4, 14), notifier=PoisonNotifier("CSC-2026-0666")
    )

    sent = [r for r in results if not isinstance(r, Exception)]
    assert sorted(n.dispute_id for n, status in sent if status == due_work.NUDGE_SENT) == sorted(good)
    assert len(results) - len(sent) == 1
    assert {k.split(":")[0] for k in reminders(tk)} == set(good)
    assert [status for _, kind, _, status in nudges(tk, bad) if kind == Nudge.HALF_WAY.value] == ["pending"]
    tk.notifier = FakeNotifier()
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 1
    assert {k.split(":")[0] for k in reminders(tk)} == {*good, bad}


def test_several_sweepers_at_once_send_every_nudge_and_escalation_exactly_once(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    ids = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in range(12)]
    start = threading.Barrier(3)
    reports = []

    def sweeper() -> None:
        mine = keeper(engine, notifier=FakeNotifier())
        start.wait()
        reports.append(mine.run_due_work(at(2026, 11, 4, 14)))

    threads = [threading.Thread(target=sweeper) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.nudged for r in reports) == 12
    assert sum(r.errors for r in reports) == 0
    assert len(reminders(tk)) == 12 == len(set(reminders(tk)))

    reports.clear()
    start = threading.Barrier(3)

    def escalator() -> None:
        mine = keeper(engine, notifier=FakeNotifier())
        start.wait()
        reports.append(mine.run_due_work(at(2026, 11, 9, 10)))

    threads = [threading.Thread(target=escalator) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.escalated for r in reports) == 12
    with tk.uow() as uow:
        for d in ids:
            assert [e.kind for e in uow.disputes.record(d)].count("escalated") == 1


class _HangingNotifier(FakeNotifier):
    """Says when the sweep reaches the reminders, then hangs there until the process is killed."""

    def __init__(self, reached) -> None:
        super().__init__()
        self.reached = reached

    def reminders_for(self, dispute, nudge, directory):
        self.reached.set()
        time.sleep(600)
        raise AssertionError("the test should have killed this sweep")


def _sweep_in_another_process(url: str, engine_kwargs: dict, now: datetime, reached) -> None:
    from storage.db import make_engine

    engine = make_engine(url, **engine_kwargs)
    keeper(engine, notifier=_HangingNotifier(reached)).run_due_work(now)


def test_a_sweep_killed_halfway_leaves_the_rest_for_the_next_which_does_it_once(engine):
    tk = keeper(engine)
    late = [open_dispute(tk, at(2026, 11, 2, 10), reference=f"CSC-2026-{i:04d}") for i in (1, 2)]  # due Mon 9 Nov 10:00
    halfway = [open_dispute(tk, at(2026, 11, 4, 10), reference=f"CSC-2026-{i:04d}") for i in (3, 4)]  # half-way Fri 6 Nov 14:00
    now = at(2026, 11, 9, 10)

    context = multiprocessing.get_context("spawn")
    reached = context.Event()
    url, kwargs = recipe(engine)
    sweeper = context.Process(target=_sweep_in_another_process, args=(url, kwargs, now, reached))
    sweeper.start()
    try:
        assert reached.wait(60), "the other sweep never reached the reminders"
    finally:
        sweeper.kill()
        sweeper.join(10)
    assert sweeper.exitcode == -signal.SIGKILL

    # Killed after committing the escalations and while working on the reminders.
    assert [stage_of(tk, d) for d in late] == [1, 1]
    assert all(status == "pending" for d in halfway for _, _, _, status in nudges(tk, d))
    assert reminders(tk) == []

    report = tk.run_due_work(now + timedelta(minutes=1))
    assert (report.escalated, report.nudged, report.errors) == (0, 2, 0)
    assert {k.split(":")[0] for k in reminders(tk)} == set(halfway)
    assert len(reminders(tk)) == len(set(reminders(tk)))
    with tk.uow() as uow:
        for d in late:
            assert [e.kind for e in uow.disputes.record(d)].count("escalated") == 1


# --- delivery -----------------------------------------------------------------------------------


class FlakySender:
    """Answers like a platform that rate-limits, then fails, then recovers."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.delivered: list[tuple[str, str | None]] = []

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append((message.key, thread.root_id if thread else None))
        return Sent(message_id=f"ts-{len(self.delivered)}", channel="C0THREADS")


def queue(tk: Timekeeper, *messages) -> None:
    with tk.uow() as uow:
        uow.outbox.add(list(messages), at(2026, 11, 2, 10))
        uow.commit()


def _msg(key: str, delivery: Delivery = Delivery.DIRECT, dispute_id: str | None = None):
    from bot.outbox import OutgoingMessage

    return OutgoingMessage(key=key, platform="slack", workspace="T0CSC", delivery=delivery, target="U1", payload={"text": key}, dispute_id=dispute_id)


def test_a_rate_limit_then_an_outage_delays_a_message_but_it_arrives_once(engine):
    sender = FlakySender([RetryLater("429 ratelimited", seconds=30), RetryLater("500 internal error")])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("hello"))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    assert asyncio.run(_deliver(outbox, sender, t0))["retried"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=29)))["retried"] == 0  # Retry-After honoured
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=30)))["retried"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=5)))["sent"] == 1
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=10)))["sent"] == 0
    assert sender.delivered == [("hello", None)]
    assert outbox.counts() == {"sent": 1}


def test_replies_wait_for_their_thread_root_and_go_under_it(engine):
    sender = FlakySender([RetryLater("500")])
    tk = keeper(engine, senders={"slack": sender}, notifier=NoNotifier())
    d = open_dispute(tk, at(2026, 11, 2, 10))
    queue(tk, _msg("root", Delivery.THREAD_ROOT, d), _msg("reply", Delivery.THREAD_REPLY, d))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    first = asyncio.run(_deliver(outbox, sender, t0))
    assert (first["retried"], first["waiting"]) == (1, 1)
    asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=1)))
    asyncio.run(_deliver(outbox, sender, t0 + timedelta(minutes=2)))
    root_keys = [k for k, _ in sender.delivered]
    assert root_keys[:1] == ["root"]
    assert ("reply", "ts-1") in sender.delivered


def test_a_message_the_platform_refuses_is_kept_as_failed_never_dropped(engine):
    sender = FlakySender([Undeliverable("channel_not_found")])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("lost?"))
    outbox = OutboxDelivery(tk.sessions)
    assert asyncio.run(_deliver(outbox, sender, at(2026, 11, 2, 10)))["failed"] == 1
    assert outbox.counts() == {"failed": 1}


def test_a_message_that_keeps_failing_for_hours_is_kept_as_failed_and_listed_for_admins(engine):
    from handlers.delivery import MAX_ATTEMPTS
    from storage.admin import failed_messages

    sender = FlakySender([RetryLater("HTTP 503")] * (MAX_ATTEMPTS + 5))
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("down for hours"))
    outbox = OutboxDelivery(tk.sessions)
    moment = at(2026, 11, 2, 10)
    tallies = []
    for _ in range(MAX_ATTEMPTS + 2):
        tallies.append(asyncio.run(_deliver(outbox, sender, moment)))
        moment += timedelta(minutes=16)  # past the longest backoff
    assert sum(t["retried"] for t in tallies) == MAX_ATTEMPTS - 1
    assert sum(t["failed"] for t in tallies) == 1
    assert outbox.counts() == {"failed": 1}
    [failed] = failed_messages(tk.sessions)
    assert failed.attempts == MAX_ATTEMPTS and f"gave up after {MAX_ATTEMPTS} attempts" in failed.error
    assert sender.delivered == []


def test_a_sender_that_died_mid_send_leaves_its_claim_to_expire_and_the_message_is_sent_later(engine):
    sender = FlakySender([])
    tk = keeper(engine, senders={"slack": sender})
    queue(tk, _msg("claimed"))
    outbox = OutboxDelivery(tk.sessions)
    t0 = at(2026, 11, 2, 10)
    assert [m.key for m in outbox.claim_due(t0)] == ["claimed"]  # and then the process died
    assert outbox.claim_due(t0 + timedelta(seconds=30)) == []  # still claimed
    assert asyncio.run(_deliver(outbox, sender, t0 + timedelta(seconds=61)))["sent"] == 1
    assert sender.delivered == [("claimed", None)]


async def _deliver(outbox, sender, now):
    from handlers.delivery import deliver_due

    return await deliver_due(outbox, {"slack": sender}, now=now)


def test_the_whole_sweep_runs_from_the_scheduler_entry_point(engine):
    sender = FlakySender([])
    tk = keeper(engine, senders={"slack": sender}, now=at(2026, 11, 4, 14))
    open_dispute(tk, at(2026, 11, 2, 10))
    report = asyncio.run(tk.sweep())
    assert report.nudged == 1
    assert report.delivery["sent"] >= 2  # the two reminders (and the thread lines) were delivered
    with tk.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")) == 0


def test_leads_get_one_morning_digest_per_working_day_listing_everything_waiting_on_them(engine):
    policy = dataclasses.replace(BRADFORD, digest=True)
    tk = keeper(engine, policy)
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)  # step 3: line managers and leads
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True, reference="CSC-2026-0194")
    open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0195")  # step 1: the raiser only, no lead
    assert tk.run_due_work(at(2026, 11, 2, 8, 30)).digests == 0  # before working hours
    report = tk.run_due_work(at(2026, 11, 2, 11))
    leads = {"ben.hughes", "csc.safeguarding_lead", "ds.khan", "police.safeguarding_lead"}
    assert report.digests == len(leads)
    assert tk.run_due_work(at(2026, 11, 2, 15)).digests == 0  # once a day
    with tk.sessions() as s:
        rows = {r.target: r.payload["text"] for r in s.scalars(select(OutboxRow).where(OutboxRow.key.like("digest:%")))}
    assert set(rows) == leads
    assert rows["ben.hughes"].splitlines() == ["CSC-2026-0193", "CSC-2026-0194"]
    assert tk.run_due_work(at(2026, 11, 7, 10)).digests == 0  # Saturday
    assert tk.run_due_work(at(2026, 11, 9, 9, 5)).digests >= 1  # Monday


def test_no_digest_when_the_policy_does_not_ask_for_one(engine):
    tk = keeper(engine)
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True)
    assert tk.run_due_work(at(2026, 11, 2, 11)).digests == 0


# --- no reminder for a stage that has ended ----------------------------------------------------------


def _escalate(tk: Timekeeper, dispute_id: str, now: datetime, uow=None):
    return moves.escalate(
        moves.Escalate(dispute_id=dispute_id, by="amara.okafor", reason="No reply."),
        uow=uow or tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now, notifier=tk.notifier,
    )


def test_the_move_that_ends_a_stage_skips_that_stages_pending_reminders_in_its_own_transaction(engine):
    tk = keeper(engine)
    escalated = open_dispute(tk, at(2026, 11, 2, 10))
    withdrawn = open_dispute(tk, at(2026, 11, 2, 10), reference="CSC-2026-0194")
    _escalate(tk, escalated, at(2026, 11, 3, 10))
    moves.withdraw(
        moves.Withdraw(dispute_id=withdrawn, by="amara.okafor", reason="Sorted."), uow=tk.uow(), now=at(2026, 11, 3, 10)
    )
    assert {status for stage, _, _, status in nudges(tk, escalated) if stage == 0} == {"skipped"}
    assert {status for stage, _, _, status in nudges(tk, escalated) if stage == 1} == {"pending"}
    assert {status for _, _, _, status in nudges(tk, withdrawn)} == {"skipped"}
    assert tk.run_due_work(at(2026, 11, 4, 14)).nudged == 0  # step 1's half-way reminder is not sent
    assert reminders(tk) == []


class _SlowReminders(FakeNotifier):
    """Holds the sweep between reading a dispute and queuing its reminder, as a slow sweep would."""

    def __init__(self, reached: threading.Event, release: threading.Event) -> None:
        super().__init__()
        self.reached, self.release = reached, release

    def reminders_for(self, dispute, nudge, directory):
        self.reached.set()
        assert self.release.wait(30)
        return super().reminders_for(dispute, nudge, directory)


def _message_ids(tk: Timekeeper, dispute_id: str) -> tuple[list[int], list[int]]:
    with tk.sessions() as s:
        rows = list(s.scalars(select(OutboxRow).where(OutboxRow.dispute_id == dispute_id).order_by(OutboxRow.id)))
    return [r.id for r in rows if r.delivery == Delivery.DIRECT.value], [r.id for r in rows if r.payload.get("text") == "escalated"]


def test_a_click_that_escalates_while_the_sweep_queues_a_reminder_is_told_after_the_reminder_never_before(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    reached, release = threading.Event(), threading.Event()
    slow = keeper(engine, notifier=_SlowReminders(reached, release))
    sweep = threading.Thread(target=slow.run_due_work, args=(at(2026, 11, 4, 14),))
    sweep.start()
    assert reached.wait(30)  # the sweep has read the dispute at step 1 and is queuing its reminder
    click = threading.Thread(target=_escalate, args=(tk, dispute_id, at(2026, 11, 4, 14)))
    click.start()
    click.join(timeout=1)  # the escalation can't commit while the sweep holds the dispute
    release.set()
    sweep.join(30)
    click.join(30)
    assert stage_of(tk, dispute_id) == 1
    reminder_ids, escalation_ids = _message_ids(tk, dispute_id)
    assert escalation_ids
    assert all(r < e for r in reminder_ids for e in escalation_ids)  # nobody reads a reminder after "escalated"


class _HeldCommit:
    """A unit of work whose commit waits until the test lets it go (a move holding its locks)."""

    def __init__(self, inner, moved: threading.Event, release: threading.Event) -> None:
        self.inner, self.moved, self.release = inner, moved, release

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)

    def commit(self) -> None:
        self.moved.set()
        assert self.release.wait(30)
        self.inner.commit()


def test_a_sweep_that_meets_a_dispute_being_escalated_queues_no_reminder_for_the_stage_it_leaves(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL deployment; SQLite serialises them")
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    moved, release = threading.Event(), threading.Event()
    click = threading.Thread(target=_escalate, args=(tk, dispute_id, at(2026, 11, 4, 14), _HeldCommit(tk.uow(), moved, release)))
    click.start()
    assert moved.wait(30)  # escalated, its stage's reminders skipped, not yet committed
    report = tk.run_due_work(at(2026, 11, 4, 14))
    assert report.nudged == 0 and report.errors == 0  # the dispute is being moved: its reminder waits
    release.set()
    click.join(30)
    assert tk.run_due_work(at(2026, 11, 4, 14, 1)).nudged == 0
    assert _message_ids(tk, dispute_id)[0] == []
    assert {status for stage, _, _, status in nudges(tk, dispute_id) if stage == 0} == {"skipped"}
