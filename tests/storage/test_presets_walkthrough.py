"""Each of the five presets walked end to end on a real database, from a fixed start.

The expected deadlines are worked out by hand from each source's timescales, starting on
Monday 2 November 2026 at 10:00 London time (GMT, so also 10:00 UTC), with every stage left to
run out so that Parley escalates it automatically.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot import due_work, moves, upkeep
from bot.directory import PARTNERSHIP
from bot.dispute import Status, sides_to_confirm
from bot.nudges import OVERDUE
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.models import OutboxRow
from tests.builders import directory_for, open_raised
from tests.fakes import FakeNotifier

UTC = timezone.utc
START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _d(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


EXPECTED_DEADLINES = {
    # six steps, each within 5 working days
    "bradford": [_d(9, 10), _d(16, 10), _d(23, 10), _d(30, 10), _d(7, 10, 12), _d(14, 10, 12)],
    # workers escalate the same working day; later tiers take Parley's 5-working-day default
    "lscb": [_d(2, 17), _d(9, 17), _d(16, 17), _d(23, 17)],
    # one working day to talk, then 5-working-day defaults
    "northamptonshire": [_d(3, 10), _d(10, 10), _d(17, 10), _d(24, 10), _d(1, 10, 12)],
    # one working day to talk, line managers within 24 (clock) hours, then defaults
    "specialist-childrens-services": [_d(3, 10), _d(4, 10), _d(11, 10), _d(18, 10), _d(25, 10)],
    # the diagram with the timescales is missing: 5-working-day defaults throughout
    "hips": [_d(9, 10), _d(16, 10), _d(23, 10), _d(30, 10)],
}


def _open(uow, policy, calendar, *, immediate_risk: bool = False) -> moves.Outcome:
    return open_raised(
        policy,
        uow=uow,
        calendar=calendar,
        now=START,
        problem="The referral was closed with no further action.",
        cause="Different reading of the threshold document.",
        discussed=True,
        immediate_risk=immediate_risk,
    )


@pytest.mark.parametrize("preset", sorted(EXPECTED_DEADLINES))
def test_each_preset_walks_every_stage_to_a_resolution_both_parties_confirm(uow, preset):
    policy = read_policy(preset)
    calendar = calendar_for(policy)
    upkeep.load_directory(directory_for(policy), uow=uow)
    dispute = _open(uow, policy, calendar).dispute

    deadlines = [dispute.deadline]
    for stage_index in range(1, len(policy.stages)):
        results = list(due_work.escalate_overdue(uow=uow, policy=policy, calendar=calendar, now=deadlines[-1]))
        assert [type(r).__name__ for r in results] == ["Outcome"], results
        dispute = results[0].dispute  # type: ignore[union-attr]
        assert dispute.stage_index == stage_index
        assert dispute.routing.assignees, f"nobody asked at {policy.stages[stage_index].id}"
        deadlines.append(dispute.deadline)
    assert deadlines == EXPECTED_DEADLINES[preset]

    # at the last stage, someone asked to act proposes; every party side still needed confirms
    last = dispute.routing.assignees[0].person_id
    proposed = moves.propose_resolution(
        moves.ProposeResolution(
            dispute_id=dispute.id,
            by=last,
            agreed_outcome="A strategy discussion on Thursday.",
            outstanding_issues="Police to share the incident log.",
            learning_points="Threshold guidance is unclear on neglect.",
        ),
        uow=uow,
        now=deadlines[-1],
    ).dispute
    for side in sides_to_confirm(proposed):
        by = "amara.okafor" if side == "raiser" else "dc.jones"
        moves.confirm_resolution(
            moves.ConfirmResolution(dispute_id=dispute.id, by=by, statement="I agree this outcome."),
            uow=uow,
            policy=policy,
            now=deadlines[-1],
        )

    with uow:
        final = uow.disputes.get(dispute.id)
        record = uow.disputes.record(dispute.id)
    assert final.status is Status.RESOLVED
    assert {c.side for c in final.confirmations} == {"raiser", "other"}
    kinds = [e.kind for e in record]
    assert kinds.count("escalated") == len(policy.stages) - 1
    assert kinds.count("stage started") == len(policy.stages)
    assert kinds[-1] == "resolved"
    assert [e.seq for e in record] == list(range(1, len(record) + 1))


@pytest.mark.parametrize("preset", sorted(EXPECTED_DEADLINES))
def test_each_preset_sends_immediate_risk_to_its_urgent_stage_due_the_same_working_day(uow, preset):
    policy = read_policy(preset)
    calendar = calendar_for(policy)
    upkeep.load_directory(directory_for(policy), uow=uow)
    dispute = _open(uow, policy, calendar, immediate_risk=True).dispute
    assert dispute.stage_index == policy.stage_index(policy.urgent.starts_at)
    assert dispute.deadline == _d(2, 17)
    # missed: the next stage is due by the end of the next working day
    moved = next(iter(due_work.escalate_overdue(uow=uow, policy=policy, calendar=calendar, now=dispute.deadline)))
    assert moved.dispute.deadline == _d(3, 17)  # type: ignore[union-attr]


@pytest.mark.parametrize("preset", sorted(EXPECTED_DEADLINES))
def test_a_missed_last_stage_is_recorded_and_the_partnership_role_that_owns_it_is_reminded(uow, preset):
    policy = read_policy(preset)
    calendar = calendar_for(policy)
    upkeep.load_directory(directory_for(policy), uow=uow)
    dispute = _open(uow, policy, calendar).dispute
    for _ in range(1, len(policy.stages)):
        dispute = due_work.escalate_overdue(uow=uow, policy=policy, calendar=calendar, now=dispute.deadline)[0].dispute  # type: ignore[union-attr]
    last_deadline = dispute.deadline
    owners = {a.person_id for a in dispute.routing.assignees if a.agency == PARTNERSHIP}
    assert owners, f"{preset}: nobody from the partnership owns the last stage"

    missed = due_work.escalate_overdue(uow=uow, policy=policy, calendar=calendar, now=last_deadline)
    assert [e.kind for e in missed[0].events] == ["timescale missed"]  # type: ignore[union-attr]
    assert missed[0].dispute.status.is_active and missed[0].dispute.stage_index == policy.last_index  # type: ignore[union-attr]

    notifier = FakeNotifier()
    morning = calendar.next_morning(last_deadline)
    sent = due_work.send_due_nudges(uow=uow, policy=policy, calendar=calendar, now=morning)
    due_work.tell(uow=uow, notifier=notifier, now=morning)
    assert [status for n, status in sent if n.kind.startswith(OVERDUE)] == [due_work.NUDGE_SENT]  # type: ignore[union-attr]
    with uow:
        reminded = set(uow.session.scalars(select(OutboxRow.target).where(OutboxRow.key.contains(f":{OVERDUE} 1:"))))
    assert owners <= reminded
