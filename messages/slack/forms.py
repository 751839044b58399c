"""Parley's modals: intake, the forms on a dispute, the record, and what they say when done."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.directory import FIND_MIN_QUERY
from bot.dispute import MAX_REASON, MAX_TEXT, STATEMENT_MAX
from bot.intake import NO, REFERENCE_MAX, YES
from messages import files as file_words
from messages.slack.base import (
    CHUNK,
    DESCRIPTION_MAX,
    FIND_PERSON,
    MODAL_BLOCKS_MAX,
    OPTION_MAX,
    VALUE,
    ActionId,
    Block,
    Field,
    ViewId,
    _button,
    _chunks,
    _context,
    _labelled,
    _plain,
    button_value,
    esc,
    mrkdwn,
    section,
)
from messages.text import IMMEDIATE_RISK, DisputeView, by_when, proposal_fields, told_on_raising, who_with_role


def _input(
    field: Field, label: str, element: dict[str, Any], *, hint: str = "", optional: bool = False
) -> Block:
    block: Block = {"type": "input", "block_id": field.value, "label": _plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _text_input(multiline: bool, max_length: int, placeholder: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline, "max_length": max_length}
    if placeholder:
        element["placeholder"] = _plain(placeholder, 150)
    return element


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text, OPTION_MAX), "value": value}


def _yes_no() -> dict[str, Any]:
    return {"type": "radio_buttons", "action_id": VALUE, "options": [_option("Yes", YES), _option("No", NO)]}


def intake_modal(
    *, categories: Sequence[str], agencies: Sequence[tuple[str, str]], my_agencies: Sequence[tuple[str, str]], procedure: str
) -> dict[str, Any]:
    """The /disagree form. Categories are offered by index (their text can be longer than an option value)."""
    blocks: list[Block] = [
        _context(f"Raise a professional disagreement under {esc(procedure)}. Use the case reference only: never a child's name."),
        _input(
            Field.REFERENCE,
            "Case reference",
            _text_input(False, REFERENCE_MAX, "e.g. CSC-2026-0193"),
            hint="The reference from your case system. No names.",
        ),
        _input(
            Field.CATEGORY,
            "What is it about?",
            {"type": "static_select", "action_id": VALUE, "options": [_option(c, str(i)) for i, c in enumerate(categories)][:100]},
        ),
    ]
    if len(my_agencies) > 1:
        blocks.append(
            _input(
                Field.RAISER_AGENCY,
                "You're raising this for",
                {"type": "static_select", "action_id": VALUE, "options": [_option(name, aid) for aid, name in my_agencies]},
            )
        )
    blocks += [
        _input(
            Field.OTHER_PERSON,
            "The other professional",
            {"type": "users_select", "action_id": VALUE},
            hint="If they're on Slack. If not, choose their agency and give their role below.",
            optional=True,
        ),
        _input(
            Field.OTHER_AGENCY,
            "Their agency",
            {"type": "static_select", "action_id": VALUE, "options": [_option(name, aid) for aid, name in agencies][:100]},
            optional=True,
        ),
        _input(
            Field.OTHER_IN_DIRECTORY,
            "Not on Slack? Find them in Parley's directory",
            {
                "type": "external_select",
                "action_id": FIND_PERSON,
                "min_query_length": FIND_MIN_QUERY,
                "placeholder": _plain("Type 2 or more letters of their name", 150),
            },
            hint="For someone on Teams, for example. Choose their agency above first to search only there.",
            optional=True,
        ),
        _input(
            Field.OTHER_DESCRIPTION,
            "Their role",
            _text_input(False, DESCRIPTION_MAX, "e.g. duty sergeant, health visitor"),
            hint="Their job, not their name, if you couldn't choose them above.",
            optional=True,
        ),
        _input(Field.PROBLEM, "What is the problem?", _text_input(True, MAX_TEXT), hint="The decision or action you disagree with."),
        _input(Field.CAUSE, "What might be causing it?", _text_input(True, MAX_TEXT), optional=True),
        _input(Field.OUTCOME, "What outcome do you need?", _text_input(True, MAX_TEXT)),
        _input(Field.DISCUSSED, "Have you discussed it with the other professional?", _yes_no()),
        _input(
            Field.IMMEDIATE_RISK,
            "Is a child at immediate risk of significant harm?",
            _yes_no(),
            hint="If yes, also use your organisation's safeguarding procedures now. Parley starts this on the urgent, same-working-day path.",
        ),
    ]
    return {
        "type": "modal",
        "callback_id": ViewId.INTAKE.value,
        "title": _plain("Raise a disagreement", 24),
        "submit": _plain("Raise it", 24),
        "close": _plain("Cancel", 24),
        "blocks": blocks,
    }


OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100


def person_options(found: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, Any]:
    """The answer to the directory search: one option per person, "Name · Agency" (nothing else about them)."""
    options = [
        _option(f"{name} · {', '.join(agencies)}", person_id)
        for person_id, name, agencies in found
        if len(person_id) <= OPTION_VALUE_MAX
    ]
    return {"options": options[:OPTIONS_MAX]}


def _done_modal(title: str, blocks: list[Block]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ViewId.DONE.value,
        "title": _plain(title, 24),
        "close": _plain("Close", 24),
        "blocks": blocks[:MODAL_BLOCKS_MAX],
    }


def intake_done(view: DisputeView, *, channel: str, team: str) -> dict[str, Any]:
    """What the practitioner sees once the disagreement is raised."""
    blocks: list[Block] = []
    if view.immediate_risk:
        blocks.append(section(f":rotating_light: *{esc(IMMEDIATE_RISK)}*"))
    where = f"<#{channel}>" if re.fullmatch(r"[CG][A-Z0-9]+", channel or "") else "Parley's channel"
    asked = mrkdwn(who_with_role(view.asked), team) or "nobody could be found yet: the partnership will be told"
    blocks += [
        section(f"*Raised: case {esc(view.reference)}.* " + esc(told_on_raising(view)).replace("a thread", f"a thread in {where}", 1)),
        section(f"*{esc(view.stage_name)}*\nDue *{esc(by_when(view.deadline))}*.\nAsked to act: {asked}."),
    ]
    if view.stage_guidance:
        blocks.append(_context(esc(view.stage_guidance)))
    return _done_modal("Disagreement raised", blocks)


def message_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that just says something (nothing changed, not in the directory, ...)."""
    return _done_modal(title, [section(esc(text))])


# --- forms on an existing dispute -----------------------------------------------------------------


def _form(view_id: ViewId, title: str, submit: str, view: DisputeView, metadata: dict[str, Any], blocks: list[Block]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": view_id.value,
        "title": _plain(title, 24),
        "submit": _plain(submit, 24),
        "close": _plain("Cancel", 24),
        "private_metadata": json.dumps({"dispute_id": view.id, **metadata})[:3000],
        "blocks": [_context(f"Case *{esc(view.reference)}* · {esc(view.stage_name)}"), *blocks],
    }


def resolve_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    return _form(
        ViewId.RESOLVE,
        "Resolve",
        "Propose",
        view,
        metadata,
        [
            _input(Field.AGREED_OUTCOME, "Agreed outcome", _text_input(True, MAX_TEXT), hint="What both sides have agreed will happen."),
            _input(Field.OUTSTANDING_ISSUES, "How will outstanding issues be pursued?", _text_input(True, MAX_TEXT), optional=True),
            _input(Field.LEARNING_POINTS, "Learning points", _text_input(True, MAX_TEXT), optional=True, hint="Shared with the partnership to improve practice."),
            _context("The other side is asked to confirm in writing. It is resolved only when both sides have confirmed."),
        ],
    )


def escalate_modal(view: DisputeView, metadata: dict[str, Any], *, next_stage: str) -> dict[str, Any]:
    return _form(
        ViewId.ESCALATE,
        "Escalate",
        "Escalate",
        view,
        metadata,
        [
            section(f"This moves the disagreement to *{esc(next_stage)}*; Parley tells the people at that stage in both agencies."),
            _input(Field.REASON, "Why are you escalating it?", _text_input(True, MAX_REASON)),
        ],
    )


def note_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    return _form(ViewId.ADD_NOTE, "Add a note", "Add note", view, metadata, [_input(Field.NOTE, "Note", _text_input(True, MAX_TEXT), hint="It goes on the record and in the thread.")])


def not_agreed_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    return _form(
        ViewId.NOT_AGREED,
        "Not agreed",
        "Send",
        view,
        metadata,
        [_input(Field.REASON, "What don't you agree with?", _text_input(True, MAX_REASON), hint="It goes on the record; the disagreement stays open at this stage.")],
    )


def confirm_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    """Written confirmation, in the person's own words (kept on the record exactly as written)."""
    assert view.proposal is not None
    p = view.proposal
    shown = [section(f"*{esc(p.by)} proposed:*")]
    for label, text in proposal_fields(p.agreed_outcome, p.outstanding_issues, p.learning_points):
        shown += _labelled(label, text)
    return _form(
        ViewId.CONFIRM,
        "Confirm",
        "Confirm",
        view,
        metadata,
        [
            *shown,
            _input(
                Field.STATEMENT,
                "Your confirmation, in your own words",
                _text_input(True, STATEMENT_MAX),
                hint="Kept on the record exactly as you write it.",
            ),
        ],
    )


def withdraw_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    return _form(
        ViewId.WITHDRAW,
        "Withdraw",
        "Withdraw it",
        view,
        metadata,
        [
            section("This closes the disagreement for both agencies. Everything so far stays on the record."),
            _input(Field.REASON, "Why are you withdrawing it?", _text_input(True, MAX_REASON), hint="For example: resolved by phone, or raised in error."),
        ],
    )


def close_unresolved_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    return _form(
        ViewId.CLOSE_UNRESOLVED,
        "Close unresolved",
        "Close it",
        view,
        metadata,
        [
            section(
                "This is the last stage of the procedure. Closing it records that the decision stands unchanged "
                "and the disagreement remains. Both agencies are told."
            ),
            _input(Field.REASON, "Why is it being closed?", _text_input(True, MAX_REASON), hint="It goes on the record and in the thread."),
        ],
    )


def record_modal(view: DisputeView, record: str) -> dict[str, Any]:
    """The whole record, as plain text (never parsed as mrkdwn)."""
    # who sees this modal may see the record, so may export it (the same rule: bot.permissions.may_do)
    blocks: list[Block] = [{"type": "actions", "elements": [_button(file_words.EXPORT_TITLE, ActionId.EXPORT_RECORD, button_value(view))]}]
    pieces = _chunks(record, CHUNK)
    for piece in pieces[: MODAL_BLOCKS_MAX - 2]:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": piece or " ", "emoji": False}})
    if len(pieces) > MODAL_BLOCKS_MAX - 2:
        blocks.append(_context("The record is longer than Slack can show. Ask an administrator for the full record (`app.py record show`)."))
    return {
        "type": "modal",
        "callback_id": ViewId.RECORD.value,
        "title": _plain("Record", 24),
        "close": _plain("Close", 24),
        "blocks": blocks,
    }


def export_modal(view: DisputeView, metadata: dict[str, Any]) -> dict[str, Any]:
    """Which file: PDF (the default), Markdown or HTML; it goes to the person's DMs."""
    options = [_option(label, fmt) for fmt, label in file_words.FORMAT_LABELS.items()]
    initial = next(o for o in options if o["value"] == file_words.DEFAULT_FORMAT)
    element = {"type": "radio_buttons", "action_id": VALUE, "options": options, "initial_option": initial}
    return _form(ViewId.EXPORT, file_words.EXPORT_TITLE, file_words.EXPORT_SEND, view, metadata, [
        section(esc(file_words.EXPORT_ASK)),
        _input(Field.FORMAT, "File", element),
    ])


# --- my disputes, the home tab, help ----------------------------------------------------------------
