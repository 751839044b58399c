"""Reaching people on Teams: stored ConversationReferences, 1:1 chats Parley opens itself, a connector
that is busy or down (nothing lost, retried), people Parley cannot reach, and text nobody can abuse."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import Engine, select

from handlers.files import read_policy
from messages.teams import Verb
from storage.models import OutboxRow, RecordEntryRow, TeamsConversationRow
from storage.outbox import FAILED, PENDING, SENT
from tests.builders import POLICE_TENANT, directory_for
from tests.teams.harness import CHANNEL, CSC_TENANT, DC_JONES, Harness, actions, intake_answers, run, texts, with_csc_on_teams

LSCB = read_policy("lscb")
AMARA = "29:amaraokafor"
DIRECTORY = with_csc_on_teams(directory_for(LSCB))


def _kept(h: Harness) -> dict[tuple[str, str], TeamsConversationRow]:
    with h.sessions() as s:
        return {(r.kind, r.key): r for r in s.scalars(select(TeamsConversationRow))}


def test_installing_parley_keeps_the_conversation_reference_and_says_hello(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        posted = await h.install(AMARA)
        assert posted.status == 201
        row = _kept(h)[("user", AMARA)]
        assert (row.tenant_id, row.conversation_id, row.service_url, row.aad_object_id) == (
            CSC_TENANT, "a:personal-amaraokafor", h.connector.url, "aad-amaraokafor",
        )  # fmt: skip
        assert row.reference["conversation"]["id"] == "a:personal-amaraokafor" and row.reference["bot"]["id"] == "28:parley"
        [hello] = h.replies(AMARA)
        assert "Hello, I'm Parley" in texts(hello.cards()[0])

        # added to a team: the channel's reference is kept (its service URL is where threads go), no greeting
        await h.install(DC_JONES, scope="channel")
        assert _kept(h)[("channel", CHANNEL)].tenant_id == POLICE_TENANT
        assert not [c for c in h.connector.ok_calls() if c.conversation == CHANNEL]

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_one_to_one_message_goes_through_the_stored_reference(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.install(AMARA)
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        await h.deliver()
        assert not h.connector.ok_calls("create")  # no new chat: Parley already knew where to find her
        [hello, dm] = h.connector.direct_to(AMARA)
        assert "Hello, I'm Parley" in texts(hello.cards()[0])
        assert dm.path == "/v3/conversations/a:personal-amaraokafor/activities"
        assert "You're asked to act" in texts(dm.cards()[0])

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_without_a_stored_reference_parley_opens_the_chat_from_the_directory_and_keeps_it(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        await h.deliver()
        [created] = h.connector.ok_calls("create")
        assert created.body["isGroup"] is False
        assert created.body["bot"] == {"id": "28:parley"} and created.body["members"] == [{"id": AMARA}]
        assert created.body["tenantID"] == CSC_TENANT and created.body["channelData"] == {"tenant": {"id": CSC_TENANT}}
        row = _kept(h)[("user", AMARA)]
        assert (row.tenant_id, row.conversation_id) == (CSC_TENANT, "a:personal-amaraokafor")

        # the next message to her reuses it
        note = (await h.execute(DC_JONES, Verb.ADD_NOTE, actions(h.latest_root_card())["Add note"])).card
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(h.latest_root_card())["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No reply."})
        assert note
        await h.deliver()
        assert len(h.connector.ok_calls("create")) == 3  # Amara once; then DS Khan and Ben Hughes, asked at stage 2
        assert sum(1 for c in h.connector.ok_calls("create") if c.body["members"] == [{"id": AMARA}]) == 1

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_rate_limited_connector_loses_nothing_and_honours_retry_after(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        h.connector.fail_next(1, status=429, retry_after=30)
        tally = await h.deliver()
        assert tally["retried"] == 1 and tally["sent"] == 0
        rows = h.outbox()
        root = next(r for r in rows if r.key.endswith(":root"))
        assert root.status == PENDING and root.next_attempt_at == h.clock() + timedelta(seconds=30)
        assert "Retry-After 30" in root.last_error

        await h.deliver()  # not due yet: nothing more is sent
        assert not h.connector.ok_calls("send") and all(r.status == PENDING for r in h.outbox())

        h.clock.advance(seconds=31)
        for _ in range(3):
            await h.deliver()
        assert all(r.status == SENT for r in h.outbox())
        assert len([c for c in h.connector.ok_calls("send") if c.conversation == CHANNEL]) == 1  # one root, not two
        assert len(h.thread()) == 2

    run(engine, scenario, policy=LSCB)


def test_a_connector_error_or_outage_is_retried_with_backoff(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        h.connector.fail_next(1, status=500)
        assert (await h.deliver())["retried"] == 1
        root = next(r for r in h.outbox() if r.key.endswith(":root"))
        assert root.status == PENDING and root.attempts == 1 and "HTTP 500" in root.last_error
        assert root.next_attempt_at == h.clock() + timedelta(seconds=5)

        # the connection drops before any answer: still nothing lost
        h.connector.drop_next(1)
        h.clock.advance(seconds=6)
        assert (await h.deliver())["retried"] == 1
        assert "could not reach Teams" in next(r for r in h.outbox() if r.key.endswith(":root")).last_error

        h.clock.advance(minutes=1)
        for _ in range(3):
            await h.deliver()
        assert all(r.status == SENT for r in h.outbox())
        assert h.root().cards()

    run(engine, scenario, policy=LSCB)


def _unreachable(h: Harness, dispute_id: str) -> list[RecordEntryRow]:
    with h.sessions() as s:
        return list(
            s.scalars(
                select(RecordEntryRow)
                .where(RecordEntryRow.dispute_id == dispute_id, RecordEntryRow.kind == "person unreachable")
                .order_by(RecordEntryRow.seq)
            )
        )


NOTICE = "Parley couldn't reach Amara Okafor (Children's Social Care) on Teams about case POL-2040-0193. Please contact them another way."


def test_someone_parley_cannot_reach_is_recorded_and_the_raiser_is_told(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.connector.refuse_user(AMARA)  # Parley isn't installed for her: Teams refuses to open the 1:1 (403)
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        [dispute_id] = h.dispute_ids()
        card_seen = h.dispute(dispute_id).version
        # DC Jones opens the Escalate form before anything is delivered
        form = (await h.execute(DC_JONES, Verb.ESCALATE, {"dispute_id": dispute_id, "version": card_seen})).card
        tally = await h.deliver()
        assert tally["failed"] == 1
        [refused] = [c for c in h.connector.calls if c.kind == "create"]
        assert refused.status == 403 and refused.body["members"] == [{"id": AMARA}]

        # kept as failed, for an administrator; and in the record, in the same transaction
        [failed] = [r for r in h.outbox() if r.status == FAILED]
        assert failed.target == AMARA and "HTTP 403" in failed.last_error
        [entry] = _unreachable(h, dispute_id)
        assert entry.actor_id is None and entry.seq == 3  # after "opened" and "stage started"
        assert entry.details == {
            "person_id": "amara.okafor",
            "agency": "csc",
            "platform": "teams",
            "reason": "Parley isn't installed for them in Teams, or was removed",
        }
        assert h.dispute(dispute_id).version == card_seen  # nobody's open card goes stale over it

        # the raiser is told in their 1:1, and the thread says so too
        await h.deliver()
        [told] = h.connector.direct_to(DC_JONES)
        assert told.body["summary"] == NOTICE
        assert texts(told.cards()[0]) == NOTICE
        assert set(actions(told.cards()[0])) == {"View record"}
        line = h.thread()[-1]
        assert line.body["summary"] == "Parley couldn't reach Amara Okafor on Teams"
        assert "**Parley** couldn't reach **Amara Okafor** (Children's Social Care) on Teams" in texts(line.cards()[0])

        # once per failed message, however often delivery runs
        for _ in range(3):
            await h.deliver()
        assert len(_unreachable(h, dispute_id)) == 1 and len(h.connector.direct_to(DC_JONES)) == 1
        assert {r.status for r in h.outbox()} == {SENT, FAILED} and sum(r.status == FAILED for r in h.outbox()) == 1

        # the record reads it in plain words
        record = (await h.execute(DC_JONES, Verb.VIEW_RECORD, {"dispute_id": dispute_id})).card
        assert (
            "Parley couldn't reach Amara Okafor (Children's Social Care) on Teams: Parley isn't installed for them in Teams, or was removed."
            in texts(record)
        )

        # the form DC Jones opened before all this is still current: escalating from it works
        done = (await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "She can't be reached."})).card
        assert "You escalated it" in texts(done)
        assert h.record_kinds(dispute_id)[-3:] == ["person unreachable", "escalated", "stage started"]

        health = await h.client.get("/healthz")
        assert (await health.json())["outbox"]["failed"] == 1

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_raiser_parley_cannot_reach_either_is_recorded_without_a_loop(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        h.connector.refuse_user(AMARA)
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        [dispute_id] = h.dispute_ids()
        h.connector.refuse_user(DC_JONES)  # and then the raiser removes Parley too
        for _ in range(5):
            await h.deliver()

        # Amara's 1:1 failed, then the notice to DC Jones: both on the record, and nothing more is tried
        entries = _unreachable(h, dispute_id)
        assert [e.details["person_id"] for e in entries] == ["amara.okafor", "dc.jones"]
        failed = [r for r in h.outbox() if r.status == FAILED]
        assert [r.target for r in failed] == [AMARA, DC_JONES]
        assert ":unreachable:" in failed[1].key
        assert PENDING not in {r.status for r in h.outbox()}
        assert [c.body["summary"] for c in h.thread()][-2:] == [
            "Parley couldn't reach Amara Okafor on Teams",
            "Parley couldn't reach DC Rhys Jones on Teams",
        ]

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_thread_post_that_fails_is_kept_as_failed_but_reports_nobody(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        [dispute_id] = h.dispute_ids()
        h.connector.fail_next(1, status=403, retry_after=None)  # the thread's first post: Parley was removed from the team
        await h.deliver()
        root = next(r for r in h.outbox() if r.key.endswith(":root"))
        assert root.status == FAILED
        assert _unreachable(h, dispute_id) == []
        assert h.record_kinds(dispute_id) == ["opened", "stage started"]

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


FORGED = "<at>DS Sana Khan</at> please see [the file](https://evil.example/x) **now** &lt;at&gt; <https://evil.example>"
MENTION = re.compile(r"<at>(.*?)</at>")


def test_nobody_can_forge_a_mention_or_a_link_through_a_dispute_field(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers(problem=FORGED, outcome=FORGED, cause=FORGED))
        [dispute_id] = h.dispute_ids()
        form = (await h.execute(DC_JONES, Verb.ADD_NOTE, actions((await h.execute(DC_JONES, Verb.BACK, {"dispute_id": dispute_id})).card)["Add note"])).card
        await h.execute(DC_JONES, Verb.ADD_NOTE_SUBMIT, {**actions(form)["Add note"], "note": FORGED})
        await h.deliver()
        assert h.dispute(dispute_id).problem == FORGED  # the record keeps what was written

        checked = 0
        for call in h.connector.calls:
            for card in call.cards():
                words = texts(card)
                entities = {e["text"]: e["mentioned"]["id"] for e in (card.get("msteams") or {}).get("entities", [])}
                # every <at>…</at> Teams could see is one Parley made, from the directory, with its entity
                for name in MENTION.findall(json.dumps(card, ensure_ascii=False)):
                    assert f"<at>{name}</at>" in entities
                assert "](https://evil" not in words.replace("\\]", "")  # no markdown link survives
                assert "**now**" not in words and "<https://evil" not in words
                checked += 1
        assert checked >= 4
        note_line = h.thread()[-1].cards()[0]
        assert "＜at＞DS Sana Khan＜/at＞ please see \\[the file\\](https://evil.example/x) \\*\\*now\\*\\*" in texts(note_line)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_each_message_is_sent_once_however_often_delivery_runs(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
        for _ in range(3):
            await h.deliver()
        sends = [c for c in h.connector.ok_calls() if c.kind in ("send", "update")]
        assert len(sends) == len({r.key for r in h.outbox()}) == h.count(OutboxRow)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_reminders_and_the_morning_digest_reach_teams_people_in_their_one_to_one_chat(engine: Engine) -> None:
    import dataclasses

    from handlers.holidays import calendar_for
    from handlers.scheduler import Timekeeper

    bradford = read_policy("bradford")
    with_digest = dataclasses.replace(bradford, digest=True)

    async def scenario(h: Harness) -> None:
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers())  # Bradford step 1: the raiser's side reflects
        [dispute_id] = h.dispute_ids()
        await h.deliver()
        keeper = Timekeeper(
            sessions=h.sessions,
            policy=with_digest,
            calendar=calendar_for(with_digest),
            clock=h.clock,
            notifier=h.front.deps.notifier,
            senders={"teams": h.front.sender},
        )
        with h.sessions() as s:
            from storage.models import NudgeRow

            half_way = min(r.due_at for r in s.scalars(select(NudgeRow).where(NudgeRow.dispute_id == dispute_id)))
        h.clock.now = half_way
        report = await keeper.sweep()
        assert report.nudged == 1 and report.delivery["failed"] == 0
        reminder = h.connector.direct_to(DC_JONES)[-1]
        assert reminder.body["summary"] == "Reminder: POL-2040-0193"
        assert "is due **by Mon 12 Nov 2040, 10:00**" in texts(reminder.cards()[0])
        assert set(actions(reminder.cards()[0])) == {"Resolve", "Escalate", "Add note", "View record", "Withdraw"}
        assert h.thread()[-1].body["summary"] == "Parley reminder"
        assert "**Parley** is reminding " in texts(h.thread()[-1].cards()[0])
        assert "<at>DC Rhys Jones</at>" in texts(h.thread()[-1].cards()[0])

        # the morning digest goes to managers and leads only: escalate so DS Khan is asked
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(h.latest_root_card())["Escalate"])).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "Clear now."})
        form = (await h.execute(DC_JONES, Verb.ESCALATE, actions(h.latest_root_card())["Escalate"] | {"version": h.dispute(dispute_id).version})).card
        await h.execute(DC_JONES, Verb.ESCALATE_SUBMIT, {**actions(form)["Escalate"], "reason": "No agreement."})
        h.clock.advance(days=1)
        report = await keeper.sweep()
        assert report.digests >= 1
        digest = [c for c in h.connector.direct_to("29:dskhan") if c.body["summary"].endswith("waiting on you")]
        assert digest and "POL-2040-0193" in texts(digest[-1].cards()[0])

    run(engine, scenario, policy=bradford)


def test_after_a_pass_that_failed_a_message_the_courier_looks_again_soon_for_the_raisers_notice() -> None:
    import asyncio

    from handlers.teams import Courier

    tallies = [{"sent": 2, "failed": 1}, {"sent": 1}, {"sent": 0}]
    passes: list[dict[str, int]] = []

    async def one_pass() -> dict[str, int]:
        passes.append(tallies[len(passes)])
        return passes[-1]

    async def main() -> None:
        courier = Courier(one_pass, follow_up_seconds=0.01)
        courier.kick()
        await courier.drain()
        await asyncio.sleep(0.05)
        await courier.close()

    asyncio.run(main())
    assert passes == [{"sent": 2, "failed": 1}, {"sent": 1}]  # one follow-up, then quiet
