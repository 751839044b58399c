"""What a click or a submitted form on a dispute does, once for every platform.

Slack and Teams translate their payloads into a `Press` or a `Submission`, call `press` or
`submit`, and render the `Result`: a form to show, a refusal, field errors, or what was done.
Nothing here speaks a platform. The rules themselves are the core's (`bot.permissions.may`, the
use cases in `bot.moves`); this module is the orchestration around them that both platforms
used to repeat: read the dispute, apply the one stale-view rule, pick the use case from `MOVES`
(handlers/move_table.py), and word every refusal through messages/.

A new action (say "Export record") is one `MoveSpec` entry in handlers/move_table.py plus one renderer
per platform.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import learning
from bot.directory import Directory
from bot.dispute import Dispute, Status
from bot.errors import DisputeNotFound, InvalidInput, Refused, StaleAction
from bot.permissions import Intent, Refusal, may_do
from bot.policy import Policy
from bot.record import RecordEntry, changes_since
from handlers.move_table import MOVES, Env, Input, MoveSpec, Press, Submission
from messages import replies
from messages.problems import text_problem, word_errors
from messages.record import record_text
from messages.text import DisputeView, dispute_view, proposal_token

__all__ = [
    "MOVES", "Done", "Env", "FieldErrors", "Form", "Input", "MoveSpec", "Press", "Result", "Submission", "Told",
    "check_fields", "next_stage_name", "place_errors", "press", "submit",
]  # fmt: skip


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


def _learning_refusal(env: Env, seen: _Seen, person_id: str) -> Refusal | None:
    """The learning form is for the people who confirmed or closed it, each once."""
    from storage.learning import BoardUnitOfWork

    refusal = learning.may_answer(seen.dispute, seen.entries, person_id)
    if refusal is not None:
        return refusal
    with BoardUnitOfWork(env.uow().session_factory) as uow:  # type: ignore[attr-defined]
        answered = uow.learning.answered(seen.dispute.id, person_id)
    return learning.AlreadyAnswered(seen.dispute.status.value).refusal if answered else None


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
