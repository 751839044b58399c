"""A person Parley cannot reach: kept as failed, on the record and told to the raiser, in one transaction.

On a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), with both platforms'
real notifiers: Children's Social Care on Slack, the police on Teams.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from bot import moves, upkeep
from bot.errors import StaleAction
from bot.events import PersonUnreachable
from bot.outbox import Delivery, Notifiers
from handlers.delivery import Sent, Undeliverable, deliver_due
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.notify import SlackNotifier
from handlers.teams.notify import TeamsNotifier
from handlers.unreachable import unreachable_reporter
from messages.record import record_text
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import FAILED, PENDING, OutboxDelivery, QueuedMessage, Thread
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import CSC_WORKSPACE, POLICE_TENANT, at, directory_for, open_raised

LSCB = read_policy("lscb")
CALENDAR = calendar_for(LSCB)
MONDAY = at(2026, 11, 23, 10, 0)
SLACK_CHANNEL = "C0PARLEY"
TEAMS_CHANNEL = "19:parley@thread.tacv2"
NOTIFIER = Notifiers(
    SlackNotifier(LSCB, team=CSC_WORKSPACE, channel=SLACK_CHANNEL),
    TeamsNotifier(LSCB, tenant=POLICE_TENANT, channel=TEAMS_CHANNEL),
)
DC_JONES = "29:dcjones"  # on Teams, in the police tenant (tests/builders.py)
AMARA = "U0AMARAOKAFOR"  # on Slack
NOTICE = "Parley couldn't reach DC Rhys Jones (West Yorkshire Police) on Teams about case CSC-2026-0193. Please contact them another way."


@pytest.fixture
def sessions(engine: Engine):
    sessions = session_factory(engine)
    upkeep.load_directory(directory_for(LSCB), uow=SqlUnitOfWork(sessions))
    return sessions


def _open(sessions) -> str:
    """Amara Okafor (Children's Social Care, Slack) raises it with DC Jones (police, Teams)."""
    return open_raised(LSCB, uow=SqlUnitOfWork(sessions), calendar=CALENDAR, now=MONDAY, notifier=NOTIFIER).dispute.id


def _rows(sessions) -> list[OutboxRow]:
    with sessions() as s:
        return list(s.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def _direct_to(sessions, target: str) -> list[OutboxRow]:
    return [r for r in _rows(sessions) if r.delivery == Delivery.DIRECT.value and r.target == target]


def _report(sessions, message: OutboxRow, *, now=MONDAY) -> PersonUnreachable | None:
    return upkeep.report_unreachable(
        upkeep.ReportUnreachable(
            message_id=message.id,
            dispute_id=message.dispute_id,
            platform=message.platform,
            workspace=message.workspace,
            user_id=message.target,
            reason="Parley isn't installed for them in Teams, or was removed",
            error="Teams refused it: HTTP 403",
            tag=f"m{message.id}",
        ),
        uow=SqlUnitOfWork(sessions),
        now=now,
        notifier=NOTIFIER,
    )


def test_reporting_keeps_the_message_failed_records_it_and_tells_the_raiser_on_their_own_platform(sessions) -> None:
    dispute_id = _open(sessions)
    [dm] = _direct_to(sessions, DC_JONES)
    with SqlUnitOfWork(sessions) as uow:
        version = uow.disputes.get(dispute_id).version
        before = len(uow.disputes.record(dispute_id))

    event = _report(sessions, dm, now=MONDAY + timedelta(minutes=1))

    assert event is not None and (event.person_id, event.agency, event.platform) == ("dc.jones", "police", "teams")
    with SqlUnitOfWork(sessions) as uow:
        record = uow.disputes.record(dispute_id)
        dispute = uow.disputes.get(dispute_id)
        directory = uow.directory.load()
    assert len(record) == before + 1
    last = record[-1]
    assert (last.seq, last.kind, last.actor, last.at) == (before + 1, "person unreachable", None, MONDAY + timedelta(minutes=1))
    assert dispute.version == version  # not a move: an open card stays current
    [failed] = [r for r in _rows(sessions) if r.id == dm.id]
    assert (failed.status, failed.last_error) == (FAILED, "Teams refused it: HTTP 403")

    # the raiser is on Slack: a Slack DM, in plain words; each thread gets a line; nothing to Teams 1:1s
    [told] = _direct_to(sessions, AMARA)
    assert (told.platform, told.status, told.payload["text"]) == ("slack", PENDING, NOTICE)
    lines = [r for r in _rows(sessions) if ":unreachable:" in r.key and r.delivery == Delivery.THREAD_REPLY.value]
    assert sorted((r.platform, r.target) for r in lines) == [("slack", SLACK_CHANNEL), ("teams", TEAMS_CHANNEL)]
    assert not [r for r in _rows(sessions) if ":unreachable:" in r.key and r.platform == "teams" and r.delivery == Delivery.DIRECT.value]

    # and the exported record reads it
    text = record_text(dispute, record, directory=directory, policy=LSCB)
    assert (
        "Parley couldn't reach DC Rhys Jones (West Yorkshire Police) on Teams: Parley isn't installed for them in Teams, or was removed."
        in text
    )
    assert "The message is kept as undelivered; they need to be told another way." in text


def test_a_failed_message_is_reported_once(sessions) -> None:
    dispute_id = _open(sessions)
    [dm] = _direct_to(sessions, DC_JONES)
    assert _report(sessions, dm) is not None
    queued = len(_rows(sessions))

    assert _report(sessions, dm) is None  # already failed: another sender got there first
    with SqlUnitOfWork(sessions) as uow:
        assert [e.kind for e in uow.disputes.record(dispute_id)].count("person unreachable") == 1
    assert len(_rows(sessions)) == queued


def test_a_raiser_who_cannot_be_reached_is_recorded_but_not_messaged_about_themselves(sessions) -> None:
    dispute_id = _open(sessions)
    [dm] = _direct_to(sessions, DC_JONES)
    _report(sessions, dm)
    [notice] = _direct_to(sessions, AMARA)

    event = _report(sessions, notice)  # the notice to Amara fails in turn

    assert event is not None and event.person_id == "amara.okafor" and event.agency == "csc"
    assert len(_direct_to(sessions, AMARA)) == 1  # no notice about the notice: no loop
    with SqlUnitOfWork(sessions) as uow:
        assert [e.details["person_id"] for e in uow.disputes.record(dispute_id) if e.kind == "person unreachable"] == [
            "dc.jones",
            "amara.okafor",
        ]


def test_a_move_after_a_report_is_numbered_after_it_and_is_not_refused_as_stale(sessions) -> None:
    dispute_id = _open(sessions)
    with SqlUnitOfWork(sessions) as uow:
        seen = uow.disputes.get(dispute_id).version
    [dm] = _direct_to(sessions, DC_JONES)
    _report(sessions, dm)

    moves.escalate(
        moves.Escalate(dispute_id=dispute_id, by="amara.okafor", expected_version=seen, reason="No reply."),
        uow=SqlUnitOfWork(sessions),
        policy=LSCB,
        calendar=CALENDAR,
        now=MONDAY + timedelta(hours=1),
        notifier=NOTIFIER,
    )

    with SqlUnitOfWork(sessions) as uow:
        record = uow.disputes.record(dispute_id)
    assert [e.seq for e in record] == list(range(1, len(record) + 1))
    assert [e.kind for e in record][-3:] == ["person unreachable", "escalated", "stage started"]


def test_a_stale_click_names_the_move_not_the_report(sessions) -> None:
    dispute_id = _open(sessions)
    with SqlUnitOfWork(sessions) as uow:
        seen = uow.disputes.get(dispute_id).version
    moves.add_note(
        moves.AddNote(dispute_id=dispute_id, by="dc.jones", text="Called twice."), uow=SqlUnitOfWork(sessions), now=MONDAY, notifier=NOTIFIER
    )
    [dm] = _direct_to(sessions, DC_JONES)
    _report(sessions, dm)

    with pytest.raises(StaleAction) as stale:
        moves.escalate(
            moves.Escalate(dispute_id=dispute_id, by="amara.okafor", expected_version=seen, reason="No reply."),
            uow=SqlUnitOfWork(sessions),
            policy=LSCB,
            calendar=CALENDAR,
            now=MONDAY,
            notifier=NOTIFIER,
        )
    assert (stale.value.by, stale.value.what) == ("DC Rhys Jones", "note")


# --- through the delivery pass ------------------------------------------------------------------


class RefusingSender:
    """A platform that refuses everything for good, and reports through the hook the front end gives it."""

    def __init__(self, on_undeliverable=None) -> None:
        self.on_undeliverable = on_undeliverable
        self.sent: list[QueuedMessage] = []

    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        self.sent.append(message)
        raise Undeliverable("Teams refused it: HTTP 403", "Parley isn't installed for them in Teams, or was removed")


class AcceptingSender:
    async def send(self, message: QueuedMessage, thread: Thread | None) -> Sent:
        return Sent(f"ts-{message.id}", message.target)


def _deliver(sessions, senders, now=MONDAY) -> dict[str, int]:
    return asyncio.run(deliver_due(OutboxDelivery(sessions), senders, now=now))


def test_a_direct_message_refused_for_good_is_reported_in_the_same_pass_and_thread_posts_are_not(sessions) -> None:
    dispute_id = _open(sessions)
    teams = RefusingSender(unreachable_reporter(sessions, lambda: NOTIFIER))

    tally = _deliver(sessions, {"teams": teams, "slack": AcceptingSender()})

    # the thread's first post and the 1:1 were refused; the thread's replies are kept failed beside
    # the root (never sent without it), and only the 1:1 counts as someone not reached
    assert sorted(m.delivery.value for m in teams.sent) == [Delivery.DIRECT.value, Delivery.THREAD_ROOT.value]
    # 4 refused, and (the pass goes on while there is due work) the thread line saying so, beside its refused root
    assert tally["failed"] == 5
    assert {r.status for r in _rows(sessions) if r.platform == "teams" and ":unreachable:" not in r.key} == {FAILED}
    with SqlUnitOfWork(sessions) as uow:
        reported = [e for e in uow.disputes.record(dispute_id) if e.kind == "person unreachable"]
    assert [e.details["person_id"] for e in reported] == ["dc.jones"]  # the 1:1 only, not the thread's posts
    [told] = _direct_to(sessions, AMARA)
    assert told.status == "sent" and told.payload["text"] == NOTICE  # queued in the pass, and sent in it too

    _deliver(sessions, {"teams": teams, "slack": AcceptingSender()}, now=MONDAY + timedelta(minutes=1))
    assert _direct_to(sessions, AMARA)[0].status == "sent"


def test_when_reporting_fails_the_message_is_retried_not_failed_unreported(sessions) -> None:
    dispute_id = _open(sessions)

    def broken(message, failure, now) -> None:
        raise RuntimeError("database went away")

    _deliver(sessions, {"teams": RefusingSender(broken), "slack": AcceptingSender()})

    [dm] = _direct_to(sessions, DC_JONES)
    assert dm.status == PENDING and dm.next_attempt_at == MONDAY + timedelta(seconds=5)
    assert "reporting it failed" in dm.last_error
    with SqlUnitOfWork(sessions) as uow:
        assert "person unreachable" not in [e.kind for e in uow.disputes.record(dispute_id)]

    # next time round the hook works: reported then, once
    teams = RefusingSender(unreachable_reporter(sessions, lambda: NOTIFIER))
    _deliver(sessions, {"teams": teams, "slack": AcceptingSender()}, now=MONDAY + timedelta(seconds=6))
    assert _direct_to(sessions, DC_JONES)[0].status == FAILED
    with SqlUnitOfWork(sessions) as uow:
        assert [e.kind for e in uow.disputes.record(dispute_id)].count("person unreachable") == 1
