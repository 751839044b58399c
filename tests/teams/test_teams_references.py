"""Case references and free text through the Teams intake card: identifiers refused beside the field."""

from __future__ import annotations

import dataclasses

from sqlalchemy import Engine, select

from bot.identifiers import ReferenceFormat
from handlers.files import read_policy
from messages.teams import Field, Verb
from storage.models import DisputeRow
from tests.teams.harness import DC_JONES, Harness, element, intake_answers, run
from tests.unit.references import ACCEPTED, CSC, POLICE, REFUSED

LSCB = read_policy("lscb")
HIPS = read_policy("hips")
FORMATS = tuple(ReferenceFormat(f["name"], f["pattern"], tuple(f["examples"])) for f in (CSC, POLICE))


def test_every_reference_in_the_table_is_refused_or_accepted_through_the_card(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        for reference, _kind in REFUSED:
            card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference=reference))).card
            error = element(card, f"error.{Field.REFERENCE.value}")
            assert error is not None and "case reference" in error["text"], (reference, card)
        assert h.count(DisputeRow) == 0
        for n, reference in enumerate(ACCEPTED[:5]):
            await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference=reference), reply_to=f"card-{n}")
        with h.sessions() as s:
            stored = sorted(s.scalars(select(DisputeRow.reference)))
        assert stored == sorted(r.replace("\u2013", "-") for r in ACCEPTED[:5])

    run(engine, scenario, policy=LSCB)


def test_free_text_with_an_nhs_number_or_a_nul_is_refused_beside_the_field(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        for field, text, phrase in [
            (Field.PROBLEM, "NHS number 943 476 5919 on the referral", "case file"),
            (Field.PROBLEM, "nul \x00 here", "control character"),
            (Field.OUTCOME, "DOB 01/02/2020", "date of birth"),
            (Field.REFERENCE, "CSC\x00-2026-1", "control character"),
        ]:
            card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(**{field.value: text}))).card
            error = element(card, f"error.{field.value}")
            assert error is not None and phrase in error["text"], card
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=LSCB)


def test_under_hips_a_dispute_inside_one_agency_is_pointed_to_the_in_house_procedure(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        answers = intake_answers(other_person=None, other_agency="police", other_description="duty sergeant")
        card = (await h.execute(DC_JONES, Verb.INTAKE, answers)).card
        error = element(card, f"error.{Field.OTHER_AGENCY.value}")
        assert error is not None and "in-house" in error["text"] and "line manager" in error["text"], card
        assert h.count(DisputeRow) == 0

    run(engine, scenario, policy=HIPS)


def test_with_declared_formats_only_matching_references_are_accepted_and_the_forms_shown(engine: Engine) -> None:
    policy = dataclasses.replace(LSCB, case_references=FORMATS)

    async def scenario(h: Harness) -> None:
        for reference in ["Case Ref 12345", "CSC-26-1", "Amelia 2015"]:
            card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference=reference))).card
            error = element(card, f"error.{Field.REFERENCE.value}")
            assert error is not None, (reference, card)
        assert "looks like a name" in error["text"]  # the last one: an identifier is named as such, formats or not
        card = (await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="#123456"))).card
        assert "26/12345 (Police occurrence)" in element(card, f"error.{Field.REFERENCE.value}")["text"]
        await h.execute(DC_JONES, Verb.INTAKE, intake_answers(reference="CSC-2026-00123"), reply_to="card-ok")
        with h.sessions() as s:
            assert list(s.scalars(select(DisputeRow.reference))) == ["CSC-2026-00123"]

    run(engine, scenario, policy=policy)
