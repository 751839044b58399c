"""The safety and routing settings of a policy file: read, checked line by line, exposed on Policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.policy import AfterRetention, LearningRouting, Retention, parse_timescale
from handlers.files import read_policy
from policies import PRESETS
from tests.unit.policy_text import VALID, assert_reported, edit, parse

LEARNING = "  group: Learning sub-group\n"


def test_a_policy_without_the_new_settings_gets_their_defaults() -> None:
    policy = parse(VALID)
    assert policy.case_references == () and policy.between_agencies_only is False
    assert policy.learning == LearningRouting() and policy.retention == Retention(6 * 365, AfterRetention.ANONYMISE)
    assert policy.role_label("safeguarding_lead") == "safeguarding lead"
    assert policy.role_label("line_manager") == "line manager"


def test_role_names_are_read_and_an_unknown_role_is_reported() -> None:
    roles = "  agency: [safeguarding_lead]\n  partnership: [board_manager]\n"
    text = edit(roles, roles + "  names:\n    board_manager: Board Manager\n")
    assert parse(text).role_label("board_manager") == "Board Manager"
    bad = edit("    board_manager: Board Manager\n", "    board_manger: Board Manager\n", text)
    assert_reported(bad, "board_manger: Board Manager", "'board_manger' is not a role (did you mean 'board_manager'?)")


def test_learning_routing_is_read_and_its_roles_checked() -> None:
    text = edit(LEARNING, LEARNING + "  slack_channel: C0LEARN\n  teams_channel: 19:x@thread.tacv2\n"
                "  tell: [board_manager]\n  procedure_owner: board_manager\n  case_review: true\n")  # fmt: skip
    assert parse(text).learning == LearningRouting("C0LEARN", "19:x@thread.tacv2", ("board_manager",), "board_manager", True)
    assert_reported(edit(LEARNING, LEARNING + "  tell: [safeguarding_lead]\n"), "tell:", "learning: tell: 'safeguarding_lead' is not a partnership role")
    assert_reported(edit(LEARNING, LEARNING + "  case_review: maybe\n"), "case_review:", "case_review: write true or false")
    assert_reported(edit(LEARNING, LEARNING + "  slack_channel: learning channel\n"), "slack_channel:", "should be a channel id")


def test_retention_is_read_and_bounded() -> None:
    text = VALID + "retention:\n  keep_closed_for: 18 months\n  then: delete\n"
    assert parse(text).retention == Retention(540, AfterRetention.DELETE)
    assert_reported(VALID + "retention:\n  keep_closed_for: 99 years\n", "keep_closed_for", "between 30 days and 25 years")
    assert_reported(VALID + "retention:\n  keep_closed_for: forever\n", "keep_closed_for", "like '6 years'")
    assert_reported(VALID + "retention:\n  then: shred\n", "then: shred", "choose one of: anonymise, delete")


def test_between_agencies_only_is_a_flag() -> None:
    assert parse(VALID + "between_agencies_only: true\n").between_agencies_only is True
    assert_reported(VALID + "between_agencies_only: sometimes\n", "between_agencies_only", "write true or false")


FORMATS = """\
case_references:
  - name: Children's social care
    pattern: 'CSC-\\d{4}-\\d{5}'
    examples: [CSC-2026-00123]
"""


def test_case_reference_formats_are_read_and_examples_checked_against_their_pattern() -> None:
    [fmt] = parse(VALID + FORMATS).case_references
    assert (fmt.name, fmt.examples) == ("Children's social care", ("CSC-2026-00123",)) and fmt.matches("csc-2026-00001")
    assert_reported(VALID + FORMATS.replace("[CSC-2026-00123]", "[CSC-2026-00123, CSC-26-1]"), "examples:", "the example 'CSC-26-1' does not match")
    assert_reported(VALID + FORMATS.replace("\\d{4}-\\d{5}", "(\\d+)+"), "pattern:", "a repeat inside a repeat")
    assert_reported(VALID + FORMATS.replace("\\d{4}-\\d{5}", "[0-9"), "pattern:", "can't be read")
    assert_reported(VALID + FORMATS.replace("CSC-\\d{4}-\\d{5}", "\\d*"), "pattern:", "matches an empty reference")
    assert_reported(VALID + FORMATS.replace("CSC-\\d{4}-\\d{5}", "CSC$-\\d+"), "pattern:", "use ^ and $ only")
    assert_reported(VALID + FORMATS.replace("CSC-\\d{4}-\\d{5}", "x" * 201), "pattern:", "keep it under 200")
    dated = FORMATS.replace("CSC-\\d{4}-\\d{5}", "\\d\\d/\\d\\d/\\d{4}").replace("[CSC-2026-00123]", "[12/03/2015]")
    assert_reported(VALID + dated, "examples:", "would be refused: it looks like a date")


@pytest.mark.parametrize(
    ("timescale", "phrase"),
    [("3000000 working days", "longer than any"), ("100000000000 hours", "longer than any"),
     ("261 working days", "at most 260 working days"), ("8761 hours", "at most 8760 hours"),
     ("2001 working hours", "at most 2000 working hours")],
)  # fmt: skip
def test_a_timescale_longer_than_a_procedure_can_mean_is_refused(timescale: str, phrase: str) -> None:
    with pytest.raises(ValueError, match=phrase):
        parse_timescale(timescale)
    first = "    each_agency: [practitioner]\n    timescale: 5 working days"
    text = edit(first, f"    each_agency: [practitioner]\n    timescale: {timescale}")
    assert_reported(text, f"timescale: {timescale}", phrase)


def test_every_preset_names_its_roles_and_hips_alone_is_between_agencies_only() -> None:
    for name in PRESETS:
        policy = read_policy(name)
        named = dict(policy.role_names)
        assert set(named) == set(policy.agency_roles + policy.partnership_roles), name
        assert policy.learning.procedure_owner in policy.partnership_roles, name
        assert policy.between_agencies_only is (name == "hips"), name
        assert policy.learning.case_review_prompt is (name == "specialist-childrens-services"), name


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", "nested more than 50 deep"),
        ("name: " + "9" * 5000 + "\n", "5000 digits"),
        ("name: !!int abc\n", "can't be read as a whole number"),
        ("name: !!float abc\n", "can't be read as a number"),
        ("name: !!bool maybe\n", "can't be read as true or false"),
        ("name: test\ndigest: 2026-02-30\n", "digest: write true or false, not '2026-02-30'"),
    ],
)
def test_a_hostile_policy_file_gets_a_line_and_a_reason(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(Exception) as caught:
        read_policy(path)
    assert type(caught.value).__name__ == "InvalidPolicy"
    assert any(phrase in e.message for e in caught.value.errors), caught.value.errors
    assert all(len(e.message) < 400 for e in caught.value.errors)


@pytest.mark.parametrize(("make", "phrase"), [
    (lambda p: p / "nowhere.yaml", "there is no policy file at this path"),
    (lambda p: p, "this is a folder"),
    (lambda p: (p / "policy.txt", (p / "policy.txt").write_text("name: x")) and p / "policy.txt", "nor a .yaml file"),
])  # fmt: skip
def test_a_path_that_is_not_a_policy_file_is_said_in_one_line(tmp_path: Path, make, phrase: str) -> None:
    with pytest.raises(Exception) as caught:
        read_policy(make(tmp_path))
    assert type(caught.value).__name__ == "InvalidPolicy" and phrase in str(caught.value)
