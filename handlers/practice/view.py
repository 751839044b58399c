"""What one person sees in the practice workspace: their platform's channel, their direct messages, open forms.

Slack messages are rendered to HTML here (handlers.practice.blockkit); Teams cards go to the page as
the card JSON Parley sent, for Microsoft's adaptivecards renderer there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.practice.blockkit import Renderer, mrkdwn
from handlers.practice.workspace import SLACK_CHANNEL, TEAMS_CHANNEL, Practice

CARD = "application/vnd.microsoft.card.adaptive"


def shown_time(practice: Practice, at: str | datetime) -> str:
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return practice.calendar.to_local(moment).strftime("%a %-d %b %Y, %H:%M")


def state(practice: Practice, person_id: str) -> dict[str, Any]:
    person = practice.directory.people[person_id]
    platform = practice.platform_of(person_id)
    out: dict[str, Any] = {
        "person": {"id": person_id, "name": person.name, "platform": platform},
        "clock": shown_time(practice, practice.clock()),
        "policy": practice.policy_name,
        "policy_title": practice.policy.title,
        "notices": [{"at": shown_time(practice, at), "text": t} for at, t in practice.notices.get(person_id, [])[-5:]],
    }
    out.update(_slack(practice, person_id) if platform == "slack" else _teams(practice, person_id))
    return out


def _slack(practice: Practice, person_id: str) -> dict[str, Any]:
    fake = practice.fake_slack
    names = {p.identities[0].user_id: p.name for p in practice.directory.people.values()}
    users = [(p.identities[0].user_id, p.name) for p in practice.directory.people.values() if p.identities[0].platform == "slack"]
    render = Renderer(names=names, users=users)
    user = practice.user_of(person_id)

    def message(m: Any, channel: str) -> dict[str, Any]:
        body = render.blocks(m.blocks) if m.blocks else f'<div class="sk-text">{mrkdwn(m.text, names)}</div>'
        return {"ts": m.ts, "channel": channel, "at": shown_time(practice, m.at) if m.at else "", "html": body}

    threads = [
        {**message(root, SLACK_CHANNEL), "replies": [message(r, SLACK_CHANNEL) for r in replies]}
        for root, replies in fake.thread(SLACK_CHANNEL)
    ]
    direct = [message(m, "D" + user[1:]) for m in fake.direct(user)]
    private = [message(m, m.channel) for m in fake.ephemeral(user)][-5:]
    view = fake.top_view(user)
    return {
        "channel": {"name": "#parley-practice", "threads": threads},
        "direct": direct,
        "ephemeral": private,
        "modal": {"id": view["id"], "html": render.modal(view)} if view else None,
    }


def _cards(practice: Practice, person_id: str, activity: Any) -> dict[str, Any]:
    body = activity.body
    cards = [
        practice.card_overrides.get((person_id, activity.id), a["content"])
        for a in body.get("attachments") or []
        if a.get("contentType") == CARD
    ]
    return {"id": activity.id, "at": shown_time(practice, activity.at) if activity.at else "", "cards": cards, "text": body.get("text") or ""}


def _teams(practice: Practice, person_id: str) -> dict[str, Any]:
    fake = practice.fake_teams
    user = practice.user_of(person_id)
    chat_id = f"a:personal-{user.removeprefix('29:')}"
    threads = []
    for root, replies in fake.channel(TEAMS_CHANNEL):
        replies_shown = [{**_cards(practice, person_id, r), "conversation": f"{TEAMS_CHANNEL};messageid={root.id}"} for r in replies]
        threads.append({**_cards(practice, person_id, root), "conversation": TEAMS_CHANNEL, "replies": replies_shown})
    # Parley's messages in the 1:1 chat, with what the person typed placed where they typed it
    items: list[tuple[int, int, dict[str, Any]]] = [
        (position, 0, {**_cards(practice, person_id, a), "conversation": chat_id, "mine": False})
        for position, a in enumerate(fake.activities)
        if a.conversation == chat_id
    ]
    items += [
        (position, -1, {"id": f"said-{i}", "at": shown_time(practice, at), "cards": [], "text": text, "conversation": chat_id, "mine": True})
        for i, (conversation, who, at, text, position) in enumerate(practice.said)
        if conversation == chat_id and who == person_id
    ]
    items.sort(key=lambda x: (x[0], x[1]))
    return {"channel": {"name": "Parley practice · Disputes", "threads": threads}, "direct": [m for *_, m in items]}
