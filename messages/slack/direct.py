"""Direct messages, lists and the home tab, in Block Kit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.policy import Policy
from messages.slack.base import (
    DEFAULT_COMMAND,
    FIELD_MAX,
    HEADER_MAX,
    LIST_MAX,
    MESSAGE_BLOCKS_MAX,
    MODAL_BLOCKS_MAX,
    ActionId,
    Block,
    Payload,
    _button,
    _context,
    _cut,
    _divider,
    _labelled,
    _md,
    _plain,
    button_value,
    esc,
    mrkdwn,
    proposal_value,
    section,
)
from messages.slack.thread import _thread_pointer
from messages.text import (
    NO_THREAD,
    DisputeView,
    PersonView,
    by_when,
    help_lines,
    list_entry,
    nudge_line,
    proposal_fields,
    root_facts,
    slack_commands,
    unknown_command,
)
from messages.words import with_article


def case_summary(view: DisputeView) -> list[Block]:
    """For someone with no thread they can open: the dispute at a glance, in the message itself."""
    fields = [_md(_cut(f"*{label}*\n{mrkdwn(value)}", FIELD_MAX)) for label, value in root_facts(view)]
    return [_context(esc(NO_THREAD)), {"type": "section", "fields": fields}]


def _where(channel: str | None) -> list[Block]:
    """The pointer to the person's thread (a link once it exists), or the summary when there is none they can open."""
    return [_thread_pointer(channel)] if channel is not None else []


def asked_to_act(view: DisputeView, person: PersonView, *, channel: str | None) -> Payload:
    """A direct message to someone asked to act at this stage (`channel`: their thread's; None: no thread they can open)."""
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
    blocks += _where(channel) or case_summary(view)
    return {"text": f"You're asked to act on {esc(view.reference)}, due {esc(by_when(view.deadline))}", "blocks": blocks}


def confirm_request(view: DisputeView, *, channel: str | None) -> Payload:
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
    blocks += _where(channel) or case_summary(view)
    return {"text": f"Please confirm the proposed resolution for {esc(view.reference)}", "blocks": blocks}


def reminder(view: DisputeView, nudge: str) -> Payload:
    """A direct message reminding someone asked to act."""
    return {"text": f"Reminder: {esc(view.reference)}", "blocks": [section(mrkdwn(nudge_line(view, nudge)))]}


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


def digest(views: Sequence[DisputeView], *, me: str, total: int | None = None) -> Payload:
    """The morning message to a manager or lead: the disagreements waiting on them, most urgent first.

    `total`: how many wait on them in all, when `views` are only the soonest due; the rest are
    counted in an "and N more" line."""
    total = len(views) if total is None else max(total, len(views))
    shown = list(views[:LIST_MAX])
    count = f"{total} professional disagreement{'s' if total != 1 else ''}"
    head = section(f"*Good morning. {count} {'is' if total == 1 else 'are'} waiting on you today.*")
    body = [head, *dispute_list(shown, me=me)[1:]][: MESSAGE_BLOCKS_MAX - 1]
    if total > len(shown):
        body.append(_context(f"…and {total - len(shown)} more."))
    return {"text": f"{count} waiting on you", "blocks": body}


def help_for(policy: Policy, command: str = DEFAULT_COMMAND) -> list[str]:
    """The lines of help, naming the workspace's own slash command."""
    return help_lines(policy, slack_commands(command))


def help_blocks(lines: Sequence[str], *, command: str = DEFAULT_COMMAND, unknown: str | None = None) -> list[Block]:
    """How Parley works, one bullet a line (`lines` name the workspace's own slash command).

    `unknown`: what someone typed after the command that Parley doesn't know; said first.
    """
    bullets = list(lines)
    if unknown is not None:
        bullets.insert(0, unknown_command(f"{command} {unknown}", slack_commands(command)))
    return [section("\n".join(f"• {esc(line)}" for line in bullets))]


def home_view(views: Sequence[DisputeView], *, me: str, help_lines: Sequence[str], command: str = DEFAULT_COMMAND) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": _plain("Parley", HEADER_MAX)}]
    blocks += dispute_list(views, me=me, command=command)
    blocks.append(_divider())
    blocks += help_blocks(help_lines, command=command)
    return {"type": "home", "blocks": blocks[:MODAL_BLOCKS_MAX]}


def home_message(text: str) -> dict[str, Any]:
    return {"type": "home", "blocks": [{"type": "header", "text": _plain("Parley", HEADER_MAX)}, section(esc(text))]}
