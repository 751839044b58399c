"""Checks on what a practitioner types at intake, shared by every chat front end.

Each check says what is wrong as a problem code (bot.errors.FieldProblem); messages/problems.py words it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot import identifiers
from bot.case import MAX_TEXT
from bot.errors import Code, FieldProblem, InvalidInput, problem
from bot.identifiers import Kind
from bot.policy import Policy

REFERENCE_MAX = 40
_REFERENCE_CHARACTERS = re.compile(r"[A-Za-z0-9#][A-Za-z0-9 /_.:#-]*")

YES, NO = "yes", "no"

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


def reference_problem(text: str, formats: Sequence[identifiers.ReferenceFormat] = ()) -> FieldProblem | None:
    """Why `text` can't be a case reference, or None.

    Refused always: empty, too long, a control character, anything that identifies a person
    (bot.identifiers). When the policy declares `formats`, only references of those forms pass.
    """
    raw = text or ""
    if len(raw) > 10 * REFERENCE_MAX:  # before any other work on it
        return problem(Code.REFERENCE_TOO_LONG, limit=REFERENCE_MAX)
    if bad := identifiers.bad_character(raw, allow_newlines=False):
        return problem(Code.BAD_CHARACTER, bad=bad)
    ref = identifiers.normalise_reference(raw)
    if not ref:
        return problem(Code.REFERENCE_MISSING)
    if len(ref) > REFERENCE_MAX:
        return problem(Code.REFERENCE_TOO_LONG, limit=REFERENCE_MAX)
    found = identifiers.find_in_reference(ref)
    if not formats and not any(ch.isdigit() for ch in ref) and (found is None or found.kind is Kind.FORENAME):
        return problem(Code.REFERENCE_NO_DIGITS, found=found)
    if found:
        return problem(Code.REFERENCE_IDENTIFIES, found=found)
    if formats:
        return None if any(f.matches(ref) for f in formats) else problem(Code.REFERENCE_NOT_A_FORMAT, formats=tuple(formats))
    if not _REFERENCE_CHARACTERS.fullmatch(ref):
        return problem(Code.REFERENCE_CHARACTERS)
    return None


def checked_reference(text: str, formats: Sequence[identifiers.ReferenceFormat] = ()) -> str:
    """The reference as stored (normalised); InvalidInput on the 'reference' field if it can't be one."""
    if found := reference_problem(text, formats):
        raise InvalidInput({"reference": found})
    return identifiers.normalise_reference(text)


def free_text(text: str | None, name: str) -> str:
    """Free text cleaned (bidi and invisible characters removed, stripped); InvalidInput on field `name`
    if it holds a control character or identifies a child (NHS or NI number, date of birth)."""
    raw = text or ""
    if found := free_text_problem(raw):
        raise InvalidInput({name: found})
    return identifiers.clean_free_text(raw)


def free_text_problem(text: str) -> FieldProblem | None:
    """Why free text can't be kept (a control character, an NHS or NI number, a date of birth), or None."""
    if bad := identifiers.bad_character(text):
        return problem(Code.BAD_CHARACTER, bad=bad)
    if found := identifiers.find_in_free_text(identifiers.clean_free_text(text)):
        return problem(Code.IDENTIFIES, found=found)
    return None


def same_agency_problem(policy: Policy, raiser_agency: str, other_agency: str | None) -> FieldProblem | None:
    """Why a dispute between two people of one agency can't be raised here (the policy says so), or None."""
    if policy.between_agencies_only and other_agency == raiser_agency:
        return problem(Code.IN_HOUSE)
    return None


def text_problem(text: str, *, limit: int = MAX_TEXT, required: bool = True) -> FieldProblem | None:
    """Why `text` won't do (missing though required, longer than `limit`, a control character, or an
    identifier of a child), or None."""
    if found := free_text_problem(text):
        return found
    text = identifiers.clean_free_text(text)
    if required and not text:
        return problem(Code.REQUIRED)
    if len(text) > limit:
        return problem(Code.TOO_LONG, limit=limit, length=len(text))
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
    description_max: int,
    formats: Sequence[identifiers.ReferenceFormat] = (),
) -> tuple[Intake | None, dict[str, FieldProblem]]:
    """The checked answers, or the problems keyed by field name.

    `answers` holds the stripped text of each of ANSWERS ('' when empty); the other professional
    is chosen with each platform's own picker, so the front end says whether they were
    (`other_chosen`); when neither they nor their agency were, the problem is NO_OTHER_PARTY,
    which each platform words its own way.
    """
    text = {name: answers.get(name, "") for name in ANSWERS}
    errors: dict[str, FieldProblem] = {}
    if found := reference_problem(text["reference"], formats):
        errors["reference"] = found
    category = ""
    raw_category = text["category"]
    if raw_category.isdigit() and int(raw_category) < len(categories):
        category = categories[int(raw_category)]
    else:
        errors["category"] = problem(Code.NOT_LISTED, listed="categories")
    if not other_chosen and not text["other_agency"]:
        errors["other_agency"] = problem(Code.NO_OTHER_PARTY)
    elif not other_chosen and not text["other_description"]:
        errors["other_description"] = problem(Code.ROLE_NOT_NAME)
    limits = {
        "other_description": (description_max, False),
        "problem": (MAX_TEXT, True),
        "cause": (MAX_TEXT, False),
        "outcome": (MAX_TEXT, True),
    }
    for name, (limit, required) in limits.items():
        if found := text_problem(text[name], limit=limit, required=required):
            errors[name] = found
    for name in ("discussed", "immediate_risk"):
        if text[name] not in (YES, NO):
            errors[name] = problem(Code.YES_OR_NO)
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
