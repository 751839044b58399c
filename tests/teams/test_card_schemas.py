"""Every Adaptive Card Parley sends is valid Adaptive Cards 1.5, with only Teams' documented extensions,
and the Teams app package's manifest is valid manifest 1.17.

The cards are the ones a realistic run produces: the Teams flows are driven as Teams drives them
(tests/teams/harness.py) through every kind of card (intake, intake with field errors, the root in
each state, each form, each direct message, stale and refusal cards, help, list, record), and every
card that reached the mock connector or came back in an invoke response is checked.

The schemas are Microsoft's files, copied unchanged into tests/schemas/ (README there: sources,
commits, SHA-256s, checked below), so the test needs nothing outside the repository.
"""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft6Validator
from sqlalchemy import Engine

import app
from handlers.files import read_policy
from messages import teams as cards
from messages.teams import Verb
from tests.builders import directory_for
from tests.teams.harness import BEN, DC_JONES, DS_KHAN, START, STRANGER, Harness, actions, intake_answers, run, with_csc_on_teams

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SHA256 = {
    "adaptive-card-1.5.json": "32c91fb285180a266a55b3475dd0396e63fe079311714d3a14963b41f5e17920",
    "adaptive-card-1.6.json": "a2f263fe380066f144f01ea6226797d6f47589c27d06e2d52abd09b453c5ad2c",
    "teams-manifest-1.17.json": "d20162acfe039e94164f40557c63c7e7aa7747ddd121e1141817453673dca065",
}
LSCB = read_policy("lscb")
AMARA = "29:amaraokafor"


def _schema(name: str) -> dict[str, Any]:
    raw = (SCHEMAS / name).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHA256[name], f"{name} is not Microsoft's file"
    return json.loads(raw)


CARD_1_5 = Draft6Validator(_schema("adaptive-card-1.5.json"))
_DATA_QUERY_1_6 = _schema("adaptive-card-1.6.json")["definitions"]["Data.Query"]
# Teams' typeahead docs add `associatedInputs` to 1.6's Data.Query; nothing else is added.
DATA_QUERY = Draft6Validator(
    {**_DATA_QUERY_1_6, "properties": {**_DATA_QUERY_1_6["properties"], "associatedInputs": {"enum": ["auto", "none"]}}}
)
# The card's `msteams` object, as Teams documents it: full width, and the entities of its <at> mentions.
MSTEAMS = Draft6Validator(
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "width": {"enum": ["Full"]},
            "entities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type", "text", "mentioned"],
                    "properties": {
                        "type": {"enum": ["mention"]},
                        "text": {"type": "string", "pattern": "^<at>.+</at>$"},
                        "mentioned": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["id", "name"],
                            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
            },
        },
    }
)


def card_problems(card: dict[str, Any]) -> list[str]:
    """Why this card is not 1.5 with Teams' documented extensions only ([] if it is)."""
    card = copy.deepcopy(card)
    problems = []
    if card.get("version") != "1.5":
        problems.append(f"version is {card.get('version')!r}, not 1.5")
    if "msteams" in card:
        problems += [f"msteams: {e.message}" for e in MSTEAMS.iter_errors(card.pop("msteams"))]

    def strip_extensions(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet":
                if "choices.data" in node:
                    problems.extend(f"choices.data: {e.message}" for e in DATA_QUERY.iter_errors(node.pop("choices.data")))
                if node.get("style") == "filtered":
                    node.pop("style")
            for value in node.values():
                strip_extensions(value)
        elif isinstance(node, list):
            for value in node:
                strip_extensions(value)

    strip_extensions(card)
    problems += [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in CARD_1_5.iter_errors(card)]
    return problems


class Collected:
    def __init__(self) -> None:
        self.cards: dict[str, dict[str, Any]] = {}

    def add(self, what: str, card: dict[str, Any]) -> None:
        self.cards[f"{len(self.cards):03} {what}"] = card

    def from_connector(self, h: Harness) -> None:
        for call in h.connector.calls:
            for card in call.cards():
                key = json.dumps(card, sort_keys=True)
                if key not in {json.dumps(c, sort_keys=True) for c in self.cards.values()}:
                    self.add(f"{call.kind} {call.conversation}: {call.body.get('summary', '')[:60]}", card)


def _form(h: Harness, posted: Any) -> dict[str, Any]:
    assert posted.status == 200, posted.body
    return posted.body["value"] if posted.body["type"].endswith("card.adaptive") else {}


def _drive(engine: Engine) -> Collected:
    seen = Collected()

    async def execute(h: Harness, what: str, user: str, verb: Verb, data: dict[str, Any]) -> dict[str, Any]:
        card = _form(h, await h.execute(user, verb, data))
        if card:
            seen.add(what, card)
        return card

    async def scenario(h: Harness) -> None:
        await h.say(DC_JONES, "help")
        await h.say(DC_JONES, "something else")
        await h.say(DC_JONES, "list")
        await h.say(DC_JONES, "disagree")
        await h.say(STRANGER, "disagree", tenant="tenant-elsewhere")
        await execute(h, "intake with field errors", DC_JONES, Verb.INTAKE, intake_answers(reference="", problem=""))
        await execute(h, "stranger's intake", STRANGER, Verb.INTAKE, intake_answers())
        await execute(h, "raised", DC_JONES, Verb.INTAKE, intake_answers())
        await h.deliver()
        root = h.latest_root_card()
        note_form = await execute(h, "note form", AMARA, Verb.ADD_NOTE, actions(root)["Add note"])
        submit = next(d for d in actions(note_form).values() if d["verb"] == Verb.ADD_NOTE_SUBMIT)
        await execute(h, "note form with an error", AMARA, Verb.ADD_NOTE_SUBMIT, {**submit, "note": ""})
        await execute(h, "note added", AMARA, Verb.ADD_NOTE_SUBMIT, {**submit, "note": "We met the family on Friday."})
        await h.deliver()
        await execute(h, "stale escalate", DC_JONES, Verb.ESCALATE, actions(root)["Escalate"] | {"version": 0})
        await execute(h, "refused for a stranger", STRANGER, Verb.ESCALATE, actions(root)["Escalate"])
        root = h.latest_root_card()
        escalate_form = await execute(h, "escalate form", DC_JONES, Verb.ESCALATE, actions(root)["Escalate"])
        submit = next(d for d in actions(escalate_form).values() if d["verb"] == Verb.ESCALATE_SUBMIT)
        await execute(h, "escalated", DC_JONES, Verb.ESCALATE_SUBMIT, {**submit, "reason": "No reply by the end of the day."})
        await h.deliver()
        root = h.latest_root_card()
        for title in ("Withdraw", "Close unresolved"):
            if title in actions(root):
                await execute(h, f"{title} form", DC_JONES, Verb(actions(root)[title]["verb"]), actions(root)[title])
        khan_card = h.connector.direct_to(DS_KHAN)[-1].cards()[0]
        resolve_form = await execute(h, "resolve form", DS_KHAN, Verb.RESOLVE, actions(khan_card)["Resolve"])
        submit = next(d for d in actions(resolve_form).values() if d["verb"] == Verb.RESOLVE_SUBMIT)
        answers = {"agreed_outcome": "Strategy discussion on Tuesday.", "learning_points": "Call before closing."}
        await execute(h, "proposed", DS_KHAN, Verb.RESOLVE_SUBMIT, {**submit, **answers})
        await h.deliver()
        confirm = h.connector.direct_to(BEN)[-1].cards()[0]
        await execute(h, "confirm without words", BEN, Verb.CONFIRM, {**actions(confirm)["Confirm"], "statement": ""})
        await execute(h, "confirmed", BEN, Verb.CONFIRM, {**actions(confirm)["Confirm"], "statement": "Agreed for CSC."})
        await h.deliver()
        await execute(h, "record", DC_JONES, Verb.VIEW_RECORD, actions(h.latest_root_card())["View record"])
        await execute(h, "an old confirm after it is resolved", BEN, Verb.CONFIRM, {**actions(confirm)["Confirm"], "statement": "Again."})
        await h.say(DC_JONES, "list")
        await h.install(DS_KHAN)
        seen.from_connector(h)

    run(engine, scenario, policy=LSCB, directory=with_csc_on_teams(directory_for(LSCB)))
    return seen


def test_every_card_parley_sends_is_adaptive_cards_1_5_with_teams_extensions_only(engine: Engine) -> None:
    seen = _drive(engine)
    seen.add("message card", cards.message_card("Title", "Some text."))
    kinds = {k.split(" ", 1)[1].split(":")[0] for k in seen.cards}
    assert len(seen.cards) >= 25, sorted(seen.cards)
    assert {"raised", "note form", "escalate form", "resolve form", "record", "stale escalate"} <= kinds
    every = json.dumps(list(seen.cards.values()))
    # the Teams extensions are really there, so the allow-list above is exercised, not assumed
    assert '"choices.data": {"type": "Data.Query"' in every and '"style": "filtered"' in every and '"entities": [{"type": "mention"' in every
    problems = {what: found for what, card in seen.cards.items() if (found := card_problems(card))}
    assert problems == {}


def test_the_check_catches_what_teams_would_not_render() -> None:
    good = cards.message_card("Title", "Some text.")
    assert card_problems(good) == []
    assert card_problems({**good, "version": "1.4"}) == ["version is '1.4', not 1.5"]
    assert card_problems({**good, "body": [{"type": "TextBlock", "text": "x", "colour": "Good"}]})
    assert card_problems({**good, "msteams": {"width": "Full", "theme": "dark"}})
    assert card_problems({**good, "body": [{"type": "Input.ChoiceSet", "id": "p", "choices.data": {"type": "Data.Query"}}]})


def test_the_teams_app_package_manifest_is_valid_manifest_1_17(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", "00000000-1111-2222-3333-444444444444")
    out = tmp_path / "parley.zip"
    assert app.main(["teams", "package", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    schema = _schema("teams-manifest-1.17.json")
    Draft4Validator.check_schema(schema)
    assert manifest["manifestVersion"] == "1.17"
    assert [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft4Validator(schema).iter_errors(manifest)] == []


def test_the_cards_the_timekeeper_and_delivery_send_are_valid_too() -> None:
    # Reminders, the digest, "couldn't reach" notices and the last stage's close form come from the
    # timekeeper or from failed deliveries, not from a click: built here from a real opened dispute.
    from bot import opening
    from handlers.holidays import calendar_for
    from messages.text import dispute_view, person_view
    from tests.fakes import FakeUnitOfWork

    directory = directory_for(LSCB)
    fields = dict(raiser="dc.jones", reference="POL-2040-0193", category=LSCB.categories[0], other_agency="csc", other_person="amara.okafor")
    opened = opening.open_dispute(
        opening.OpenDispute(**fields, problem="<b>x</b> *y*", cause="c", outcome="o"),
        uow=FakeUnitOfWork(directory),
        policy=LSCB,
        calendar=calendar_for(LSCB),
        now=START,
    )
    view = dispute_view(opened.dispute, directory, LSCB)
    amara = person_view(directory, "amara.okafor")
    data = cards.dispute_data(view)
    built = {
        **{f"reminder {n}": cards.reminder_activity(view, n) for n in ("half way", "due day morning", "at deadline", "overdue 1")},
        "reminder line": cards.reminder_line_activity(view, [amara], teams_ids={"amara.okafor": AMARA}),
        "digest": cards.digest_activity([view, view], me="dc.jones", day="Mon 5 Nov"),
        "unreachable": cards.unreachable_activity(view, amara, "teams", "the bot was removed"),
        "unreachable notice": cards.unreachable_notice_activity(view, amara, "teams"),
        "asked to act": cards.asked_to_act_activity(view, amara),
    }
    forms = {
        "close unresolved form": cards.close_unresolved_form(view, data, errors={"reason": "Say why."}),
        "withdraw form": cards.withdraw_form(view, data, errors={"reason": "Say why."}),
        "escalate form with an error": cards.escalate_form(view, data, next_stage="Line managers", errors={"reason": "Say why."}),
        "resolve form with an error": cards.resolve_form(view, data, errors={"agreed_outcome": "Say what."}),
        "list": cards.list_card([view], me="dc.jones"),
        "empty list": cards.list_card([], me="dc.jones"),
        "record": cards.record_card(view, "x" * 100_000),
    }
    problems = {what: found for what, act in built.items() for card in cards.cards_in(act) if (found := card_problems(card))}
    problems |= {what: found for what, card in forms.items() if (found := card_problems(card))}
    assert all(cards.cards_in(act) for act in built.values())
    assert problems == {}
