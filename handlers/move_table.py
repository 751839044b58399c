"""The table from a pressed button or a submitted form to its use case, once for every platform.

Each `MoveSpec` says which inputs a move's form has (with their limits), which use case in
bot.moves makes it, whether it depends on the state the person saw, and what the person is
told when it is done. handlers.interaction reads the table; Slack and Teams build their forms
from `MOVES[intent].inputs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import learning, moves, ports
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import MAX_REASON, MAX_TEXT, STATEMENT_MAX, Dispute
from bot.intake import YES
from bot.outbox import Notifier
from bot.permissions import Intent
from bot.policy import Policy
from messages import learning as learning_words, replies

if TYPE_CHECKING:
    from handlers.interaction import Told


@dataclass(frozen=True)
class Env:
    """What the layer needs from a platform's wiring."""

    uow: Callable[[], ports.UnitOfWork]
    policy: Policy
    calendar: WorkingCalendar
    notifier: Notifier
    directory: Callable[[], Directory]


@dataclass(frozen=True)
class Press:
    """A button pressed on a dispute's message or card."""

    intent: Intent
    dispute_id: str
    person_id: str
    version: int | None = None  # the dispute's version the message showed
    proposal: str | None = None  # the proposal a Confirm / Not agreed answers (its token)
    stage: int | None = None  # the stage number the message showed
    channel: str = ""  # the platform ("slack", "teams"), for the record's access log


@dataclass(frozen=True)
class Submission:
    """A form on a dispute, sent back with what the person typed."""

    intent: Intent
    dispute_id: str
    person_id: str
    fields: Mapping[str, str]
    seq: int | None = None  # the last record entry when the form was opened (None: it didn't say; the core's rules decide)
    proposal: str | None = None
    key: str | None = None  # this submission's idempotency key: the same key twice makes one move


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    name: str
    limit: int = MAX_TEXT
    required: bool = True


RunMove = Callable[[Env, Submission, Dispute, datetime], moves.Outcome]


@dataclass(frozen=True)
class MoveSpec:
    inputs: tuple[Input, ...] = ()
    run: RunMove | None = None
    decision: bool = False  # depends on the state the person saw: a press on an older message is refused
    answers_proposal: bool = False  # carries the proposal it answers instead of a version
    done: Callable[[Dispute, Dispute, str], str] = field(default=lambda before, after, by: "")
    refused: Callable[[Env, Press, datetime], Told] | None = None  # a refusal that is itself kept (Export's access log)


def _common(sub: Submission, dispute: Dispute, *, versioned: bool = True) -> dict[str, Any]:
    expected = dispute.version if versioned else None
    return {"dispute_id": dispute.id, "by": sub.person_id, "expected_version": expected, "idempotency_key": sub.key}


def _note(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.AddNote(**_common(sub, d, versioned=False), text=sub.fields["note"])
    return moves.add_note(cmd, uow=env.uow(), now=now, notifier=env.notifier)


def _resolve(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.ProposeResolution(
        **_common(sub, d),
        agreed_outcome=sub.fields["agreed_outcome"],
        outstanding_issues=sub.fields.get("outstanding_issues", ""),
        learning_points=sub.fields.get("learning_points", ""),
    )
    return moves.propose_resolution(cmd, uow=env.uow(), now=now, notifier=env.notifier)


def _escalate(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.Escalate(**_common(sub, d), reason=sub.fields["reason"])
    return moves.escalate(cmd, uow=env.uow(), policy=env.policy, calendar=env.calendar, now=now, notifier=env.notifier)


def _withdraw(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.Withdraw(**_common(sub, d), reason=sub.fields["reason"])
    return moves.withdraw(cmd, uow=env.uow(), now=now, notifier=env.notifier)


def _close(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.CloseUnresolved(**_common(sub, d), reason=sub.fields["reason"])
    return moves.close_unresolved(cmd, uow=env.uow(), policy=env.policy, now=now, notifier=env.notifier)


def _confirm(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.ConfirmResolution(**_common(sub, d), statement=sub.fields.get("statement", ""))
    return moves.confirm_resolution(cmd, uow=env.uow(), policy=env.policy, now=now, notifier=env.notifier)


def _reject(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    cmd = moves.RejectResolution(**_common(sub, d), reason=sub.fields["reason"])
    return moves.reject_resolution(cmd, uow=env.uow(), now=now, notifier=env.notifier)


def _learn(env: Env, sub: Submission, d: Dispute, now: datetime) -> moves.Outcome:
    from storage.learning import BoardUnitOfWork  # the learning answers sit beside the disputes

    f = sub.fields
    cmd = learning.GiveLearning(
        d.id,
        sub.person_id,
        learning_points=f.get("learning_points", ""),
        debrief_wanted=f.get("debrief") == YES,
        procedure_unclear=f.get("unclear") == YES,
        themes=tuple(t.strip() for t in f.get("themes", "").replace(",", "\n").split("\n") if t.strip()),  # Slack: a line each; Teams: commas
        idempotency_key=sub.key,
    )
    notifier = env.notifier if hasattr(env.notifier, "learning_for") else None
    event = learning.give_learning(cmd, uow=BoardUnitOfWork(env.uow().session_factory), now=now, notifier=notifier)  # type: ignore[attr-defined]
    return moves.Outcome(d, [event] if event else [])


def _export_refused(env: Env, p: Press, now: datetime) -> Told:
    from handlers.chat_files import log_refused_press  # it builds on this module's types

    return log_refused_press(env, p, now, p.channel)


MOVES: dict[Intent, MoveSpec] = {
    Intent.ADD_NOTE: MoveSpec((Input("note"),), _note, done=lambda b, a, by: replies.DONE_NOTE),
    Intent.RESOLVE: MoveSpec(
        (Input("agreed_outcome"), Input("outstanding_issues", required=False), Input("learning_points", required=False)),
        _resolve,
        decision=True,
        done=lambda b, a, by: replies.done_proposed(a, by),
    ),
    Intent.ESCALATE: MoveSpec((Input("reason", MAX_REASON),), _escalate, decision=True, done=lambda b, a, by: replies.DONE_ESCALATED),
    Intent.WITHDRAW: MoveSpec((Input("reason", MAX_REASON),), _withdraw, decision=True, done=lambda b, a, by: replies.DONE_WITHDRAWN),
    Intent.CLOSE_UNRESOLVED: MoveSpec(
        (Input("reason", MAX_REASON),), _close, decision=True, done=lambda b, a, by: replies.DONE_CLOSED
    ),
    Intent.CONFIRM: MoveSpec(
        (Input("statement", STATEMENT_MAX),), _confirm, answers_proposal=True, done=lambda b, a, by: replies.done_confirmed(a)
    ),
    Intent.NOT_AGREED: MoveSpec((Input("reason", MAX_REASON),), _reject, answers_proposal=True, done=lambda b, a, by: replies.done_rejected(a)),
    Intent.VIEW_RECORD: MoveSpec(),
    Intent.GIVE_LEARNING: MoveSpec(
        (Input("learning_points", required=False), Input("debrief", 3, False), Input("unclear", 3, False), Input("themes", 2000, False)),
        _learn,
        done=lambda b, a, by: learning_words.DONE,
    ),
    Intent.EXPORT_RECORD: MoveSpec((Input("format", required=False),), refused=_export_refused),
}
