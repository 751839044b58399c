"""The dispute's root card and its thread replies, as Adaptive Cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.events import Event
from messages.teams.base import Card, Element, Mentions, _facts, _labelled, _subtle, activity, card, dispute_actions, esc, markdown, paragraphs, text_block
from messages.text import (
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

# --- the thread's root card ------------------------------------------------------------------------


def _status_facts(view: DisputeView) -> list[tuple[str, str]]:
    return [(label, markdown(value)) for label, value in root_facts(view)]


# Each root button's verb (the buttons themselves are the core's: DisputeView.buttons)


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
                f"**Urgent:** {esc(URGENT)}",
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


def line_activity(
    events: Sequence[Event], view: DisputeView, names: Names, *, teams_ids: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """One thread reply recording these events, each worded by `event_text` in turn (as on Slack); None when none
    of them needs a line."""
    line = line_text(events, view, names)
    if line is None:
        return None
    mention = Mentions(teams_ids)
    body = [element for said in line.parts for element in _said(said, mention)]
    body.append(_subtle(f"Case {esc(view.reference)}"))
    return activity(card(body, mentions=mention), line.summary)


def _said(said: EventText, mention: Mentions) -> list[Element]:
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
    return body


def unreachable_activity(view: DisputeView, person: PersonView, platform: str, why: str) -> dict[str, Any]:
    """A line in the thread: Parley couldn't reach someone, so others must tell them."""
    body = [text_block(f"⚠ {markdown(unreachable_line(view, person, platform, why))}", color="Warning"), _subtle(f"Case {esc(view.reference)}")]
    return activity(card(body), unreachable_summary(person, platform))


def reminder_line_activity(view: DisputeView, people: Sequence[PersonView], *, teams_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
    mention = Mentions(teams_ids)
    body = [_subtle(markdown(reminded_line(view, people), mention))]
    return activity(card(body, mentions=mention), "Parley reminder")
