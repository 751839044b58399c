"""The plain view of a dispute that every builder reads, built from core types only (never an ORM row or a session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.directory import Directory
from bot.dispute import OTHER, RAISER, Dispute, Status, confirmers, sides_to_confirm
from bot.permissions import Intent, root_buttons
from bot.policy import Policy
from messages import clock
from messages.words import role_name, stage_label

T = TypeVar("T")

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


# Views built while a notifier call is under way (shared_views), for the next platform's notifier to reuse
_SHARED: ContextVar[dict[tuple[Any, ...], tuple[tuple[object, ...], Any]] | None] = ContextVar("parley_shared_views", default=None)


@contextmanager
def shared_views() -> Iterator[None]:
    """While it is open, each dispute's view (and each set of names) is built once, however many platforms'
    notifiers render it: Slack's and Teams' read the same dispute, directory and policy, which nothing
    changes while they render (bot.outbox.Notifiers opens one around each call to its parts). One opened
    inside another shares the outer one's views (a new dispute's answer and its messages, on Slack and Teams)."""
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared(key: tuple[Any, ...], of: tuple[object, ...], build: Callable[[], T]) -> T:
    """`key` names the objects in `of` by id; they are kept with what was built, so no id can be another's meanwhile."""
    memo = _SHARED.get()
    if memo is None:
        return build()
    hit = memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], of, strict=True)):
        return hit[1]
    value = build()
    memo[key] = (of, value)
    return value


def dispute_view(dispute: Dispute, directory: Directory, policy: Policy, *, version: int | None = None) -> DisputeView:
    """The plain view of a dispute that every message builder reads."""
    shown = dispute.version if version is None else version  # the same view, asked for by its version or not
    return _shared(
        ("view", id(dispute), dispute.version, shown, id(directory), id(policy)),
        (dispute, directory, policy),
        lambda: _dispute_view(dispute, directory, policy, version=version),
    )


def _dispute_view(dispute: Dispute, directory: Directory, policy: Policy, *, version: int | None) -> DisputeView:
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


# Each root button's id on every platform (Slack's action id, Teams' verb)
BUTTON_IDS = {
    Intent.RESOLVE: "parley.resolve",
    Intent.ESCALATE: "parley.escalate",
    Intent.CLOSE_UNRESOLVED: "parley.close_unresolved",
    Intent.ADD_NOTE: "parley.add_note",
    Intent.VIEW_RECORD: "parley.view_record",
    Intent.WITHDRAW: "parley.withdraw",
}

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
    return _shared(("names", id(directory), id(policy), frozenset(person_ids)), (directory, policy), lambda: _names_for(directory, policy, person_ids))


def _names_for(directory: Directory, policy: Policy, person_ids: set[str]) -> Names:
    return Names(
        people={p: person_view(directory, p) for p in person_ids if p},
        stages={s.id: s.name for s in policy.stages},
        agencies={a.id: a.name for a in directory.agencies.values()},
        policy=policy,
    )


def proposal_token(at: datetime) -> str:
    """What Confirm / Not agreed carry to name the proposal they answer."""
    return f"p{int(at.timestamp() * 1000)}"
