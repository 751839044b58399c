"""Messages reach Slack through the outbox: nothing is lost to a rate limit or an outage, and
nothing anyone types can ping a channel or forge a link."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import Engine

from bot.outbox import Delivery, Notifiers, OutgoingMessage
from handlers.delivery import RetryLater, Sent, Undeliverable
from handlers.files import read_policy
from handlers.slack.sender import classify
from messages.slack import ActionId
from storage.models import DisputeRow
from storage.outbox import PENDING, SENT
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, Harness, button, run

BRADFORD = read_policy("bradford")


def test_a_429_then_a_500_from_slack_delays_the_thread_but_loses_nothing(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.mock.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
        h.mock.fail_next(1, status=500, method="chat.postMessage")

        body = await h.raise_dispute(AMARA)
        assert "Raised: case CSC-2040-0193" in str(body["view"])  # the practitioner is told at once
        assert h.count(DisputeRow) == 1  # saved before Slack was asked
        [rate_limited] = [c for c in h.mock.calls if c.status == 429]
        assert rate_limited.method == "chat.postMessage" and "thread_ts" not in rate_limited.args
        root_row = h.outbox()[0]
        assert root_row.status == PENDING and "Retry-After 30" in (root_row.last_error or "")
        assert h.mock.posts() == []

        # Slack said wait 30 s: a pass 10 s later leaves it alone
        h.clock.advance(seconds=10)
        await h.deliver()
        assert len([c for c in h.mock.calls if c.method == "chat.postMessage"]) == 1

        # after 30 s it is tried again: Slack is down (500), so it backs off again
        h.clock.advance(seconds=21)
        await h.deliver()
        assert [c.status for c in h.mock.calls if c.method == "chat.postMessage"] == [429, 500]
        assert h.outbox()[0].status == PENDING

        # a later pass delivers the root, then its thread, in order
        h.clock.advance(minutes=1)
        await h.deliver()
        root = h.root()
        assert [c.status for c in h.mock.calls if c.method == "chat.postMessage"][:3] == [429, 500, 200]
        assert len(h.mock.posts(channel=CHANNEL, thread_ts=None)) == 1
        assert len(h.mock.posts(channel=CHANNEL, thread_ts=root.answer["ts"])) == 2
        assert {row.status for row in h.outbox()} == {SENT}
        assert h.outbox()[0].attempts == 3

    run(engine, scenario, policy=BRADFORD)


INJECTIONS = {
    "problem": "<!channel> look at this & <https://evil.example/login|click here to log in>",
    "cause": "<!here> <@U0BENHUGHES> <#C0SECRET>",
    "outcome": "Fix it <!subteam^S0123|@managers> >>> now",
}
FORBIDDEN = ("<!channel>", "<!here>", "<!everyone>", "<https://evil", "<@U0BENHUGHES>", "<#C0SECRET>", "<!subteam")


def _walk(node: Any, plain: bool, out: list[str]) -> None:
    if isinstance(node, dict):
        is_plain = node.get("type") == "plain_text"
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                if is_plain == plain:
                    out.append(value)
            else:
                _walk(value, plain, out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, plain, out)


def _calls(h: Harness) -> list[Any]:
    return [c.args for c in h.mock.calls] + list(h.mock.responses)


def _markup_strings(h: Harness) -> list[str]:
    out: list[str] = []
    _walk(_calls(h), False, out)
    return out


def _plain_strings(h: Harness) -> list[str]:
    out: list[str] = []
    _walk(_calls(h), True, out)
    return out


def test_nothing_anyone_types_can_ping_a_channel_or_forge_a_link(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA, **INJECTIONS)
        await h.raise_dispute(
            AMARA, reference="CSC-2040-0200", other_person=None, other_agency="police", other_description="<!everyone> sergeant"
        )
        root = h.mock.posts(channel=CHANNEL, thread_ts=None)[0]
        note = button(root.args["blocks"], ActionId.ADD_NOTE)
        await h.click(DC_JONES, ActionId.ADD_NOTE, note)
        await h.settle()
        await h.submit(DC_JONES, h.opened_views()[-1], {"note": "<!channel> & <https://evil.example|here>"})
        await h.settle()

        # Slack reads markup only in mrkdwn: anything typed is either escaped there, or shown as plain_text
        read_as_markup = [t for t in _markup_strings(h) if t]
        for text in read_as_markup:
            for forbidden in FORBIDDEN:
                assert forbidden not in text, (forbidden, text[:300])
        literal = "\n".join(_plain_strings(h))
        assert "<!channel> look at this & <https://evil.example/login|click here to log in>" in literal
        assert "<!channel> & <https://evil.example|here>" in literal
        assert "&lt;!everyone&gt; sergeant" in "\n".join(read_as_markup)
        # and the typed text is kept as typed, on the record
        assert h.count(DisputeRow) == 2

    run(engine, scenario, policy=BRADFORD)


def _error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None, http_verb="POST", api_url="https://slack.com/api/chat.postMessage", req_args={},
        data={"ok": False, "error": error}, headers=headers or {}, status_code=status,
    )  # fmt: skip
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("status", "error", "headers", "expected", "seconds"),
    [
        (429, "ratelimited", {"Retry-After": "30"}, RetryLater, 30.0),
        (429, "ratelimited", {}, RetryLater, None),
        (500, "internal_error", {}, RetryLater, None),
        (503, "service_unavailable", {}, RetryLater, None),
        (200, "fatal_error", {}, RetryLater, None),
        (200, "channel_not_found", {}, Undeliverable, None),
        (200, "not_in_channel", {}, Undeliverable, None),
        (200, "user_not_found", {}, Undeliverable, None),
        (200, "invalid_auth", {}, Undeliverable, None),
        (200, "invalid_blocks", {}, Undeliverable, None),
    ],
)
def test_slack_errors_are_retried_or_kept_as_failed(status, error, headers, expected, seconds) -> None:
    outcome = classify(_error(status, error, headers))
    assert isinstance(outcome, expected)
    if expected is RetryLater:
        assert outcome.seconds == seconds


def test_a_channel_slack_does_not_know_marks_the_root_failed_for_an_admin_and_keeps_the_dispute(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.mock.unknown_channels.add(CHANNEL)
        await h.raise_dispute(AMARA)
        rows = {row.key.split(":", 3)[-1]: row for row in h.outbox()}
        assert rows["root"].status == "failed" and "channel_not_found" in (rows["root"].last_error or "")
        assert h.count(DisputeRow) == 1

    run(engine, scenario, policy=BRADFORD)


def test_the_deadline_shown_is_uk_local_time_in_summer_too() -> None:
    from messages.text import by_when

    assert by_when(datetime(2040, 6, 4, 16, 0, tzinfo=timezone.utc)) == "by Mon 4 Jun 2040, 17:00"
    assert by_when(datetime(2040, 11, 5, 10, 30, tzinfo=timezone.utc)) == "by Mon 5 Nov 2040, 10:30"
    assert by_when(datetime(2040, 11, 5, 12, 0, tzinfo=timezone.utc)) == "by Mon 5 Nov 2040, 12:00"


class _TeamsLine:
    """Stands in for the Teams notifier: one message for the Teams thread per change."""

    def messages_for(self, dispute, events, directory):
        key = f"{dispute.id}:teams:v{dispute.version}"
        return [OutgoingMessage(key, "teams", "tenant-police", Delivery.THREAD_ROOT, "19:thread", {"text": "x"}, dispute.id)]

    def reminders_for(self, dispute, nudge, directory):
        return []

    def digest_for(self, person_id, disputes, directory, day, *, total=None):
        return []


class _RecordingSender:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message, thread):
        self.sent.append(message.key)
        return Sent("activity-1", "19:thread")


def test_a_change_made_in_slack_reaches_the_other_platform_at_once_too(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        teams = _RecordingSender()
        h.front.senders["teams"] = teams  # app.py shares every platform's senders with each front end
        h.front.deps.notifier = Notifiers(h.front.notifier, _TeamsLine())
        await h.raise_dispute(AMARA)
        assert len(teams.sent) == 1  # delivered by the pass right after the change, not set aside
        assert {row.status for row in h.outbox()} == {SENT}

    run(engine, scenario, policy=BRADFORD)


def test_a_person_slack_cannot_reach_is_written_in_the_record_and_the_raiser_is_told(engine: Engine) -> None:
    lscb = read_policy("lscb")  # both practitioners are asked at the first stage

    async def scenario(h: Harness) -> None:
        h.mock.unknown_channels.add(DC_JONES)  # Slack answers channel_not_found for DC Jones's user id
        await h.raise_dispute(AMARA)
        await h.deliver()  # the raiser's notice, queued by the failure, goes out on the next pass
        [dispute_id] = h.dispute_ids()

        with SqlUnitOfWork(h.sessions) as uow:
            record = uow.disputes.record(dispute_id)
            version = uow.disputes.get(dispute_id).version
        [entry] = [e for e in record if e.kind == "person unreachable"]
        assert entry.details["person_id"] == "dc.jones" and entry.details["platform"] == "slack"
        assert entry.details["reason"] == "Parley cannot find the conversation in Slack"
        assert version == 0  # an aside: nobody's open message goes stale
        told = [c for c in h.mock.calls_to("chat.postMessage") if c.args.get("channel") == AMARA]
        assert any("couldn't reach" in c.text() and "DC Rhys Jones" in c.text() and "CSC-2040-0193" in c.text() for c in told), [c.text() for c in told]
        dms = [r for r in h.outbox() if r.target == DC_JONES and r.delivery == Delivery.DIRECT.value]
        assert dms and {r.status for r in dms} == {"failed"}
        await h.deliver()
        with SqlUnitOfWork(h.sessions) as uow:
            assert [e.kind for e in uow.disputes.record(dispute_id)].count("person unreachable") == 1  # reported once

    run(engine, scenario, policy=lscb)
