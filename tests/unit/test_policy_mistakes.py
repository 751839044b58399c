"""Policy files: a broken file is explained line by line, every mistake at once."""

from __future__ import annotations

import pytest

from bot.policy import (
    InvalidPolicy,
    PolicyError,
    parse_policy,
)
from handlers.files import FileProblem, load_yaml
from tests.unit.policy_text import VALID, assert_reported, edit, line_with, problems

# --- Every kind of mistake is reported with its line -------------------------------------------


@pytest.mark.parametrize("key", ["name", "title", "stages", "categories", "urgent", "learning", "roles"])
def test_a_missing_required_setting_is_reported(key: str) -> None:
    data, line_of = load_yaml(VALID, "test.yaml")
    assert isinstance(data, dict)
    del data[key]

    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(data, line_of)

    assert any(e.line is None and f"'{key}' is missing" in e.message for e in caught.value.errors)


def test_a_misspelt_top_level_setting_is_reported_with_a_suggestion() -> None:
    text = edit("stages:\n", "bank_holiday: scotland\nstages:\n")
    assert_reported(text, "bank_holiday:", "unknown setting 'bank_holiday' (did you mean 'bank_holidays'?)")


def test_a_misspelt_stage_setting_is_reported_with_a_suggestion() -> None:
    text = edit("    when_missed: remind", "    when_misssed: remind\n    when_missed: remind")
    assert_reported(
        text, "when_misssed", "stage 'partnership': unknown setting 'when_misssed' (did you mean 'when_missed'?)"
    )


def test_a_stage_without_a_timescale_is_reported_on_the_stage_line() -> None:
    text = edit("    each_agency: [line_manager, safeguarding_lead]\n    timescale: 5 working days\n",
                "    each_agency: [line_manager, safeguarding_lead]\n")  # fmt: skip
    assert_reported(text, "- id: managers", "stage 'managers': 'timescale' is missing")


def test_an_unreadable_timescale_is_reported() -> None:
    text = edit("    each_agency: [practitioner]\n    timescale: 5 working days",
                "    each_agency: [practitioner]\n    timescale: 5 wrking days")  # fmt: skip
    assert_reported(text, "5 wrking days", "stage 'practitioners': Parley can't read the timescale '5 wrking days'")


def test_a_timescale_without_its_unit_is_reported() -> None:
    text = edit("    each_agency: [practitioner]\n    timescale: 5 working days",
                "    each_agency: [practitioner]\n    timescale: 3")  # fmt: skip
    assert_reported(text, "timescale: 3", "needs its unit too, for example '3 working days'")


@pytest.mark.parametrize(("duration", "phrase"), [("0 working days", "is zero"), ("-2 hours", "is negative")])
def test_a_zero_or_negative_timescale_is_reported(duration: str, phrase: str) -> None:
    text = edit("    each_agency: [practitioner]\n    timescale: 5 working days",
                f"    each_agency: [practitioner]\n    timescale: {duration}")  # fmt: skip
    assert_reported(text, duration, phrase)


def test_a_duplicate_stage_id_is_reported_on_the_second_one() -> None:
    text = edit("  - id: partnership", "  - id: managers")
    found = problems(text)
    second = [n for n, line in enumerate(text.splitlines(), 1) if "- id: managers" in line][1]
    assert any(
        e.line == second and "two stages have the id 'managers' (the first is on line 19)" in e.message for e in found
    )


def test_an_unknown_role_is_reported_with_the_known_roles() -> None:
    text = edit("[line_manager, safeguarding_lead]", "[line_manager, safeguardng_lead]")
    assert_reported(
        text,
        "safeguardng_lead",
        "stage 'managers': unknown role 'safeguardng_lead' (did you mean 'safeguarding_lead'?)"
        " (known: practitioner, line_manager, safeguarding_lead)",
    )


def test_a_partnership_role_listed_for_each_agency_is_reported() -> None:
    text = edit("    each_agency: [practitioner]", "    each_agency: [practitioner, board_manager]")
    assert_reported(
        text, "[practitioner, board_manager]", "'board_manager' belongs under 'partnership', not under 'each_agency'"
    )


def test_an_urgent_path_starting_at_an_unknown_stage_is_reported() -> None:
    text = edit("  starts_at: managers", "  starts_at: manager")
    assert_reported(
        text,
        "starts_at: manager",
        "urgent: starts_at: there is no stage with the id 'manager' (did you mean 'managers'?)",
    )


def test_a_formal_challenge_from_an_unknown_stage_is_reported() -> None:
    text = edit("stages:\n", "formal_challenge_from: heads_of_service\nstages:\n")
    assert_reported(
        text, "formal_challenge_from:", "formal_challenge_from: there is no stage with the id 'heads_of_service'"
    )


def test_learning_sent_to_an_agency_role_is_reported() -> None:
    text = edit("  to: board_manager", "  to: safeguarding_lead")
    assert_reported(text, "to: safeguarding_lead", "learning: 'safeguarding_lead' is not a partnership role")


@pytest.mark.parametrize(
    ("hours", "phrase"),
    [
        ("9am-5pm", "working_hours: Parley can't read '9am-5pm'"),
        ("17:00-09:00", "the working day must end after it starts"),
        ("09:00-25:00", "is not a time of day on a 24-hour clock"),
    ],
)
def test_bad_working_hours_are_reported(hours: str, phrase: str) -> None:
    text = edit("stages:\n", f'working_hours: "{hours}"\nstages:\n')
    assert_reported(text, "working_hours:", phrase)


def test_an_unknown_bank_holiday_region_is_reported() -> None:
    text = edit("stages:\n", "bank_holidays: wales\nstages:\n")
    assert_reported(
        text, "bank_holidays:", "unknown region 'wales'; choose one of: england-and-wales, scotland, northern-ireland"
    )


def test_an_unknown_nudge_is_reported_with_a_suggestion() -> None:
    text = edit("    when_missed: remind", "    when_missed: remind\n    nudges: [halfway, at deadline]")
    assert_reported(text, "nudges:", "unknown nudge 'halfway' (did you mean 'half way'?)")


def test_escalate_on_the_last_stage_is_reported_because_there_is_nowhere_to_go() -> None:
    text = edit("    when_missed: remind", "    when_missed: escalate")
    assert_reported(text, "when_missed: escalate", "is the last stage, so there is nothing to escalate to")


def test_a_last_stage_that_escalates_by_default_is_reported_on_the_stage_line() -> None:
    text = edit("    when_missed: remind\n", "")
    assert_reported(text, "- id: partnership", "set 'when_missed: remind'")


def test_an_unknown_when_missed_is_reported() -> None:
    text = edit("    when_missed: remind", "    when_missed: wait")
    assert_reported(text, "when_missed: wait", "when_missed can't be 'wait'; choose one of: escalate, remind")


def test_a_policy_with_one_stage_is_reported() -> None:
    start = VALID.index("  - id: practitioners")
    end = VALID.index("  - id: partnership")
    text = VALID[:start] + VALID[end:]
    text = edit("  starts_at: managers", "  starts_at: partnership", text)
    assert_reported(text, "stages:", "a policy needs at least 2 stages")


def test_empty_categories_are_reported() -> None:
    text = edit("categories:\n  - Criteria for referrals\n", "categories: []\n")
    assert_reported(text, "categories: []", "categories is empty")


def test_a_stage_involving_nobody_is_reported() -> None:
    text = edit("    each_agency: [practitioner]\n", "    each_agency: []\n")
    assert_reported(text, "- id: practitioners", "stage 'practitioners' involves nobody")


@pytest.mark.parametrize(
    ("old", "new", "on_line_with", "phrase"),
    [
        ("    each_agency: [practitioner]", "    each_agency: practitioner", "each_agency: practitioner",
         "each_agency should be a list, like [line_manager, safeguarding_lead], not a single piece of text"),
        ("categories:\n  - Criteria for referrals", "categories: Criteria for referrals", "categories:",
         "categories should be a list"),
        ("  agency: [safeguarding_lead]", "  agency: safeguarding_lead", "agency: safeguarding_lead",
         "roles: agency should be a list"),
        ("stages:\n", "digest: sometimes\nstages:\n", "digest:", "digest: write true or false"),
        ("title: Test Safeguarding Partnership", "title: [Test]", "title:", "should be a single line of text"),
        ("learning:\n  to: board_manager\n  group: Learning sub-group", "learning: board_manager", "learning:",
         "learning should have two settings under it"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_kind_is_reported(old: str, new: str, on_line_with: str, phrase: str) -> None:
    assert_reported(edit(old, new), on_line_with, phrase)


def test_a_role_written_as_words_is_reported_with_its_right_shape() -> None:
    text = edit("  agency: [safeguarding_lead]", "  agency: [Safeguarding Lead]")
    assert_reported(text, "Safeguarding Lead", "like safeguarding_lead")


def test_every_mistake_in_a_file_is_reported_at_once_in_file_order() -> None:
    text = edit("name: test\n", "name: Test Partnership\n")
    text = edit("  to: board_manager", "  to: nobody", text)
    text = edit("[line_manager, safeguarding_lead]", "[line_manager, safeguardng_lead]", text)
    text = edit("    when_missed: remind", "    when_missed: escalate", text)
    del_title = edit("title: Test Safeguarding Partnership\n", "", text)

    found = problems(del_title)

    assert [e.line for e in found] == [
        None,
        line_with(del_title, "name: Test"),
        line_with(del_title, "to: nobody"),
        line_with(del_title, "safeguardng_lead"),
        line_with(del_title, "when_missed: escalate"),
    ]
    assert "'title' is missing" in found[0].message
    assert "'name' should be one short word in lower case" in found[1].message


def test_the_error_lists_every_problem_one_per_line() -> None:
    error = InvalidPolicy([PolicyError(None, "'title' is missing"), PolicyError(12, "unknown role 'x'")], "mine.yaml")

    assert str(error) == (
        "mine.yaml: 2 problems in the escalation policy:\n  'title' is missing\n  line 12: unknown role 'x'"
    )


def test_an_empty_file_is_reported() -> None:
    assert_reported("", None, "the file is empty")


def test_a_yaml_syntax_error_reports_its_line() -> None:
    text = edit("  - Criteria for referrals", "  - [Criteria for referrals")

    with pytest.raises(FileProblem) as caught:
        load_yaml(text, "test.yaml")

    (error,) = caught.value.errors
    assert error.line == line_with(text, "learning:")  # where YAML notices the list was never closed
    assert "Parley can't read this line as YAML" in error.message
    assert str(caught.value).startswith(f"test.yaml, line {error.line}: ")


def test_a_tab_used_for_indenting_is_explained() -> None:
    text = edit("  starts_at: managers", "\tstarts_at: managers")

    with pytest.raises(FileProblem) as caught:
        load_yaml(text, "test.yaml")

    assert caught.value.errors[0].line == line_with(text, "\tstarts_at")
    assert "use spaces, not tabs" in caught.value.errors[0].message


def test_a_setting_given_twice_is_reported_instead_of_silently_keeping_the_last() -> None:
    text = edit("    when_missed: remind", "    when_missed: remind\n    timescale: 2 working days")

    with pytest.raises(FileProblem) as caught:
        load_yaml(text, "test.yaml")

    assert caught.value.errors == [
        PolicyError(
            line_with(text, "2 working days"), "'timescale' appears twice here (also on line 26); keep only one"
        )
    ]


def test_line_of_gives_the_line_of_keys_and_list_items() -> None:
    _, line_of = load_yaml(VALID, "test.yaml")

    assert line_of(("stages", 2, "timescale")) == 26
    assert line_of(("stages", 1)) == line_with(VALID, "- id: managers")
    assert line_of(("stages", 1, "each_agency", 1)) == line_with(VALID, "[line_manager, safeguarding_lead]")
    assert line_of(("categories", 0)) == line_with(VALID, "Criteria for referrals")
    assert line_of(("nowhere",)) is None
