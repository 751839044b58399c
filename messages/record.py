"""A dispute's whole record as plain text, to be kept on the child's file."""

from __future__ import annotations

from datetime import datetime
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


def describe_entry(entry: RecordEntry, *, directory: Directory, policy: Policy) -> list[str]:
    """The lines that describe one record entry."""
    d = entry.details
    who = _who(directory, entry.actor)
    match entry.kind:
        case "opened":
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
        case "stage started":
            asked = ", ".join(f"{_who(directory, p)} ({role.replace('_', ' ')}, {directory.agency_name(agency)})" for p, _, agency, role in d["asked"])
            lines = [
                f"Stage '{d['stage_name']}' started; due by {local_time(datetime.fromisoformat(d['deadline']))}.",
                f"Asked to act: {asked or 'nobody could be found'}",
            ]
            lines += [f"Note: {flag}" for flag in d["flags"]]
            return lines
        case "formal challenge lodged":
            return ["Recorded as a formal challenge."]
        case "note":
            return [f"{who} added a note: {d['text']}"]
        case "escalated":
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
        case "resolution proposed":
            return [
                f"{who} proposed a resolution.",
                f"Agreed outcome: {d['agreed_outcome']}",
                f"How outstanding issues will be pursued: {d['outstanding_issues'] or '(none)'}",
                f"Learning points: {d['learning_points'] or '(none)'}",
            ]
        case "resolution confirmed":
            if not d["statement"]:
                return [f"{who} confirmed the agreed outcome by proposing it."]
            return [f"{who} confirmed the agreed outcome in writing: {d['statement']}"]
        case "resolution not agreed":
            return [f"{who} did not agree the proposed resolution: {d['reason']}"]
        case "resolved":
            learning = [learning_line(d["learning_to"], d["learning_group"], policy)] if d.get("learning_points") else []
            return ["Resolved: both parties confirmed the agreed outcome in writing.", *learning]
        case "closed: decision unchanged, disagreement remains":
            return [f"{who} closed it: the decision is unchanged and the disagreement remains. Reason: {d['reason']}"]
        case "withdrawn":
            return [f"{who} withdrew the disagreement. Reason: {d['reason']}"]
        case "timescale missed":
            waiting = ", ".join(_who(directory, p) for p in d["waiting_on"]) or "nobody"
            return [f"The timescale for '{_stage_name(policy, d['stage_id'])}' ran out. Waiting on: {waiting}."]
        case "person unreachable":
            return [
                f"Parley couldn't reach {_who(directory, d['person_id'])} ({directory.agency_name(d['agency'])}) "
                f"on {platform_name(d['platform'])}: {d['reason']}.",
                "The message is kept as undelivered; they need to be told another way.",
            ]
        case "learning points given":
            return learning_entry(who, d)
        case "case review prompted":
            return [CASE_REVIEW_PROMPTED.format(who=who)]
        case "legal hold placed":
            return [f"{d.get('by_name') or who} placed a legal hold: nothing in this record may be purged. Reason: {d['reason']}"]
        case "legal hold released":
            return [f"{d.get('by_name') or who} released the legal hold. Reason: {d['reason']}"]
    return [f"{who}: {entry.kind} {d}"]


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
