"""Policy files: the five presets are faithful to their sources, and a broken file is explained line by line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.policy import (
    CountedFrom,
    InvalidPolicy,
    Nudge,
    Policy,
    PolicyError,
    Sides,
    Timescale,
    TimescaleKind,
    WhenMissed,
    parse_policy,
    parse_timescale,
)
from handlers.files import FileProblem, load_yaml, read_policy
from policies import PRESETS, preset_path

SAME_DAY = Timescale(TimescaleKind.SAME_WORKING_DAY)
FIVE_DAYS = Timescale(TimescaleKind.WORKING_DAYS, 5)
ONE_DAY = Timescale(TimescaleKind.WORKING_DAYS, 1)

VALID = """\
name: test
title: Test Safeguarding Partnership
roles:
  agency: [safeguarding_lead]
  partnership: [board_manager]
categories:
  - Criteria for referrals
learning:
  to: board_manager
  group: Learning sub-group
urgent:
  starts_at: managers
  timescale: same working day
stages:
  - id: practitioners
    name: Practitioners talk
    each_agency: [practitioner]
    timescale: 5 working days
  - id: managers
    name: Managers talk
    each_agency: [line_manager, safeguarding_lead]
    timescale: 5 working days
  - id: partnership
    name: Board Manager decides
    partnership: [board_manager]
    timescale: 5 working days
    when_missed: remind
"""


def parse(text: str) -> Policy:
    data, line_of = load_yaml(text, "test.yaml")
    return parse_policy(data, line_of)


def problems(text: str) -> list[PolicyError]:
    with pytest.raises(InvalidPolicy) as caught:
        parse(text)
    return caught.value.errors


def edit(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, f"{old!r} should appear exactly once"
    return text.replace(old, new)


def line_with(text: str, fragment: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) == 1, f"{fragment!r} should be on exactly one line"
    return lines[0]


def assert_reported(text: str, on_line_with: str | None, phrase: str) -> None:
    line = line_with(text, on_line_with) if on_line_with is not None else None
    found = problems(text)
    assert any(e.line == line and phrase in e.message for e in found), [str(e) for e in found]


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
