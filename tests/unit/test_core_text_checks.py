"""The core refuses, whatever the front end: identifiers and control characters in every free-text move,
references outside the declared formats, and a dispute inside one agency when the policy says so."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from bot import moves, opening
from bot.calendar import WorkingCalendar
from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.errors import InvalidInput
from bot.identifiers import ReferenceFormat
from handlers.holidays import bank_holidays
from messages.problems import word
from tests.fakes import FakeUnitOfWork
from tests.unit.factories import four_stage_policy

MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
CALENDAR = WorkingCalendar(bank_holidays("england-and-wales"))
POLICY = four_stage_policy()


def _person(pid: str, agency: str, lm: str | None = None) -> Person:
    return Person(pid, pid.title(), f"{pid}@example.gov.uk", (Membership(agency, frozenset(), lm),), (Identity("slack", "T01", f"U-{pid}"),))


@pytest.fixture
def uow() -> FakeUnitOfWork:
    people = [_person("amara", "csc", "ben"), _person("ben", "csc"), _person("cat", "csc"), _person("hana", "health")]
    return FakeUnitOfWork(
        Directory(agencies={a: Agency(a, a.upper()) for a in ("csc", "health", PARTNERSHIP)}, people={p.id: p for p in people})
    )


def _open(uow: FakeUnitOfWork, policy=POLICY, **changes) -> moves.Outcome:
    fields = dict(raiser="amara", reference="CSC-2026-0193", category="threshold", other_agency="health", other_person="hana",
                  problem="Referral declined.", cause="", outcome="A strategy discussion.", discussed=True)  # fmt: skip
    fields.update(changes)
    return opening.open_dispute(opening.OpenDispute(**fields), uow=uow, policy=policy, calendar=CALENDAR, now=MONDAY)


@pytest.mark.parametrize(
    ("field", "text", "phrase"),
    [("problem", "NHS no 943 476 5919", "NHS number"), ("cause", "born 12/03/2015", "date of birth"),
     ("outcome", "stop\x00", "control character"), ("problem", "half \udc00", "broken character")],
)  # fmt: skip
def test_intake_free_text_is_checked_by_the_core_too(uow, field, text, phrase) -> None:
    with pytest.raises(InvalidInput) as exc:
        _open(uow, **{field: text})
    assert phrase in word(exc.value.errors[field])
    assert uow.disputes.by_idempotency_key("none") is None


def test_a_note_with_an_nhs_number_or_a_nul_is_refused_and_bidi_controls_are_removed(uow) -> None:
    dispute = _open(uow).dispute
    for text, phrase in [("NI QQ 12 34 56 C", "National Insurance"), ("a\x00b", "control character")]:
        with pytest.raises(InvalidInput) as exc:
            moves.add_note(moves.AddNote(dispute_id=dispute.id, by="amara", text=text), uow=uow, now=MONDAY)
        assert phrase in word(exc.value.errors["note"])
    outcome = moves.add_note(
        moves.AddNote(dispute_id=dispute.id, by="amara", text="Called \u202eHana\u202c at 11:00."), uow=uow, now=MONDAY
    )
    assert outcome.events[-1].text == "Called Hana at 11:00."


def test_the_reference_is_stored_normalised(uow) -> None:
    assert _open(uow, reference="CSC\u20132026\u2013\u200b0193").dispute.reference == "CSC-2026-0193"


def test_declared_formats_are_enforced_by_the_core(uow) -> None:
    formats = (ReferenceFormat("CSC", r"CSC-\d{4}-\d{4}", ("CSC-2026-0193",)),)
    policy = dataclasses.replace(POLICY, case_references=formats)
    with pytest.raises(InvalidInput) as exc:
        _open(uow, policy=policy, reference="Case Ref 12345")
    assert "CSC-2026-0193 (CSC)" in word(exc.value.errors["reference"])
    assert _open(uow, policy=policy, reference="csc-2026-0001").dispute.reference == "csc-2026-0001"


def test_a_dispute_inside_one_agency_is_refused_only_when_the_policy_says_so(uow) -> None:
    with pytest.raises(InvalidInput) as exc:
        _open(uow, policy=dataclasses.replace(POLICY, between_agencies_only=True), other_agency="csc", other_person="cat")
    assert "in-house" in word(exc.value.errors["other_agency"])
    assert _open(uow, other_agency="csc", other_person="cat").dispute.other.agency == "csc"
