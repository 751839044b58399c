"""A whole practice disagreement driven through the practice workspace's own entry points (no browser).

Slack clicks and forms go to the real Bolt app as signed payloads, Teams actions to the real bot as
activities, exactly as the page sends them; the helpers here find buttons in what the fakes recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from handlers.practice.workspace import SLACK_CHANNEL, TEAMS_CHANNEL, Practice
from messages.slack import ActionId
from messages.teams import Verb

REAL_NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)  # a Tuesday evening: the practice starts Wednesday 10:00
REFERENCE = "CSC-2026-0042"


def slack_button(practice: Practice, action: ActionId, *, channel: str, last: bool = True) -> tuple[str, str, str]:
    """(value, channel, ts) of the newest (or first) button with this action id in a channel or DM."""
    fake = practice.fake_slack
    messages = [r for r, _ in fake.thread(channel)] if channel.startswith("C") else fake.direct("U" + channel[1:])
    found = []
    for m in messages:
        for block in m.blocks:
            for element in block.get("elements", []) + ([block["accessory"]] if "accessory" in block else []):
                if element.get("action_id") == action.value:
                    found.append((element["value"], channel, m.ts))
    assert found, f"no {action} button in {channel}"
    return found[-1] if last else found[0]


def executes(card: Any) -> Iterator[dict[str, Any]]:
    if isinstance(card, dict):
        if card.get("type") == "Action.Execute":
            yield card
        for value in card.values():
            yield from executes(value)
    elif isinstance(card, list):
        for value in card:
            yield from executes(value)


def teams_button(practice: Practice, person_id: str, verb: Verb) -> tuple[dict[str, Any], str, str]:
    """(data, activity id, conversation) of the newest card in the person's 1:1 chat with this verb (as they see it)."""
    chat = f"a:personal-{practice.user_of(person_id).removeprefix('29:')}"
    for activity in reversed(practice.fake_teams.chat(chat)):
        for attachment in activity.body.get("attachments") or []:
            card = practice.card_overrides.get((person_id, activity.id), attachment["content"])
            for action in executes(card):
                if action.get("verb") == verb.value:
                    return dict(action.get("data") or {}), activity.id, chat
    raise AssertionError(f"no {verb} button for {person_id}")


def intake_answers(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "reference": REFERENCE,
        "category": "1",
        "other_agency": "police",
        "other_in_directory": {"value": "rhys.jones", "text": "DC Rhys Jones · Police (practice)"},
        "problem": "The referral was closed with no further action <script>alert(1)</script> & <b>no</b> reason.",
        "outcome": "A strategy discussion today.",
        "discussed": "yes",
        "immediate_risk": "yes",
    }
    answers.update(changes)
    return answers


def practice(folder: Path) -> Practice:
    return Practice(folder=folder, policy_name="lscb", real_now=REAL_NOW)


async def whole_disagreement(p: Practice) -> None:
    """Raise (with one mistake first), note, escalate on Teams, remind, digest, escalate by the clock, resolve, confirm, record."""
    await p.slack_command("amara.okafor", "/disagree", "help")
    await p.slack_command("amara.okafor", "/disagree")
    found = await p.slack_suggest("amara.okafor", "other_in_directory", "Jones", {})
    assert found == [{"value": "rhys.jones", "text": "DC Rhys Jones · Police (practice)"}]
    await p.slack_submit("amara.okafor", intake_answers(reference=""))  # Slack shows the error beside the field
    await p.slack_submit("amara.okafor", intake_answers())

    data, card, chat = teams_button(p, "sana.khan", Verb.ESCALATE)
    await p.teams_execute("sana.khan", Verb.ESCALATE, data, card, chat)
    data, card, chat = teams_button(p, "sana.khan", Verb.ESCALATE_SUBMIT)
    await p.teams_execute("sana.khan", Verb.ESCALATE_SUBMIT, {**data, "reason": "No strategy discussion offered."}, card, chat)

    await p.slack_click("ben.hughes", ActionId.ADD_NOTE, *slack_button(p, ActionId.ADD_NOTE, channel=SLACK_CHANNEL))
    await p.slack_submit("ben.hughes", {"note": "Spoke to DS Khan by phone; a decision is needed today."})
    await p.move_clock("reminder")
    await p.move_clock("deadline")  # stage 3 runs out: Parley escalates to the Board Manager
    await p.move_clock("morning")  # the leads' morning digest

    await p.slack_click("partnership.board_manager", ActionId.RESOLVE, *slack_button(p, ActionId.RESOLVE, channel=SLACK_CHANNEL))
    await p.slack_submit("partnership.board_manager", {"agreed_outcome": "A strategy discussion at 3pm, chaired by the police."})
    await p.slack_click("amara.okafor", ActionId.CONFIRM, *slack_button(p, ActionId.CONFIRM, channel="D0AMARAOKAFOR"))
    await p.slack_submit("amara.okafor", {"statement": "Agreed for children's social care."})  # in her own words
    data, card, chat = teams_button(p, "rhys.jones", Verb.CONFIRM)
    await p.teams_execute("rhys.jones", Verb.CONFIRM, {**data, "statement": "Agreed for the police."}, card, chat)

    await p.slack_click("amara.okafor", ActionId.VIEW_RECORD, *slack_button(p, ActionId.VIEW_RECORD, channel=SLACK_CHANNEL))
    await p.slack_command("amara.okafor", "/disagree", "list")


def teams_channel_text(p: Practice) -> str:
    import json

    return json.dumps([r.body for root, replies in p.fake_teams.channel(TEAMS_CHANNEL) for r in [root, *replies]], ensure_ascii=False)
