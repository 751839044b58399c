"""Who is told what after each event, and at each reminder: decided once, rendered by each platform.

A platform's notifier renders a `Plan` in its own markup and skips the people who aren't on it
(the other platform's notifier tells them). It does not decide who is told.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from bot.directory import PARTNERSHIP, Directory
from bot.dispute import Dispute, Status, confirmers
from bot.events import DisputeClosedUnresolved, DisputeEscalated, DisputeOpened, DisputeResolved, Event, ResolutionProposed, StageStarted
from bot.learning import CaseReviewPrompted, LearningGiven
from bot.policy import Policy


class Tell(enum.StrEnum):
    """The kinds of direct message Parley sends about a dispute."""

    ASKED_TO_ACT = "asked"
    CONFIRM_REQUEST = "confirm"
    REMINDER = "reminder"
    LEARNING = "learning"  # asked once for learning points (the people who confirmed or closed it)
    CASE_REVIEW = "case review"  # the closer, asked to consider a multi-agency case review
    LEARNING_SUMMARY = "learning summary"  # a partnership role told of an answer (no names, no case text)
    PROCEDURE_UNCLEAR = "procedure unclear"  # the procedure's owner, told someone found it unclear


@dataclass(frozen=True)
class Direct:
    person_id: str
    tell: Tell
    key: str  # unique within the change: with the dispute, platform and step it names one message


@dataclass(frozen=True)
class Plan:
    opened: bool  # a new dispute: post the thread's root (else update it)
    step: str  # 'opened' or 'v<version>': names the change in every key
    shown_version: int  # the version the root and the buttons show
    thread: tuple[tuple[int, tuple[Event, ...]], ...]  # the thread's lines: the events each tells, numbered by its first
    direct: tuple[Direct, ...]
    named: frozenset[str]  # the people the thread and the messages name (to look up once)


def after(dispute: Dispute, events: Sequence[Event]) -> Plan | None:  # noqa: C901 - one case per kind of event, read top to bottom
    """What to say after these events (None when nothing happened). A person is never told about
    what they did themselves; people asked at a stage the dispute has already left are not asked."""
    if not events:
        return None
    opened = any(isinstance(e, DisputeOpened) for e in events)
    actors = {e.actor for e in events if e.actor}
    named = set(actors) | set(dispute.routing.people())
    for e in events:
        named |= {p for p in getattr(e, "waiting_on", ()) if p}
        named |= {a[0] for a in getattr(e, "asked", ())}
    step = "opened" if opened else f"v{dispute.version}"
    direct: list[Direct] = []
    current = [e for e in events if isinstance(e, StageStarted)][-1:]
    for event in events:
        if isinstance(event, StageStarted) and event in current:
            for person_id in dict.fromkeys(a[0] for a in event.asked):
                if person_id not in actors:
                    direct.append(Direct(person_id, Tell.ASKED_TO_ACT, f"asked:{event.stage_id}:{person_id}"))
        elif isinstance(event, ResolutionProposed) and dispute.status is Status.AWAITING_CONFIRMATION:
            for person_id in confirmers(dispute):
                if person_id not in actors:
                    direct.append(Direct(person_id, Tell.CONFIRM_REQUEST, f"confirm:{person_id}"))
        # the learning loop asks the people who finished it, the one who made the last move included
        elif isinstance(event, DisputeResolved):
            for person_id in dict.fromkeys(c.by for c in dispute.confirmations):
                direct.append(Direct(person_id, Tell.LEARNING, f"learning:{person_id}"))
        elif isinstance(event, DisputeClosedUnresolved) and event.actor:
            direct.append(Direct(event.actor, Tell.LEARNING, f"learning:{event.actor}"))
        elif isinstance(event, CaseReviewPrompted) and event.actor:
            direct.append(Direct(event.actor, Tell.CASE_REVIEW, f"case-review:{event.actor}"))
    return Plan(
        opened=opened,
        step=step,
        # a new dispute is stored at its version; a change is saved as version + 1
        shown_version=dispute.version if opened else dispute.version + 1,
        thread=thread_lines(events),
        direct=tuple(direct),
        named=frozenset(named | {d.person_id for d in direct}),
    )


def thread_lines(events: Sequence[Event]) -> tuple[tuple[int, tuple[Event, ...]], ...]:
    """The thread's lines for these events, each numbered by its first event: one line an event, except that an
    escalation and the stage it moves to are one line (one message in the thread, one post in the channel)."""
    lines: list[tuple[int, tuple[Event, ...]]] = []
    for n, event in enumerate(events):
        if isinstance(event, StageStarted) and lines and isinstance(lines[-1][1][-1], DisputeEscalated):
            lines[-1] = (lines[-1][0], (*lines[-1][1], event))
        else:
            lines.append((n, (event,)))
    return tuple(lines)


@dataclass(frozen=True)
class ReminderPlan:
    key: str  # names this reminder in every message's key
    waiting_on: tuple[str, ...]  # the people the thread line names
    direct: tuple[Direct, ...]


def reminder(dispute: Dispute, nudge: str) -> ReminderPlan | None:
    """A reminder names the people it waits on and tells each of them: while a proposal waits for
    confirmation, those who may confirm it (with the request again); otherwise those asked to act."""
    if not dispute.status.is_active:
        return None
    key = f"nudge:s{dispute.stage_index}:{nudge.replace(' ', '-')}"
    if dispute.status is Status.AWAITING_CONFIRMATION:
        people = tuple(confirmers(dispute))
        tell = Tell.CONFIRM_REQUEST
    else:
        people = dispute.routing.people()
        tell = Tell.REMINDER
    return ReminderPlan(key, people, tuple(Direct(p, tell, p) for p in dict.fromkeys(people)))


# -- where each side's thread lives -------------------------------------------------------------


SPACE = "space"  # the payload key naming an agency's own thread space (absent for the configured channel)


@dataclass(frozen=True)
class Space:
    """One thread of a dispute on one platform: a channel in a workspace (Slack) or a tenant (Teams)."""

    workspace: str
    channel: str
    key: str  # names the thread: the workspace for the configured channel, "workspace/channel" for an agency's own


@dataclass(frozen=True)
class Spaces:
    """A dispute's threads on one platform, and which of them each person is linked to."""

    threads: tuple[Space, ...]  # each once: the configured channel's first, then the sides' own
    of_agency: dict[str, Space]
    configured: Space | None

    def of(self, directory: Directory, person_id: str, platform: str, agencies: Sequence[str] = ()) -> Space | None:
        """The thread this person can open: their side's (in their own workspace), else the configured channel
        when they are in its workspace; None when no thread is in a space they can see (tell them in full)."""
        person = directory.person(person_id)
        identity = person.identity_on(platform) if person else None
        if person is None or identity is None:
            return None
        mine = [a for a in agencies if a in person.agencies] + [a for a in person.agencies if a not in agencies]
        for agency in mine:
            space = self.of_agency.get(agency)
            if space is not None and space.workspace == identity.workspace:
                return space
        if self.configured is not None and self.configured.workspace == identity.workspace:
            return self.configured
        return None


def sides(dispute: Dispute) -> tuple[str, ...]:
    """The agencies with a side in this dispute: the raiser's, the other party's, the partnership."""
    return tuple(dict.fromkeys((dispute.raiser.agency, dispute.other.agency, PARTNERSHIP)))


def spaces(
    dispute: Dispute,
    directory: Directory,
    platform: str,
    configured: tuple[str, str] | None,
    *,
    installed: frozenset[str] | None = None,
) -> Spaces:
    """Each side's thread on `platform`: in the space its agency names, else in the configured channel
    (`configured`: workspace or tenant, channel) when the agency is on that workspace; else none.
    The configured channel always has a thread too.

    `installed`: the workspaces Parley can post in on this platform (Slack: the one its token is
    for); None when it can post in any (Teams). A space named in another workspace gets no thread,
    and that side follows the configured channel as if it had named none."""
    default = Space(configured[0], configured[1], configured[0]) if configured and configured[0] and configured[1] else None
    of_agency: dict[str, Space] = {}
    for agency_id in sides(dispute):
        agency = directory.agencies.get(agency_id)
        named = (agency.slack_space if platform == "slack" else agency.teams_space) if agency else None
        if named is not None and (installed is None or named[0] in installed):
            same = default is not None and (default.workspace, default.channel) == named
            of_agency[agency_id] = default if same and default else Space(named[0], named[1], f"{named[0]}/{named[1]}")
        elif default is not None and directory.has_people_on(agency_id, platform, default.workspace):
            of_agency[agency_id] = default
    # Parley's configured channel keeps its thread (partnership staff, and anyone without a side's space, follow it there)
    threads = tuple(dict.fromkeys([*([default] if default else []), *of_agency.values()]))
    return Spaces(threads=threads, of_agency=of_agency, configured=default)


def side_agencies(dispute: Dispute, person_id: str) -> tuple[str, ...]:
    """The agencies this person acts for in this dispute, most specific first."""
    routed = [a.agency for a in dispute.routing.assignees if a.person_id == person_id]
    raiser = [dispute.raiser.agency] if dispute.raiser.person_id == person_id else []
    other = [dispute.other.agency] if dispute.other.person_id == person_id else []
    return tuple(dict.fromkeys(routed + raiser + other))


@dataclass(frozen=True)
class LearningPlan:
    key: str  # names this answer in every message's key
    channels: bool  # post the summary to the policy's learning channel on each platform that has one
    direct: tuple[Direct, ...]


def learning_told(event: LearningGiven, policy: Policy, directory: Directory) -> LearningPlan:
    """Who hears of one learning answer: the policy's learning channel, the holders of its learning role and
    of the roles it names (a summary), and, when the procedure was unclear, the holders of its owner role."""
    routing = policy.learning
    key = f"learning:{event.actor}"
    told = [r for r in dict.fromkeys((policy.learning_to, *routing.tell)) if r]
    direct = [Direct(p.id, Tell.LEARNING_SUMMARY, f"{key}:summary:{p.id}") for role in told for p in directory.holders(PARTNERSHIP, role)]
    if event.procedure_unclear and routing.procedure_owner:
        direct += [Direct(p.id, Tell.PROCEDURE_UNCLEAR, f"{key}:unclear:{p.id}") for p in directory.holders(PARTNERSHIP, routing.procedure_owner)]
    unique = {d.key: d for d in direct}
    return LearningPlan(key, bool(routing.slack_channel or routing.teams_channel), tuple(unique.values()))
