"""Teams' building blocks for Parley: verbs, escaping, mentions, and the card and button every message uses."""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from bot.permissions import Intent
from messages.fields import DESCRIPTION_MAX, LIST_MAX, Field, render_line  # noqa: F401 - Teams' messages use them from here
from messages.text import BUTTON_IDS, BUTTON_LABELS, DisputeView, Line, PersonView, proposal_token

Card = dict[str, Any]
Element = dict[str, Any]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # Universal Actions (Action.Execute) as Teams documents them
CHOICES_MAX = 200  # people listed in the "other professional" choices (all a client without typeahead can offer)
PEOPLE_DATASET = "parley.people"  # the typeahead search of Parley's directory (an application/search invoke)
SEARCH_INVOKE = "application/search"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
SEARCH_MAX = 15  # Teams shows at most 15 typeahead results at a time
RECORD_MAX = 20_000  # characters of the record in one card, before fitting it to Teams' size limit
MESSAGE_MAX = 26_000  # bytes of one card as JSON: Teams refuses messages over about 28 KB, with the envelope
CUT = " … (shortened to fit in Teams: View record has it all)"
LINES_MAX = 60  # lines of one person's text shown as separate paragraphs


class Verb(enum.StrEnum):
    """What a button asks for. Root buttons carry "dispute_id" and "version"; Confirm and Not agreed
    carry the proposal they answer ("proposal"), so a note added since leaves them valid."""

    INTAKE = "parley.intake"
    RESOLVE = "parley.resolve"
    ESCALATE = "parley.escalate"
    ADD_NOTE = "parley.add_note"
    VIEW_RECORD = "parley.view_record"
    RESOLVE_SUBMIT = "parley.resolve.submit"
    ESCALATE_SUBMIT = "parley.escalate.submit"
    ADD_NOTE_SUBMIT = "parley.add_note.submit"
    WITHDRAW = "parley.withdraw"
    CLOSE_UNRESOLVED = "parley.close_unresolved"
    WITHDRAW_SUBMIT = "parley.withdraw.submit"
    CLOSE_UNRESOLVED_SUBMIT = "parley.close_unresolved.submit"
    CONFIRM = "parley.confirm"
    NOT_AGREED = "parley.not_agreed"
    BACK = "parley.back"
    LEARNING_SUBMIT = "parley.learning.submit"
    EXPORT_RECORD = "parley.export_record"  # on the record card: choose a file
    EXPORT_SUBMIT = "parley.export_record.submit"


# --- escaping -----------------------------------------------------------------------------------

# `<` and `>` would let `<at>Name</at>` pass for a mention (Teams matches the text to the card's
# entities), so they become look-alikes that mean nothing to Teams.
_ANGLES = str.maketrans({"<": "\uff1c", ">": "\uff1e"})
# Emphasis, code and link brackets anywhere; list and heading markers only where they start a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]~])")
_LINE_START = re.compile(r"^(\s*)([-+#>])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])(\s)", re.MULTILINE)
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def plain(text: str | None) -> str:
    """Text for places Teams shows as it is (choice titles, input values, mention names)."""
    return (text or "").translate(_ANGLES)


# Any character the four rules above could change: text without one (most names and Parley's own words) is kept as it is.
_SPECIAL = re.compile(r"[<>&\\`*_\[\]~]|^\s*(?:[-+#]|\d+[.)]\s)", re.MULTILINE)


@functools.lru_cache(maxsize=8192)  # the same names, agencies and stage names recur in every card of a sweep
def esc(text: str | None) -> str:
    """Text for a TextBlock (markdown): no link, emphasis, list, heading, entity or mention can come of it."""
    if not text:
        return ""
    if _SPECIAL.search(text) is None:
        return text
    out = _ENTITY.sub("\uff06", plain(text))
    out = _MARKDOWN.sub(r"\\\1", out)
    out = _LINE_START.sub(r"\1\\\2", out)
    return _NUMBERED.sub(r"\1\\\2\3", out)


def paragraphs(text: str | None) -> str:
    """A person's text for a TextBlock: escaped, each line kept (markdown needs a blank line between)."""
    lines = [esc(line.strip()) for line in (text or "").splitlines() if line.strip()]
    if len(lines) > LINES_MAX:
        lines = lines[: LINES_MAX - 1] + [" ".join(lines[LINES_MAX - 1 :])]
    return "\n\n".join(lines)


# --- elements -----------------------------------------------------------------------------------


def text_block(text: str, *, id: str | None = None, **style: Any) -> Element:
    """A TextBlock of text that is already escaped (or Parley's own markdown)."""
    block: Element = {"type": "TextBlock", "text": text, "wrap": True, **style}
    if id:
        block["id"] = id
    return block


def _subtle(text: str, **style: Any) -> Element:
    return text_block(text, **{"isSubtle": True, "size": "Small", "spacing": "Small", **style})


def _labelled(label: str, text: str | None) -> list[Element]:
    """A bold label, then the person's words on their own (escaped)."""
    body = paragraphs(text) or "_(not given)_"
    return [text_block(f"**{esc(label)}**", spacing="Medium"), text_block(body, spacing="None")]


def _facts(pairs: Sequence[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": esc(t), "value": v} for t, v in pairs]}


class Mentions:
    """Collects the mention entities a card needs; people not on Teams in this tenant are named in bold."""

    def __init__(self, teams_ids: Mapping[str, str] | None = None) -> None:
        self.teams_ids = teams_ids or {}
        self.entities: list[dict[str, Any]] = []

    def __call__(self, person: PersonView) -> str:
        user = self.teams_ids.get(person.id)
        if not user:
            return f"**{esc(person.name)}**"
        text = f"<at>{plain(person.name)}</at>"
        if not any(e["mentioned"]["id"] == user for e in self.entities):
            self.entities.append({"type": "mention", "text": text, "mentioned": {"id": user, "name": plain(person.name)}})
        return text


def _strong(text: str) -> str:
    return f"**{esc(text)}**"


def markdown(line: Line, mention: Mentions | None = None) -> str:
    """A line from messages/text.py for a TextBlock: people's words escaped, emphasis in **bold**, mentions."""
    return render_line(line, said=esc, strong=_strong, mention=mention or Mentions())


def card(body: list[Element], actions: list[Element] | None = None, mentions: Mentions | None = None) -> Card:
    out: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        out["actions"] = actions
    if mentions is not None and mentions.entities:
        out["msteams"]["entities"] = mentions.entities
    _fit(out)
    return out


def activity(content: Card, summary: str) -> dict[str, Any]:
    """The Bot Framework message activity that carries one card; `summary` is the notification text."""
    return {
        "type": "message",
        "summary": plain(summary),
        "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}],
    }


def _size(value: Any) -> int:
    return len(json.dumps(value))  # ASCII-escaped, as the connector client sends it: the worst case


def _fits(content: Card) -> bool:
    """Does the card fit? orjson's compact UTF-8 is at least a third of `_size` (a separator's space doubles one
    byte, an escaped character at most triples its bytes), so a card that small fits without the slow count."""
    return 3 * len(orjson.dumps(content)) <= MESSAGE_MAX or _size(content) <= MESSAGE_MAX


def _fit(content: Card) -> None:
    """Shorten the longest texts of a card until it fits in a Teams message (only people's long texts are that long)."""
    if _fits(content):
        return
    for _ in range(50):
        excess = _size(content) - MESSAGE_MAX
        if excess <= 0:
            return
        blocks = [b for b in _text_blocks(content) if not b["text"].endswith(CUT)] or _text_blocks(content)
        longest = max(blocks, key=lambda b: _size(b["text"]))
        text = longest["text"].removesuffix(CUT)
        keep = max(len(text) - max(excess // 2, len(text) // 4), 0)
        longest["text"] = text[:keep].rstrip("\\") + CUT


def _text_blocks(node: Any) -> list[Element]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "TextBlock" else []
        return found + [b for v in node.values() for b in _text_blocks(v)]
    if isinstance(node, list):
        return [b for v in node for b in _text_blocks(v)]
    return []


def cards_in(activity_: Mapping[str, Any]) -> list[Card]:
    """The Adaptive Cards an activity carries (tests and the sender read them)."""
    return [a.get("content") or {} for a in activity_.get("attachments") or [] if a.get("contentType") == ADAPTIVE_CARD]


def button(title: str, verb: Verb, data: Mapping[str, Any] | None = None, *, style: str | None = None, inputs: bool = True) -> Element:
    """An Action.Execute, falling back to an Action.Submit with the same data."""
    payload = {**(data or {}), "verb": verb.value}
    action: Element = {"type": "Action.Execute", "title": title, "verb": verb.value, "data": payload}
    fallback: Element = {"type": "Action.Submit", "title": title, "data": payload}
    if not inputs:
        # Cancel / Back must work with half-filled or invalid fields
        action["associatedInputs"] = "none"
        fallback["associatedInputs"] = "none"
    if style:
        action["style"] = style
        fallback["style"] = style
    action["fallback"] = fallback
    return action


def dispute_data(view: DisputeView) -> dict[str, Any]:
    """What a button carries: the dispute, and the version and stage it was shown at."""
    return {"dispute_id": view.id, "version": view.version, "stage": view.stage_number}


def proposal_data(view: DisputeView) -> dict[str, Any]:
    assert view.proposal is not None
    return {"dispute_id": view.id, "proposal": proposal_token(view.proposal.at)}


# --- people ---------------------------------------------------------------------------------------


# Each root button's verb (the buttons themselves are the core's: DisputeView.buttons)
ROOT_VERBS = {intent: Verb(button_id) for intent, button_id in BUTTON_IDS.items()}


def dispute_actions(view: DisputeView) -> list[Element]:
    """The buttons a dispute offers in its state (the core says which; it checks who may use them)."""
    data = dispute_data(view)
    return [
        button(BUTTON_LABELS[b], ROOT_VERBS[b], data, style="positive" if b is Intent.RESOLVE else None, inputs=False) for b in view.buttons
    ]


def message_card(title: str, text: str, *, color: str = "Default") -> Card:
    """A card that just says something (nothing changed, not in the directory, …). `text` is Parley's own words."""
    return card([text_block(f"**{esc(title)}**"), text_block(esc(text), color=color, id="message")])
