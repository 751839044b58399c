"""The notices table (storage/notices.py) on SQLite and PostgreSQL: kept, read back, given up on, counted."""

from __future__ import annotations

from bot import due_work, notices
from bot.events import DisputeEscalated, StageStarted
from storage.notices import notice_counts
from tests.builders import at
from tests.fakes import FakeNotifier
from tests.storage.timekeeping import keeper, open_dispute


def test_a_notice_is_read_back_as_it_was_kept_and_counted_until_told(engine) -> None:
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    now = at(2026, 11, 9, 10)
    [moved] = due_work.escalate_overdue(uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now)
    assert notice_counts(tk.sessions) == {"waiting": 1, "given_up": 0}

    with tk.uow() as uow:
        [notice] = uow.notices.pending(10)
        assert uow.notices.for_disputes([dispute_id]) == [notice]
        assert uow.notices.for_disputes(["someone else's"]) == []
    assert notice.dispute_id == dispute_id and notice.nudge is None
    assert notice.events == tuple(moved.events)  # type: ignore[union-attr]
    assert [type(e) for e in notice.events] == [DisputeEscalated, StageStarted]
    assert notice.version == moved.dispute.version - 1  # type: ignore[union-attr]

    [told] = due_work.tell(uow=tk.uow(), notifier=FakeNotifier(), now=now)
    assert told == notice.id
    assert notice_counts(tk.sessions) == {"waiting": 0, "given_up": 0}


def test_a_notice_that_keeps_failing_is_given_up_on_and_counted_for_an_administrator(engine) -> None:
    tk = keeper(engine)
    dispute_id = open_dispute(tk, at(2026, 11, 2, 10))
    with tk.uow() as uow:
        uow.notices.add([notices.of_reminder(uow.disputes.get(dispute_id), "half way")], at(2026, 11, 4, 14))
        uow.commit()
    for _ in range(notices.MAX_ATTEMPTS):
        [error] = due_work.tell(uow=tk.uow(), notifier=FakeNotifier(fail_on=1), now=at(2026, 11, 4, 14))
        assert isinstance(error, RuntimeError)
    assert due_work.tell(uow=tk.uow(), notifier=FakeNotifier(), now=at(2026, 11, 4, 14)) == []
    assert notice_counts(tk.sessions) == {"waiting": 0, "given_up": 1}
