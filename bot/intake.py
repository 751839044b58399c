"""Checks on what a practitioner types at intake, shared by every chat front end."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.dispute import MAX_TEXT

REFERENCE_MAX = 40
_EMAIL = re.compile(r"\S+@\S+")
_NAME_WORD = re.compile(r"^[A-Z][a-z'’-]+$")

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


def reference_problem(text: str) -> str | None:
    """Why `text` can't be a case reference (empty, too long, looks like a name or an email), or None."""
    ref = (text or "").strip()
    if not ref:
        return "Please give the case reference."
    if len(ref) > REFERENCE_MAX:
        return f"A case reference is at most {REFERENCE_MAX} characters."
    if _EMAIL.search(ref):
        return "That looks like an email address. Please use the case reference from your case system."
    words = ref.split()
    if sum(1 for w in words if _NAME_WORD.match(w)) >= 2:
        return "That looks like a name. Please use the case reference only, never a child's name."
    if not any(ch.isdigit() for ch in ref):
        return "Case references contain numbers (for example CSC-2026-0193). Please don't use a name."
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 /_.:#-]*", ref):
        return "Please use only letters, numbers, spaces and - / _ . : #"
    return None


def too_long(limit: int, length: int) -> str:
    """The message for text of `length` characters where `limit` is allowed."""
    return f"Please keep this under {limit} characters (it has {length})."


def text_problem(text: str, *, limit: int = MAX_TEXT, required: bool = True) -> str | None:
    """Why `text` won't do (missing though required, or longer than `limit`), or None."""
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
) -> tuple[Intake | None, dict[str, str]]:
    """The checked answers, or the errors keyed by field name.

    `answers` holds the stripped text of each of ANSWERS ('' when empty); the other professional
    is chosen with each platform's own picker, so the front end says whether they were
    (`other_chosen`) and what to say when neither they nor their agency were (`no_other_party`).
    """
    text = {name: answers.get(name, "") for name in ANSWERS}
    errors: dict[str, str] = {}
    if problem := reference_problem(text["reference"]):
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
            reference=text["reference"],
            category=category,
            raiser_agency=text["raiser_agency"] or None,
            other_agency=text["other_agency"] or None,
            other_description=text["other_description"],
            problem=text["problem"],
            cause=text["cause"],
            outcome=text["outcome"],
            discussed=text["discussed"] == YES,
            immediate_risk=text["immediate_risk"] == YES,
        ),
        {},
    )
