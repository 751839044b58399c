"""Every word of the learning loop: the prompt, its form, the summary sent on, the case review prompt.

The summary that leaves the dispute (to the learning channel, the partnership roles and the procedure's
owner) carries no case reference, no names, no agency and no free text: only how it ended, the stage
reached, the themes chosen and the two yes/no answers. The learning points themselves stay on the
dispute's record and in the Board's store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROMPT_TITLE = "Learning points"
PROMPT = (
    "Thank you for seeing this disagreement through. What can be learned from it? "
    "It takes a minute, and you are asked once."
)
PROMPT_BUTTON = "Give learning points"
FORM_TITLE = "Learning points"
FORM_SUBMIT = "Send"
LABEL_POINTS = "What can be learned from this disagreement?"
HINT_POINTS = "Please don't write a child's name. This stays on the dispute's record."
LABEL_DEBRIEF = "Would a debrief help?"
LABEL_UNCLEAR = "Was the procedure itself unclear?"
LABEL_THEMES = "Themes (choose any that fit)"
YES = "Yes"
NO = "No"
DONE = "Thank you: your learning points are on the record and a summary has gone to the partnership's learning group."
ALREADY = "You have already given your learning points for this disagreement. Thank you: nothing more is needed."

CASE_REVIEW_TITLE = "A multi-agency case review?"
CASE_REVIEW = (
    "This disagreement was closed without being resolved. The procedure asks that a multi-agency "
    "case review be considered where differences could not be resolved, or where there may be lessons "
    "for future practice. Please consider whether to ask for one."
)
CASE_REVIEW_PROMPTED = "{who} was asked to consider a multi-agency case review (the procedure asks for this when a disagreement stays unresolved)."

SUMMARY_TITLE = "Learning from a finished disagreement"
UNCLEAR_TITLE = "Someone found the procedure unclear"
UNCLEAR = "Someone who took part in a disagreement under this procedure said the procedure itself was unclear."
ENDED = {"resolved": "resolved", "closed unresolved": "closed unresolved"}


@dataclass(frozen=True)
class Summary:
    """What may leave the dispute: no reference, no names, no agencies, no free text."""

    procedure: str
    ended: str  # 'resolved' or 'closed unresolved'
    stage: str
    themes: tuple[str, ...]
    debrief_wanted: bool
    procedure_unclear: bool


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def summary_lines(s: Summary) -> list[str]:
    """The summary as lines of plain text (each platform escapes and lays them out)."""
    return [
        f"Procedure: {s.procedure}",
        f"How it ended: {ENDED.get(s.ended, s.ended)}, at the stage '{s.stage}'",
        f"Themes: {'; '.join(s.themes) if s.themes else 'none chosen'}",
        f"A debrief would help: {yes_no(s.debrief_wanted)}",
        f"The procedure itself was unclear: {yes_no(s.procedure_unclear)}",
    ]


def unclear_lines(s: Summary) -> list[str]:
    return [UNCLEAR, f"Procedure: {s.procedure}", f"Stage reached: {s.stage}"]


def learning_entry(who: str, d: dict[str, Any]) -> list[str]:
    """A 'learning points given' record entry, for the record and its text export."""
    themes = "; ".join(d.get("themes") or ()) or "none chosen"
    return [
        f"{who} gave learning points: {d['learning_points'] or '(none written)'}",
        f"A debrief would help: {yes_no(bool(d['debrief_wanted']))}",
        f"The procedure itself was unclear: {yes_no(bool(d['procedure_unclear']))}",
        f"Themes: {themes}",
    ]


def summary_of(dispute: Any, event: Any, policy: Any) -> Summary:
    """The summary of one answer (`dispute` a bot Dispute, `event` its LearningGiven, `policy` its Policy)."""
    stage = policy.stages[dispute.stage_index].name if dispute.stage_index < len(policy.stages) else ""
    ended = "resolved" if dispute.status.value == "resolved" else "closed unresolved"
    return Summary(policy.title, ended, stage, tuple(event.themes), bool(event.debrief_wanted), bool(event.procedure_unclear))
