"""Policy files: a valid file becomes a policy, timescales are read from plain words, and a file is read from a path."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.policy import (
    CountedFrom,
    InvalidPolicy,
    Nudge,
    Timescale,
    TimescaleKind,
    WhenMissed,
    parse_timescale,
)
from handlers.files import read_policy
from policies import preset_path
from tests.unit.policy_text import FIVE_DAYS, ONE_DAY, SAME_DAY, VALID, edit, parse

# --- A valid file -------------------------------------------------------------------------------


def test_a_valid_file_becomes_a_policy_with_sensible_defaults() -> None:
    policy = parse(VALID)

    assert [s.id for s in policy.stages] == ["practitioners", "managers", "partnership"]
    managers = policy.stages[1]
    assert managers.each_agency == ("line_manager", "safeguarding_lead")
    assert managers.partnership == ()
    assert managers.timescale == FIVE_DAYS
    assert managers.when_missed is WhenMissed.ESCALATE
    assert managers.nudges == (Nudge.HALF_WAY, Nudge.DUE_DAY_MORNING)
    assert managers.guidance == ""
    assert policy.urgent.starts_at == "managers"
    assert policy.urgent.timescale == SAME_DAY
    assert (policy.working_day_start, policy.working_day_end) == (time(9, 0), time(17, 0))
    assert policy.bank_holidays == "england-and-wales"
    assert policy.digest is False
    assert policy.formal_challenge_from is None
    assert policy.source == ""
    assert policy.notes == ()
    assert policy.agency_roles == ("safeguarding_lead",)
    assert policy.partnership_roles == ("board_manager",)
    assert (policy.learning_to, policy.learning_group) == ("board_manager", "Learning sub-group")


def test_optional_settings_are_read_when_given() -> None:
    text = edit("stages:\n", 'working_hours: "08:30-16:30"\nbank_holidays: scotland\ndigest: true\n'
                "formal_challenge_from: managers\nnotes: [Consider a case review.]\nstages:\n")  # fmt: skip
    text = edit(
        "    timescale: 5 working days\n  - id: partnership",
        "    timescale: 4 working hours\n    counted_from: first alert\n    nudges: [at deadline]\n"
        "    guidance: Talk today.\n  - id: partnership",
        text,
    )

    policy = parse(text)

    assert (policy.working_day_start, policy.working_day_end) == (time(8, 30), time(16, 30))
    assert policy.bank_holidays == "scotland"
    assert policy.digest is True
    assert policy.formal_challenge_from == "managers"
    assert policy.notes == ("Consider a case review.",)
    managers = policy.stages[1]
    assert managers.timescale == Timescale(TimescaleKind.WORKING_HOURS, 4, CountedFrom.FIRST_ALERT)
    assert managers.nudges == (Nudge.AT_DEADLINE,)
    assert managers.guidance == "Talk today."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("same working day", SAME_DAY),
        ("Same  Working Day", SAME_DAY),
        ("5 working days", FIVE_DAYS),
        ("1 working day", ONE_DAY),
        ("within 5 working days", FIVE_DAYS),
        ("24 hours", Timescale(TimescaleKind.HOURS, 24)),
        ("1 hour", Timescale(TimescaleKind.HOURS, 1)),
        ("4 working hours", Timescale(TimescaleKind.WORKING_HOURS, 4)),
    ],
)
def test_timescales_are_read_from_plain_words(text: str, expected: Timescale) -> None:
    assert parse_timescale(text) == expected


def test_a_timescale_can_be_counted_from_the_first_alert() -> None:
    assert parse_timescale("5 working days", CountedFrom.FIRST_ALERT).counted_from is CountedFrom.FIRST_ALERT


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0 working days", "is zero"),
        ("-3 working days", "is negative"),
        ("five working days", "write the number in figures: '5 working days'"),
        ("5 days", "Parley counts days as working days: write '5 working days'"),
        ("soon", "can't read the timescale 'soon'"),
        ("", "the timescale is empty"),
    ],
)
def test_an_unreadable_timescale_says_why_in_plain_words(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_timescale(text)


# --- Reading files -----------------------------------------------------------------------------


def test_a_policy_file_is_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(VALID, encoding="utf-8")

    assert read_policy(str(path)).name == "test"


def test_errors_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "local.yaml"
    path.write_text(edit("  starts_at: managers", "  starts_at: manager"), encoding="utf-8")

    with pytest.raises(InvalidPolicy) as caught:
        read_policy(str(path))

    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: 1 problem in the escalation policy:\n  line 12: urgent: starts_at")


def test_a_syntax_error_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [broken\n", encoding="utf-8")

    with pytest.raises(InvalidPolicy) as caught:
        read_policy(path)

    assert caught.value.source == str(path)
    assert caught.value.errors[0].line == 2


def test_a_missing_file_is_reported_plainly(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicy, match="there is no policy file at this path"):
        read_policy(str(tmp_path / "nowhere.yaml"))


def test_an_unknown_preset_name_lists_the_presets() -> None:
    with pytest.raises(ValueError, match="neither a preset \\(lscb, northamptonshire, bradford"):
        read_policy("bradfrod")
    with pytest.raises(ValueError, match="the presets are: lscb, northamptonshire, bradford"):
        preset_path("bradfrod")
