"""A valid policy file to edit in tests, and the helpers that parse one and find the problems it is reported with."""

from __future__ import annotations

import pytest

from bot.policy import (
    InvalidPolicy,
    Policy,
    PolicyError,
    Timescale,
    TimescaleKind,
    parse_policy,
)
from handlers.files import load_yaml

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
