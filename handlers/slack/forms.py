"""Reading what people typed into Parley's modals, and the field errors Slack shows under each input.

Pure functions of the `view.state.values` Slack sends; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dispute import MAX_TEXT
from bot.intake import reference_problem
from messages.slack import DESCRIPTION_MAX, NO, VALUE, YES, Field

FILL_IN = "Please fill this in."
YES_OR_NO = "Please choose yes or no."


def too_long(limit: int, length: int) -> str:
    return f"Please keep this under {limit} characters (it has {length})."


def value(values: Mapping[str, Any], field: Field) -> str:
    """The text, chosen option, or chosen user of one input; '' when empty."""
    block = values.get(field.value) or {}
    # every input's action id is VALUE, except the directory search (its own id, for its options listener)
    action = block.get(VALUE) or next(iter(block.values()), None) or {}
    if not isinstance(action, Mapping):
        return ""
    found = action.get("value")
    if found is None:
        found = (action.get("selected_option") or {}).get("value")
    if found is None:
        found = action.get("selected_user")
    return (found or "").strip() if isinstance(found, str) else ""


def has_field(view: Mapping[str, Any], field: Field) -> bool:
    return any(b.get("block_id") == field.value for b in view.get("blocks") or [])


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
    other_user: str | None  # a Slack user id
    other_in_directory: str | None  # a person id, chosen by searching Parley's directory
    other_agency: str | None
    other_description: str
    problem: str
    cause: str
    outcome: str
    discussed: bool
    immediate_risk: bool


def read_intake(values: Mapping[str, Any], categories: Sequence[str]) -> tuple[IntakeForm | None, dict[str, str]]:
    """The intake form, or the errors to show on its fields."""
    errors: dict[str, str] = {}
    reference = value(values, Field.REFERENCE)
    if problem := reference_problem(reference):
        errors[Field.REFERENCE.value] = problem
    category = ""
    raw_category = value(values, Field.CATEGORY)
    if raw_category.isdigit() and int(raw_category) < len(categories):
        category = categories[int(raw_category)]
    else:
        errors[Field.CATEGORY.value] = "Please choose one of the listed categories."
    other_user = value(values, Field.OTHER_PERSON) or None
    other_in_directory = value(values, Field.OTHER_IN_DIRECTORY) or None
    other_agency = value(values, Field.OTHER_AGENCY) or None
    description = value(values, Field.OTHER_DESCRIPTION)
    if other_user is not None and other_in_directory is not None:
        errors[Field.OTHER_IN_DIRECTORY.value] = "You chose someone on Slack above too. Please choose the other professional in one place only."
    elif other_user is None and other_in_directory is None and other_agency is None:
        errors[Field.OTHER_AGENCY.value] = (
            "Choose the other professional above or, if you can't find them, their agency here and their role below."
        )
    elif other_user is None and other_in_directory is None and not description:
        errors[Field.OTHER_DESCRIPTION.value] = "Please give their role (not their name), for example duty sergeant."
    check_text(errors, Field.OTHER_DESCRIPTION, description, limit=DESCRIPTION_MAX, required=False)
    texts = {f: value(values, f) for f in (Field.PROBLEM, Field.CAUSE, Field.OUTCOME)}
    check_text(errors, Field.PROBLEM, texts[Field.PROBLEM])
    check_text(errors, Field.CAUSE, texts[Field.CAUSE], required=False)
    check_text(errors, Field.OUTCOME, texts[Field.OUTCOME])
    answers = {}
    for f in (Field.DISCUSSED, Field.IMMEDIATE_RISK):
        answer = value(values, f)
        if answer not in (YES, NO):
            errors[f.value] = YES_OR_NO
        answers[f] = answer == YES
    if errors:
        return None, errors
    return (
        IntakeForm(
            reference=reference,
            category=category,
            raiser_agency=value(values, Field.RAISER_AGENCY) or None,
            other_user=other_user,
            other_in_directory=other_in_directory,
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


# The core's InvalidInput names fields by what they are; Slack needs the block they sit in.
CORE_FIELDS = {
    "reference": Field.REFERENCE,
    "category": Field.CATEGORY,
    "other_party": Field.OTHER_PERSON,
    "other_agency": Field.OTHER_AGENCY,
    "other_in_directory": Field.OTHER_IN_DIRECTORY,
    "raiser_agency": Field.RAISER_AGENCY,
    "problem": Field.PROBLEM,
    "cause": Field.CAUSE,
    "outcome": Field.OUTCOME,
    "agreed_outcome": Field.AGREED_OUTCOME,
    "outstanding_issues": Field.OUTSTANDING_ISSUES,
    "learning_points": Field.LEARNING_POINTS,
    "reason": Field.REASON,
    "note": Field.NOTE,
}


def field_errors(errors: Mapping[str, str], view: Mapping[str, Any], fallback: Field) -> dict[str, str]:
    """The core's errors on the blocks of this modal (Slack refuses errors on a block it lacks)."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        field = CORE_FIELDS.get(name, fallback)
        if not has_field(view, field):
            field = fallback
        out[field.value] = f"{out[field.value]} {message}" if field.value in out else message
    return out
