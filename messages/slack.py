"""Block Kit for Slack: every message, modal and home tab Parley shows there.

Pure functions of the view-model in messages/text.py; they return plain dicts. Everything a
person typed, and every name from the directory, goes through `esc` before it reaches mrkdwn,
so nobody can ping @channel or forge a link through a dispute field. Long text is split across
sections so each stays inside Slack's limits.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from typing import Any

from bot.directory import FIND_MIN_QUERY
from bot.policy import Policy
from bot.dispute import MAX_REASON, MAX_TEXT, STATEMENT_MAX
from bot.intake import NO, REFERENCE_MAX, YES
from bot.events import Event
from bot.permissions import Intent
from messages.words import stage_label, with_article
from messages.text import (
    BUTTON_LABELS,
    asked_now,
    told_on_raising,
    IMMEDIATE_RISK,
    DisputeView,
    Line,
    Mention,
    Names,
    PersonView,
    Said,
    Strong,
    by_when,
    event_text,
    help_lines,
    list_entry,
    nudge_line,
    party,
    procedure_line,
    proposal_fields,
    proposal_token,
    reminded_line,
    root_summary,
    waiting_for_line,
    who_with_role,
)

Block = dict[str, Any]
Payload = dict[str, Any]

SECTION_MAX = 3000
FIELD_MAX = 2000
CHUNK = 2900
HEADER_MAX = 150
OPTION_MAX = 75
DESCRIPTION_MAX = 200  # the other party's role, when they are not on Slack
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
LIST_MAX = 15
METADATA_EVENT = "parley_dispute"
THREAD_LINK_BLOCK = "parley_thread_link"


class ActionId(enum.StrEnum):
    """Buttons; their `value` is "<dispute id>:<version>" so a click on an old message is caught."""

    RESOLVE = "parley.resolve"
    ESCALATE = "parley.escalate"
    ADD_NOTE = "parley.add_note"
    VIEW_RECORD = "parley.view_record"
    CONFIRM = "parley.confirm"
    NOT_AGREED = "parley.not_agreed"
    WITHDRAW = "parley.withdraw"
    CLOSE_UNRESOLVED = "parley.close_unresolved"


# Each root button's action id (the buttons themselves are the core's: DisputeView.buttons)
ROOT_ACTIONS = {
    Intent.RESOLVE: ActionId.RESOLVE,
    Intent.ESCALATE: ActionId.ESCALATE,
    Intent.CLOSE_UNRESOLVED: ActionId.CLOSE_UNRESOLVED,
    Intent.ADD_NOTE: ActionId.ADD_NOTE,
    Intent.VIEW_RECORD: ActionId.VIEW_RECORD,
    Intent.WITHDRAW: ActionId.WITHDRAW,
}


class ViewId(enum.StrEnum):
    """Modal callback ids."""

    INTAKE = "parley.intake"
    RESOLVE = "parley.resolve_form"
    ESCALATE = "parley.escalate_form"
    ADD_NOTE = "parley.note_form"
    NOT_AGREED = "parley.not_agreed_form"
    CONFIRM = "parley.confirm_form"
    WITHDRAW = "parley.withdraw_form"
    CLOSE_UNRESOLVED = "parley.close_unresolved_form"
    RECORD = "parley.record"
    DONE = "parley.done"


class Field(enum.StrEnum):
    """Block ids of the modal inputs; each input's action id is VALUE."""

    REFERENCE = "reference"
    CATEGORY = "category"
    RAISER_AGENCY = "raiser_agency"
    OTHER_PERSON = "other_person"
    OTHER_AGENCY = "other_agency"
    OTHER_IN_DIRECTORY = "other_in_directory"
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


VALUE = "value"
# The intake form's search of Parley's directory (an external_select: Slack asks Parley for its options)
FIND_PERSON = "parley.find_person"

# The slash command in the manifest. A workspace may name it differently (when /disagree is taken):
# Slack says which in every command request, and help names that one.
DEFAULT_COMMAND = "/disagree"


# --- escaping and limits ------------------------------------------------------------------------


def esc(text: str) -> str:
    """Escape text for mrkdwn: &, < and > are the only characters Slack gives meaning to."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def _cut(escaped: str, limit: int) -> str:
    """At most `limit` characters of already-escaped text, never splitting an entity."""
    if len(escaped) <= limit:
        return escaped
    head = escaped[: limit - 1]
    head = _ENTITY_TAIL.sub("", head)
    return head + "…"


def _chunks(escaped: str, limit: int = CHUNK) -> list[str]:
    out: list[str] = []
    rest = escaped
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        piece = rest[:cut]
        tail = _ENTITY_TAIL.search(piece)
        if tail:
            cut -= len(tail.group(0))
            piece = rest[:cut]
        out.append(piece)
        rest = rest[cut:].lstrip("\n")
    out.append(rest)
    return out


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> Block:
    """A mrkdwn section of text that is already escaped; cut to Slack's limit."""
    return {"type": "section", "text": _md(_cut(text, SECTION_MAX))}


def _labelled(label: str, text: str) -> list[Block]:
    """`*label*` then the person's words, escaped and split into as many sections as it takes."""
    pieces = _chunks(esc(text) or "_(not given)_", CHUNK - len(label) - 10)
    blocks = [section(f"*{label}*\n{pieces[0]}")]
    blocks += [section(p) for p in pieces[1:]]
    return blocks


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [_md(_cut(t, SECTION_MAX)) for t in texts[:10]]}


def _divider() -> Block:
    return {"type": "divider"}


def _button(text: str, action: ActionId, value: str, style: str | None = None, confirm: dict | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(text, OPTION_MAX), "action_id": action.value, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def button_value(view: DisputeView) -> str:
    return f"{view.id}:{view.version}"


def parse_button_value(value: str) -> tuple[str, int | None]:
    """(dispute id, version) from a button's value; version None when it carries none."""
    dispute_id, _, version = (value or "").partition(":")
    return dispute_id, int(version) if version.isdigit() else None


def proposal_value(view: DisputeView) -> str:
    """Confirm / Not agreed carry the proposal they answer, not the version: a note added since
    leaves them valid, a new proposal does not."""
    assert view.proposal is not None
    return f"{view.id}:{proposal_token(view.proposal.at)}"


def parse_proposal_value(value: str) -> tuple[str, str]:
    dispute_id, _, token = (value or "").partition(":")
    return dispute_id, token


def _metadata(view: DisputeView) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"dispute_id": view.id, "version": view.version}}


# --- people ---------------------------------------------------------------------------------------


_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def mention(person: PersonView, team: str) -> str:
    """<@U…> for someone on Slack in this workspace; otherwise their name, in bold."""
    if person.slack and person.slack[0] == team and _SLACK_ID.match(person.slack[1]):
        return f"<@{person.slack[1]}>"
    return f"*{esc(person.name)}*"


def mrkdwn(line: Line, team: str = "") -> str:
    """A line from messages/text.py in mrkdwn: people's words escaped, emphasis in *bold*, mentions."""
    out: list[str] = []
    for part in line:
        if isinstance(part, Said):
            out.append(esc(part.text))
        elif isinstance(part, Strong):
            out.append(f"*{esc(part.text)}*")
        elif isinstance(part, Mention):
            out.append(mention(part.person, team))
        else:
            out.append(part)
    return "".join(out)


# --- the thread's root message -------------------------------------------------------------------


def root_message(view: DisputeView, *, team: str) -> Payload:
    """The dispute at a glance, with the buttons people use; updated in place on every change."""
    due = "Due " + by_when(view.deadline) + (" (timescale missed)" if view.deadline_missed else "")
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Professional disagreement · {view.reference}", HEADER_MAX)},
    ]
    if view.immediate_risk:
        blocks.append(
            section(":rotating_light: *Urgent:* the person who raised this said a child may be at immediate risk of significant harm. Same-working-day timescales apply.")
        )
    fields = [
        f"*Status*\n{esc(view.status)}",
        f"*Category*\n{esc(view.category)}",
        f"*Raised by*\n{mrkdwn(party(view.raiser, '', view.raiser.agency))}",
        f"*Other party*\n{mrkdwn(party(view.other, view.other_description, view.other_agency))}",
        f"*Stage*\n{esc(view.stage_label)}",
    ]
    if view.active:
        fields.append(f"*Deadline*\n{esc(due)}")
    elif view.closed_at:
        fields.append(f"*Closed*\n{by_when(view.closed_at).removeprefix('by ')}")
    blocks.append({"type": "section", "fields": [_md(_cut(f, FIELD_MAX)) for f in fields]})
    if view.active:
        label, who = asked_now(view)
        asked = mrkdwn(who, team) or "_nobody could be found: the partnership must be told_"
        blocks.append(section(f"*{label}:* {asked}"))
    if view.awaiting_confirmation and view.waiting_for:
        blocks.append(section(f"A resolution has been proposed. {mrkdwn(waiting_for_line(view))}"))
    value = button_value(view)
    buttons = [_button(BUTTON_LABELS[b], ROOT_ACTIONS[b], value, "primary" if b is Intent.RESOLVE else None) for b in view.buttons]
    blocks.append({"type": "actions", "block_id": "parley_root_actions", "elements": buttons})
    blocks.append(_context(mrkdwn(procedure_line(view))))
    return {"text": esc(root_summary(view)), "blocks": blocks, "metadata": _metadata(view)}


# --- a line in the thread for each event ---------------------------------------------------------


def event_message(event: Event, view: DisputeView, names: Names, *, team: str) -> Payload | None:
    """The thread reply that records one event (worded by `event_text`), or None for an event that needs none."""
    said = event_text(event, view, names)
    if said is None:
        return None
    main = "\n".join(mrkdwn(line, team) for line in said.lines)
    blocks = [section(f":white_check_mark: {main}" if said.resolved else main)]
    if said.words is not None:
        blocks += [section(p) for p in _chunks(esc(said.words))]
    for label, text in said.fields:
        blocks += _labelled(label, text)
    blocks += [_context(mrkdwn(note, team)) for note in said.notes]
    if said.warnings:
        blocks.append(_context(*(f":warning: {esc(f)}" for f in said.warnings)))
    if said.alert:
        blocks.append(section(f":rotating_light: {esc(said.alert)}"))
    return {"text": esc(said.summary), "blocks": blocks[:MESSAGE_BLOCKS_MAX]}


# --- direct messages ------------------------------------------------------------------------------


def _thread_pointer(channel: str) -> Block:
    """Replaced by a link to the thread when the sender knows where the thread landed."""
    where = f"<#{channel}>" if re.fullmatch(r"[CG][A-Z0-9]+", channel or "") else "Parley's channel"
    return {"type": "context", "block_id": THREAD_LINK_BLOCK, "elements": [_md(f"The thread is in {where}: look for the case reference.")]}


def thread_link_block(permalink: str) -> Block:
    """The link to the dispute's thread, put into a direct message at delivery."""
    safe = permalink.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return {"type": "context", "block_id": THREAD_LINK_BLOCK, "elements": [_md(f"<{safe}|Open the thread>")]}


def asked_to_act(view: DisputeView, person: PersonView, *, channel: str) -> Payload:
    """A direct message to someone asked to act at this stage."""
    role = f" as {esc(with_article(person.role))}" if person.role else ""
    lines = [
        f"*You're asked to act{role} on a professional disagreement.*",
        f"Case *{esc(view.reference)}* · {esc(view.category)}",
        f"{esc(view.stage_name)}: due *{esc(by_when(view.deadline))}*.",
    ]
    blocks = [section("\n".join(lines))]
    if view.immediate_risk:
        blocks.append(section(":rotating_light: Urgent: a child may be at immediate risk of significant harm."))
    if view.stage_guidance:
        blocks.append(_context(esc(view.stage_guidance)))
    blocks.append(_thread_pointer(channel))
    return {"text": f"You're asked to act on {esc(view.reference)}, due {esc(by_when(view.deadline))}", "blocks": blocks}


def confirm_request(view: DisputeView, *, channel: str) -> Payload:
    """A direct message asking the other side to confirm a proposed resolution in writing."""
    assert view.proposal is not None
    p = view.proposal
    blocks = [section(f"*{esc(p.by)} proposed a resolution for case {esc(view.reference)}*, and needs your side's written confirmation.")]
    for label, text in proposal_fields(p.agreed_outcome, p.outstanding_issues, p.learning_points):
        blocks += _labelled(label, text)
    value = proposal_value(view)
    blocks.append(
        {
            "type": "actions",
            "block_id": "parley_confirm_actions",
            "elements": [
                _button("Confirm", ActionId.CONFIRM, value, "primary"),
                _button("Not agreed", ActionId.NOT_AGREED, value, "danger"),
            ],
        }
    )
    blocks.append(_thread_pointer(channel))
    return {"text": f"Please confirm the proposed resolution for {esc(view.reference)}", "blocks": blocks}


def reminder(view: DisputeView, nudge: str) -> Payload:
    """A direct message reminding someone asked to act."""
    return {"text": f"Reminder: {esc(view.reference)}", "blocks": [section(mrkdwn(nudge_line(view, nudge)))]}


def reminder_line(view: DisputeView, people: Sequence[PersonView], *, team: str) -> Payload:
    """The thread's note that Parley reminded the people asked to act."""
    return {"text": "Parley sent a reminder", "blocks": [_context(mrkdwn(reminded_line(view, people), team))]}


def ephemeral(text: str) -> Payload:
    """A private reply; `text` is Parley's own words with names in it, escaped here."""
    return {"text": esc(text), "response_type": "ephemeral", "replace_original": False}


def replaced(text: str) -> Payload:
    """Replaces the message whose button was clicked (the buttons go)."""
    return {"text": esc(text), "replace_original": True, "blocks": [section(esc(text))]}


# --- intake ---------------------------------------------------------------------------------------


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
    blocks: list[Block] = []
    pieces = _chunks(record, CHUNK)
    for piece in pieces[: MODAL_BLOCKS_MAX - 1]:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": piece or " ", "emoji": False}})
    if len(pieces) > MODAL_BLOCKS_MAX - 1:
        blocks.append(_context("The record is longer than Slack can show. Ask an administrator for the full record (`app.py record show`)."))
    return {
        "type": "modal",
        "callback_id": ViewId.RECORD.value,
        "title": _plain("Record", 24),
        "close": _plain("Close", 24),
        "blocks": blocks,
    }


# --- my disputes, the home tab, help ----------------------------------------------------------------


def dispute_list(views: Sequence[DisputeView], *, me: str, command: str = DEFAULT_COMMAND) -> list[Block]:
    """My open disputes, most urgent first (the caller orders them)."""
    if not views:
        return [section(f"You have no open disagreements. `{esc(command)}` raises one.")]
    blocks: list[Block] = [section(f"*Your open disagreements ({len(views)})*, most urgent first:")]
    for v in views[:LIST_MAX]:
        block = section("\n".join(mrkdwn(line) for line in list_entry(v, me=me, urgent=":rotating_light: urgent")))
        block["accessory"] = _button("View record", ActionId.VIEW_RECORD, button_value(v))
        blocks.append(block)
    if len(views) > LIST_MAX:
        blocks.append(_context(f"…and {len(views) - LIST_MAX} more."))
    return blocks


def digest(views: Sequence[DisputeView], *, me: str) -> Payload:
    """The morning message to a manager or lead: every disagreement waiting on them, most urgent first."""
    count = f"{len(views)} professional disagreement{'s' if len(views) != 1 else ''}"
    head = section(f"*Good morning. {count} {'is' if len(views) == 1 else 'are'} waiting on you today.*")
    return {"text": f"{count} waiting on you", "blocks": [head, *dispute_list(views, me=me)[1:]][:MESSAGE_BLOCKS_MAX]}


def help_for(policy: Policy, command: str = DEFAULT_COMMAND) -> list[str]:
    """The five lines of help, naming the workspace's own slash command."""
    return help_lines(policy, raise_with=command, list_with=f"{command} list")


def help_blocks(lines: Sequence[str], *, command: str = DEFAULT_COMMAND, unknown: str | None = None) -> list[Block]:
    """How Parley works, one bullet a line (`lines` name the workspace's own slash command).

    `unknown`: what someone typed after the command that Parley doesn't know; said first.
    """
    bullets = list(lines)
    if unknown is not None:
        bullets.insert(0, f"Parley doesn't know '{command} {unknown}'. Try {command}, {command} list or {command} help.")
    return [section("\n".join(f"• {esc(line)}" for line in bullets))]


def home_view(views: Sequence[DisputeView], *, me: str, help_lines: Sequence[str], command: str = DEFAULT_COMMAND) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": _plain("Parley", HEADER_MAX)}]
    blocks += dispute_list(views, me=me, command=command)
    blocks.append(_divider())
    blocks += help_blocks(help_lines, command=command)
    return {"type": "home", "blocks": blocks[:MODAL_BLOCKS_MAX]}


def home_message(text: str) -> dict[str, Any]:
    return {"type": "home", "blocks": [{"type": "header", "text": _plain("Parley", HEADER_MAX)}, section(esc(text))]}
