from __future__ import annotations

from typing import Any

import pytest

from bot.dispute import MAX_TEXT
from messages.problems import FILL_IN, ROLE_NOT_NAME, YES_OR_NO, check_intake, reference_problem, text_problem, too_long

CATEGORIES = ["Threshold for services", "Information sharing"]
NO_OTHER_PARTY = "Say who the other professional is."

GOOD = {
    "reference": "CSC-2026-0193",
    "category": "1",
    "raiser_agency": "",
    "other_agency": "police",
    "other_description": "duty sergeant",
    "problem": "No strategy discussion was held.",
    "cause": "",
    "outcome": "A strategy discussion this week.",
    "discussed": "yes",
    "immediate_risk": "no",
}


def check(other_chosen: bool = False, **answers: str) -> tuple[Any, dict[str, str]]:
    return check_intake(
        {**GOOD, **answers}, CATEGORIES, other_chosen=other_chosen, no_other_party=NO_OTHER_PARTY, description_max=200
    )


def test_good_answers_come_back_checked() -> None:
    intake, errors = check()
    assert errors == {}
    assert intake.reference == "CSC-2026-0193"
    assert intake.category == "Information sharing"
    assert intake.raiser_agency is None and intake.other_agency == "police"
    assert intake.cause == "" and intake.discussed is True and intake.immediate_risk is False


def test_a_reference_that_looks_like_a_name_is_refused() -> None:
    _, errors = check(reference="Jamie Smith 2")
    assert errors == {"reference": reference_problem("Jamie Smith 2")}
    assert "looks like a name" in errors["reference"]


@pytest.mark.parametrize("category", ["", "2", "-1", "Threshold for services"])
def test_a_category_not_in_the_policy_list_is_refused(category: str) -> None:
    _, errors = check(category=category)
    assert errors == {"category": "Please choose one of the listed categories."}


def test_missing_required_text_and_answers_are_each_named() -> None:
    intake, errors = check(problem="", outcome="", discussed="", immediate_risk="maybe")
    assert intake is None
    assert errors == {"problem": FILL_IN, "outcome": FILL_IN, "discussed": YES_OR_NO, "immediate_risk": YES_OR_NO}


def test_optional_text_may_be_empty_but_not_too_long() -> None:
    _, errors = check(cause="c" * (MAX_TEXT + 1), other_description="d" * 201)
    assert errors == {"cause": too_long(MAX_TEXT, MAX_TEXT + 1), "other_description": too_long(200, 201)}


def test_with_no_one_chosen_and_no_agency_the_front_ends_message_is_shown() -> None:
    _, errors = check(other_agency="", other_description="")
    assert errors == {"other_agency": NO_OTHER_PARTY}


def test_with_only_an_agency_their_role_is_asked_for() -> None:
    _, errors = check(other_description="")
    assert errors == {"other_description": ROLE_NOT_NAME}


def test_a_chosen_professional_needs_no_agency_or_role() -> None:
    intake, errors = check(other_chosen=True, other_agency="", other_description="")
    assert errors == {}
    assert intake.other_agency is None and intake.other_description == ""


def test_text_problem_says_what_is_wrong_or_nothing() -> None:
    assert text_problem("") == FILL_IN
    assert text_problem("", required=False) is None
    assert text_problem("abcd", limit=3) == "Please keep this under 3 characters (it has 4)."
    assert text_problem("abc", limit=3) is None
