"""What Slack's and Teams' messages share: the ids of the inputs people fill in, and the limits
both hold to. Each platform's messages/<platform>/base.py keeps only how it renders them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from messages.text import Line, Mention, PersonView, Said, Strong

DESCRIPTION_MAX = 200  # the other party's role, when they are not in the directory
LIST_MAX = 15  # disputes listed in one message, then "…and N more"


class Field(enum.StrEnum):
    """The input ids of Parley's forms: the same names on Slack (a modal's block ids) and on Teams
    (an Adaptive Card's input ids), and the keys of the core's InvalidInput errors."""

    REFERENCE = "reference"
    CATEGORY = "category"
    RAISER_AGENCY = "raiser_agency"
    OTHER_PERSON = "other_person"
    OTHER_AGENCY = "other_agency"
    OTHER_IN_DIRECTORY = "other_in_directory"  # Slack only: the directory search (Teams lists the people)
    OTHER_DESCRIPTION = "other_description"
    PROBLEM = "problem"
    CAUSE = "cause"
    OUTCOME = "outcome"
    DISCUSSED = "discussed"
    IMMEDIATE_RISK = "immediate_risk"
    AGREED_OUTCOME = "agreed_outcome"
    OUTSTANDING_ISSUES = "outstanding_issues"
    LEARNING_POINTS = "learning_points"
    REASON = "reason"
    NOTE = "note"
    STATEMENT = "statement"
    DEBRIEF = "debrief"
    UNCLEAR = "unclear"
    THEMES = "themes"
    FORMAT = "format"


def render_line(line: Line, *, said: Callable[[str], str], strong: Callable[[str], str], mention: Callable[[PersonView], str]) -> str:
    """A line from messages/text in a platform's markup: each part through that platform's escaping,
    emphasis and mention; Parley's own words as they are."""
    out: list[str] = []
    for part in line:
        kind = type(part)  # the parts are exactly these four types (messages/text: Part), tested most common first
        if kind is str:
            out.append(part)
        elif kind is Said:
            out.append(said(part.text))
        elif kind is Mention:
            out.append(mention(part.person))
        elif kind is Strong:
            out.append(strong(part.text))
        else:
            raise TypeError(f"a line's part is a {kind.__name__}, not text, Said, Strong or Mention")
    return "".join(out)
