"""The words for what is wrong with what someone typed or chose: one function, `word`, for every
problem the core reports (bot.errors.FieldProblem, in InvalidInput or from bot.intake's checks).

The core says what is wrong as a code and its parameters; every sentence about it is here, once,
for Slack, Teams and the command line. The identifier refusals it uses are messages/identifiers.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot import intake
from bot.case import MAX_TEXT
from bot.errors import Code, FieldProblem, Missing
from bot.identifiers import ReferenceFormat
from messages import identifiers, replies
from messages.export.words import unknown_format

FILL_IN = "Please fill this in."
YES_OR_NO = "Please choose yes or no."
NOT_A_CATEGORY = "Please choose one of the listed categories."
NOT_AN_AGENCY = "Please choose one of the listed agencies."
ROLE_NOT_NAME = "Please give their role (not their name), for example duty sergeant."
SAME_PERSON = "The other party must be someone else."
REFERENCE_MISSING = "Please give the case reference."
REFERENCE_CHARACTERS = "Please use only letters, numbers, spaces and - / _ . : #"
PERIOD_TOO_SHORT = "The period must be at least 1 day."
ALREADY_PURGED = "This disagreement was already purged: there is nothing left to hold."
ALREADY_ON_HOLD = "This disagreement is already on legal hold."
NOT_ON_HOLD = "This disagreement is not on legal hold."

MISSING = {
    Missing.HOLD_REASON: "why the disagreement must be kept",
    Missing.HOLD_BY: "who is placing the hold",
    Missing.RELEASE_REASON: "why the hold can be lifted",
    Missing.RELEASE_BY: "who is lifting the hold",
}

_FIXED = {
    Code.REQUIRED: FILL_IN,
    Code.YES_OR_NO: YES_OR_NO,
    Code.ROLE_NOT_NAME: ROLE_NOT_NAME,
    Code.SAME_PERSON: SAME_PERSON,
    Code.REFERENCE_MISSING: REFERENCE_MISSING,
    Code.REFERENCE_CHARACTERS: REFERENCE_CHARACTERS,
    Code.PERIOD_TOO_SHORT: PERIOD_TOO_SHORT,
    Code.ALREADY_PURGED: ALREADY_PURGED,
    Code.ALREADY_ON_HOLD: ALREADY_ON_HOLD,
    Code.NOT_ON_HOLD: NOT_ON_HOLD,
}


def too_long(limit: int, length: int) -> str:
    """The message for text of `length` characters where `limit` is allowed."""
    return f"Please keep this under {limit} characters (it has {length})."


def word(problem: FieldProblem, *, no_other_party: str = replies.NO_OTHER_PARTY_TEAMS) -> str:  # noqa: C901 - one case per code
    """What to tell the person about `problem`, beside the field it is on.

    `no_other_party`: the platform's own words for choosing the other professional (its picker differs).
    """
    p = problem.params
    if problem.code in _FIXED:
        return _FIXED[problem.code]
    match problem.code:
        case Code.TOO_LONG:
            return too_long(p["limit"], p["length"])
        case Code.NOT_SAID:
            return f"Please say {MISSING[p['what']]}."
        case Code.NOT_LISTED if p["listed"] == "themes":
            return f"Please choose from the listed themes ('{p['value']}' is not one of them)."
        case Code.NOT_LISTED:
            return NOT_AN_AGENCY if p["listed"] == "agencies" else NOT_A_CATEGORY
        case Code.NOT_IN_AGENCY:
            return f"{p['person']} is not listed in {p['agency']}." if p["person"] else f"You are not listed in {p['agency']}."
        case Code.IN_HOUSE:
            return identifiers.in_house()
        case Code.NO_OTHER_PARTY:
            return no_other_party
        case Code.BAD_CHARACTER:
            return identifiers.bad_character(p["bad"])
        case Code.IDENTIFIES:
            return identifiers.free_text_refusal(p["found"])
        case Code.REFERENCE_TOO_LONG:
            return f"A case reference is at most {p['limit']} characters."
        case Code.REFERENCE_IDENTIFIES:
            return identifiers.reference_refusal(p["found"])
        case Code.REFERENCE_NO_DIGITS:
            return identifiers.no_digits(p["found"])
        case Code.REFERENCE_NOT_A_FORMAT:
            return identifiers.not_a_format(p["formats"])
        case Code.NOT_A_PERIOD:
            return f"Please give a period like '7 years', '18 months' or '90 days' (not '{p['value']}')."
        case Code.UNKNOWN_FORMAT:
            return unknown_format(p["value"])
    return str(problem)  # a code added without words: still readable, never a crash


def word_errors(errors: Mapping[str, FieldProblem]) -> dict[str, str]:
    """Each field's problem in words, by field name (an InvalidInput's `errors`)."""
    return {name: word(problem) for name, problem in errors.items()}


# --- bot.intake's checks, worded for the forms --------------------------------------------------


def reference_problem(text: str, formats: Sequence[ReferenceFormat] = ()) -> str | None:
    """Why `text` can't be a case reference (bot.intake.reference_problem), in words; or None."""
    found = intake.reference_problem(text, formats)
    return word(found) if found else None


def free_text_problem(text: str) -> str | None:
    """Why free text can't be kept (bot.intake.free_text_problem), in words; or None."""
    found = intake.free_text_problem(text)
    return word(found) if found else None


def text_problem(text: str, *, limit: int = MAX_TEXT, required: bool = True) -> str | None:
    """Why a form's text won't do (bot.intake.text_problem), in words; or None."""
    found = intake.text_problem(text, limit=limit, required=required)
    return word(found) if found else None


def check_intake(
    answers: Mapping[str, str],
    categories: Sequence[str],
    *,
    other_chosen: bool,
    no_other_party: str,
    description_max: int,
    formats: Sequence[ReferenceFormat] = (),
) -> tuple[intake.Intake | None, dict[str, str]]:
    """bot.intake.check_intake, with its problems in words; `no_other_party` is the platform's own."""
    checked, problems = intake.check_intake(
        answers, categories, other_chosen=other_chosen, description_max=description_max, formats=formats
    )
    return checked, {name: word(p, no_other_party=no_other_party) for name, p in problems.items()}
