"""The Block Kit builders and the Slack notifier, on their own (no server, no database)."""

from __future__ import annotations

import json

from bot import due_work, moves
from bot.outbox import Delivery, Notifiers
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.notify import SlackNotifier
from messages import slack as blocks
from messages.text import dispute_view
from tests.builders import directory_for, open_raised
from tests.fakes import FakeUnitOfWork
from tests.slack.harness import AMARA, CHANNEL, DC_JONES, START, TEAM, with_police_on_slack

LSCB = read_policy("lscb")


def _sizes(payload: dict) -> list[int]:
    return [len(b["text"]["text"]) for b in payload["blocks"] if b.get("type") == "section" and "text" in b]


def test_esc_escapes_only_what_slack_reads_as_markup() -> None:
    assert blocks.esc("a & b <!channel> <https://x|y> > 1") == "a &amp; b &lt;!channel&gt; &lt;https://x|y&gt; &gt; 1"
    assert blocks.esc("*bold* _it_ @here") == "*bold* _it_ @here"  # harmless without < >


def test_what_someone_typed_shows_literally_in_plain_text_sections_slack_can_show() -> None:
    text = ("*bold* <!channel> <https://x|y> & " * 200)[:5000]
    label, *parts = blocks._labelled("What the problem is", text)
    assert label["text"] == {"type": "mrkdwn", "text": "*What the problem is*"}
    assert len(parts) > 1
    for part in parts:
        assert part["text"]["type"] == "plain_text"  # no bold, no @channel, no link from what was typed
        assert len(part["text"]["text"]) <= blocks.SECTION_MAX
    assert "".join(p["text"]["text"] for p in parts) == text


def _opened(directory=None):
    directory = directory or with_police_on_slack(directory_for(LSCB))
    uow = FakeUnitOfWork(directory)
    notifier = SlackNotifier(LSCB, team=TEAM, channel=CHANNEL)
    outcome = open_raised(LSCB, uow=uow, now=START, notifier=notifier, reference="CSC-2040-0193", problem="p", outcome="o")
    return uow, notifier, outcome, directory


def test_opening_queues_one_root_the_thread_lines_and_a_dm_for_each_person_asked_on_slack() -> None:
    uow, _, outcome, _ = _opened()
    messages = uow.outbox.messages
    d = outcome.dispute.id
    assert [(m.key, m.delivery, m.target) for m in messages] == [
        (f"{d}:slack:{TEAM}:root", Delivery.THREAD_ROOT, CHANNEL),
        (f"{d}:slack:{TEAM}:opened:0:opened", Delivery.THREAD_REPLY, CHANNEL),
        (f"{d}:slack:{TEAM}:opened:1:stage started", Delivery.THREAD_REPLY, CHANNEL),
        (f"{d}:slack:{TEAM}:opened:asked:workers:dc.jones", Delivery.DIRECT, DC_JONES),
    ]
    assert all(m.workspace == TEAM and m.platform == "slack" and m.dispute_id == d for m in messages)
    assert all("CSC-2040-0193" in m.fallback_text or "started" in m.fallback_text or "raised" in m.fallback_text for m in messages)


def test_the_same_change_always_gives_the_same_keys_and_a_later_change_new_ones() -> None:
    uow, notifier, outcome, directory = _opened()
    dispute = outcome.dispute
    events = [e for e in outcome.events]
    again = notifier.messages_for(dispute, events, directory)
    assert [m.key for m in again] == [m.key for m in uow.outbox.messages]

    noted = moves.add_note(moves.AddNote(dispute_id=dispute.id, by="dc.jones", text="n"), uow=uow, now=START, notifier=notifier)
    new = uow.outbox.messages[4:]
    assert [m.key.split(":", 3)[-1] for m in new] == ["v0:0:note", "v0:root"]
    assert new[-1].delivery is Delivery.ROOT_UPDATE
    assert blocks.button_value(dispute_view(noted.dispute, directory, LSCB)) in json.dumps(new[-1].payload)
    assert len({m.key for m in uow.outbox.messages}) == len(uow.outbox.messages)


def test_people_on_teams_get_nothing_from_slack_and_are_named_in_the_thread() -> None:
    uow, _, _, _ = _opened(directory_for(LSCB))
    assert [m.target for m in uow.outbox.messages if m.delivery is Delivery.DIRECT] == []
    stage_line = json.dumps(uow.outbox.messages[2].payload)
    assert f"<@{AMARA}>" in stage_line and "*DC Rhys Jones*" in stage_line


def test_a_reminder_goes_to_each_person_asked_on_slack_and_is_noted_in_the_thread() -> None:
    uow, notifier, outcome, directory = _opened()
    reminders = Notifiers(notifier).reminders_for(outcome.dispute, "half way", directory)
    assert [(m.delivery, m.target) for m in reminders] == [
        (Delivery.THREAD_REPLY, CHANNEL),
        (Delivery.DIRECT, AMARA),
        (Delivery.DIRECT, DC_JONES),
    ]
    assert reminders[1].key.endswith(":nudge:s0:half-way:amara.okafor")


def test_every_block_stays_within_slacks_limits_with_the_longest_answers() -> None:
    uow, notifier, outcome, directory = _opened()
    dispute = outcome.dispute
    dispute.problem = "x" * 2900
    view = dispute_view(dispute, directory, LSCB)
    root = blocks.root_message(view, team=TEAM)
    assert len(root["blocks"][0]["text"]["text"]) <= blocks.HEADER_MAX
    for block in root["blocks"]:
        for field in block.get("fields", []):
            assert len(field["text"]) <= blocks.FIELD_MAX
    assert max(_sizes(root)) <= blocks.SECTION_MAX
    modal = blocks.intake_modal(categories=LSCB.categories, agencies=[("police", "West Yorkshire Police")], my_agencies=[], procedure=LSCB.title)
    assert len(modal["title"]["text"]) <= 24 and len(modal["blocks"]) <= blocks.MODAL_BLOCKS_MAX
    for block in modal["blocks"]:
        for option in block.get("element", {}).get("options", []):
            assert len(option["text"]["text"]) <= blocks.OPTION_MAX


def test_the_morning_digest_goes_to_a_manager_on_slack_most_urgent_first() -> None:
    uow, notifier, outcome, directory = _opened()
    [message] = notifier.digest_for("ben.hughes", [outcome.dispute], directory, "2040-11-06")
    assert (message.key, message.delivery, message.target, message.dispute_id) == (
        "digest:2040-11-06:slack:ben.hughes", Delivery.DIRECT, "U0BENHUGHES", None
    )
    assert "1 professional disagreement is waiting on you" in json.dumps(message.payload)
    assert notifier.digest_for("police.lscb_representative", [outcome.dispute], directory_for(LSCB), "2040-11-06") == []


def _thread_lines(uow) -> list[str]:
    return [m.payload["blocks"][0].get("text", {}).get("text", "") for m in uow.outbox.messages if m.delivery is Delivery.THREAD_REPLY]


def test_every_line_in_the_thread_says_who_did_it_and_for_which_agency() -> None:
    uow, notifier, outcome, directory = _opened()
    d = outcome.dispute.id
    calendar = calendar_for(LSCB)

    def move(use_case, command, **deps):
        return use_case(command, uow=uow, now=START, notifier=notifier, **deps)

    move(moves.add_note, moves.AddNote(dispute_id=d, by="dc.jones", text="Log attached."))
    move(moves.escalate, moves.Escalate(dispute_id=d, by="amara.okafor", reason="No reply."), policy=LSCB, calendar=calendar)
    move(moves.propose_resolution, moves.ProposeResolution(dispute_id=d, by="dc.jones", agreed_outcome="Joint visit."))
    move(moves.reject_resolution, moves.RejectResolution(dispute_id=d, by="amara.okafor", reason="Too late."))
    move(moves.propose_resolution, moves.ProposeResolution(dispute_id=d, by="amara.okafor", agreed_outcome="Visit today."))
    move(moves.confirm_resolution, moves.ConfirmResolution(dispute_id=d, by="dc.jones", statement="Agreed for the police."), policy=LSCB)

    csc, police = "(Children's Social Care)", "(West Yorkshire Police)"
    assert _thread_lines(uow) == [
        f"*Amara Okafor* {csc} raised a disagreement with DC Rhys Jones (West Yorkshire Police), about *{LSCB.categories[0]}*.",
        f"*Amara Okafor* {csc} started *Workers discuss (after consulting their line managers)*. Due *by Mon 5 Nov 2040, 17:00*.\n"
        f"Asked to act: <@{AMARA}> (practitioner, Children's Social Care), <@{DC_JONES}> (practitioner, West Yorkshire Police).",
        f"*DC Rhys Jones* {police} added a note:",
        "*Amara Okafor* (Children's Social Care) escalated this from *Workers discuss (after consulting their line managers)* to *Line managers discuss*.",
        f"*DC Rhys Jones* {police} proposed a resolution.",
        f"*DC Rhys Jones* {police} confirmed the agreed outcome by proposing it.",
        f"*Amara Okafor* {csc} did not agree the proposed resolution. It is open again at *Line managers discuss*.",
        f"*Amara Okafor* {csc} proposed a resolution.",
        f"*Amara Okafor* {csc} confirmed the agreed outcome by proposing it.",
        f"*DC Rhys Jones* {police} confirmed the agreed outcome in writing: Agreed for the police.",
        f":white_check_mark: *Resolved* when *DC Rhys Jones* {police} confirmed: both sides have confirmed the agreed outcome in writing.",
    ]
    # the escalation's message goes on with the step it moves to, after the reason
    [escalation] = [m for m in uow.outbox.messages if m.delivery is Delivery.THREAD_REPLY and ":v1:0:" in m.key]
    texts = [b.get("text", {}).get("text", "") for b in escalation.payload["blocks"]]
    assert texts.index("*Reason*") < next(i for i, t in enumerate(texts) if t.startswith(f"*Amara Okafor* {csc} started *Line managers discuss*."))
    fallbacks = [m.fallback_text for m in uow.outbox.messages if m.delivery is Delivery.THREAD_REPLY]
    assert fallbacks[2] == "DC Rhys Jones (West Yorkshire Police) added a note"


def test_what_parley_does_on_its_own_is_said_to_be_parley() -> None:
    uow, notifier, outcome, directory = _opened()
    calendar = calendar_for(LSCB)
    later = outcome.dispute.deadline
    for _ in range(len(LSCB.stages)):  # every escalating stage runs out, then the last one is missed
        list(due_work.escalate_overdue(uow=uow, policy=LSCB, calendar=calendar, now=later, notifier=notifier))
        due_work.tell(uow=uow, notifier=notifier, now=later)
        later = uow.disputes.get(outcome.dispute.id).deadline
    lines = _thread_lines(uow)[2:]
    assert lines[0].startswith(
        "*Parley* escalated this from *Workers discuss (after consulting their line managers)* to *Line managers discuss*: "
        "the timescale ran out. It was waiting on Amara Okafor and DC Rhys Jones."
    )
    [first] = [m for m in uow.outbox.messages if m.delivery is Delivery.THREAD_REPLY and m.key.endswith(":0:escalated")][:1]
    assert first.payload["blocks"][1]["text"]["text"].startswith("*Parley* started *Line managers discuss*.")
    assert first.fallback_text.startswith("Parley escalated this to Line managers discuss, due by ")
    assert lines[-1].startswith("*Parley*: the timescale for *LSCB Board Manager mediates* ran out")
    reminder = Notifiers(notifier).reminders_for(uow.disputes.get(outcome.dispute.id), "overdue 1", directory)[0]
    assert reminder.payload["blocks"][0]["elements"][0]["text"].startswith("*Parley* is reminding ")


def test_someone_withdrawing_or_closing_it_is_named_with_their_agency() -> None:
    uow, notifier, outcome, directory = _opened()
    moves.withdraw(
        moves.Withdraw(dispute_id=outcome.dispute.id, by="amara.okafor", reason="Sorted by phone."), uow=uow, now=START, notifier=notifier
    )
    assert _thread_lines(uow)[-1] == "*Amara Okafor* (Children's Social Care) withdrew this disagreement."
