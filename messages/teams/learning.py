"""The learning loop as Adaptive Cards: the 1:1 card asking for learning points, and the summary sent on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dispute import MAX_TEXT
from bot.intake import NO, YES
from bot.learning import THEMES
from messages import learning as w
from messages.teams.base import Card, Element, Field, Verb, activity, button, card, esc, text_block
from messages.teams.forms import _choice_input, _input, _text_input
from messages.text import DisputeView


def learning_card(view: DisputeView, *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    """The learning form, in the 1:1 with someone who confirmed or closed the disagreement."""
    values, errors = values or {}, errors or {}
    themes = _choice_input(Field.THEMES, w.LABEL_THEMES, [(t, t) for t in THEMES], values)
    themes["isMultiSelect"] = True
    body: list[Element] = [
        text_block(f"**{esc(w.PROMPT_TITLE)}** · case **{esc(view.reference)}**"),
        text_block(esc(w.PROMPT), spacing="None"),
        *_input(Field.LEARNING_POINTS, _text_input(Field.LEARNING_POINTS, w.LABEL_POINTS, MAX_TEXT, values, multiline=True), errors, hint=w.HINT_POINTS),
        _choice_input(Field.DEBRIEF, w.LABEL_DEBRIEF, [(YES, w.YES), (NO, w.NO)], values, expanded=True),
        _choice_input(Field.UNCLEAR, w.LABEL_UNCLEAR, [(YES, w.YES), (NO, w.NO)], values, expanded=True),
        *_input(Field.THEMES, themes, errors),
    ]
    return card(body, [button(w.FORM_SUBMIT, Verb.LEARNING_SUBMIT, {"dispute_id": view.id}, style="positive")])


def learning_prompt_activity(view: DisputeView) -> dict[str, Any]:
    return activity(learning_card(view), f"{w.PROMPT_TITLE}: {view.reference}")


def case_review_activity(view: DisputeView) -> dict[str, Any]:
    body = [text_block(f"**{esc(w.CASE_REVIEW_TITLE)}** · case **{esc(view.reference)}**"), text_block(esc(w.CASE_REVIEW))]
    return activity(card(body), w.CASE_REVIEW_TITLE)


def learning_summary_activity(summary: w.Summary) -> dict[str, Any]:
    """No reference, names or free text: see messages/learning.py."""
    body = [text_block(f"**{esc(w.SUMMARY_TITLE)}**"), *(text_block(esc(line), spacing="None") for line in w.summary_lines(summary))]
    return activity(card(body), w.SUMMARY_TITLE)


def procedure_unclear_activity(summary: w.Summary) -> dict[str, Any]:
    body = [text_block(f"**{esc(w.UNCLEAR_TITLE)}**"), *(text_block(esc(line), spacing="None") for line in w.unclear_lines(summary))]
    return activity(card(body), w.UNCLEAR_TITLE)
