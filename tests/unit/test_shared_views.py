"""Production's joined notifier builds each dispute's view once for Slack and Teams together
(messages.text.shared_views): the messages are exactly those each notifier builds on its own, and a
view is shared only inside one call, for the dispute object and version it was built from."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.outbox import Notifiers
from handlers.notify import SlackNotifier
from handlers.teams.notify import TeamsNotifier
from messages.text import dispute_view, names_for, shared_views
from tests.fakes import FakeUnitOfWork
from tests.unit.dispute_setup import MONDAY, POLICY, directory, escalate, open_one


def _notifiers(**around) -> Notifiers:
    return Notifiers(
        SlackNotifier(POLICY, team="T01", channel="C0PARLEY"), TeamsNotifier(POLICY, tenant="tenant-1", channel="19:parley@thread.tacv2"), **around
    )


def _plain(messages) -> list[tuple]:
    return [(m.key, m.platform, m.delivery, m.target, m.payload, m.fallback_text) for m in messages]


def test_the_joined_notifier_sends_the_same_messages_with_views_shared_or_not() -> None:
    people = directory()
    uow = FakeUnitOfWork(people)
    opened = open_one(uow)
    moved = escalate(uow, opened.dispute.id, "amara", MONDAY + timedelta(hours=1))
    shared, alone = _notifiers(around=shared_views), _notifiers()
    for outcome in (opened, moved):
        with_sharing = shared.messages_for(outcome.dispute, outcome.events, people)
        assert {m.platform for m in with_sharing} == {"slack", "teams"}
        assert _plain(with_sharing) == _plain(alone.messages_for(outcome.dispute, outcome.events, people))
    nudge = "reminder"
    assert _plain(shared.reminders_for(moved.dispute, nudge, people)) == _plain(alone.reminders_for(moved.dispute, nudge, people))


def test_a_view_is_shared_only_inside_the_scope_and_only_for_the_same_dispute_and_version() -> None:
    people = directory()
    dispute = open_one(FakeUnitOfWork(people)).dispute
    outside = dispute_view(dispute, people, POLICY)
    assert dispute_view(dispute, people, POLICY) is not outside  # no scope: built each time
    with shared_views():
        first = dispute_view(dispute, people, POLICY)
        assert first == outside
        assert dispute_view(dispute, people, POLICY) is first
        assert dispute_view(dispute, people, POLICY, version=dispute.version - 1) is not first  # another version shown
        later = dataclasses.replace(dispute, version=dispute.version + 1)
        assert dispute_view(later, people, POLICY).version == dispute.version + 1
        copy = dataclasses.replace(dispute)  # an equal dispute, but another object: not taken for this one
        assert dispute_view(copy, people, POLICY) is not first
        names = names_for(people, POLICY, {"amara", "hana"})
        assert names_for(people, POLICY, {"hana", "amara"}) is names
        assert names_for(people, POLICY, {"amara"}) is not names
    with shared_views():
        assert dispute_view(dispute, people, POLICY) is not first  # each scope starts empty


def test_a_scope_opened_inside_another_shares_its_views_and_a_version_asked_for_is_the_same_view() -> None:
    people = directory()
    opened = open_one(FakeUnitOfWork(people))
    dispute = opened.dispute
    alone = dispute_view(dispute, people, POLICY)  # built outside any scope
    with shared_views():  # as handlers.slack.intake opens one around a new dispute and its answer
        messages = _notifiers(around=shared_views).messages_for(dispute, opened.events, people)  # opens its own inside
        assert messages
        answer = dispute_view(dispute, people, POLICY)
        assert dispute_view(dispute, people, POLICY, version=dispute.version) is answer  # its own version, said or not
        assert answer == alone
    with shared_views():
        with shared_views():
            inner_built = dispute_view(dispute, people, POLICY)
        assert dispute_view(dispute, people, POLICY) is inner_built  # the inner scope was the outer one
