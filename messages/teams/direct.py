"""1:1 messages to one person: asked to act, confirmation requests, reminders, lists and help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.dispute import MAX_REASON, STATEMENT_MAX
from bot.policy import Policy
from messages.record import unreachable_notice
from messages.teams.base import (
    LIST_MAX,
    Card,
    Element,
    Field,
    Verb,
    _facts,
    _labelled,
    _subtle,
    activity,
    button,
    card,
    dispute_actions,
    dispute_data,
    esc,
    markdown,
    proposal_data,
    text_block,
)
from messages.teams.forms import _input, _text_input
from messages.text import (
    NO_THREAD,
    TEAMS_COMMANDS,
    THREAD_IN_CHANNEL,
    DisputeView,
    PersonView,
    by_when,
    help_lines,
    list_entry,
    nudge_line,
    proposal_fields,
    root_facts,
)
from messages.words import with_article


def unreachable_notice_activity(view: DisputeView, person: PersonView, platform: str) -> dict[str, Any]:
    """A 1:1 to the raiser: someone in their disagreement couldn't be reached."""
    text = unreachable_notice(person.name, person.agency, platform, view.reference)
    body = [text_block(esc(text), color="Warning", id="message")]
    return activity(card(body, [button("View record", Verb.VIEW_RECORD, dispute_data(view), inputs=False)]), text)


# --- direct messages ----------------------------------------------------------------------------------


def asked_to_act_activity(view: DisputeView, person: PersonView, *, where: str | None = THREAD_IN_CHANNEL) -> dict[str, Any]:
    """A 1:1 message to someone asked to act at this stage, with the dispute's buttons.

    `where`: the line pointing at their thread; None when there is none they can open (the case summary instead).
    """
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
    if where is not None:
        body.append(_subtle(esc(where)))
    else:
        body += [_subtle(esc(NO_THREAD)), _facts([(label, markdown(value)) for label, value in root_facts(view)])]
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


def digest_activity(views: Sequence[DisputeView], *, me: str, day: str, total: int | None = None) -> dict[str, Any]:
    """The morning message: the disputes waiting on this person, most urgent first.

    `total`: how many wait on them in all, when `views` are only the soonest due; the rest are
    counted in an "and N more" line."""
    total = len(views) if total is None else max(total, len(views))
    shown = list(views[:LIST_MAX])
    plural = "s" if total != 1 else ""
    body = [text_block(f"**Good morning.** {total} professional disagreement{plural} waiting on you today:")]
    body += _dispute_lines(shown, me=me)
    if total > len(shown):
        body.append(_subtle(f"…and {total - len(shown)} more."))
    return activity(card(body), f"{total} disagreement{plural} waiting on you")


# --- replies to the person using Parley ------------------------------------------------------------------


def help_lines_for_teams(policy: Policy) -> list[str]:
    """The lines of help (messages/text), naming what is sent to the bot on Teams."""
    return help_lines(policy, TEAMS_COMMANDS)


def help_card(lines: Sequence[str]) -> Card:
    body = [text_block("**How Parley works**")]
    body += [text_block(f"• {esc(line)}", spacing="Small") for line in lines]
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
