"""Adaptive Cards for Microsoft Teams: every card Parley shows there.

Pure functions of the view-model in messages/text.py; they return plain dicts (the card, or the
Bot Framework activity that carries it). Everything a person typed, and every name from the
directory, goes through `esc` before it reaches a TextBlock (Teams reads those as markdown), so
nobody can forge a link, bold a line or fake an @mention through a dispute field. Mentions are
made only here, from the directory, with the entity Teams needs to turn `<at>…</at>` into a ping.

Buttons are Universal Actions (`Action.Execute`, an `adaptiveCard/action` invoke); each falls back
to `Action.Submit` (a message carrying `value`) on clients without them. Both carry the same
`data`, with the verb inside, so the bot reads them the same way.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.dispute import MAX_REASON, MAX_TEXT, STATEMENT_MAX
from bot.intake import NO, REFERENCE_MAX, YES
from bot.events import Event
from bot.permissions import Intent
from messages.words import stage_label, with_article
from messages.record import platform_name, unreachable_notice
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

Card = dict[str, Any]
Element = dict[str, Any]

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # Universal Actions (Action.Execute) as Teams documents them
DESCRIPTION_MAX = 200  # the other party's role, when they are not listed
CHOICES_MAX = 200  # people listed in the "other professional" choices (all a client without typeahead can offer)
PEOPLE_DATASET = "parley.people"  # the typeahead search of Parley's directory (an application/search invoke)
SEARCH_INVOKE = "application/search"
SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
SEARCH_MAX = 15  # Teams shows at most 15 typeahead results at a time
LIST_MAX = 15
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


class Field(enum.StrEnum):
    """Input ids; the same names as the Slack modal's blocks and the core's InvalidInput keys."""

    REFERENCE = "reference"
    CATEGORY = "category"
    RAISER_AGENCY = "raiser_agency"
    OTHER_PERSON = "other_person"
    OTHER_AGENCY = "other_agency"
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


def esc(text: str | None) -> str:
    """Text for a TextBlock (markdown): no link, emphasis, list, heading, entity or mention can come of it."""
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


def markdown(line: Line, mention: Mentions | None = None) -> str:
    """A line from messages/text.py for a TextBlock: people's words escaped, emphasis in **bold**, mentions."""
    out: list[str] = []
    for part in line:
        if isinstance(part, Said):
            out.append(esc(part.text))
        elif isinstance(part, Strong):
            out.append(f"**{esc(part.text)}**")
        elif isinstance(part, Mention):
            out.append((mention or Mentions())(part.person))
        else:
            out.append(part)
    return "".join(out)


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


def _fit(content: Card) -> None:
    """Shorten the longest texts of a card until it fits in a Teams message (only people's long texts are that long)."""
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
    return {"dispute_id": view.id, "version": view.version}


def proposal_data(view: DisputeView) -> dict[str, Any]:
    assert view.proposal is not None
    return {"dispute_id": view.id, "proposal": proposal_token(view.proposal.at)}


# --- people ---------------------------------------------------------------------------------------


def _tag(person: PersonView) -> str:
    """'**Ben Hughes** (Children's Social Care)': who did it, and for which agency."""
    if not person.id:
        return "**Parley**"
    return f"**{esc(person.name)}** ({esc(person.agency)})" if person.agency else f"**{esc(person.name)}**"


# --- the thread's root card ------------------------------------------------------------------------


def _status_facts(view: DisputeView) -> list[tuple[str, str]]:
    facts = [
        ("Status", esc(view.status)),
        ("Category", esc(view.category)),
        ("Raised by", markdown(party(view.raiser, "", view.raiser.agency))),
        ("Other party", markdown(party(view.other, view.other_description, view.other_agency))),
        ("Stage", esc(view.stage_label)),
    ]
    if view.active:
        due = by_when(view.deadline) + (" (timescale missed)" if view.deadline_missed else "")
        facts.append(("Deadline", esc(due[0].upper() + due[1:])))
    elif view.closed_at:
        facts.append(("Closed", esc(by_when(view.closed_at).removeprefix("by "))))
    return facts


# Each root button's verb (the buttons themselves are the core's: DisputeView.buttons)
ROOT_VERBS = {
    Intent.RESOLVE: Verb.RESOLVE,
    Intent.ESCALATE: Verb.ESCALATE,
    Intent.CLOSE_UNRESOLVED: Verb.CLOSE_UNRESOLVED,
    Intent.ADD_NOTE: Verb.ADD_NOTE,
    Intent.VIEW_RECORD: Verb.VIEW_RECORD,
    Intent.WITHDRAW: Verb.WITHDRAW,
}


def dispute_actions(view: DisputeView) -> list[Element]:
    """The buttons a dispute offers in its state (the core says which; it checks who may use them)."""
    data = dispute_data(view)
    return [
        button(BUTTON_LABELS[b], ROOT_VERBS[b], data, style="positive" if b is Intent.RESOLVE else None, inputs=False) for b in view.buttons
    ]


def root_card(view: DisputeView, *, teams_ids: Mapping[str, str] | None = None, notice: str = "") -> Card:
    """The dispute at a glance, with its buttons; updated in place on every change.

    `notice` is Parley's own line for the person who just acted (shown to them only)."""
    mention = Mentions(teams_ids)
    body: list[Element] = [text_block(f"Professional disagreement · {esc(view.reference)}", weight="Bolder", size="Medium")]
    if notice:
        body.append(text_block(esc(notice), color="Good", id="notice"))
    if view.immediate_risk:
        body.append(
            text_block(
                "**Urgent:** the person who raised this said a child may be at immediate risk of significant harm. "
                "Same-working-day timescales apply.",
                color="Attention",
            )
        )
    body.append(_facts(_status_facts(view)))
    if view.active:
        label, who = asked_now(view)
        asked = markdown(who, mention) or "_nobody could be found: the partnership must be told_"
        body.append(text_block(f"**{label}:** {asked}"))
    if view.awaiting_confirmation and view.waiting_for:
        body.append(text_block(f"A resolution has been proposed. {markdown(waiting_for_line(view))}"))
    body.append(_subtle(markdown(procedure_line(view))))
    return card(body, dispute_actions(view), mention)


def root_activity(view: DisputeView, *, teams_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
    return activity(root_card(view, teams_ids=teams_ids), root_summary(view))


# --- a reply in the thread for each event ----------------------------------------------------------


def event_activity(
    event: Event, view: DisputeView, names: Names, *, teams_ids: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The thread reply that records one event (worded by `event_text`, as on Slack); None when it needs none."""
    said = event_text(event, view, names)
    if said is None:
        return None
    mention = Mentions(teams_ids)
    main = "\n\n".join(markdown(line, mention) for line in said.lines)
    body = [text_block(f"✅ {main}", color="Good") if said.resolved else text_block(main)]
    if said.words is not None:
        body.append(text_block(paragraphs(said.words), spacing="None"))
    for label, text in said.fields:
        body += _labelled(label, text)
    body += [_subtle(markdown(note, mention)) for note in said.notes]
    body += [_subtle(f"⚠ {esc(flag)}", color="Warning") for flag in said.warnings]
    if said.alert:
        body.append(text_block(esc(said.alert), color="Attention", weight="Bolder"))
    body.append(_subtle(f"Case {esc(view.reference)}"))
    return activity(card(body, mentions=mention), said.summary)


def unreachable_activity(view: DisputeView, person: PersonView, platform: str, why: str) -> dict[str, Any]:
    """A line in the thread: Parley couldn't reach someone, so others must tell them."""
    where = platform_name(platform)
    body = [
        text_block(
            f"⚠ **Parley** couldn't reach {_tag(person)} on {esc(where)} ({esc(why)}). "
            f"Please make sure they know about case **{esc(view.reference)}** another way.",
            color="Warning",
        ),
        _subtle(f"Case {esc(view.reference)}"),
    ]
    return activity(card(body), f"Parley couldn't reach {person.name} on {where}")


def unreachable_notice_activity(view: DisputeView, person: PersonView, platform: str) -> dict[str, Any]:
    """A 1:1 to the raiser: someone in their disagreement couldn't be reached."""
    text = unreachable_notice(person.name, person.agency, platform, view.reference)
    body = [text_block(esc(text), color="Warning", id="message")]
    return activity(card(body, [button("View record", Verb.VIEW_RECORD, dispute_data(view), inputs=False)]), text)


# --- direct messages ----------------------------------------------------------------------------------


def asked_to_act_activity(view: DisputeView, person: PersonView) -> dict[str, Any]:
    """A 1:1 message to someone asked to act at this stage, with the dispute's buttons."""
    role = f" as {esc(with_article(person.role))}" if person.role else ""
    body: list[Element] = [
        text_block(f"**You're asked to act{role} on a professional disagreement.**"),
        text_block(f"Case **{esc(view.reference)}** · {esc(view.category)}", spacing="None"),
        text_block(f"{esc(view.stage_name)}: due **{esc(by_when(view.deadline))}**.", spacing="None"),
    ]
    if view.immediate_risk:
        body.append(text_block("**Urgent:** a child may be at immediate risk of significant harm.", color="Attention"))
    if view.stage_guidance:
        body.append(_subtle(esc(view.stage_guidance)))
    body.append(_subtle("The whole thread is in Parley's channel: look for the case reference."))
    return activity(card(body, dispute_actions(view)), f"You're asked to act on {view.reference}, due {by_when(view.deadline)}")


def confirm_request_card(view: DisputeView, *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    """Asks the other side to confirm a proposed resolution in writing, or to say it is not agreed."""
    assert view.proposal is not None
    p = view.proposal
    values, errors = values or {}, errors or {}
    body: list[Element] = [
        text_block(f"**{esc(p.by)} proposed a resolution for case {esc(view.reference)}**, and needs your side's written confirmation.")
    ]
    for label, text in proposal_fields(p.agreed_outcome, p.outstanding_issues, p.learning_points):
        body += _labelled(label, text)
    body += _input(
        Field.STATEMENT,
        _text_input(Field.STATEMENT, "To confirm: your confirmation, in your own words", STATEMENT_MAX, values),
        errors,
        hint="Needed for Confirm. Kept on the record exactly as you write it.",
    )
    body += _input(
        Field.REASON,
        _text_input(Field.REASON, "If it is not agreed: why not?", MAX_REASON, values, multiline=True),
        errors,
        hint="Needed only for Not agreed. The disagreement then stays open at this stage.",
    )
    data = proposal_data(view)
    return card(body, [button("Confirm", Verb.CONFIRM, data, style="positive"), button("Not agreed", Verb.NOT_AGREED, data, style="destructive")])


def confirm_request_activity(view: DisputeView) -> dict[str, Any]:
    return activity(confirm_request_card(view), f"Please confirm the proposed resolution for {view.reference}")


def reminder_activity(view: DisputeView, nudge: str) -> dict[str, Any]:
    """A 1:1 reminder to someone asked to act."""
    return activity(card([text_block(markdown(nudge_line(view, nudge)))], dispute_actions(view)), f"Reminder: {view.reference}")


def reminder_line_activity(view: DisputeView, people: Sequence[PersonView], *, teams_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
    mention = Mentions(teams_ids)
    body = [_subtle(markdown(reminded_line(view, people), mention))]
    return activity(card(body, mentions=mention), "Parley sent a reminder")


def digest_activity(views: Sequence[DisputeView], *, me: str, day: str) -> dict[str, Any]:
    """The morning message: every dispute waiting on this person, most urgent first."""
    body = [text_block(f"**Good morning.** {len(views)} professional disagreement{'s' if len(views) != 1 else ''} waiting on you today:")]
    body += _dispute_lines(views, me=me)
    return activity(card(body), f"{len(views)} disagreement{'s' if len(views) != 1 else ''} waiting on you")


# --- replies to the person using Parley ------------------------------------------------------------------


def message_card(title: str, text: str, *, color: str = "Default") -> Card:
    """A card that just says something (nothing changed, not in the directory, …). `text` is Parley's own words."""
    return card([text_block(f"**{esc(title)}**"), text_block(esc(text), color=color, id="message")])


def help_card(lines: Sequence[str]) -> Card:
    body = [text_block("**How Parley works**")]
    body += [text_block(f"• {esc(line)}", spacing="Small") for line in lines]
    body.append(_subtle("In Teams: send **disagree** to raise one, **list** for yours, **help** for this."))
    return card(body)


def _dispute_lines(views: Sequence[DisputeView], *, me: str) -> list[Element]:
    out: list[Element] = []
    for v in views[:LIST_MAX]:
        what, where, due = list_entry(v, me=me, urgent="urgent")
        out.append(
            {
                "type": "ColumnSet",
                "separator": True,
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            text_block(markdown(what)),
                            text_block(markdown(where), spacing="None"),
                            text_block(markdown(due), spacing="None"),
                        ],
                    },
                    {
                        "type": "Column",
                        "width": "auto",
                        "verticalContentAlignment": "Center",
                        "items": [{"type": "ActionSet", "actions": [button("View record", Verb.VIEW_RECORD, dispute_data(v), inputs=False)]}],
                    },
                ],
            }
        )
    if len(views) > LIST_MAX:
        out.append(_subtle(f"…and {len(views) - LIST_MAX} more."))
    return out


def list_card(views: Sequence[DisputeView], *, me: str) -> Card:
    """My open disputes (raised, party to, or asked to act on), most urgent first (the caller orders them)."""
    if not views:
        return card([text_block("You have no open disagreements. Send **disagree** to raise one.")])
    body = [text_block(f"**Your open disagreements ({len(views)})**, most urgent first:")]
    return card(body + _dispute_lines(views, me=me))


def record_card(view: DisputeView, record: str) -> Card:
    """The whole record as plain text, never read as markdown (each line escaped)."""
    shown = record if len(record) <= RECORD_MAX else record[:RECORD_MAX]
    lines = [esc(line.strip()) for line in shown.splitlines() if line.strip()]
    body: list[Element] = [
        text_block(f"**Record · case {esc(view.reference)}**"),
        text_block("\n\n".join(lines), fontType="Monospace", size="Small", id="record"),
    ]
    if len(record) > RECORD_MAX:
        body.append(_subtle("The record is longer than Teams can show. Ask an administrator for the full record (app.py record show)."))
    return card(body, [button("Back", Verb.BACK, dispute_data(view), inputs=False)])


# --- forms -----------------------------------------------------------------------------------------------


def _text_input(
    field: Field,
    label: str,
    max_length: int,
    values: Mapping[str, str],
    *,
    multiline: bool = False,
    required: bool = False,
    placeholder: str = "",
) -> Element:
    element: Element = {
        "type": "Input.Text",
        "id": field.value,
        "label": label,
        "isMultiline": multiline,
        "maxLength": max_length,
        "isRequired": required,
    }
    if required:
        element["errorMessage"] = "Please fill this in."
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if values.get(field.value):
        element["value"] = values[field.value]
    return element


def _choice_input(
    field: Field,
    label: str,
    choices: Sequence[tuple[str, str]],
    values: Mapping[str, str],
    *,
    required: bool = False,
    expanded: bool = False,
    filtered: bool = False,
    dataset: str | None = None,
) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": field.value,
        "label": label,
        "style": "filtered" if filtered else ("expanded" if expanded else "compact"),
        "isRequired": required,
        "choices": [{"title": plain(title), "value": value} for value, title in choices],
    }
    if dataset:
        # Typeahead: Teams asks the bot (an application/search invoke) as the person types, sending the
        # card's other inputs too (their agency, if chosen, narrows the search). A client that can't
        # query shows `choices` instead.
        element["choices.data"] = {"type": "Data.Query", "dataset": dataset, "associatedInputs": "auto"}
    if required:
        element["errorMessage"] = "Please choose one."
    if values.get(field.value):
        element["value"] = values[field.value]
    return element


def _input(field: Field, element: Element, errors: Mapping[str, str], *, hint: str = "") -> list[Element]:
    """An input, its hint, and the error beside it when there is one."""
    out = [element]
    if hint:
        out.append(_subtle(esc(hint), spacing="None"))
    if field.value in errors:
        out.append(text_block(esc(errors[field.value]), id=f"error.{field.value}", color="Attention", size="Small", spacing="None"))
    return out


def _yes_no(field: Field, label: str, values: Mapping[str, str]) -> Element:
    return _choice_input(field, label, [(YES, "Yes"), (NO, "No")], values, required=True, expanded=True)


def _errors_banner(errors: Mapping[str, str]) -> list[Element]:
    if not errors:
        return []
    n = len(errors)
    return [text_block(f"Please check the {'field' if n == 1 else f'{n} fields'} marked below. Nothing has been saved yet.", color="Attention", id="errors")]


def intake_card(
    *,
    categories: Sequence[str],
    agencies: Sequence[tuple[str, str]],
    my_agencies: Sequence[tuple[str, str]],
    people: Sequence[tuple[str, str]],
    procedure: str,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    origin: str | None = None,
) -> Card:
    """The `disagree` form: the same fields, hints and checks as the Slack modal.

    Categories are offered by index (their text can be long); `people` are (person id, "Name (Agency)").
    `origin` is the group chat it was asked for in: the dispute's thread goes there."""
    values, errors = values or {}, errors or {}
    body: list[Element] = [
        text_block("**Raise a professional disagreement**", size="Medium"),
        _subtle(f"Under {esc(procedure)}. Use the case reference only: never a child's name."),
        *_errors_banner(errors),
    ]
    body += _input(
        Field.REFERENCE,
        _text_input(Field.REFERENCE, "Case reference", REFERENCE_MAX, values, required=True, placeholder="e.g. CSC-2026-0193"),
        errors,
        hint="The reference from your case system. No names.",
    )
    body += _input(
        Field.CATEGORY,
        _choice_input(Field.CATEGORY, "What is it about?", [(str(i), c) for i, c in enumerate(categories)][:100], values, required=True),
        errors,
    )
    if len(my_agencies) > 1:
        body += _input(Field.RAISER_AGENCY, _choice_input(Field.RAISER_AGENCY, "You're raising this for", my_agencies, values, required=True), errors)
    body += _input(
        Field.OTHER_PERSON,
        _choice_input(
            Field.OTHER_PERSON,
            "The other professional",
            people[:CHOICES_MAX],
            values,
            filtered=True,
            dataset=PEOPLE_DATASET,
        ),
        errors,
        hint="Type 2 or more letters of their name to find them in Parley's directory, on Teams or Slack. "
        "If they aren't there, choose their agency and give their role below.",
    )
    body += _input(Field.OTHER_AGENCY, _choice_input(Field.OTHER_AGENCY, "Their agency", agencies[:100], values), errors)
    body += _input(
        Field.OTHER_DESCRIPTION,
        _text_input(Field.OTHER_DESCRIPTION, "Their role", DESCRIPTION_MAX, values, placeholder="e.g. duty sergeant, health visitor"),
        errors,
        hint="Their job, not their name, if they aren't listed.",
    )
    body += _input(
        Field.PROBLEM,
        _text_input(Field.PROBLEM, "What is the problem?", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="The decision or action you disagree with.",
    )
    body += _input(Field.CAUSE, _text_input(Field.CAUSE, "What might be causing it? (optional)", MAX_TEXT, values, multiline=True), errors)
    body += _input(Field.OUTCOME, _text_input(Field.OUTCOME, "What outcome do you need?", MAX_TEXT, values, multiline=True, required=True), errors)
    body += _input(Field.DISCUSSED, _yes_no(Field.DISCUSSED, "Have you discussed it with the other professional?", values), errors)
    body += _input(
        Field.IMMEDIATE_RISK,
        _yes_no(Field.IMMEDIATE_RISK, "Is a child at immediate risk of significant harm?", values),
        errors,
        hint="If yes, also use your organisation's safeguarding procedures now. Parley starts this on the urgent, same-working-day path.",
    )
    if origin:
        body.append(_subtle("Its thread, with each step and note, will be posted in the group chat you asked from. Use the case reference only."))
    return card(body, [button("Raise it", Verb.INTAKE, {"origin": origin} if origin else None, style="positive")])


def person_title(name: str, agencies: Sequence[str]) -> str:
    """How a person is offered in the "other professional" choices: "Name (Agency)", nothing else about them."""
    return f"{name} ({', '.join(agencies)})" if agencies else name


def search_response(found: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, Any]:
    """The body answering an application/search invoke: one result per (person id, name, agency names)."""
    results = [{"title": plain(person_title(name, agencies)), "value": person_id} for person_id, name, agencies in found]
    return {"type": SEARCH_RESPONSE, "value": {"results": results[:SEARCH_MAX]}}


def raised_card(view: DisputeView, *, teams_ids: Mapping[str, str] | None = None) -> Card:
    """What the practitioner sees once the disagreement is raised (it replaces the form)."""
    mention = Mentions(teams_ids)
    body: list[Element] = []
    if view.immediate_risk:
        body.append(text_block(f"**{esc(IMMEDIATE_RISK)}**", color="Attention"))
    asked = markdown(who_with_role(view.asked), mention) or "nobody could be found yet: the partnership will be told"
    body += [
        text_block(f"**Raised: case {esc(view.reference)}.** {esc(told_on_raising(view))}", color="Good", id="raised"),
        text_block(f"**{esc(view.stage_name)}**\n\nDue **{esc(by_when(view.deadline))}**.\n\nAsked to act: {asked}."),
    ]
    if view.stage_guidance:
        body.append(_subtle(esc(view.stage_guidance)))
    return card(body, [button("View record", Verb.VIEW_RECORD, dispute_data(view), inputs=False)], mention)


def _form(
    title: str,
    view: DisputeView,
    fields: list[Element],
    submit: tuple[str, Verb],
    errors: Mapping[str, str],
    data: Mapping[str, Any],
    *,
    style: str = "positive",
) -> Card:
    body: list[Element] = [
        text_block(f"**{esc(title)}**", size="Medium"),
        _subtle(f"Case **{esc(view.reference)}** · {esc(view.stage_name)}"),
        *_errors_banner(errors),
        *fields,
    ]
    actions = [button(submit[0], submit[1], data, style=style), button("Cancel", Verb.BACK, dispute_data(view), inputs=False)]
    return card(body, actions)


def resolve_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = _input(
        Field.AGREED_OUTCOME,
        _text_input(Field.AGREED_OUTCOME, "Agreed outcome", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="What both sides have agreed will happen.",
    )
    fields += _input(Field.OUTSTANDING_ISSUES, _text_input(Field.OUTSTANDING_ISSUES, "How will outstanding issues be pursued? (optional)", MAX_TEXT, values, multiline=True), errors)
    fields += _input(
        Field.LEARNING_POINTS,
        _text_input(Field.LEARNING_POINTS, "Learning points (optional)", MAX_TEXT, values, multiline=True),
        errors,
        hint="Shared with the partnership to improve practice.",
    )
    fields.append(_subtle("The other side is asked to confirm in writing. It is resolved only when both sides have confirmed."))
    return _form("Resolve", view, fields, ("Propose", Verb.RESOLVE_SUBMIT), errors, data)


def escalate_form(
    view: DisputeView, data: Mapping[str, Any], *, next_stage: str, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values, errors = values or {}, errors or {}
    fields = [text_block(f"This moves the disagreement to **{esc(next_stage)}**; Parley tells the people at that stage in both agencies.")]
    fields += _input(Field.REASON, _text_input(Field.REASON, "Why are you escalating it?", MAX_REASON, values, multiline=True, required=True), errors)
    return _form("Escalate", view, fields, ("Escalate", Verb.ESCALATE_SUBMIT), errors, data)


def note_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = _input(
        Field.NOTE,
        _text_input(Field.NOTE, "Note", MAX_TEXT, values, multiline=True, required=True),
        errors,
        hint="It goes on the record and in every thread.",
    )
    return _form("Add a note", view, fields, ("Add note", Verb.ADD_NOTE_SUBMIT), errors, data)


def withdraw_form(view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None) -> Card:
    values, errors = values or {}, errors or {}
    fields = [text_block("This closes the disagreement for both agencies. Everything so far stays on the record.")]
    fields += _input(
        Field.REASON,
        _text_input(Field.REASON, "Why are you withdrawing it?", MAX_REASON, values, multiline=True, required=True),
        errors,
        hint="For example: resolved by phone, or raised in error.",
    )
    return _form("Withdraw", view, fields, ("Withdraw it", Verb.WITHDRAW_SUBMIT), errors, data, style="destructive")


def close_unresolved_form(
    view: DisputeView, data: Mapping[str, Any], *, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None
) -> Card:
    values, errors = values or {}, errors or {}
    fields = [
        text_block(
            "This is the last stage of the procedure. Closing it records that the decision stands unchanged "
            "and the disagreement remains. Both agencies are told."
        )
    ]
    fields += _input(
        Field.REASON,
        _text_input(Field.REASON, "Why is it being closed?", MAX_REASON, values, multiline=True, required=True),
        errors,
        hint="It goes on the record and in every thread.",
    )
    return _form("Close unresolved", view, fields, ("Close it", Verb.CLOSE_UNRESOLVED_SUBMIT), errors, data, style="destructive")
