"""What the practice workspace itself says (handlers/practice): refusals, clock moves, plain errors.

Everything Parley says inside the practice comes from the Slack and Teams builders, as in real use.
"""

from __future__ import annotations

from collections.abc import Sequence

ONLY_LOCAL_HOST = "The practice workspace answers only on 127.0.0.1 or localhost."
ONLY_OWN_PAGES = "The practice workspace answers only pages it served itself."
STARTING = "The practice is starting; try again in a moment."
CHOOSE_PERSON = "Choose who you are first."
NOT_JSON = "Expected a JSON object."
NOT_HERE = "Parley can't do that here."
DAYS_NUMBER = "Say how many working days, as a number."
SLACK_COMMANDS_ONLY = "On Slack, talk to Parley with its slash command: type /disagree (or /disagree help)."
FORM_GONE = "That form is no longer open."
NO_REMINDER = "No reminder is due: nothing is waiting on anyone."
NO_DEADLINE = "No deadline is ahead: no disagreement is open."
DAYS_RANGE = "Move by 1 to 60 working days."


def choose_preset(presets: Sequence[str]) -> str:
    return f"Choose one of the procedures: {', '.join(presets)}."


def must_be_text(field: str) -> str:
    return f"{field} must be text."


def clock_moved(shown: str) -> str:
    return f"The practice clock now says {shown}."


def unknown_move(moves: Sequence[str]) -> str:
    return f"Unknown move: choose one of {', '.join(moves)}."


def platform_failed(platform: str, what: str, status: int) -> str:
    return f"{platform} could not {what} (status {status}). Nothing was changed; try again."
