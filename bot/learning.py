"""Learning from a finished disagreement: what the people who confirmed or closed it say.

The answers are kept for the Board (themes and yes/no answers are counted in its report, the text
goes to the learning group) and put on the dispute's record. Asking for them in chat belongs to
the front ends; this module checks and records an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol, Self

from bot.directory import Directory
from bot.dispute import MAX_TEXT, Dispute, Status
from bot.errors import Code, IllegalTransition, InvalidInput, NotAllowed, problem
from bot.events import DisputeClosedUnresolved, Event
from bot.outbox import OutgoingMessage
from bot.permissions import Refusal, Who, Why
from bot.record import RecordEntry

# The fixed list people choose themes from. Stored and counted by these exact words, so a theme is
# only ever added to the end, never renamed: renaming would split its count in the Board's report.
THEMES: tuple[str, ...] = (
    "Thresholds and criteria",
    "Information sharing",
    "Communication between agencies",
    "Roles and responsibilities",
    "Timeliness of response",
    "Assessment and planning",
    "Escalation procedure",
    "Supervision and management oversight",
    "Recording",
    "Voice of the child",
    "Other",
)

FINISHED = (Status.RESOLVED, Status.CLOSED_UNRESOLVED)


@dataclass(frozen=True)
class LearningGiven(Event):
    """Someone who confirmed or closed the disagreement said what can be learned from it."""

    learning_points: str
    debrief_wanted: bool
    procedure_unclear: bool
    themes: tuple[str, ...]
    kind: ClassVar[str] = "learning points given"


@dataclass(frozen=True)
class LearningAnswer:
    dispute_id: str
    person_id: str | None  # None once the dispute is anonymised
    learning_points: str
    debrief_wanted: bool
    procedure_unclear: bool
    themes: tuple[str, ...]
    answered_at: datetime


@dataclass(frozen=True)
class GiveLearning:
    dispute_id: str
    by: str
    learning_points: str = ""
    debrief_wanted: bool = False
    procedure_unclear: bool = False
    themes: tuple[str, ...] = ()
    idempotency_key: str | None = None  # the same key twice gives one answer (a replayed form)


@dataclass(frozen=True)
class CaseReviewPrompted(Event):
    """Closing unresolved, the closer was asked to consider a multi-agency case review (the policy says so)."""

    kind: ClassVar[str] = "case review prompted"


ACTION = "give learning points for it"


class AlreadyAnswered(IllegalTransition):
    """This person has given their learning points for this dispute already (messages/ words it kindly)."""

    def __init__(self, status: str = "finished") -> None:
        super().__init__(Refusal(ACTION, status, why=Why.ANSWERED))


# --- ports --------------------------------------------------------------------------------------


class LearningRepository(Protocol):
    def add(self, answer: LearningAnswer) -> None: ...
    def answered(self, dispute_id: str, person_id: str) -> bool: ...
    def for_dispute(self, dispute_id: str) -> list[LearningAnswer]: ...


class LearningDisputes(Protocol):
    def get(self, dispute_id: str) -> Dispute: ...
    def record(self, dispute_id: str) -> list[RecordEntry]: ...
    def append_aside(self, dispute: Dispute) -> None: ...


class LearningDirectory(Protocol):
    def load(self) -> Directory: ...


class LearningOutbox(Protocol):
    def add(self, messages: Sequence[OutgoingMessage], now: datetime) -> None: ...


class LearningSubmissions(Protocol):
    """The keys of forms already kept, so a replayed submission is kept once."""

    def seen(self, key: str) -> bool: ...
    def add(self, key: str, dispute_id: str, now: datetime) -> None: ...


class LearningUnitOfWork(Protocol):
    """What give_learning needs of a transaction: only these parts of the shared unit of work."""

    disputes: LearningDisputes
    learning: LearningRepository
    directory: LearningDirectory
    outbox: LearningOutbox
    submissions: LearningSubmissions

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


# --- the core -----------------------------------------------------------------------------------


def who_may_answer(dispute: Dispute, entries: Sequence[RecordEntry]) -> frozenset[str]:
    """The people asked for learning: those who confirmed the outcome, or who closed it unresolved."""
    if dispute.status is Status.RESOLVED:
        return frozenset(c.by for c in dispute.confirmations)
    if dispute.status is Status.CLOSED_UNRESOLVED:
        return frozenset(e.actor for e in entries if e.kind == DisputeClosedUnresolved.kind and e.actor)
    return frozenset()


def may_answer(dispute: Dispute, entries: Sequence[RecordEntry], person_id: str) -> Refusal | None:
    """None when this person is asked for learning on this dispute now; else why not, or who is."""
    if dispute.status not in FINISHED:
        return Refusal(ACTION, dispute.status.value, why=Why.STATUS)
    allowed = who_may_answer(dispute, entries)
    if person_id not in allowed:
        return Refusal(ACTION, dispute.status.value, who=Who.FINISHERS, people=tuple(sorted(allowed)))
    return None


def check_themes(themes: Sequence[str]) -> tuple[str, ...]:
    """The chosen themes in the fixed list's order, each once; InvalidInput for one not on the list."""
    unknown = [t for t in themes if t not in THEMES]
    if unknown:
        raise InvalidInput({"themes": problem(Code.NOT_LISTED, listed="themes", value=unknown[0])})
    return tuple(t for t in THEMES if t in set(themes))


def learning_given(dispute: Dispute, cmd: GiveLearning, *, allowed: frozenset[str], now: datetime) -> LearningGiven:
    """Check an answer and return the event that puts it on the record; raise and change nothing if it is refused."""
    if dispute.status not in FINISHED:
        raise IllegalTransition(Refusal(ACTION, dispute.status.value, why=Why.STATUS))
    if cmd.by not in allowed:
        raise NotAllowed(Refusal(ACTION, dispute.status.value, who=Who.FINISHERS, people=tuple(sorted(allowed))))
    points = (cmd.learning_points or "").strip()
    if len(points) > MAX_TEXT:
        raise InvalidInput({"learning_points": problem(Code.TOO_LONG, limit=MAX_TEXT, length=len(points))})
    themes = check_themes(cmd.themes)
    return LearningGiven(
        dispute.id,
        now,
        cmd.by,
        learning_points=points,
        debrief_wanted=cmd.debrief_wanted,
        procedure_unclear=cmd.procedure_unclear,
        themes=themes,
    )


# --- the use case -------------------------------------------------------------------------------


class LearningNotifier(Protocol):
    def learning_for(self, dispute: Dispute, event: LearningGiven, directory: Directory) -> list[OutgoingMessage]: ...


def give_learning(
    cmd: GiveLearning, *, uow: LearningUnitOfWork, now: datetime, notifier: LearningNotifier | None = None
) -> LearningGiven | None:
    """Keep one person's learning answer for a finished disagreement, once, and put it on the record;
    with a notifier, queue its summary where the policy says in the same transaction. None: a replay
    of a submission already kept (its key was seen)."""
    with uow:
        dispute = uow.disputes.get(cmd.dispute_id)
        if cmd.idempotency_key and uow.submissions.seen(cmd.idempotency_key):
            return None
        if uow.learning.answered(dispute.id, cmd.by):
            raise AlreadyAnswered(dispute.status.value)
        event = learning_given(dispute, cmd, allowed=who_may_answer(dispute, uow.disputes.record(dispute.id)), now=now)
        uow.learning.add(
            LearningAnswer(
                dispute_id=dispute.id,
                person_id=cmd.by,
                learning_points=event.learning_points,
                debrief_wanted=event.debrief_wanted,
                procedure_unclear=event.procedure_unclear,
                themes=event.themes,
                answered_at=now,
            )
        )
        dispute.events.append(event)
        uow.disputes.append_aside(dispute)
        if notifier is not None:
            uow.outbox.add(notifier.learning_for(dispute, event, uow.directory.load()), now)
        if cmd.idempotency_key:
            uow.submissions.add(cmd.idempotency_key, dispute.id, now)
        uow.commit()
        return event
