"""The help Parley gives on every platform: one wording, with what the person types on theirs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy import Policy


@dataclass(frozen=True)
class Commands:
    """What a person types to Parley on their platform: Slack's slash command (as the workspace named it)
    and its words, or the words sent to the bot on Teams."""

    raise_one: str
    list_mine: str
    report: str
    help: str


def slack_commands(command: str = "/disagree") -> Commands:
    return Commands(command, f"{command} list", f"{command} report", f"{command} help")


TEAMS_COMMANDS = Commands("disagree", "list", "report", "help")


def help_lines(policy: Policy, commands: Commands) -> list[str]:
    """What Parley does, the local procedure and what to type, in six lines (plain text, no markup), the same on
    every platform but for what is typed."""
    stages = " → ".join(f"{i + 1}. {s.name} ({_short(s.timescale.describe())})" for i, s in enumerate(policy.stages))
    urgent = policy.stages[policy.stage_index(policy.urgent.starts_at)].name
    roles = ", ".join(policy.role_label(r) for r in policy.partnership_roles) or "staff"
    return [
        f"Parley runs {policy.title} when two professionals disagree about a child's case, and keeps the written record.",
        f"{commands.raise_one} raises one (use the case reference only, never a child's name); {commands.list_mine} shows the ones "
        f"waiting on you; {commands.help} shows this again.",
        f"The steps: {stages}.",
        "When a timescale is missed, Parley moves it to the next step and tells the people in both agencies.",
        "If a child is at immediate risk of significant harm, use your organisation's safeguarding procedures now; "
        f"Parley starts at '{urgent}' with a same-working-day timescale.",
        f"The partnership's {roles} can ask for the Board's report (numbers only, no case named) with {commands.report} [from] [to] [csv], "
        "days written 2026-07-01.",
    ]


def unknown_command(typed: str, commands: Commands) -> str:
    """Said first when someone types something after the command (or to the bot) that Parley doesn't know."""
    return f"Parley doesn't know '{typed}'. Try {commands.raise_one}, {commands.list_mine}, {commands.report} or {commands.help}."


def _short(timescale: str) -> str:
    return timescale.replace(" from entering the stage", "").replace(" from first alert", " from the first alert")
