"""The free text a dispute's moves keep: cleaned, and required or optional within a limit."""

from __future__ import annotations

from bot.case import MAX_TEXT
from bot.errors import Code, InvalidInput, problem
from bot.intake import free_text


def required_text(text: str, name: str, limit: int = MAX_TEXT) -> str:
    """The text cleaned (bot.intake.free_text); InvalidInput on field `name` if it is empty or over `limit`."""
    cleaned = free_text(text, name)
    if not cleaned:
        raise InvalidInput({name: problem(Code.REQUIRED)})
    if len(cleaned) > limit:
        raise InvalidInput({name: problem(Code.TOO_LONG, limit=limit, length=len(cleaned))})
    return cleaned


def optional_text(text: str | None, name: str, limit: int = MAX_TEXT) -> str:
    """The text cleaned (bot.intake.free_text), perhaps empty; InvalidInput on field `name` if it is over `limit`."""
    cleaned = free_text(text, name)
    if len(cleaned) > limit:
        raise InvalidInput({name: problem(Code.TOO_LONG, limit=limit, length=len(cleaned))})
    return cleaned
