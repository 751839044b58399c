"""Reading what people typed into Parley's cards, with the same checks and words as the Slack modals.

Teams sends the inputs of a card as strings in the action's data (Action.Execute) or the
message's value (Action.Submit), next to the data the button carries. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dispute import MAX_REASON, MAX_TEXT
from bot.intake import reference_problem
from messages.teams import DESCRIPTION_MAX, NO, YES, Field

FILL_IN = "Please fill this in."
YES_OR_NO = "Please choose yes or no."


def too_long(limit: int, length: int) -> str:
    return f"Please keep this under {limit} characters (it has {length})."


def value(data: Mapping[str, Any], field: Field) -> str:
    found = data.get(field.value)
    return found.strip() if isinstance(found, str) else ""


def values_of(data: Mapping[str, Any]) -> dict[str, str]:
    """Every input the person filled in (to show them again beside the errors)."""
    names = {f.value for f in Field}
    return {k: v for k, v in data.items() if k in names and isinstance(v, str)}


def check_text(errors: dict[str, str], field: Field, text: str, *, limit: int = MAX_TEXT, required: bool = True) -> None:
    if required and not text:
        errors[field.value] = FILL_IN
    elif len(text) > limit:
        errors[field.value] = too_long(limit, len(text))


@dataclass(frozen=True)
class IntakeForm:
    reference: str
    category: str
    raiser_agency: str | None
    other_person: str | None  # a person id from the directory
    other_agency: str | None
    other_description: str
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool


def read_intake(data: Mapping[str, Any], categories: Sequence[str]) -> tuple[IntakeForm | None, dict[str, str]]:
    """The intake card's answers, or the errors to show beside its fields."""
    errors: dict[str, str] = {}
    reference = value(data, Field.REFERENCE)
    if problem := reference_problem(reference):
        errors[Field.REFERENCE.value] = problem
    category = ""
    raw_category = value(data, Field.CATEGORY)
    if raw_category.isdigit() and int(raw_category) < len(categories):
        category = categories[int(raw_category)]
    else:
        errors[Field.CATEGORY.value] = "Please choose one of the listed categories."
    other_person = value(data, Field.OTHER_PERSON) or None
    other_agency = value(data, Field.OTHER_AGENCY) or None
    description = value(data, Field.OTHER_DESCRIPTION)
    if other_person is None and other_agency is None:
        errors[Field.OTHER_AGENCY.value] = "Choose the other professional above or, if they aren't listed, their agency here."
    elif other_person is None and not description:
        errors[Field.OTHER_DESCRIPTION.value] = "Please give their role (not their name), for example duty sergeant."
    check_text(errors, Field.OTHER_DESCRIPTION, description, limit=DESCRIPTION_MAX, required=False)
    texts = {f: value(data, f) for f in (Field.PROBLEM, Field.CAUSE, Field.OUTCOME)}
    check_text(errors, Field.PROBLEM, texts[Field.PROBLEM])
    check_text(errors, Field.CAUSE, texts[Field.CAUSE], required=False)
    check_text(errors, Field.OUTCOME, texts[Field.OUTCOME])
    answers = {}
    for f in (Field.DISCUSSED, Field.IMMEDIATE_RISK):
        answer = value(data, f)
        if answer not in (YES, NO):
            errors[f.value] = YES_OR_NO
        answers[f] = answer == YES
    if errors:
        return None, errors
    return (
        IntakeForm(
            reference=reference,
            category=category,
            raiser_agency=value(data, Field.RAISER_AGENCY) or None,
            other_person=other_person,
            other_agency=other_agency,
            other_description=description,
            problem=texts[Field.PROBLEM],
            cause=texts[Field.CAUSE],
            outcome=texts[Field.OUTCOME],
            discussed=answers[Field.DISCUSSED],
            immediate_risk=answers[Field.IMMEDIATE_RISK],
        ),
        {},
    )


def read_resolve(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    errors: dict[str, str] = {}
    fields = {f: value(data, f) for f in (Field.AGREED_OUTCOME, Field.OUTSTANDING_ISSUES, Field.LEARNING_POINTS)}
    check_text(errors, Field.AGREED_OUTCOME, fields[Field.AGREED_OUTCOME])
    check_text(errors, Field.OUTSTANDING_ISSUES, fields[Field.OUTSTANDING_ISSUES], required=False)
    check_text(errors, Field.LEARNING_POINTS, fields[Field.LEARNING_POINTS], required=False)
    return {f.value: v for f, v in fields.items()}, errors


def read_one(data: Mapping[str, Any], field: Field, *, limit: int, required: bool = True) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    text = value(data, field)
    check_text(errors, field, text, limit=limit, required=required)
    return text, errors


def read_reason(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    return read_one(data, Field.REASON, limit=MAX_REASON)


def read_note(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    return read_one(data, Field.NOTE, limit=MAX_TEXT)


def read_statement(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    return read_one(data, Field.STATEMENT, limit=MAX_REASON, required=False)


# The core's InvalidInput names fields by what they are; the card shows each beside its input.
CORE_FIELDS = {
    "reference": Field.REFERENCE,
    "category": Field.CATEGORY,
    "other_party": Field.OTHER_PERSON,
    "other_agency": Field.OTHER_AGENCY,
    "raiser_agency": Field.RAISER_AGENCY,
    "problem": Field.PROBLEM,
    "cause": Field.CAUSE,
    "outcome": Field.OUTCOME,
    "agreed_outcome": Field.AGREED_OUTCOME,
    "outstanding_issues": Field.OUTSTANDING_ISSUES,
    "learning_points": Field.LEARNING_POINTS,
    "reason": Field.REASON,
    "note": Field.NOTE,
    "statement": Field.STATEMENT,
}


def field_errors(errors: Mapping[str, str], present: Sequence[Field], fallback: Field) -> dict[str, str]:
    """The core's errors on the inputs this card has (others go beside `fallback`)."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        field = CORE_FIELDS.get(name, fallback)
        if field not in present:
            field = fallback
        out[field.value] = f"{out[field.value]} {message}" if field.value in out else message
    return out
