"""Plain-language pieces shared by every chat front end, and the view-model the builders read.

The view-model is built from core types only (a Dispute, the Directory, the Policy): never an
ORM row, never a session. Builders in messages/slack.py and messages/teams.py are pure functions
of it, and of the platform-free lines below (what the thread says about each event, and more), which
they only render in their own markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.directory import PARTNERSHIP, Directory
from bot.dispute import OTHER, RAISER, Dispute, Status, confirmers, sides_to_confirm
from bot.permissions import Intent, root_buttons
from bot.events import (
    DeadlineMissed,
    DisputeClosedUnresolved,
    DisputeEscalated,
    DisputeOpened,
    DisputeResolved,
    DisputeWithdrawn,
    Event,
    FormalChallengeLodged,
    NoteAdded,
    ResolutionConfirmed,
    ResolutionProposed,
    ResolutionRejected,
    StageStarted,
)
from bot.policy import Policy
from messages import clock
from messages.words import learning_line, role_name, stage_label



# --- time: one format everywhere (messages/clock.py) -------------------------------------------

LONDON = clock.LONDON
by_when = clock.by_when
when = clock.when


# --- words --------------------------------------------------------------------------------------


def role_words(role: str, policy: Policy | None = None) -> str:
    return role_name(role, policy)


STATUS_WORDS = {
    Status.OPEN: "Open",
    Status.AWAITING_CONFIRMATION: "Waiting for confirmation",
    Status.RESOLVED: "Resolved",
    Status.CLOSED_UNRESOLVED: "Closed: disagreement remains",
    Status.WITHDRAWN: "Withdrawn",
}

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
    buttons: tuple[Intent, ...] = ()  # the root's buttons in this state, from bot.permissions.root_buttons
    confirmers: tuple[PersonView, ...] = ()  # while a proposal waits: who may still confirm it

    @property
    def stage_label(self) -> str:
        return stage_label(self.stage_number, self.stage_count, self.stage_name)

    @property
    def other_name(self) -> str:
        if self.other is not None:
            return self.other.name
        return self.other_description or "someone"


def person_view(
    directory: Directory, person_id: str | None, *, agency: str = "", role: str = "", policy: Policy | None = None
) -> PersonView:
    """Names (and chat identity) of one person, for builders."""
    if person_id is None:
        return PersonView("", "Parley", "")
    person = directory.person(person_id)
    if person is None:
        return PersonView(person_id, person_id, directory.agency_name(agency) if agency else "", role_words(role, policy))
    agency = agency or (person.agencies[0] if person.agencies else "")
    slack = person.identity_on("slack")
    return PersonView(
        id=person.id,
        name=person.name,
        agency=directory.agency_name(agency) if agency else "",
        role=role_words(role, policy),
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
            person_view(directory, a.person_id, agency=a.agency, role=a.role, policy=policy) for a in dispute.routing.assignees
        ),
        flags=dispute.routing.flags,
        waiting_for=waiting_for,
        proposal=proposal,
        opened_at=dispute.opened_at,
        closed_at=dispute.closed_at,
        procedure=policy.title,
        buttons=root_buttons(dispute, policy),
        confirmers=tuple(_confirmer(dispute, directory, policy, p) for p in confirmers(dispute))
        if dispute.status is Status.AWAITING_CONFIRMATION
        else (),
    )


def _confirmer(dispute: Dispute, directory: Directory, policy: Policy, person_id: str) -> PersonView:
    asked = next((a for a in dispute.routing.assignees if a.person_id == person_id), None)
    if asked is not None:
        return person_view(directory, person_id, agency=asked.agency, role=asked.role, policy=policy)
    agency = dispute.raiser.agency if person_id == dispute.raiser.person_id else dispute.other.agency
    return person_view(directory, person_id, agency=agency)


def told_on_raising(view: DisputeView) -> str:
    """What Parley did when a disagreement was raised, said to the raiser (never 'told the people asked'
    when the only one asked is the raiser)."""
    others = [p for p in view.asked if p.id != view.raiser.id]
    if not view.asked:
        return "Parley has started a thread."
    if not others:
        return "Parley has started a thread. At this step you are the one asked to act."
    return "Parley has started a thread and told the people asked to act."


def asked_now(view: DisputeView) -> tuple[str, Line]:
    """Who the dispute waits on, for its root: those asked to act, or while a proposal waits, those asked to confirm it."""
    if view.awaiting_confirmation and view.confirmers:
        return "Asked to confirm", who_with_role(view.confirmers)
    return "Asked to act now", who_with_role(view.asked)


# The words on each button, on every platform
BUTTON_LABELS = {
    Intent.RESOLVE: "Resolve",
    Intent.ESCALATE: "Escalate",
    Intent.CLOSE_UNRESOLVED: "Close unresolved",
    Intent.ADD_NOTE: "Add note",
    Intent.VIEW_RECORD: "View record",
    Intent.WITHDRAW: "Withdraw",
    Intent.CONFIRM: "Confirm",
    Intent.NOT_AGREED: "Not agreed",
}


@dataclass(frozen=True)
class Names:
    """Names for the ids an event carries: people and stages."""

    people: dict[str, PersonView]
    stages: dict[str, str]
    agencies: dict[str, str]
    policy: Policy | None = None  # for role names

    def person(self, person_id: str | None) -> PersonView:
        if person_id is None:
            return PersonView("", "Parley", "")
        return self.people.get(person_id) or PersonView(person_id, person_id, "")

    def stage(self, stage_id: str) -> str:
        return self.stages.get(stage_id, stage_id)

    def role(self, role_id: str) -> str:
        return role_name(role_id, self.policy)

    def agency(self, agency_id: str) -> str:
        return self.agencies.get(agency_id, agency_id)


def asked_person(view: DisputeView, names: Names, person_id: str) -> PersonView:
    """Someone as the dispute shows them: with the role they are asked in at this stage, if they are."""
    return next((p for p in view.asked if p.id == person_id), None) or names.person(person_id)


def names_for(directory: Directory, policy: Policy, person_ids: set[str]) -> Names:
    return Names(
        people={p: person_view(directory, p) for p in person_ids if p},
        stages={s.id: s.name for s in policy.stages},
        agencies={a.id: a.name for a in directory.agencies.values()},
        policy=policy,
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


# --- lines with markup left to the platform -----------------------------------------------------
#
# A line is a tuple of parts: a bare str is Parley's own words, shown as they are; Said, Strong and
# Mention carry text from a person or the directory, which each platform escapes in its own way
# (messages/slack.py, messages/teams.py), so the wording lives here once and says the same on both.


@dataclass(frozen=True)
class Said:
    """Words from a person or the directory, shown as they are written (escaped by the platform)."""

    text: str


@dataclass(frozen=True)
class Strong:
    """Words to emphasise (bold); escaped like Said."""

    text: str


@dataclass(frozen=True)
class Mention:
    """Someone named: pinged where the platform can, otherwise their name in bold."""

    person: PersonView


Part = str | Said | Strong | Mention
Line = tuple[Part, ...]


def joined(items: list[Line], sep: str = ", ", last: str | None = None) -> Line:
    """Lines run together: 'a, b and c' (`last` between the last two, when given)."""
    out: list[Part] = []
    for i, item in enumerate(items):
        if i:
            out.append(last if last is not None and i == len(items) - 1 else sep)
        out += item
    return tuple(out)


def party(person: PersonView | None, description: str, agency: str) -> Line:
    """'Sam Patel (Northshire Police)', or 'duty sergeant, Northshire Police' for someone not listed."""
    if person is not None:
        return (Said(person.name), " (", Said(person.agency or agency), ")")
    role = (Said(description), ", ") if description else ()
    return (*role, Said(agency))


def who_with_role(people: Sequence[PersonView]) -> Line:
    """'@Ben (line manager, Children's Social Care), ...'; empty when there is nobody."""
    out: list[Line] = []
    for person in people:
        details = ", ".join(x for x in (person.role, person.agency) if x)
        out.append((Mention(person), " (", Said(details), ")") if details else (Mention(person),))
    return joined(out)


def proposal_fields(agreed_outcome: str, outstanding_issues: str, learning_points: str) -> tuple[tuple[str, str], ...]:
    """The labelled parts of a proposed resolution."""
    return (
        ("Agreed outcome", agreed_outcome),
        ("How outstanding issues will be pursued", outstanding_issues or "(none)"),
        ("Learning points", learning_points or "(none)"),
    )


def waiting_for_line(view: DisputeView) -> Line:
    return ("Waiting for written confirmation from ", Said(" and ".join(view.waiting_for)), ".")


def procedure_line(view: DisputeView) -> Line:
    formal = " · recorded as a formal challenge" if view.formal_challenge else ""
    return (Said(view.procedure), f"{formal} · case reference only, never a child's name")


def root_summary(view: DisputeView) -> str:
    """The dispute in one plain line, for notifications."""
    text = f"Professional disagreement {view.reference}: {view.status.lower()}, {view.stage_label}"
    if view.active:
        text += f", due {by_when(view.deadline)}"
    return text


def list_entry(view: DisputeView, *, me: str, urgent: str) -> tuple[Line, Line, Line]:
    """A dispute in someone's list: what it is, where it stands, when it is due (and why it matters to them).

    `urgent` is how the platform tags a child at immediate risk."""
    waiting_on = view.confirmers if view.awaiting_confirmation else view.asked
    waiting_on_me = any(p.id == me for p in waiting_on)
    tags: list[Line] = []
    if view.immediate_risk:
        tags.append((urgent,))
    if waiting_on_me:
        tags.append((Strong("waiting on you"),))
    if view.deadline_missed:
        tags.append(("timescale missed",))
    tail = (" · ", *joined(tags, sep=" · ")) if tags else ()
    return (
        (Strong(view.reference), " · ", Said(view.category)),
        (Said(view.stage_label), " · ", Said(view.status)),
        ("Due ", Said(by_when(view.deadline)), *tail),
    )


def nudge_line(view: DisputeView, nudge: str) -> Line:
    """A reminder to someone asked to act: before, at or after the deadline."""
    if nudge.startswith("overdue"):
        return (
            "The timescale for case ", Strong(view.reference), " (", Said(view.stage_name), ") ran out ",
            Said(by_when(view.deadline).removeprefix("by ")), ". Please act today.",
        )  # fmt: skip
    if nudge == "at deadline":
        return ("Case ", Strong(view.reference), " (", Said(view.stage_name), ") is due now.")
    return ("Reminder: case ", Strong(view.reference), " (", Said(view.stage_name), ") is due ", Strong(by_when(view.deadline)), ".")


def reminded_line(view: DisputeView, people: Sequence[PersonView]) -> Line:
    """The thread's note that Parley reminded the people asked to act."""
    who = joined([(Mention(p),) for p in people]) or ("nobody",)
    return (Strong("Parley"), " sent a reminder to ", *who, ": due ", Said(by_when(view.deadline)), ".")


# --- a line in the thread for each event --------------------------------------------------------


@dataclass(frozen=True)
class EventText:
    """What the thread says about one event, free of any platform's markup.

    Shown in this order: the main lines (together), `words`, the `fields`, the `notes`, the
    `warnings`, the `alert`."""

    lines: tuple[Line, ...]
    summary: str  # plain text for notifications; nothing in it is escaped yet
    resolved: bool = False  # the main line announces the resolution (a tick, in green where it can be)
    words: str | None = None  # someone's own words in full, without a label (a note)
    fields: tuple[tuple[str, str], ...] = ()  # (label, someone's own words)
    notes: tuple[Line, ...] = ()  # small print
    warnings: tuple[str, ...] = ()  # routing flags
    alert: str = ""  # Parley's own urgent warning, shown last


def event_text(event: Event, view: DisputeView, names: Names) -> EventText | None:
    """The thread's line for one event, or None for an event that needs none.

    Every line starts with who did it and for which agency ("Parley" when Parley acted on its own,
    e.g. a missed timescale), so the thread reads as the record."""
    who = actor(event, view, names)
    if who is None:
        doer: Line = (Strong("Parley"),)
        by = "Parley"
    elif who[1]:
        doer = (Strong(who[0]), " (", Said(who[1]), ")")
        by = f"{who[0]} ({who[1]})"
    else:
        doer = (Strong(who[0]),)
        by = who[0]
    match event:
        case DisputeOpened():
            other = party(view.other, view.other_description, view.other_agency)
            cause = (("What might be causing it", event.cause),) if event.cause else ()
            return EventText(
                lines=((*doer, " raised a disagreement with ", *other, ", about ", Strong(event.category), "."),),
                fields=(("What the problem is", event.problem), *cause, ("Outcome needed", event.outcome)),
                notes=((f"Discussed with the other professional first: {'yes' if event.discussed else 'not yet'}",),),
                alert=IMMEDIATE_RISK if event.immediate_risk else "",
                summary=f"{by} raised a disagreement ({view.reference})",
            )
        case StageStarted():
            asked = joined(
                [
                    (Mention(names.person(p)), " (", Said(names.role(role)), ", ", Said(names.agency(agency)), ")")
                    for p, _, agency, role in event.asked
                ]
            ) or ("nobody could be found",)
            due = by_when(event.deadline)
            guidance = view.stage_guidance and event.stage_name == view.stage_name
            return EventText(
                lines=(
                    (*doer, " started ", Strong(event.stage_name), ". Due ", Strong(due), "."),
                    ("Asked to act: ", *asked, "."),
                ),
                notes=((Said(view.stage_guidance),),) if guidance else (),
                warnings=event.flags,
                summary=f"{by} started {event.stage_name}, due {due}",
            )
        case FormalChallengeLodged():
            return EventText(
                lines=((*doer, " lodged this as a ", Strong("formal challenge"), "; it is recorded as one from now on."),),
                summary=f"{by} lodged this as a formal challenge",
            )
        case NoteAdded():
            return EventText(lines=((*doer, " added a note:"),), words=event.text, summary=f"{by} added a note")
        case DisputeEscalated():
            to_stage = names.stage(event.to_stage)
            moved = (*doer, " escalated this from ", Strong(names.stage(event.from_stage)), " to ", Strong(to_stage))
            if event.automatic:
                waiting = joined([(Said(names.person(p).name),) for p in event.waiting_on], last=" and ") or ("nobody",)
                line: Line = (*moved, ": the timescale ran out. It was waiting on ", *waiting, ".")
            else:
                line = (*moved, ".")
            return EventText(
                lines=(line,),
                fields=() if event.automatic else (("Reason", event.reason),),
                notes=(("The proposed resolution lapsed before it was confirmed.",),) if event.proposal_lapsed else (),
                summary=f"{by} escalated this to {to_stage}",
            )
        case ResolutionProposed():
            return EventText(
                lines=((*doer, " proposed a resolution."),),
                fields=proposal_fields(event.agreed_outcome, event.outstanding_issues, event.learning_points),
                notes=(waiting_for_line(view),) if view.waiting_for else (),
                summary=f"{by} proposed a resolution",
            )
        case ResolutionConfirmed():
            said: Line = (" confirmed the agreed outcome in writing: ", Said(event.statement)) if event.statement else (" confirmed the agreed outcome by proposing it.",)
            return EventText(
                lines=((*doer, *said),),
                summary=f"{by} confirmed the agreed outcome",
            )
        case ResolutionRejected():
            return EventText(
                lines=((*doer, " did not agree the proposed resolution. It is open again at ", Strong(view.stage_name), "."),),
                fields=(("Why", event.reason),),
                summary=f"{by} did not agree the proposed resolution",
            )
        case DisputeResolved():
            return EventText(
                lines=((Strong("Resolved"), " when ", *doer, " confirmed: both sides have confirmed the agreed outcome in writing."),),
                resolved=True,
                notes=((Said(learning_line(event.learning_to, event.learning_group, names.policy)),),) if event.learning_points else (),
                summary=f"Resolved: {by} confirmed, and both sides have confirmed the agreed outcome",
            )
        case DisputeClosedUnresolved():
            return EventText(
                lines=((*doer, " closed this as unresolved: the decision is unchanged and the disagreement remains, on the record."),),
                fields=(("Reason", event.reason),),
                summary=f"{by} closed this as unresolved",
            )
        case DisputeWithdrawn():
            return EventText(
                lines=((*doer, " withdrew this disagreement."),),
                fields=(("Reason", event.reason),),
                summary=f"{by} withdrew this disagreement",
            )
        case DeadlineMissed():
            waiting = joined([(Mention(names.person(p)),) for p in event.waiting_on]) or ("nobody",)
            return EventText(
                lines=(
                    (
                        *doer, ": the timescale for ", Strong(names.stage(event.stage_id)), " ran out (", Said(by_when(event.deadline)), "). ",
                        "At this stage the procedure says remind and wait: ", *waiting, ", please act today.",
                    ),
                ),  # fmt: skip
                summary=f"{by}: the timescale ran out",
            )
    return None


def proposal_token(at: datetime) -> str:
    """What Confirm / Not agreed carry to name the proposal they answer."""
    return f"p{int(at.timestamp() * 1000)}"
