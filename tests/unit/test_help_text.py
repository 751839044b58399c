"""The help text names each step as the procedure does, with no second numbering that disagrees."""

from __future__ import annotations

import re

import pytest

from handlers.files import read_policy
from messages.text.help import TEAMS_COMMANDS, help_lines, slack_commands

PRESETS = ["bradford", "hips", "lscb", "northamptonshire", "specialist-childrens-services"]


@pytest.mark.parametrize("preset", PRESETS)
def test_each_step_is_listed_once_under_its_own_name(preset: str) -> None:
    policy = read_policy(preset)
    steps = help_lines(policy, slack_commands())[2].removeprefix("The steps: ").split(" → ")
    assert len(steps) == len(policy.stages)
    for number, (shown, stage) in enumerate(zip(steps, policy.stages, strict=True), start=1):
        assert stage.name in shown
        # a list number only where the name has none of its own, and then the right one
        listed = re.match(r"(\d+)\. ", shown)
        assert listed is None or (int(listed.group(1)) == number and not shown.removeprefix(listed.group(0)).lower().startswith(("stage", "step")))


def test_northamptonshire_second_step_is_not_called_step_two_of_stage_one() -> None:
    steps = help_lines(read_policy("northamptonshire"), slack_commands())[2]
    assert "2. Stage 1" not in steps and "Stage 1 - Prevention (line managers)" in steps


def test_unnumbered_names_get_their_place_in_the_list() -> None:
    steps = help_lines(read_policy("lscb"), TEAMS_COMMANDS)[2]
    assert steps.startswith("The steps: 1. Workers discuss") and "→ 2. Line managers discuss" in steps


def test_slack_and_teams_say_the_same_but_for_what_is_typed() -> None:
    policy = read_policy("hips")
    slack, teams = help_lines(policy, slack_commands()), help_lines(policy, TEAMS_COMMANDS)
    assert len(slack) == len(teams) and slack[2] == teams[2]
