"""The dispute's root message and its thread lines, in Block Kit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.events import Event
from bot.permissions import Intent
from messages.slack.base import (
    FIELD_MAX,
    HEADER_MAX,
    MESSAGE_BLOCKS_MAX,
    ROOT_ACTIONS,
    THREAD_LINK_BLOCK,
    Block,
    Payload,
    _button,
    _context,
    _cut,
    _labelled,
    _md,
    _metadata,
    _plain,
    button_value,
    esc,
    mrkdwn,
    section,
    words,
)
from messages.text import (
    BUTTON_LABELS,
    URGENT,
    DisputeView,
    EventText,
    Names,
    PersonView,
    asked_now,
    line_text,
    procedure_line,
    reminded_line,
    root_facts,
    root_summary,
    unreachable_line,
    unreachable_summary,
    waiting_for_line,
)


def root_message(view: DisputeView, *, team: str) -> Payload:
    """The dispute at a glance, with the buttons people use; updated in place on every change."""
    blocks: list[Block] = [
        {"type": "header", "text": _plain(f"Professional disagreement · {view.reference}", HEADER_MAX)},
    ]
    if view.immediate_risk:
        blocks.append(
            section(f":rotating_light: *Urgent:* {esc(URGENT)}")
        )
    fields = [f"*{label}*\n{mrkdwn(value)}" for label, value in root_facts(view)]
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


def line_message(events: Sequence[Event], view: DisputeView, names: Names, *, team: str) -> Payload | None:
    """One thread reply recording these events, each worded by `event_text` in turn (bot.plan.thread_lines
    groups them); None when none of them needs a line."""
    line = line_text(events, view, names)
    if line is None:
        return None
    blocks = [block for said in line.parts for block in _said(said, team)]
    return {"text": esc(line.summary), "blocks": blocks[:MESSAGE_BLOCKS_MAX]}


def _said(said: EventText, team: str) -> list[Block]:
    main = "\n".join(mrkdwn(line, team) for line in said.lines)
    blocks = [section(f":white_check_mark: {main}" if said.resolved else main)]
    if said.words is not None:
        blocks += words(said.words)
    for label, text in said.fields:
        blocks += _labelled(label, text)
    blocks += [_context(mrkdwn(note, team)) for note in said.notes]
    if said.warnings:
        blocks.append(_context(*(f":warning: {esc(f)}" for f in said.warnings)))
    if said.alert:
        blocks.append(section(f":rotating_light: {esc(said.alert)}"))
    return blocks


# --- direct messages ------------------------------------------------------------------------------


def _thread_pointer(channel: str) -> Block:
    """Replaced by a link to the thread when the sender knows where the thread landed."""
    where = f"<#{channel}>" if re.fullmatch(r"[CG][A-Z0-9]+", channel or "") else "Parley's channel"
    return {"type": "context", "block_id": THREAD_LINK_BLOCK, "elements": [_md(f"The thread is in {where}: look for the case reference.")]}


def thread_link_block(permalink: str) -> Block:
    """The link to the dispute's thread, put into a direct message at delivery."""
    safe = permalink.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return {"type": "context", "block_id": THREAD_LINK_BLOCK, "elements": [_md(f"<{safe}|Open the thread>")]}


def reminder_line(view: DisputeView, people: Sequence[PersonView], *, team: str) -> Payload:
    """The thread's note that Parley reminded the people asked to act."""
    return {"text": "Parley reminder", "blocks": [_context(mrkdwn(reminded_line(view, people), team))]}


def unreachable_message(view: DisputeView, person: PersonView, platform: str, why: str) -> Payload:
    """The thread's warning that Parley couldn't reach someone (no mention: it is about them, not to them)."""
    return {"text": esc(unreachable_summary(person, platform)), "blocks": [section(f":warning: {mrkdwn(unreachable_line(view, person, platform, why))}")]}
