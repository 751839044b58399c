"""A dispute's whole record as plain text, to be kept on the child's file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.directory import Directory
from bot.dispute import Dispute
from bot.policy import Policy
from bot.record import RecordEntry
from messages.clock import when
from messages.learning import CASE_REVIEW_PROMPTED, learning_entry
from messages.words import learning_line

LONDON = ZoneInfo("Europe/London")


def local_time(at: datetime) -> str:
    """'Mon 23 Nov 2026, 14:05' in UK time: the one time format (messages/clock.py)."""
    return when(at)


PLATFORMS = {"slack": "Slack", "teams": "Teams"}


def platform_name(platform: str) -> str:
    """'Teams', 'Slack': a platform as people call it."""
    return PLATFORMS.get(platform, platform)


def unreachable_notice(name: str, agency: str, platform: str, reference: str) -> str:
    """What the raiser is told when Parley couldn't reach someone in their disagreement (plain text, unescaped)."""
    return (
        f"Parley couldn't reach {name} ({agency}) on {platform_name(platform)} about case {reference}. "
        "Please contact them another way."
    )


def _who(directory: Directory, person_id: str | None) -> str:
    if person_id is None:
        return "Parley"
    person = directory.person(person_id)
    return person.name if person else person_id


def _stage_name(policy: Policy, stage_id: str) -> str:
    try:
        return policy.stages[policy.stage_index(stage_id)].name
    except KeyError:
        return stage_id


Details = dict[str, Any]
Describer = Callable[[Details, str, Directory, Policy], list[str]]


def _opened(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    lines = [
        f"{who} raised a disagreement (category: {d['category']}).",
        f"Problem: {d['problem']}",
        f"Possible cause: {d['cause'] or '(not given)'}",
        f"Outcome needed: {d['outcome']}",
        f"Discussed with the other professional first: {'yes' if d['discussed'] else 'no'}",
    ]
    if d["immediate_risk"]:
        lines.append("The raiser said a child is at immediate risk of significant harm: urgent path.")
    return lines


def _stage_started(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    asked = ", ".join(
        f"{_who(directory, p)} ({role.replace('_', ' ')}, {directory.agency_name(agency)})"
        for p, _, agency, role in d["asked"]
    )
    lines = [
        f"Stage '{d['stage_name']}' started; due by {local_time(datetime.fromisoformat(d['deadline']))}.",
        f"Asked to act: {asked or 'nobody could be found'}",
    ]
    lines += [f"Note: {flag}" for flag in d["flags"]]
    return lines


def _escalated(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    how = "automatically, because the timescale was missed" if d["automatic"] else f"by {who}"
    lines = [
        f"Escalated {how}: from '{_stage_name(policy, d['from_stage'])}' to '{_stage_name(policy, d['to_stage'])}'.",
    ]
    if not d["automatic"]:
        lines.append(f"Reason: {d['reason']}")
    if d["waiting_on"]:
        lines.append("Was waiting on: " + ", ".join(_who(directory, p) for p in d["waiting_on"]))
    if d.get("proposal_lapsed"):
        lines.append("The proposed resolution lapsed before it was confirmed.")
    return lines


def _resolution_proposed(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    return [
        f"{who} proposed a resolution.",
        f"Agreed outcome: {d['agreed_outcome']}",
        f"How outstanding issues will be pursued: {d['outstanding_issues'] or '(none)'}",
        f"Learning points: {d['learning_points'] or '(none)'}",
    ]


def _resolution_confirmed(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    if not d["statement"]:
        return [f"{who} confirmed the agreed outcome by proposing it."]
    return [f"{who} confirmed the agreed outcome in writing: {d['statement']}"]


def _resolved(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    learning = [learning_line(d["learning_to"], d["learning_group"], policy)] if d.get("learning_points") else []
    return ["Resolved: both parties confirmed the agreed outcome in writing.", *learning]


def _timescale_missed(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    waiting = ", ".join(_who(directory, p) for p in d["waiting_on"]) or "nobody"
    return [f"The timescale for '{_stage_name(policy, d['stage_id'])}' ran out. Waiting on: {waiting}."]


def _person_unreachable(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    return [
        f"Parley couldn't reach {_who(directory, d['person_id'])} ({directory.agency_name(d['agency'])}) "
        f"on {platform_name(d['platform'])}: {d['reason']}.",
        "The message is kept as undelivered; they need to be told another way.",
    ]


def _legal_hold_placed(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    by = d.get("by_name") or who
    return [f"{by} placed a legal hold: nothing in this record may be purged. Reason: {d['reason']}"]


def _legal_hold_released(d: Details, who: str, directory: Directory, policy: Policy) -> list[str]:
    return [f"{d.get('by_name') or who} released the legal hold. Reason: {d['reason']}"]


# How each kind of record entry is told; an unknown kind falls back to its raw details.
_DESCRIBERS: dict[str, Describer] = {
    "opened": _opened,
    "stage started": _stage_started,
    "formal challenge lodged": lambda d, who, directory, policy: ["Recorded as a formal challenge."],
    "note": lambda d, who, directory, policy: [f"{who} added a note: {d['text']}"],
    "escalated": _escalated,
    "resolution proposed": _resolution_proposed,
    "resolution confirmed": _resolution_confirmed,
    "resolution not agreed": lambda d, who, directory, policy: [
        f"{who} did not agree the proposed resolution: {d['reason']}"
    ],
    "resolved": _resolved,
    "closed: decision unchanged, disagreement remains": lambda d, who, directory, policy: [
        f"{who} closed it: the decision is unchanged and the disagreement remains. Reason: {d['reason']}"
    ],
    "withdrawn": lambda d, who, directory, policy: [f"{who} withdrew the disagreement. Reason: {d['reason']}"],
    "timescale missed": _timescale_missed,
    "person unreachable": _person_unreachable,
    "learning points given": lambda d, who, directory, policy: learning_entry(who, d),
    "case review prompted": lambda d, who, directory, policy: [CASE_REVIEW_PROMPTED.format(who=who)],
    "legal hold placed": _legal_hold_placed,
    "legal hold released": _legal_hold_released,
}


def describe_entry(entry: RecordEntry, *, directory: Directory, policy: Policy) -> list[str]:
    """The lines that describe one record entry."""
    d = entry.details
    who = _who(directory, entry.actor)
    describe = _DESCRIBERS.get(entry.kind)
    if describe is None:
        return [f"{who}: {entry.kind} {d}"]
    return describe(d, who, directory, policy)


def record_text(dispute: Dispute, entries: list[RecordEntry], *, directory: Directory, policy: Policy) -> str:
    """The full record, header first, then every entry oldest first."""
    other = _who(directory, dispute.other.person_id) if dispute.other.person_id else (dispute.other.description or "(not named)")
    stage = policy.stages[dispute.stage_index].name if dispute.stage_index < len(policy.stages) else str(dispute.stage_index)
    out = [
        "PROFESSIONAL DISAGREEMENT: RECORD",
        f"Case reference: {dispute.reference}",
        f"Category: {dispute.category}",
        f"Raised by: {_who(directory, dispute.raiser.person_id)} ({directory.agency_name(dispute.raiser.agency)})",
        f"Other party: {other} ({directory.agency_name(dispute.other.agency)})",
        f"Procedure: {policy.title}",
        f"Status: {dispute.status.value}; stage: {stage}",
        f"Formal challenge: {'yes' if dispute.formal_challenge else 'no'}",
        f"Opened: {local_time(dispute.opened_at)}",
    ]
    if dispute.closed_at:
        out.append(f"Closed: {local_time(dispute.closed_at)}")
    out.append("")
    for entry in entries:
        lines = describe_entry(entry, directory=directory, policy=policy)
        out.append(f"{entry.seq:>3}. {local_time(entry.at)}  {lines[0]}")
        out += [f"     {line}" for line in lines[1:]]
    return "\n".join(out)
