"""Reading what people typed into Parley's modals, and the field errors Slack shows under each input.

Pure functions of the `view.state.values` Slack sends; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from bot.dispute import MAX_TEXT
from bot.intake import ANSWERS, Intake
from handlers.interaction import place_errors
from messages import replies
from messages.problems import check_intake, text_problem
from messages.slack import DESCRIPTION_MAX, VALUE, Field

NO_OTHER_PARTY = replies.NO_OTHER_PARTY_SLACK
CHOSEN_TWICE = replies.CHOSEN_TWICE


def value(values: Mapping[str, Any], field: Field) -> str:
    """The text, chosen option, or chosen user of one input; '' when empty."""
    block = values.get(field.value) or {}
    # every input's action id is VALUE, except the directory search (its own id, for its options listener)
    action = block.get(VALUE) or next(iter(block.values()), None) or {}
    if not isinstance(action, Mapping):
        return ""
    found = action.get("value")
    if found is None and isinstance(action.get("selected_options"), list):  # a multi-select: one choice a line
        found = "\n".join(str(o.get("value", "")) for o in action["selected_options"] if isinstance(o, Mapping))
    if found is None:
        found = (action.get("selected_option") or {}).get("value")
    if found is None:
        found = action.get("selected_user")
    return (found or "").strip() if isinstance(found, str) else ""


def has_field(view: Mapping[str, Any], field: Field) -> bool:
    return any(b.get("block_id") == field.value for b in view.get("blocks") or [])


def check_text(errors: dict[str, str], field: Field, text: str, *, limit: int = MAX_TEXT, required: bool = True) -> None:
    if problem := text_problem(text, limit=limit, required=required):
        errors[field.value] = problem


@dataclass(frozen=True)
class IntakeForm(Intake):
    other_user: str | None = None  # a Slack user id
    other_in_directory: str | None = None  # a person id, chosen by searching Parley's directory


def read_intake(values: Mapping[str, Any], categories: Sequence[str]) -> tuple[IntakeForm | None, dict[str, str]]:
    """The intake form, or the errors to show on its fields."""
    other_user = value(values, Field.OTHER_PERSON) or None
    other_in_directory = value(values, Field.OTHER_IN_DIRECTORY) or None
    answers = {name: value(values, Field(name)) for name in ANSWERS}
    checked, problems = check_intake(
        answers,
        categories,
        other_chosen=other_user is not None or other_in_directory is not None,
        no_other_party=NO_OTHER_PARTY,
        description_max=DESCRIPTION_MAX,
    )
    errors = {Field(name).value: message for name, message in problems.items()}
    if other_user is not None and other_in_directory is not None:
        errors[Field.OTHER_IN_DIRECTORY.value] = CHOSEN_TWICE
    if checked is None or errors:
        return None, errors
    # its fields as they are (text, flags): dataclasses.asdict would deep-copy each one
    answered = {f.name: getattr(checked, f.name) for f in fields(checked)}
    return IntakeForm(**answered, other_user=other_user, other_in_directory=other_in_directory), {}


def field_errors(errors: Mapping[str, str], view: Mapping[str, Any], fallback: Field) -> dict[str, str]:
    """The core's errors on the blocks of this modal (Slack refuses errors on a block it lacks)."""
    present = {b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")}
    return place_errors(errors, present, fallback.value)
