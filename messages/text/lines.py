"""What the thread and the messages say, free of any platform's markup: Slack and Teams only render these lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.dispute import OTHER, RAISER
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
from messages.text.view import IMMEDIATE_RISK, DisputeView, Names, PersonView, by_when
from messages.words import learning_line


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


URGENT = "the person who raised this said a child may be at immediate risk of significant harm. Same-working-day timescales apply."


def root_facts(view: DisputeView) -> list[tuple[str, Line]]:
    """The dispute at a glance, as (label, value) pairs the root shows on every platform."""
    facts: list[tuple[str, Line]] = [
        ("Status", (Said(view.status),)),
        ("Category", (Said(view.category),)),
        ("Raised by", party(view.raiser, "", view.raiser.agency)),
        ("Other party", party(view.other, view.other_description, view.other_agency)),
        ("Stage", (Said(view.stage_label),)),
    ]
    if view.active:
        due = by_when(view.deadline) + (" (timescale missed)" if view.deadline_missed else "")
        facts.append(("Deadline", (Said(due[0].upper() + due[1:]),)))
    elif view.closed_at:
        facts.append(("Closed", (Said(by_when(view.closed_at).removeprefix("by ")),)))
    return facts


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
    """The thread's note that Parley is reminding the people asked to act. It is queued with the reminders
    themselves, before they are delivered, so it says what Parley is doing, not that they arrived (a reminder
    that can't be delivered gets its own couldn't-reach line)."""
    if not people:
        return (Strong("Parley"), " has nobody to remind: nobody is asked to act at this stage. Due ", Said(by_when(view.deadline)), ".")
    who = joined([(Mention(p),) for p in people], last=" and ")
    return (Strong("Parley"), " is reminding ", *who, " by direct message: due ", Said(by_when(view.deadline)), ".")


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


def event_text(event: Event, view: DisputeView, names: Names) -> EventText | None:  # noqa: C901 - one case per kind of event, read top to bottom
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
            said: Line = (
                (" confirmed the agreed outcome in writing: ", Said(event.statement))
                if event.statement
                else (" confirmed the agreed outcome by proposing it.",)
            )
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
                ),
                summary=f"{by}: the timescale ran out",
            )
    return None


@dataclass(frozen=True)
class LineText:
    """One message in the thread: the events it records (bot.plan.thread_lines groups them), each worded by
    `event_text` and shown in turn, and one summary for notifications."""

    parts: tuple[EventText, ...]
    summary: str


def line_text(events: Sequence[Event], view: DisputeView, names: Names) -> LineText | None:
    """The thread's message for these events, or None when none of them needs a line."""
    parts = tuple(said for said in (event_text(e, view, names) for e in events) if said is not None)
    if not parts:
        return None
    started = [e for e in events if isinstance(e, StageStarted)]
    if len(parts) == 2 and isinstance(events[0], DisputeEscalated) and started:
        # "… escalated this to Step 2, due by …": the stage's own line says the rest
        return LineText(parts, f"{parts[0].summary}, due {by_when(started[0].deadline)}")
    return LineText(parts, "; ".join(said.summary for said in parts))
