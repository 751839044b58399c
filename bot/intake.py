"""Checks on what a practitioner types at intake, shared by every chat front end."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot import identifiers
from bot.case import MAX_TEXT
from bot.errors import InvalidInput
from bot.identifiers import Kind
from bot.policy import Policy

REFERENCE_MAX = 40
_REFERENCE_CHARACTERS = re.compile(r"[A-Za-z0-9#][A-Za-z0-9 /_.:#-]*")

YES, NO = "yes", "no"
FILL_IN = "Please fill this in."
YES_OR_NO = "Please choose yes or no."
NOT_A_CATEGORY = "Please choose one of the listed categories."
ROLE_NOT_NAME = "Please give their role (not their name), for example duty sergeant."

# The intake form's answers by field name: each front end names its inputs the same.
ANSWERS = (
    "reference",
    "category",
    "raiser_agency",
    "other_agency",
    "other_description",
    "problem",
    "cause",
    "outcome",
    "discussed",
    "immediate_risk",
)


class RefusalWords(Protocol):
    """How refusals are worded: messages/identifiers.py is one."""

    def reference_refusal(self, found: identifiers.Found) -> str: ...
    def free_text_refusal(self, found: identifiers.Found) -> str: ...
    def bad_character(self, bad: identifiers.BadCharacter) -> str: ...
    def not_a_format(self, formats: Sequence[identifiers.ReferenceFormat]) -> str: ...
    def in_house(self) -> str: ...
    def no_digits(self, found: identifiers.Found | None) -> str: ...


class _Unworded:
    # Used only until messages/identifiers.py hands over its words: the core may not import
    # messages/, and any import of messages/ (every front end makes one) does it.
    def reference_refusal(self, found: identifiers.Found) -> str:
        return f"Refused: {found.kind.value}."

    def free_text_refusal(self, found: identifiers.Found) -> str:
        return f"Refused: {found.kind.value}."

    def bad_character(self, bad: identifiers.BadCharacter) -> str:
        return f"Refused: {bad.value} character."

    def not_a_format(self, formats: Sequence[identifiers.ReferenceFormat]) -> str:
        return "Refused: not a known reference format."

    def in_house(self) -> str:
        return "Refused: both sides are in one agency."

    def no_digits(self, found: identifiers.Found | None) -> str:
        return "Refused: no digits."


words: RefusalWords = _Unworded()


def use_words(refusal_words: RefusalWords) -> None:
    """Word refusals with `refusal_words` from now on (messages/identifiers.py calls it on import)."""
    global words  # noqa: PLW0603 - messages/ registers its wording once, at import, without bot/ importing messages/
    words = refusal_words


def reference_problem(text: str, formats: Sequence[identifiers.ReferenceFormat] = ()) -> str | None:
    """Why `text` can't be a case reference, or None.

    Refused always: empty, too long, a control character, anything that identifies a person
    (bot.identifiers). When the policy declares `formats`, only references of those forms pass.
    """
    raw = text or ""
    if len(raw) > 10 * REFERENCE_MAX:  # before any other work on it
        return f"A case reference is at most {REFERENCE_MAX} characters."
    if bad := identifiers.bad_character(raw, allow_newlines=False):
        return words.bad_character(bad)
    ref = identifiers.normalise_reference(raw)
    if not ref:
        return "Please give the case reference."
    if len(ref) > REFERENCE_MAX:
        return f"A case reference is at most {REFERENCE_MAX} characters."
    found = identifiers.find_in_reference(ref)
    if not formats and not any(ch.isdigit() for ch in ref) and (found is None or found.kind is Kind.FORENAME):
        return words.no_digits(found)
    if found:
        return words.reference_refusal(found)
    if formats:
        return None if any(f.matches(ref) for f in formats) else words.not_a_format(formats)
    if not _REFERENCE_CHARACTERS.fullmatch(ref):
        return "Please use only letters, numbers, spaces and - / _ . : #"
    return None


def checked_reference(text: str, formats: Sequence[identifiers.ReferenceFormat] = ()) -> str:
    """The reference as stored (normalised); InvalidInput on the 'reference' field if it can't be one."""
    if problem := reference_problem(text, formats):
        raise InvalidInput({"reference": problem})
    return identifiers.normalise_reference(text)


def free_text(text: str | None, name: str) -> str:
    """Free text cleaned (bidi and invisible characters removed, stripped); InvalidInput on field `name`
    if it holds a control character or identifies a child (NHS or NI number, date of birth)."""
    raw = text or ""
    if problem := free_text_problem(raw):
        raise InvalidInput({name: problem})
    return identifiers.clean_free_text(raw)


def free_text_problem(text: str) -> str | None:
    """Why free text can't be kept (a control character, an NHS or NI number, a date of birth), or None."""
    if bad := identifiers.bad_character(text):
        return words.bad_character(bad)
    if found := identifiers.find_in_free_text(identifiers.clean_free_text(text)):
        return words.free_text_refusal(found)
    return None


def same_agency_problem(policy: Policy, raiser_agency: str, other_agency: str | None) -> str | None:
    """Why a dispute between two people of one agency can't be raised here (the policy says so), or None."""
    if policy.between_agencies_only and other_agency == raiser_agency:
        return words.in_house()
    return None


def too_long(limit: int, length: int) -> str:
    """The message for text of `length` characters where `limit` is allowed."""
    return f"Please keep this under {limit} characters (it has {length})."


def text_problem(text: str, *, limit: int = MAX_TEXT, required: bool = True) -> str | None:
    """Why `text` won't do (missing though required, longer than `limit`, a control character, or an
    identifier of a child), or None."""
    if problem := free_text_problem(text):
        return problem
    text = identifiers.clean_free_text(text)
    if required and not text:
        return FILL_IN
    if len(text) > limit:
        return too_long(limit, len(text))
    return None


@dataclass(frozen=True)
class Intake:
    """The intake form's answers, checked."""

    reference: str
    category: str
    raiser_agency: str | None
    other_agency: str | None
    other_description: str
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool


def check_intake(
    answers: Mapping[str, str],
    categories: Sequence[str],
    *,
    other_chosen: bool,
    no_other_party: str,
    description_max: int,
    formats: Sequence[identifiers.ReferenceFormat] = (),
) -> tuple[Intake | None, dict[str, str]]:
    """The checked answers, or the errors keyed by field name.

    `answers` holds the stripped text of each of ANSWERS ('' when empty); the other professional
    is chosen with each platform's own picker, so the front end says whether they were
    (`other_chosen`) and what to say when neither they nor their agency were (`no_other_party`).
    """
    text = {name: answers.get(name, "") for name in ANSWERS}
    errors: dict[str, str] = {}
    if problem := reference_problem(text["reference"], formats):
        errors["reference"] = problem
    category = ""
    raw_category = text["category"]
    if raw_category.isdigit() and int(raw_category) < len(categories):
        category = categories[int(raw_category)]
    else:
        errors["category"] = NOT_A_CATEGORY
    if not other_chosen and not text["other_agency"]:
        errors["other_agency"] = no_other_party
    elif not other_chosen and not text["other_description"]:
        errors["other_description"] = ROLE_NOT_NAME
    limits = {
        "other_description": (description_max, False),
        "problem": (MAX_TEXT, True),
        "cause": (MAX_TEXT, False),
        "outcome": (MAX_TEXT, True),
    }
    for name, (limit, required) in limits.items():
        if problem := text_problem(text[name], limit=limit, required=required):
            errors[name] = problem
    for name in ("discussed", "immediate_risk"):
        if text[name] not in (YES, NO):
            errors[name] = YES_OR_NO
    if errors:
        return None, errors
    return (
        Intake(
            reference=identifiers.normalise_reference(text["reference"]),
            category=category,
            raiser_agency=text["raiser_agency"] or None,
            other_agency=text["other_agency"] or None,
            other_description=identifiers.clean_name(text["other_description"]),
            problem=identifiers.clean_free_text(text["problem"]),
            cause=identifiers.clean_free_text(text["cause"]),
            outcome=identifiers.clean_free_text(text["outcome"]),
            discussed=text["discussed"] == YES,
            immediate_risk=text["immediate_risk"] == YES,
        ),
        {},
    )
