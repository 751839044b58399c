"""What a click or a submitted form on a dispute does, once for every platform.

Slack and Teams translate their payloads into a `Press` or a `Submission`, call `press` or
`submit`, and render the `Result`: a form to show, a refusal, field errors, or what was done.
Nothing here speaks a platform. The rules themselves are the core's (`bot.permissions.may`, the
use cases in `bot.moves`); this module is the orchestration around them that both platforms
used to repeat: read the dispute, apply the one stale-view rule, pick the use case from `MOVES`,
and word every refusal through messages/.

A new action (say "Export record") is one `MoveSpec` entry here plus one renderer per platform.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot import learning, moves, ports
from bot.calendar import WorkingCalendar
from bot.directory import Directory
from bot.dispute import MAX_REASON, MAX_TEXT, STATEMENT_MAX, Dispute, Status
from bot.errors import DisputeNotFound, InvalidInput, Refused, StaleAction
from bot.intake import YES
from bot.outbox import Notifier
from bot.permissions import Intent, Refusal, may_do
from bot.policy import Policy
from bot.record import RecordEntry, changes_since
from messages import learning as learning_words
from messages import replies
from messages.problems import text_problem, word_errors
from messages.record import record_text
from messages.text import DisputeView, dispute_view, proposal_token


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


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """Show this form (or, for View record, the record) to the person who pressed."""

    intent: Intent
    view: DisputeView
    metadata: dict[str, Any]  # what the form carries back: dispute id, version, seq, proposal
    next_stage: str = ""
    record: str = ""


@dataclass(frozen=True)
class Told:
    """A refusal for the person; `current` is the dispute as it is now when what they used was out of date."""

    text: str
    current: DisputeView | None = None


@dataclass(frozen=True)
class FieldErrors:
    errors: dict[str, str]  # by field name (the same names on both platforms)
    view: DisputeView | None = None
    next_stage: str = ""


@dataclass(frozen=True)
class Done:
    """The move was made: `text` is for the person, `view` the dispute now."""

    text: str
    view: DisputeView
    changed: bool = True


Result = Form | Told | FieldErrors | Done


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


def _learning_refusal(env: Env, seen: _Seen, person_id: str) -> Refusal | None:
    """The learning form is for the people who confirmed or closed it, each once."""
    from storage.learning import BoardUnitOfWork

    refusal = learning.may_answer(seen.dispute, seen.entries, person_id)
    if refusal is not None:
        return refusal
    with BoardUnitOfWork(env.uow().session_factory) as uow:  # type: ignore[attr-defined]
        answered = uow.learning.answered(seen.dispute.id, person_id)
    return learning.AlreadyAnswered(seen.dispute.status.value).refusal if answered else None


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
    Intent.EXPORT_RECORD: MoveSpec((Input("format", required=False),), refused=lambda env, p, now: _export_refused(env, p, now)),
}


def _export_refused(env: Env, p: Press, now: datetime) -> Told:
    from handlers.chat_files import log_refused_press  # it builds on this module's types

    return log_refused_press(env, p, now, p.channel)


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Seen:
    dispute: Dispute
    directory: Directory
    entries: list[RecordEntry]

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0


def _read(env: Env, dispute_id: str) -> _Seen | Told:
    directory = env.directory()
    with env.uow() as uow:
        try:
            dispute = uow.disputes.get(dispute_id)
        except DisputeNotFound:
            return Told(replies.NO_SUCH_DISPUTE)
        entries = uow.disputes.record(dispute_id)
    return _Seen(dispute, directory, entries)


def _view(env: Env, seen: _Seen, dispute: Dispute | None = None) -> DisputeView:
    return dispute_view(dispute or seen.dispute, seen.directory, env.policy)


def _out_of_date(env: Env, seen: _Seen, person_id: str, text: str) -> Told:
    """Say who did what; the current dispute goes with it only to someone who may see it."""
    readable = may_do(seen.dispute, Intent.VIEW_RECORD, by=person_id, policy=env.policy, directory=seen.directory) is None
    return Told(text, _view(env, seen)) if readable else Told(replies.RECORD_ONLY_INVOLVED)


def _proposal_stale(dispute: Dispute, token: str | None) -> bool:
    return dispute.status is not Status.AWAITING_CONFIRMATION or dispute.proposal is None or proposal_token(dispute.proposal.at) != token


def _moved_on(dispute: Dispute, p: Press) -> bool:
    """A decision's button is out of date once the dispute changed since it was shown, unless it is
    open again at the same stage (a proposal fell): then the button means what it meant."""
    if p.version is None or p.version == dispute.version:
        return False
    return not (p.stage == dispute.stage_index + 1 and dispute.status is Status.OPEN)


def next_stage_name(dispute: Dispute, policy: Policy) -> str:
    """The stage an escalation goes to ('' at the last stage, where nobody may escalate)."""
    nxt = dispute.stage_index + 1
    return policy.stages[nxt].name if nxt <= policy.last_index else ""


# --- a press --------------------------------------------------------------------------------------


def press(env: Env, p: Press, now: datetime) -> Form | Told:
    """Check a button press; the form to show, or why not."""
    spec = MOVES.get(p.intent)
    if spec is None:
        return Told(replies.UNKNOWN_BUTTON)
    seen = _read(env, p.dispute_id)
    if isinstance(seen, Told):
        return seen
    stale = _proposal_stale(seen.dispute, p.proposal) if spec.answers_proposal else spec.decision and _moved_on(seen.dispute, p)
    if stale:
        return _out_of_date(env, seen, p.person_id, replies.stale_text(seen.entries, seen.directory, now))
    if p.intent is Intent.GIVE_LEARNING:
        refusal = _learning_refusal(env, seen, p.person_id)
    else:
        refusal = may_do(seen.dispute, p.intent, by=p.person_id, policy=env.policy, directory=seen.directory)
    if refusal is not None:
        if spec.refused is not None:
            return spec.refused(env, p, now)
        return Told(replies.refusal_text(refusal, seen.directory))
    meta: dict[str, Any] = {"dispute_id": seen.dispute.id, "version": seen.dispute.version, "seq": seen.last_seq}
    if p.intent is Intent.GIVE_LEARNING:
        del meta["seq"]  # other people's answers come in meanwhile; each person answers once
    if spec.answers_proposal:
        meta["proposal"] = p.proposal
    view = _view(env, seen)
    if p.intent is Intent.VIEW_RECORD:
        text = record_text(seen.dispute, seen.entries, directory=seen.directory, policy=env.policy)
        return Form(p.intent, view, meta, record=text)
    return Form(p.intent, view, meta, next_stage=next_stage_name(seen.dispute, env.policy))


# --- a submission ---------------------------------------------------------------------------------


def check_fields(intent: Intent, fields: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The form's fields, trimmed, and the errors to show beside them (by field name)."""
    spec = MOVES[intent]
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in spec.inputs:
        raw = fields.get(item.name)
        text = raw.strip() if isinstance(raw, str) else ""
        values[item.name] = text
        if problem := text_problem(text, limit=item.limit, required=item.required):
            errors[item.name] = problem
    return values, errors


def submit(env: Env, sub: Submission, now: datetime) -> Result:
    """Make the move a form asks for, with the one stale-view rule: any move since the form was opened
    (someone else's note is not one) refuses it. A form that doesn't say when it was opened is left to
    the core's own rules (who may, in which state)."""
    spec = MOVES.get(sub.intent)
    if spec is None or spec.run is None:
        return Told(replies.UNKNOWN_BUTTON)
    values, errors = check_fields(sub.intent, sub.fields)
    seen = _read(env, sub.dispute_id)
    if isinstance(seen, Told):
        return seen
    if errors:
        return FieldErrors(errors, _view(env, seen), next_stage_name(seen.dispute, env.policy))
    if spec.answers_proposal:
        if _proposal_stale(seen.dispute, sub.proposal) and not _replayed(env, sub):
            return _out_of_date(env, seen, sub.person_id, replies.stale_text(seen.entries, seen.directory, now))
    elif sub.seq is not None and changes_since(seen.entries, sub.seq) and not _replayed(env, sub):
        return _out_of_date(env, seen, sub.person_id, replies.stale_text(seen.entries, seen.directory, now, after=sub.seq or 0))
    sub = Submission(sub.intent, sub.dispute_id, sub.person_id, values, sub.seq, sub.proposal, sub.key)
    try:
        outcome = spec.run(env, sub, seen.dispute, now)
    except InvalidInput as exc:
        return FieldErrors(word_errors(exc.errors), _view(env, seen), next_stage_name(seen.dispute, env.policy))
    except StaleAction as exc:
        return _out_of_date(env, seen, sub.person_id, replies.already_done(exc.by, exc.what, exc.at, today=now))
    except Refused as exc:
        return Told(replies.refusal(exc, seen.directory))
    text = spec.done(seen.dispute, outcome.dispute, sub.person_id)
    return Done(text, _view(env, seen, outcome.dispute), changed=bool(outcome.events))


def _replayed(env: Env, sub: Submission) -> bool:
    """The same submission came before (a retried request): answer it as done, not as out of date."""
    if not sub.key:
        return False
    with env.uow() as uow:
        return uow.submissions.seen(sub.key)


# The core's InvalidInput names fields by what they are; both platforms name their inputs the same way,
# except these.
FIELD_ALIASES = {"other_party": "other_person"}


def place_errors(errors: Mapping[str, str], present: Collection[str], fallback: str) -> dict[str, str]:
    """The core's field errors on the inputs this form has; any other goes beside `fallback`."""
    out: dict[str, str] = {}
    for name, message in errors.items():
        where = FIELD_ALIASES.get(name, name)
        if where not in present:
            where = fallback
        out[where] = f"{out[where]} {message}" if where in out else message
    return out
