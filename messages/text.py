"""Plain-language pieces shared by every chat front end, and the view-model the builders read.

The view-model is built from core types only (a Dispute, the Directory, the Policy): never an
ORM row, never a session. Builders in messages/slack.py (and later messages/teams.py) are pure
functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.directory import PARTNERSHIP, Directory
from bot.dispute import OTHER, RAISER, Dispute, Status, sides_to_confirm
from bot.events import Event
from bot.record import RecordEntry, what_happened
from bot.policy import Policy

LONDON = ZoneInfo("Europe/London")


# --- time ---------------------------------------------------------------------------------------


def clock_time(at: datetime) -> str:
    """'5pm', '10:30am', in UK time."""
    local = at.astimezone(LONDON)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def day(at: datetime) -> str:
    """'Mon 9 Nov', in UK time."""
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b}"


def by_when(at: datetime) -> str:
    """'by 5pm, Mon 9 Nov', in UK time."""
    return f"by {clock_time(at)}, {day(at)}"


def when(at: datetime, *, today: datetime | None = None) -> str:
    """'10:04' today, or '10:04 on Mon 9 Nov' another day (UK time)."""
    local = at.astimezone(LONDON)
    hhmm = f"{local:%H:%M}"
    if today is not None and today.astimezone(LONDON).date() == local.date():
        return hhmm
    return f"{hhmm} on {day(at)}"


# --- words --------------------------------------------------------------------------------------


def role_words(role: str) -> str:
    return role.replace("_", " ")


STATUS_WORDS = {
    Status.OPEN: "Open",
    Status.AWAITING_CONFIRMATION: "Waiting for confirmation",
    Status.RESOLVED: "Resolved",
    Status.CLOSED_UNRESOLVED: "Closed: disagreement remains",
    Status.WITHDRAWN: "Withdrawn",
}

# What the last record entry means, for "Already done: ... by ... at ..."
DONE_WORDS = {
    "opened": "opened",
    "stage started": "moved to the next stage",
    "escalated": "escalated",
    "note": "a note added",
    "formal challenge lodged": "recorded as a formal challenge",
    "resolution proposed": "a resolution proposed",
    "resolution confirmed": "the resolution confirmed",
    "resolution not agreed": "the resolution not agreed",
    "resolved": "resolved",
    "closed: decision unchanged, disagreement remains": "closed as unresolved",
    "withdrawn": "withdrawn",
    "timescale missed": "the missed timescale recorded",
    "changed": "changed",
}


def already_done(by: str | None, what: str, at: datetime | None, *, today: datetime | None = None) -> str:
    """'Already done: escalated by Ben Hughes at 10:04.'"""
    words = DONE_WORDS.get(what, what)
    who = f" by {by}" if by else " by Parley"
    moment = f" at {when(at, today=today)}" if at else ""
    return f"Already done: {words}{who}{moment}. Nothing else was changed."


def stale_text(entries: list[RecordEntry], directory: Directory, now: datetime, *, after: int = 0, shown: str = "message") -> str:
    """Why someone's `shown` (message, card) is out of date: what was done since entry `after`, by whom, when."""
    last = what_happened(entries, after=after)
    if last is None:
        return already_done(None, "changed", None)
    person = directory.person(last.actor) if last.actor else None
    who = person.name if person else last.actor
    if last.kind == "note":
        return f"{who} added a note at {when(last.at, today=now)} since this {shown} was shown. The {shown} now shows the latest: please try again."
    return already_done(who, last.kind, last.at, today=now)


NOT_IN_DIRECTORY = (
    "You're not in Parley's directory yet, so Parley can't act for you. "
    "{who} can add you: they'll need your name, your work email, your agency and your {platform} user ID ({user_id}). "
    "Nothing has been saved."
)


def not_in_directory(directory: Directory, *, platform: str, user_id: str) -> str:
    """A kind explanation of how to be added, naming who to ask where the directory knows."""
    admins = sorted(p.name for p in directory.people.values() if p.membership(PARTNERSHIP))
    if admins:
        names = ", ".join(admins[:3])
        who = f"Your safeguarding partnership's business unit ({names})"
    else:
        who = "Your safeguarding partnership's business unit"
    return NOT_IN_DIRECTORY.format(who=who, platform=platform, user_id=user_id)


IMMEDIATE_RISK = (
    "A child may be at immediate risk of significant harm. Use your organisation's safeguarding "
    "procedures now, and call 999 if a child is in immediate danger. Don't wait for Parley."
)


# --- the view-model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    agency: str  # the agency's name
    role: str = ""  # in words, e.g. "line manager"; empty when not acting in a role
    slack: tuple[str, str] | None = None  # (team id, user id) when on Slack


@dataclass(frozen=True)
class ProposalView:
    by: str  # name
    at: datetime
    agreed_outcome: str
    outstanding_issues: str
    learning_points: str


@dataclass(frozen=True)
class DisputeView:
    id: str
    version: int  # the version this view shows; buttons carry it so a stale click is caught
    reference: str
    category: str
    status: str  # in words
    active: bool
    awaiting_confirmation: bool
    raiser: PersonView
    other: PersonView | None  # None when the other party is known only by agency and role
    other_agency: str
    other_description: str
    stage_number: int
    stage_count: int
    stage_name: str
    stage_guidance: str
    deadline: datetime
    deadline_missed: bool
    immediate_risk: bool
    formal_challenge: bool
    asked: tuple[PersonView, ...]
    flags: tuple[str, ...]
    waiting_for: tuple[str, ...]  # agency names whose written confirmation is still missing
    proposal: ProposalView | None
    opened_at: datetime
    closed_at: datetime | None
    procedure: str  # the policy's title

    @property
    def other_name(self) -> str:
        if self.other is not None:
            return self.other.name
        return self.other_description or "someone"


def person_view(directory: Directory, person_id: str | None, *, agency: str = "", role: str = "") -> PersonView:
    """Names (and chat identity) of one person, for builders."""
    if person_id is None:
        return PersonView("", "Parley", "")
    person = directory.person(person_id)
    if person is None:
        return PersonView(person_id, person_id, directory.agency_name(agency) if agency else "", role_words(role))
    agency = agency or (person.agencies[0] if person.agencies else "")
    slack = person.identity_on("slack")
    return PersonView(
        id=person.id,
        name=person.name,
        agency=directory.agency_name(agency) if agency else "",
        role=role_words(role),
        slack=(slack.workspace, slack.user_id) if slack else None,
    )


def dispute_view(dispute: Dispute, directory: Directory, policy: Policy, *, version: int | None = None) -> DisputeView:
    """The plain view of a dispute that every message builder reads."""
    stage = policy.stages[dispute.stage_index] if dispute.stage_index < len(policy.stages) else None
    agency_of_side = {RAISER: dispute.raiser.agency, OTHER: dispute.other.agency}
    proposal = None
    if dispute.proposal is not None:
        p = dispute.proposal
        proposal = ProposalView(
            by=person_view(directory, p.by).name,
            at=p.at,
            agreed_outcome=p.agreed_outcome,
            outstanding_issues=p.outstanding_issues,
            learning_points=p.learning_points,
        )
    waiting_for = ()
    if dispute.status is Status.AWAITING_CONFIRMATION:
        waiting_for = tuple(directory.agency_name(agency_of_side[s]) for s in sides_to_confirm(dispute))
    return DisputeView(
        id=dispute.id,
        version=dispute.version if version is None else version,
        reference=dispute.reference,
        category=dispute.category,
        status=STATUS_WORDS[dispute.status],
        active=dispute.status.is_active,
        awaiting_confirmation=dispute.status is Status.AWAITING_CONFIRMATION,
        raiser=person_view(directory, dispute.raiser.person_id, agency=dispute.raiser.agency),
        other=person_view(directory, dispute.other.person_id, agency=dispute.other.agency) if dispute.other.person_id else None,
        other_agency=directory.agency_name(dispute.other.agency),
        other_description=dispute.other.description,
        stage_number=dispute.stage_index + 1,
        stage_count=len(policy.stages),
        stage_name=stage.name if stage else str(dispute.stage_index),
        stage_guidance=(policy.urgent.guidance if dispute.immediate_risk and policy.urgent.guidance else (stage.guidance if stage else "")),
        deadline=dispute.deadline,
        deadline_missed=dispute.deadline_missed,
        immediate_risk=dispute.immediate_risk,
        formal_challenge=dispute.formal_challenge,
        asked=tuple(
            person_view(directory, a.person_id, agency=a.agency, role=a.role) for a in dispute.routing.assignees
        ),
        flags=dispute.routing.flags,
        waiting_for=waiting_for,
        proposal=proposal,
        opened_at=dispute.opened_at,
        closed_at=dispute.closed_at,
        procedure=policy.title,
    )


@dataclass(frozen=True)
class Names:
    """Names for the ids an event carries: people and stages."""

    people: dict[str, PersonView]
    stages: dict[str, str]
    agencies: dict[str, str]

    def person(self, person_id: str | None) -> PersonView:
        if person_id is None:
            return PersonView("", "Parley", "")
        return self.people.get(person_id) or PersonView(person_id, person_id, "")

    def stage(self, stage_id: str) -> str:
        return self.stages.get(stage_id, stage_id)

    def agency(self, agency_id: str) -> str:
        return self.agencies.get(agency_id, agency_id)


def names_for(directory: Directory, policy: Policy, person_ids: set[str]) -> Names:
    return Names(
        people={p: person_view(directory, p) for p in person_ids if p},
        stages={s.id: s.name for s in policy.stages},
        agencies={a.id: a.name for a in directory.agencies.values()},
    )


def help_lines(policy: Policy, *, raise_with: str = "/disagree", list_with: str = "/disagree list") -> list[str]:
    """What Parley does and the local procedure, in five lines (plain text, no markup).

    `raise_with` and `list_with` are what the person types on their platform (Slack's slash
    command as the workspace named it; a word to the bot on Teams)."""
    stages = " → ".join(f"{i + 1}. {s.name} ({_short(s.timescale.describe())})" for i, s in enumerate(policy.stages))
    urgent = policy.stages[policy.stage_index(policy.urgent.starts_at)].name
    return [
        f"Parley runs {policy.title} when two professionals disagree about a child's case, and keeps the written record.",
        f"{raise_with} raises one (use the case reference only, never a child's name); {list_with} shows the ones waiting on you.",
        f"The steps: {stages}.",
        "When a timescale is missed, Parley moves it to the next step and tells the people in both agencies.",
        f"If a child is at immediate risk of significant harm, use your organisation's safeguarding procedures now; Parley starts at '{urgent}' with a same-working-day timescale.",
    ]


def _short(timescale: str) -> str:
    return timescale.replace(" from entering the stage", "").replace(" from first alert", " from the first alert")


# --- who did it ---------------------------------------------------------------------------------


def acting_agency(event: Event, view: DisputeView, person: PersonView) -> str:
    """The agency someone acted for in this dispute (a person can work in more than one)."""
    side = getattr(event, "side", None)
    if side == RAISER:
        return view.raiser.agency
    if side == OTHER:
        return view.other_agency
    if person.id == view.raiser.id:
        return view.raiser.agency
    if view.other is not None and person.id == view.other.id:
        return view.other_agency
    asked = next((p for p in view.asked if p.id == person.id and p.agency), None)
    return asked.agency if asked else person.agency


def actor(event: Event, view: DisputeView, names: Names) -> tuple[str, str] | None:
    """(name, agency acted for) of whoever made the event; None when Parley acted on its own."""
    if event.actor is None:
        return None
    person = names.person(event.actor)
    return person.name, acting_agency(event, view, person)
