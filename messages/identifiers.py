"""What a person is told when a case reference or free text holds something that identifies a child."""

from __future__ import annotations

from collections.abc import Sequence

from bot.identifiers import BadCharacter, Found, Kind, ReferenceFormat

USE_THE_REFERENCE = "Please use the case reference from your case system instead."

REFERENCE_REFUSALS = {
    Kind.FORENAME: "That looks like a name ('{text}'). A case reference must never hold a child's name.",
    Kind.NAME_AND_YEAR: "'{text}' looks like a name and a year of birth. A case reference must never hold those.",
    Kind.DATE_OF_BIRTH: "That looks like a date of birth. A case reference must never hold one.",
    Kind.DATE: "That looks like a date (perhaps a date of birth). A case reference must never hold one.",
    Kind.PHONE: "That looks like a phone number. A case reference must never hold one.",
    Kind.POSTCODE: "'{text}' looks like a postcode. A case reference must never hold an address.",
    Kind.NHS_NUMBER: "That looks like an NHS number. It identifies a child, so it can't be the case reference.",
    Kind.NI_NUMBER: "That looks like a National Insurance number. It identifies a person, so it can't be the case reference.",
    Kind.EMAIL: "That looks like an email address. A case reference must never hold one.",
}

# Why chat is not the child's file: said beside the field, so people know what to write instead.
NOT_THE_FILE = (
    "Messages in Parley are shared with the other agency in chat; the child's identifiers belong in"
    " their case file, which the case reference points to. Please take it out."
)
FREE_TEXT_REFUSALS = {
    Kind.NHS_NUMBER: "This holds what looks like an NHS number. " + NOT_THE_FILE,
    Kind.NI_NUMBER: "This holds what looks like a National Insurance number. " + NOT_THE_FILE,
    Kind.DATE_OF_BIRTH: "This holds what looks like a date of birth. " + NOT_THE_FILE,
}

BAD_CHARACTERS = {
    BadCharacter.CONTROL: "This holds an invisible control character (it often comes from copying and pasting). Please type it again.",
    BadCharacter.SURROGATE: "This holds a broken character that can't be saved. Please type it again.",
}

NOT_A_FORMAT = "That isn't one of the partnership's forms of case reference. It should look like {examples}."


IN_HOUSE = (
    "This procedure is for disagreements between agencies. A disagreement inside one agency follows that"
    " agency's own (in-house) procedure: please talk to your line manager or your agency's safeguarding lead."
    " If the other professional works for a different agency, choose that agency instead."
)


def in_house() -> str:
    """Why a dispute inside one agency is not raised here, and what to do instead."""
    return IN_HOUSE


def reference_refusal(found: Found) -> str:
    """Why a case reference that holds `found` is refused, and what to use instead."""
    excerpt = found.text if len(found.text) <= 30 else found.text[:30] + "…"
    return f"{REFERENCE_REFUSALS[found.kind].format(text=excerpt)} {USE_THE_REFERENCE}"


def free_text_refusal(found: Found) -> str:
    """Why free text holding `found` is refused."""
    return FREE_TEXT_REFUSALS[found.kind]


NO_DIGITS = "Case references contain numbers, like CSC-2026-00123."


def no_digits(found: Found | None) -> str:
    """Why a reference with no digits is refused; if it holds a name, that first."""
    if found is None:
        return f"{NO_DIGITS} {USE_THE_REFERENCE}"
    return f"{reference_refusal(found)} {NO_DIGITS}"


def bad_character(bad: BadCharacter) -> str:
    return BAD_CHARACTERS[bad]


def not_a_format(formats: Sequence[ReferenceFormat]) -> str:
    """The field error when formats are declared and none matches: the expected forms, by example."""
    shown = [f"{f.examples[0]} ({f.name})" for f in formats if f.examples][:4]
    if len(shown) > 1:
        examples = ", ".join(shown[:-1]) + " or " + shown[-1]
    else:
        examples = shown[0] if shown else "the references your case system gives"
    return NOT_A_FORMAT.format(examples=examples)

