"""Finding the other professional in Parley's directory from the Teams intake card, wherever they are.

The "other professional" choice offers a typeahead (`choices.data`, a `Data.Query`): as the person
types, Teams posts an `application/search` invoke and shows what Parley answers. Clients that
can't query show the static `choices` instead. Here the police are on Teams and Children's Social
Care on Slack (tests/builders.py): DC Jones finds a social worker who isn't in his tenant at all.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from bot.directory import Directory, Membership, Person
from handlers.files import read_policy
from messages import teams as cards
from messages.teams import Verb
from storage.models import DisputeRow, OutboxRow
from tests.builders import directory_for
from tests.teams.harness import DC_JONES, STRANGER, Harness, Posted, element, intake_answers, run

LSCB = read_policy("lscb")
RESULTS = "application/vnd.microsoft.search.searchResponse"


async def _search(
    h: Harness,
    user: str,
    text: str,
    *,
    inputs: dict[str, Any] | None = None,
    dataset: str = "parley.people",
    skip: int = 0,
    top: int = 15,
) -> Posted:
    """What Teams posts as someone types in the typeahead (with the card's other inputs: associatedInputs auto)."""
    value: dict[str, Any] = {"queryText": text, "queryOptions": {"skip": skip, "top": top}, "dataset": dataset}
    if inputs is not None:
        value["data"] = inputs
    return await h.post(h.activity("invoke", user, name="application/search", value=value))


def _found(posted: Posted) -> list[tuple[str, str]]:
    assert posted.status == 200 and posted.body["type"] == RESULTS, posted.body
    return [(r["title"], r["value"]) for r in posted.body["value"]["results"]]


def _many_joneses(directory: Directory, n: int = 25) -> Directory:
    """`n` more social workers called Jo Jones (on no platform at all), and one with "jo" inside a word."""
    people = dict(directory.people)
    people["ana.mahjo"] = Person("ana.mahjo", "Ana Mahjoub", "ana.mahjo@csc.example.gov.uk", (Membership("csc"),))
    for i in range(n):
        pid = f"sw.jones{i:03d}"
        people[pid] = Person(pid, f"Jo Jones {i:03d}", f"{pid}@csc.example.gov.uk", (Membership("csc"),))
    return Directory(agencies=dict(directory.agencies), people=people)


def test_the_intake_card_offers_a_typeahead_search_with_the_static_list_as_fallback(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.say(DC_JONES, "disagree")
        choice = element(h.last_card(DC_JONES), "other_person")
        assert choice["type"] == "Input.ChoiceSet" and choice["style"] == "filtered"
        assert choice["choices.data"] == {"type": "Data.Query", "dataset": "parley.people", "associatedInputs": "auto"}
        # clients that can't query show the listed people: Amara is on Slack, not in this tenant
        assert {"title": "Amara Okafor (Children's Social Care)", "value": "amara.okafor"} in choice["choices"]

    run(engine, scenario, policy=LSCB)


def test_searching_offers_names_and_agencies_only_within_the_agency_chosen_and_never_yourself(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        posted = await _search(h, DC_JONES, "amara")
        assert posted.body == {"type": RESULTS, "value": {"results": [{"title": "Amara Okafor (Children's Social Care)", "value": "amara.okafor"}]}}
        # names and agencies only: no email, role, Slack or Teams id, nothing about any case
        assert "@" not in json.dumps(posted.body) and "U0AMARA" not in json.dumps(posted.body)

        # the agency chosen on the card narrows it; an unknown or partnership agency is ignored
        assert _found(await _search(h, DC_JONES, "ben", inputs={"other_agency": "police"})) == []
        assert _found(await _search(h, DC_JONES, "ben", inputs={"other_agency": "csc", "problem": "x"})) == [
            ("Ben Hughes (Children's Social Care)", "ben.hughes")
        ]
        assert _found(await _search(h, DC_JONES, "ben", inputs={"other_agency": "nonsense"})) == [
            ("Ben Hughes (Children's Social Care)", "ben.hughes")
        ]

        # never the person searching, nor the partnership; one letter is not enough
        assert _found(await _search(h, DC_JONES, "rhys")) == []
        assert _found(await _search(h, DC_JONES, "board")) == []
        assert _found(await _search(h, DC_JONES, "a")) == []

        # nothing was saved or sent: a search only reads
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0 and h.connector.calls == []

    run(engine, scenario, policy=LSCB)


def test_results_come_best_first_fifteen_at_a_time(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        first = _found(await _search(h, DC_JONES, "jo", inputs={"other_agency": "csc"}))
        assert len(first) == 15
        assert first[0] == ("Jo Jones 000 (Children's Social Care)", "sw.jones000")
        # the next page (Teams sends skip as the person scrolls); names with "jo" inside a word come last
        rest = _found(await _search(h, DC_JONES, "jo", inputs={"other_agency": "csc"}, skip=15))
        assert [v for _, v in rest] == [f"sw.jones{i:03d}" for i in range(15, 25)] + ["ana.mahjo"]
        # asking for more than Teams shows gets no more than it shows
        assert len(_found(await _search(h, DC_JONES, "jo", top=500))) == 15
        assert _found(await _search(h, DC_JONES, "mahj")) == [("Ana Mahjoub (Children's Social Care)", "ana.mahjo")]

    run(engine, scenario, policy=LSCB, directory=_many_joneses(directory_for(LSCB)))


def test_someone_not_in_the_directory_or_another_dataset_finds_nobody(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        assert _found(await _search(h, STRANGER, "amara")) == []
        assert _found(await _search(h, DC_JONES, "amara", dataset="something.else")) == []
        # a malformed query is no error either: nobody found
        posted = await h.post(h.activity("invoke", DC_JONES, name="application/search", value={"dataset": "parley.people", "queryText": 7}))
        assert _found(posted) == []
        assert h.count(DisputeRow) == 0 and h.connector.calls == []

    run(engine, scenario, policy=LSCB)


def test_the_person_found_must_be_in_the_agency_chosen_and_becomes_the_other_party(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        # found by typing, beyond the people the card lists statically
        [(title, found)] = _found(await _search(h, DC_JONES, "jones 240"))
        await h.say(DC_JONES, "disagree")
        listed = {c["value"] for c in element(h.last_card(DC_JONES), "other_person")["choices"]}
        assert found == "sw.jones240" and found not in listed and len(listed) == cards.CHOICES_MAX

        # the person must be in the agency chosen: shown beside the agency, nothing is created
        card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(other_person=found, other_agency="police"))).card
        assert element(card, "error.other_agency")["text"] == "Jo Jones 240 is not listed in West Yorkshire Police."
        # shown again, the person found stays chosen (and is among the choices, so the card can show them)
        choice = element(card, "other_person")
        assert choice["value"] == found and {"title": title, "value": found} in choice["choices"]
        assert h.count(DisputeRow) == 0 and h.count(OutboxRow) == 0

        # yourself, or someone no longer in the directory (or a forged value)
        card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(other_person="dc.jones"))).card
        assert element(card, "error.other_person")["text"] == "The other party must be someone else."
        card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(other_person="sw.left"))).card
        assert "isn't in Parley's directory" in element(card, "error.other_person")["text"]
        assert h.count(DisputeRow) == 0

        # no agency chosen: theirs; no role needed when they were found by name
        raised = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(other_person=found), reply_to="card-9")).card
        assert element(raised, "raised") is not None
        [dispute_id] = h.dispute_ids()
        dispute = h.dispute(dispute_id)
        assert (dispute.other.person_id, dispute.other.agency) == ("sw.jones240", "csc")
        assert "sw.jones240" in dispute.involved

    run(engine, scenario, policy=LSCB, directory=_many_joneses(directory_for(LSCB), n=cards.CHOICES_MAX + 50))
