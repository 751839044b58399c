"""Slack's building blocks for Parley: ids, escaping and the small pieces every message is made of."""

from __future__ import annotations

import enum
import re
from typing import Any

from messages.fields import DESCRIPTION_MAX, LIST_MAX, Field, render_line  # noqa: F401 - Slack's messages use them from here
from messages.text import BUTTON_IDS, DisputeView, Line, PersonView, proposal_token

Block = dict[str, Any]
Payload = dict[str, Any]

SECTION_MAX = 3000
FIELD_MAX = 2000
CHUNK = 2900
HEADER_MAX = 150
OPTION_MAX = 75
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
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
    GIVE_LEARNING = "parley.give_learning"
    EXPORT_RECORD = "parley.export_record"  # on the record modal: the record as a file


# Each root button's action id (the buttons themselves are the core's: DisputeView.buttons)
ROOT_ACTIONS = {intent: ActionId(button_id) for intent, button_id in BUTTON_IDS.items()}


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
    LEARNING = "parley.learning_form"
    RECORD = "parley.record"
    DONE = "parley.done"
    EXPORT = "parley.export_form"


# Each input (messages/fields.py: Field) is a modal block of that id whose one element has this action id
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


def words(text: str) -> list[Block]:
    """Someone's own words, shown literally: plain_text sections (no mrkdwn, mentions or links from
    what they typed), split into as many as it takes."""
    if not text:
        return [section("_(not given)_")]
    return [{"type": "section", "text": _plain_all(text[i : i + CHUNK])} for i in range(0, len(text), CHUNK)]


def _plain_all(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": False}


def _labelled(label: str, text: str) -> list[Block]:
    """`*label*` then the person's words, literally."""
    return [section(f"*{label}*"), *words(text)]


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
    """'<dispute id>:<version>:s<stage number>': what the button was shown on."""
    return f"{view.id}:{view.version}:s{view.stage_number}"


def parse_button_value(value: str) -> tuple[str, int | None]:
    """(dispute id, version) from a button's value; version None when it carries none."""
    parts = (value or "").split(":")
    version = parts[1] if len(parts) > 1 else ""
    return parts[0], int(version) if version.isdigit() else None


def parse_button_stage(value: str) -> int | None:
    """The stage number the button was shown at, if it says."""
    parts = (value or "").split(":")
    stage = parts[2].removeprefix("s") if len(parts) > 2 else ""
    return int(stage) if stage.isdigit() else None


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


def _strong(text: str) -> str:
    return f"*{esc(text)}*"


def mrkdwn(line: Line, team: str = "") -> str:
    """A line from messages/text.py in mrkdwn: people's words escaped, emphasis in *bold*, mentions."""
    return render_line(line, said=esc, strong=_strong, mention=lambda person: mention(person, team))


# --- the thread's root message -------------------------------------------------------------------


def ephemeral(text: str) -> Payload:
    """A private reply; `text` is Parley's own words with names in it, escaped here."""
    return {"text": esc(text), "response_type": "ephemeral", "replace_original": False}


def replaced(text: str) -> Payload:
    """Replaces the message whose button was clicked (the buttons go)."""
    return {"text": esc(text), "replace_original": True, "blocks": [section(esc(text))]}


# --- intake ---------------------------------------------------------------------------------------
