"""Reading what people typed into Parley's cards; the intake's checks are bot.intake's and their words messages/problems.py's, as on Slack.

Teams sends the inputs of a card as strings in the action's data (Action.Execute) or the
message's value (Action.Submit), next to the data the button carries. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.dispute import MAX_REASON, MAX_TEXT
from bot.intake import ANSWERS, Intake
from handlers.interaction import place_errors
from messages import replies
from messages.problems import check_intake, text_problem
from messages.teams import DESCRIPTION_MAX, Field

NO_OTHER_PARTY = replies.NO_OTHER_PARTY_TEAMS


def value(data: Mapping[str, Any], field: Field) -> str:
    found = data.get(field.value)
    return found.strip() if isinstance(found, str) else ""


def values_of(data: Mapping[str, Any]) -> dict[str, str]:
    """Every input the person filled in (to show them again beside the errors)."""
    names = {f.value for f in Field}
    return {k: v for k, v in data.items() if k in names and isinstance(v, str)}


def check_text(errors: dict[str, str], field: Field, text: str, *, limit: int = MAX_TEXT, required: bool = True) -> None:
    if problem := text_problem(text, limit=limit, required=required):
        errors[field.value] = problem


@dataclass(frozen=True)
class IntakeForm(Intake):
    other_person: str | None = None  # a person id from the directory


def read_intake(data: Mapping[str, Any], categories: Sequence[str]) -> tuple[IntakeForm | None, dict[str, str]]:
    """The intake card's answers, or the errors to show beside its fields."""
    other_person = value(data, Field.OTHER_PERSON) or None
    answers = {name: value(data, Field(name)) for name in ANSWERS}
    checked, problems = check_intake(
        answers, categories, other_chosen=other_person is not None, no_other_party=NO_OTHER_PARTY, description_max=DESCRIPTION_MAX
    )
    if checked is None:
        return None, {Field(name).value: message for name, message in problems.items()}
    return IntakeForm(**asdict(checked), other_person=other_person), {}


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


def field_errors(errors: Mapping[str, str], present: Sequence[Field], fallback: Field) -> dict[str, str]:
    """The core's errors on the inputs this card has (others go beside `fallback`)."""
    return place_errors(errors, {f.value for f in present}, fallback.value)
