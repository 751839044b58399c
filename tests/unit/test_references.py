"""Case references: identifiers of a person are refused always; declared formats narrow the rest."""

import pytest

from bot.errors import InvalidInput
from bot.identifiers import ReferenceFormat, find_in_reference, nhs_number_is_valid, normalise_reference
from bot.intake import checked_reference
from messages.identifiers import REFERENCE_REFUSALS, reference_refusal
from messages.problems import free_text_problem, reference_problem, word
from tests.unit.references import ACCEPTED, CSC, POLICE, REFUSED

FORMATS = (ReferenceFormat(CSC["name"], CSC["pattern"], tuple(CSC["examples"])),
           ReferenceFormat(POLICE["name"], POLICE["pattern"], tuple(POLICE["examples"])))  # fmt: skip


def test_the_table_is_as_large_as_promised() -> None:
    assert len(REFUSED) >= 60 and len(ACCEPTED) >= 25


@pytest.mark.parametrize(("reference", "kind"), REFUSED)
def test_a_reference_that_identifies_a_person_is_refused_saying_what_it_looks_like(reference, kind) -> None:
    found = find_in_reference(normalise_reference(reference))
    assert found is not None and found.kind is kind
    message = reference_problem(reference)
    assert message == reference_refusal(found)
    assert REFERENCE_REFUSALS[kind].split("{text}")[-1].split(".")[0] in message


@pytest.mark.parametrize(("reference", "kind"), REFUSED)
def test_declared_formats_never_let_an_identifier_through(reference, kind) -> None:
    anything = (ReferenceFormat("Anything", r"[\w /#.:@()+-]{1,40}", ("CSC-1",)),)
    assert reference_problem(reference, anything) is not None


@pytest.mark.parametrize("reference", ACCEPTED)
def test_a_real_reference_is_accepted_without_declared_formats(reference) -> None:
    assert reference_problem(reference) is None


def test_a_reference_is_stored_normalised() -> None:
    assert checked_reference("  CSC–2026–00123 ") == "CSC-2026-00123"
    assert checked_reference("csc\u200b-2026-\u202e00123") == "csc-2026-00123"


@pytest.mark.parametrize("reference", ["CSC-2026-00123", "csc–2026–0193", "26/12345", "Police Ref 26/12345"])
def test_with_declared_formats_a_matching_reference_is_accepted(reference) -> None:
    assert reference_problem(reference, FORMATS) is None


@pytest.mark.parametrize("reference", ["Case Ref 12345", "#123456", "CSC-26-1", "Op Sandstone 2026/1"])
def test_with_declared_formats_another_form_is_refused_showing_the_forms_by_example(reference) -> None:
    message = reference_problem(reference, FORMATS)
    assert message is not None
    assert "CSC-2026-00123 (Children's social care (Mosaic))" in message and "26/12345 (Police occurrence)" in message


def test_nhs_check_digit() -> None:
    assert nhs_number_is_valid("9434765919") and nhs_number_is_valid("4010232137")
    assert not nhs_number_is_valid("9434765918") and not nhs_number_is_valid("123")


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("The child's NHS number is 943 476 5919.", "NHS number"),
        ("NI number QQ 12 34 56 C was given", "National Insurance number"),
        ("He was born on 12/03/2015 at home", "date of birth"),
        ("DOB: 12 March 2015", "date of birth"),
        ("Meeting on 12/03/2026 agreed a plan", None),  # a date alone is fine in free text
        ("Amelia's mother attended", None),  # names in free text are not refused
        ("a\x00b", "control character"),
        ("a\x1bb", "control character"),
        ("bad \ud800 half", "broken character"),
        ("line one\nline two\ttabbed", None),
    ],
)
def test_free_text_refuses_only_nhs_and_ni_numbers_dates_of_birth_and_control_characters(text, phrase) -> None:
    problem = free_text_problem(text)
    if phrase is None:
        assert problem is None
    else:
        assert problem is not None and phrase in problem
        if "number" in phrase or "birth" in phrase:
            assert "case file" in problem


def test_a_reference_with_a_control_character_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        checked_reference("CSC-2026\x00-1")
    assert "control character" in word(exc.value.errors["reference"])


def test_the_core_says_what_is_wrong_as_a_code_and_messages_words_it() -> None:
    import bot.intake
    from bot.errors import Code

    assert not hasattr(bot.intake, "words") and not hasattr(bot.intake, "use_words")  # nothing handed over at import
    found = bot.intake.reference_problem("a\x00b")
    assert found is not None and found.code is Code.BAD_CHARACTER
    assert "control character" in word(found)
