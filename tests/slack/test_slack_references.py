"""Case references and free text through Slack's intake modal: identifiers refused beside the field."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine, select

from bot.identifiers import ReferenceFormat
from handlers.files import read_policy
from messages.slack import Field
from storage.models import DisputeRow
from tests.slack.harness import AMARA, Harness, default_answers, run
from tests.unit.references import ACCEPTED, CSC, POLICE, REFUSED

BRADFORD = read_policy("bradford")
HIPS = read_policy("hips")
FORMATS = tuple(ReferenceFormat(f["name"], f["pattern"], tuple(f["examples"])) for f in (CSC, POLICE))


def test_every_reference_in_the_table_is_refused_or_accepted_through_the_modal(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        for reference, _kind in REFUSED:
            status, body = await h.submit(AMARA, view, {**default_answers(BRADFORD), "reference": reference})
            assert status == 200 and body["response_action"] == "errors", (reference, body)
            assert list(body["errors"]) == [Field.REFERENCE], (reference, body)
            assert "case reference" in body["errors"][Field.REFERENCE], (reference, body)
        assert h.count(DisputeRow) == 0
        for reference in ACCEPTED[:10]:
            await h.raise_dispute(AMARA, reference=reference)
        with h.sessions() as s:
            stored = list(s.scalars(select(DisputeRow.reference).order_by(DisputeRow.opened_at)))
        assert stored == [r.replace("\u2013", "-") for r in ACCEPTED[:10]]

    run(engine, scenario, policy=BRADFORD)


def test_free_text_with_an_nhs_number_or_a_nul_is_refused_beside_the_field(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        for field, text, phrase in [
            (Field.PROBLEM, "NHS number 943 476 5919 on the referral", "case file"),
            (Field.OUTCOME, "Born on 12/03/2015, so", "date of birth"),
            (Field.PROBLEM, "nul \x00 here", "control character"),
            (Field.REFERENCE, "CSC-2026\x00-1", "control character"),
            (Field.CAUSE, "half a character \ud800 here", "broken character"),
            (Field.OTHER_DESCRIPTION, "duty\x1b[31m sergeant", "control character"),
        ]:
            status, body = await h.submit(AMARA, view, {**default_answers(BRADFORD), field.value: text})
            assert status == 200 and body["response_action"] == "errors", body
            assert phrase in body["errors"][field], body
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=BRADFORD)


def test_under_hips_a_dispute_inside_one_agency_is_pointed_to_the_in_house_procedure(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        answers = {**default_answers(HIPS), "other_person": None, "other_agency": "csc", "other_description": "social worker"}
        status, body = await h.submit(AMARA, view, answers)
        assert status == 200 and body["response_action"] == "errors", body
        [message] = body["errors"].values()
        assert "in-house" in message and "line manager" in message
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=HIPS)


def test_with_declared_formats_only_matching_references_are_accepted_and_the_forms_shown(engine: Engine) -> None:
    policy = dataclasses.replace(BRADFORD, case_references=FORMATS)

    async def scenario(h: Harness) -> None:
        view = await h.open_intake(AMARA)
        for reference in ["Case Ref 12345", "#123456", "CSC-26-1", "Amelia 2015"]:
            status, body = await h.submit(AMARA, view, {**default_answers(policy), "reference": reference})
            assert status == 200 and body["response_action"] == "errors", (reference, body)
            assert list(body["errors"]) == [Field.REFERENCE], (reference, body)
        status, body = await h.submit(AMARA, view, {**default_answers(policy), "reference": "Case Ref 12345"})
        message = body["errors"][Field.REFERENCE]
        assert "CSC-2026-00123 (Children's social care (Mosaic))" in message and "26/12345 (Police occurrence)" in message
        await h.raise_dispute(AMARA, reference="Police Ref 26/12345")
        with h.sessions() as s:
            assert list(s.scalars(select(DisputeRow.reference))) == ["Police Ref 26/12345"]

    run(engine, scenario, policy=policy)
