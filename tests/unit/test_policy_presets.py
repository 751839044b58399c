"""Policy files: the five presets are faithful to their sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.policy import (
    Sides,
    Timescale,
    TimescaleKind,
    WhenMissed,
)
from handlers.files import read_policy
from policies import PRESETS, preset_path
from tests.unit.policy_text import FIVE_DAYS, ONE_DAY, SAME_DAY, assert_reported, edit, parse

# --- The presets are faithful to their sources -------------------------------------------------

SEEDS = {
    "lscb": "000_229edcdd1343038f.txt",
    "northamptonshire": "001_7eea8b98d1d36b90.txt",
    "bradford": "002_acb2ccd029fa2e96.txt",
    "specialist-childrens-services": "003_627e22fbddc0965f.txt",
    "hips": "004_6cc779bd3b9d5fee.txt",
}


def test_there_is_one_preset_per_source_procedure() -> None:
    assert set(PRESETS) == set(SEEDS)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_loads_and_names_its_source_in_its_header(name: str) -> None:
    policy = read_policy(name)

    assert policy.name == name
    assert policy.source == SEEDS[name]
    assert SEEDS[name] in preset_path(name).read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_escalates_until_its_last_stage_which_reminds(name: str) -> None:
    policy = read_policy(name)

    assert [s.when_missed for s in policy.stages] == [WhenMissed.ESCALATE] * policy.last_index + [WhenMissed.REMIND]
    assert policy.stages[-1].partnership, "the last stage is owned by the partnership"
    assert policy.learning_to in policy.partnership_roles


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_category_fits_a_chat_menu_option(name: str) -> None:
    # Slack's select menus cut option text at 75 characters.
    assert all(len(c) <= 75 for c in read_policy(name).categories)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_skips_the_practitioners_when_a_child_is_at_immediate_risk(name: str) -> None:
    policy = read_policy(name)

    assert policy.urgent.timescale == SAME_DAY
    start = policy.stages[policy.stage_index(policy.urgent.starts_at)]
    assert "practitioner" not in start.each_agency


def test_lscb_goes_from_workers_to_managers_to_lscb_representatives_to_the_board_manager() -> None:
    policy = read_policy("lscb")

    assert [(s.id, s.each_agency, s.partnership) for s in policy.stages] == [
        ("workers", ("practitioner",), ()),
        ("line_managers", ("line_manager",), ()),
        ("lscb_representatives", ("lscb_representative",), ()),
        ("board_manager", (), ("board_manager",)),
    ]
    assert policy.stages[0].timescale == SAME_DAY  # "escalated on the same working day"
    assert "LSCB Chair" in policy.stages[-1].guidance
    assert (policy.learning_to, policy.learning_group) == ("board_manager", "the relevant LSCB sub-group")
    assert "Section 47" in policy.categories[0]


def test_northamptonshire_splits_stage_one_and_gives_practitioners_one_working_day() -> None:
    policy = read_policy("northamptonshire")

    assert [s.name for s in policy.stages] == [
        "Stage 1 - Prevention (professionals discuss)",
        "Stage 1 - Prevention (line managers)",
        "Stage 2 - Informal Resolution",
        "Stage 3 - Formal Resolution",
        "Stage 4 - Remaining Disagreements",
    ]
    assert policy.stages[0].timescale == ONE_DAY
    assert policy.stages[2].each_agency == ("second_tier_manager", "designated_professional", "named_professional")
    assert policy.stages[3].each_agency == ("head_of_service",)
    assert policy.stages[4].partnership == ("head_of_safeguarding_and_qa", "business_office")
    assert "Board Chair via the Business Office" in policy.stages[4].guidance.replace("NSCB ", "Board ")
    assert policy.formal_challenge_from == "heads_of_service"
    assert len(policy.categories) == 6


def test_bradford_has_six_steps_each_within_five_working_days() -> None:
    policy = read_policy("bradford")

    assert [s.name.split(" - ")[0] for s in policy.stages] == [f"Step {n}" for n in range(1, 7)]
    assert all(s.timescale == FIVE_DAYS for s in policy.stages)
    assert policy.stages[2].each_agency == ("line_manager", "safeguarding_lead")
    assert "equivalent colleague in the other agency" in policy.stages[2].guidance
    assert policy.stages[3].each_agency == ("line_manager", "safeguarding_lead", "service_manager")
    assert policy.stages[4].each_agency == ("safeguarding_lead", "head_of_service")
    assert policy.stages[5].name == "Step 6 - BDSCP Senior Leadership Group, via the Business Unit"
    assert policy.stages[5].partnership == ("board_manager",)
    assert policy.urgent.starts_at == "managers"
    assert policy.formal_challenge_from == "managers"
    assert policy.learning_group == "BDSCP SaPP sub-group"
    assert policy.categories == (
        "Criteria for referrals",
        "Outcomes of assessments",
        "Roles and responsibilities of workers",
        "Service provision",
        "Information sharing and communication",
    )


def test_specialist_childrens_services_gives_line_managers_twenty_four_hours() -> None:
    policy = read_policy("specialist-childrens-services")

    assert [s.id for s in policy.stages] == [
        "practitioners", "line_managers", "second_tier", "heads_of_service", "head_of_safeguarding",
    ]  # fmt: skip
    assert policy.stages[0].timescale == ONE_DAY
    assert policy.stages[1].timescale == Timescale(TimescaleKind.HOURS, 24)
    assert policy.stages[4].partnership == ("head_of_safeguarding", "board_service_manager")
    assert (policy.learning_to, policy.learning_group) == ("board_service_manager", "SCB/SAB Learning Group")
    assert any("multi-agency case review" in note for note in policy.notes)
    assert any("Initial Child Protection Conference" in note for note in policy.notes)


def test_hips_has_four_stages_and_says_its_timescales_are_defaults() -> None:
    policy = read_policy("hips")

    assert [s.name.split(" - ")[0] for s in policy.stages] == ["Stage 1", "Stage 2", "Stage 3", "Stage 4"]
    assert all(s.timescale == FIVE_DAYS for s in policy.stages)
    timescale_lines = [
        line for line in preset_path("hips").read_text(encoding="utf-8").splitlines() if "  timescale: 5 " in line
    ]
    assert len(timescale_lines) == 4
    assert all("Parley's default" in line for line in timescale_lines)
    assert any("in-house procedures" in note for note in policy.notes)
    assert any("may not change the safeguarding decision" in note for note in policy.notes)


@pytest.mark.parametrize("name", PRESETS)
def test_every_default_timescale_in_a_preset_says_so(name: str) -> None:
    # A timescale line either quotes the source or says that the source gave none.
    text = preset_path(name).read_text(encoding="utf-8")
    stage_timescales = [line for line in text.splitlines() if line.startswith("    timescale:")]
    if name == "bradford":  # one comment above the stages covers all six identical timescales
        assert "Within 5 working days of being alerted" in text
        return
    comments = [line.partition("#")[2].strip() for line in stage_timescales]
    assert all(c.startswith('"') or c.endswith("Parley's default") for c in comments), comments


def test_the_example_in_the_format_guide_is_a_valid_policy() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "policy-format.md").read_text(encoding="utf-8")
    example = guide.split("```yaml\n# Built from our", 1)[1].split("```", 1)[0]

    policy = parse("# Built from our" + example)

    assert [s.id for s in policy.stages] == ["practitioners", "managers", "partnership"]


def test_a_stage_can_be_for_the_raisers_side_only_and_a_wrong_value_is_reported_with_its_line():
    policy = read_policy("bradford")
    assert policy.stages[0].sides is Sides.RAISER
    assert policy.stages[1].sides is Sides.BOTH


def test_an_unknown_sides_value_is_reported() -> None:
    text = edit("    when_missed: remind", "    when_missed: remind\n    sides: them")
    assert_reported(text, "sides: them", "sides can't be 'them'; choose one of: both, raiser")
