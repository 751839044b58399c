"""One table of scenarios, each run through Slack and through Teams: the same moves give the same
record, the same people told, and the same words.

Each platform is driven as people use it (signed Slack requests to the real app with a mock Web
API; Bot Framework activities to the real bot with a mock connector). What is compared is what
they leave: the record's entries, and the outbox's messages (who each direct message went to, by
directory id, and the plain words every thread line and message carries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.directory import Directory
from bot.permissions import Intent
from handlers.files import read_policy
from messages.slack import ActionId
from messages.teams import Verb
from storage.models import OutboxRow, RecordEntryRow
from tests.builders import directory_for
from tests.slack import harness as slack
from tests.teams import harness as teams

LSCB = read_policy("lscb")


@dataclass(frozen=True)
class Step:
    who: str  # directory id
    intent: Intent
    fields: dict[str, str] = field(default_factory=dict)


RAISE = {"reference": "CSC-2040-0193", "problem": "The referral was closed with no further action.", "outcome": "A strategy discussion this week."}
SCENARIOS = {
    "note, escalate, propose, confirm": [
        Step("dc.jones", Intent.ADD_NOTE, {"note": "Called the duty desk."}),
        Step("amara.okafor", Intent.ESCALATE, {"reason": "Still no agreement."}),
        Step("ben.hughes", Intent.RESOLVE, {"agreed_outcome": "Joint visit on Monday."}),
        Step("dc.jones", Intent.CONFIRM, {"statement": "Agreed for the police."}),
    ],
    "a refusal names who can, then propose, not agreed, withdraw": [
        Step("ben.hughes", Intent.ESCALATE),  # not asked at this stage: refused, naming who can
        Step("dc.jones", Intent.WITHDRAW),  # only the raiser withdraws
        Step("amara.okafor", Intent.RESOLVE, {"agreed_outcome": "Close the case.", "learning_points": "Thresholds need a shared reading."}),
        Step("dc.jones", Intent.NOT_AGREED, {"reason": "It leaves the child without a plan."}),
        Step("amara.okafor", Intent.WITHDRAW, {"reason": "Raised in error."}),
    ],
}

SLACK_BUTTONS = {
    Intent.RESOLVE: ActionId.RESOLVE,
    Intent.ESCALATE: ActionId.ESCALATE,
    Intent.ADD_NOTE: ActionId.ADD_NOTE,
    Intent.WITHDRAW: ActionId.WITHDRAW,
    Intent.CLOSE_UNRESOLVED: ActionId.CLOSE_UNRESOLVED,
    Intent.CONFIRM: ActionId.CONFIRM,
    Intent.NOT_AGREED: ActionId.NOT_AGREED,
}
TEAMS_SUBMIT = {
    Intent.RESOLVE: (Verb.RESOLVE, Verb.RESOLVE_SUBMIT),
    Intent.ESCALATE: (Verb.ESCALATE, Verb.ESCALATE_SUBMIT),
    Intent.ADD_NOTE: (Verb.ADD_NOTE, Verb.ADD_NOTE_SUBMIT),
    Intent.WITHDRAW: (Verb.WITHDRAW, Verb.WITHDRAW_SUBMIT),
    Intent.CLOSE_UNRESOLVED: (Verb.CLOSE_UNRESOLVED, Verb.CLOSE_UNRESOLVED_SUBMIT),
}
LABELS = {
    Intent.RESOLVE: "Resolve",
    Intent.ESCALATE: "Escalate",
    Intent.ADD_NOTE: "Add note",
    Intent.WITHDRAW: "Withdraw",
    Intent.CLOSE_UNRESOLVED: "Close unresolved",
}


@dataclass
class Seen:
    record: list[str] = field(default_factory=list)
    told: list[tuple[str, str]] = field(default_factory=list)  # (person id, words) of each direct message
    thread: list[str] = field(default_factory=list)  # the words of each thread line, in order
    replies: list[str] = field(default_factory=list)  # what each person was told after their move


def _seen(sessions: Any, directory: Directory, platform: str, dispute_id: str) -> Seen:
    """What the dispute this run raised left (both runs share the test's database: each has its own dispute)."""
    seen = Seen()
    with sessions() as s:
        entries = select(RecordEntryRow.kind).where(RecordEntryRow.dispute_id == dispute_id).order_by(RecordEntryRow.seq)
        seen.record = list(s.scalars(entries))
        rows = select(OutboxRow).where(OutboxRow.platform == platform, OutboxRow.dispute_id == dispute_id).order_by(OutboxRow.id)
        for row in s.scalars(rows):
            if row.delivery == "direct":
                person = directory.by_identity(platform, row.workspace, row.target)
                seen.told.append((person.id if person else row.target, row.fallback_text))
            elif row.delivery == "thread reply":
                seen.thread.append(row.fallback_text)
    seen.told.sort()
    return seen


def _slack(engine: Engine, steps: list[Step]) -> Seen:
    directory = slack.with_police_on_slack(directory_for(LSCB))
    out: list[Seen] = []

    async def scenario(h: slack.Harness) -> None:
        known = set(h.dispute_ids())
        await h.raise_dispute(slack.AMARA, **RAISE)
        [dispute_id] = set(h.dispute_ids()) - known
        await h.settle()
        replies = []
        for step in steps:
            user = slack.slack_id(step.who)
            if step.intent in (Intent.CONFIRM, Intent.NOT_AGREED):
                ask = h.mock.posts(channel=user)[-1]
                value = slack.button(ask.args["blocks"], SLACK_BUTTONS[step.intent])
            else:
                value = slack.button(h.latest_root_blocks(), SLACK_BUTTONS[step.intent])
            before = len(h.opened_views())
            await h.click(user, SLACK_BUTTONS[step.intent], value)
            await h.settle()
            if len(h.opened_views()) == before:  # refused: said privately, no form
                replies.append(h.mock.responses[-1]["text"])
                continue
            _, body = await h.submit(user, h.opened_views()[-1], step.fields)
            replies.append(slack.done_text(body))
            await h.settle()
        seen = _seen(h.sessions, directory, "slack", dispute_id)
        seen.replies = replies
        out.append(seen)

    slack.run(engine, scenario, policy=LSCB, directory=directory)
    return out[0]


def _teams(engine: Engine, steps: list[Step]) -> Seen:
    directory = teams.with_csc_on_teams(directory_for(LSCB))
    out: list[Seen] = []

    async def scenario(h: teams.Harness) -> None:
        answers = teams.intake_answers(other_person="dc.jones", **RAISE)
        known = set(h.dispute_ids())
        raised = await h.execute(teams.AMARA, Verb.INTAKE, answers)
        [dispute_id] = set(h.dispute_ids()) - known
        assert raised.status == 200, raised.body
        await h.deliver()
        replies = []
        for step in steps:
            user = teams.teams_id(step.who)
            if step.intent in (Intent.CONFIRM, Intent.NOT_AGREED):
                ask = h.connector.direct_to(user)[-1].cards()[0]
                verb = Verb.CONFIRM if step.intent is Intent.CONFIRM else Verb.NOT_AGREED
                done = (await h.execute(user, verb, {**teams.actions(ask)[LABELS.get(step.intent, verb_label(verb))], **step.fields})).card
            else:
                opens, sends = TEAMS_SUBMIT[step.intent]
                pressed = await h.execute(user, opens, teams.actions(h.latest_root_card())[LABELS[step.intent]])
                if pressed.body["type"] != teams.CARD:  # refused: said privately, no form
                    replies.append(pressed.message)
                    continue
                form = pressed.card
                submit = next(a for a in teams.actions(form).values() if a.get("verb") == sends)
                done = (await h.execute(user, sends, {**submit, **step.fields})).card
            notice = teams.element(done, "notice")
            replies.append(notice["text"].rsplit(" (", 1)[0] if notice else " ".join(teams.texts(done).split("\n")[1:2]))
            await h.deliver()
        seen = _seen(h.sessions, directory, "teams", dispute_id)
        seen.replies = replies
        out.append(seen)

    teams.run(engine, scenario, policy=LSCB, directory=directory)
    return out[0]


def verb_label(verb: Verb) -> str:
    return "Confirm" if verb is Verb.CONFIRM else "Not agreed"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_same_moves_give_the_same_record_people_and_words_on_slack_and_teams(engine: Engine, name: str) -> None:
    steps = SCENARIOS[name]
    on_slack, on_teams = _slack(engine, steps), _teams(engine, steps)
    assert on_slack.record == on_teams.record
    assert on_slack.thread == on_teams.thread
    assert on_slack.told == on_teams.told
    assert on_slack.replies == on_teams.replies
    assert all(on_slack.replies)
    assert on_slack.told and on_slack.thread  # something was compared


def test_a_refusal_reads_the_same_and_names_who_can(engine: Engine) -> None:
    steps = SCENARIOS["a refusal names who can, then propose, not agreed, withdraw"]
    said = _slack(engine, steps).replies
    assert said[0] == "Only the people asked to act at this stage or the person who raised it can escalate: Amara Okafor or DC Rhys Jones. Nothing has changed."
    assert said[1] == "Only the person who raised it can withdraw it: Amara Okafor. Nothing has changed."
