"""The learning loop in Block Kit: the DM asking for learning points, its modal, the summary sent on."""

from __future__ import annotations

import json
from typing import Any

from bot.dispute import MAX_TEXT
from bot.intake import NO, YES
from bot.learning import THEMES
from messages import learning as w
from messages.slack.base import OPTION_MAX, VALUE, ActionId, Field, Payload, ViewId, _button, _context, _plain, button_value, esc, section
from messages.text import DisputeView


def learning_prompt(view: DisputeView) -> Payload:
    """A DM to someone who confirmed or closed a disagreement: one button opens the learning form."""
    blocks = [
        section(f"*{esc(w.PROMPT_TITLE)}* · case *{esc(view.reference)}*\n{esc(w.PROMPT)}"),
        {
            "type": "actions",
            "block_id": "parley_learning_actions",
            "elements": [_button(w.PROMPT_BUTTON, ActionId.GIVE_LEARNING, button_value(view), "primary")],
        },
    ]
    return {"text": f"{w.PROMPT_TITLE}: {esc(view.reference)}", "blocks": blocks}


def case_review_prompt(view: DisputeView) -> Payload:
    """A DM to the person who closed it unresolved, where the policy asks them to consider a case review."""
    return {"text": w.CASE_REVIEW_TITLE, "blocks": [section(f"*{esc(w.CASE_REVIEW_TITLE)}* · case *{esc(view.reference)}*\n{esc(w.CASE_REVIEW)}")]}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text, OPTION_MAX), "value": value}


def _yes_no(field: Field, label: str) -> dict[str, Any]:
    element = {"type": "radio_buttons", "action_id": VALUE, "options": [_option(w.YES, YES), _option(w.NO, NO)]}
    return {"type": "input", "block_id": field.value, "label": _plain(label, 2000), "element": element, "optional": True}


def learning_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    """The learning form: points (optional), debrief and procedure questions, themes from the fixed list."""
    points = {"type": "plain_text_input", "action_id": VALUE, "multiline": True, "max_length": MAX_TEXT}
    themes = {"type": "multi_static_select", "action_id": VALUE, "options": [_option(t, t) for t in THEMES]}
    return {
        "type": "modal",
        "callback_id": ViewId.LEARNING.value,
        "title": _plain(w.FORM_TITLE, 24),
        "submit": _plain(w.FORM_SUBMIT, 24),
        "close": _plain("Cancel", 24),
        "private_metadata": json.dumps({"dispute_id": view.id, **metadata})[:3000],
        "blocks": [
            _context(f"Case *{esc(view.reference)}*"),
            {"type": "input", "block_id": Field.LEARNING_POINTS.value, "label": _plain(w.LABEL_POINTS, 2000), "element": points,
             "optional": True, "hint": _plain(w.HINT_POINTS, 2000)},
            _yes_no(Field.DEBRIEF, w.LABEL_DEBRIEF),
            _yes_no(Field.UNCLEAR, w.LABEL_UNCLEAR),
            {"type": "input", "block_id": Field.THEMES.value, "label": _plain(w.LABEL_THEMES, 2000), "element": themes, "optional": True},
        ],
    }  # fmt: skip


def learning_summary(summary: w.Summary) -> Payload:
    """The summary for the learning channel and the partnership's roles: no reference, no names, no text."""
    lines = "\n".join(esc(line) for line in w.summary_lines(summary))
    return {"text": w.SUMMARY_TITLE, "blocks": [section(f"*{esc(w.SUMMARY_TITLE)}*\n{lines}")]}


def procedure_unclear(summary: w.Summary) -> Payload:
    lines = "\n".join(esc(line) for line in w.unclear_lines(summary))
    return {"text": w.UNCLEAR_TITLE, "blocks": [section(f"*{esc(w.UNCLEAR_TITLE)}*\n{lines}")]}
