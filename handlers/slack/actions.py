"""The buttons on a dispute (Resolve, Escalate, Add note, View record, Withdraw, Close unresolved;
Confirm, Not agreed) and their forms.

A click is checked before anything opens: the person must be in the directory, the message must
not be out of date (someone else acted since), and the policy must let them do it. Anything else
gets a private explanation and nothing changes. The use case checks it all again when the form
is submitted, with the version the person was looking at.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import dispute as transitions
from bot import services
from bot.directory import Directory
from bot.dispute import MAX_REASON, MAX_TEXT, Action, Dispute
from bot.errors import DisputeNotFound, IllegalTransition, InvalidInput, NotAllowed, StaleAction
from bot.record import RecordEntry, changes_since
from handlers.slack.deps import SlackDeps, person_for, team_of, user_of
from handlers.slack.forms import check_text, field_errors, value
from messages import slack as blocks
from messages.record import record_text
from messages.slack import ActionId, Field, ViewId, parse_button_value, parse_proposal_value, proposal_token
from messages.text import already_done, dispute_view, not_in_directory, refusal, stale_text, when

# Buttons that open a form (or, for View record, the record)
FORMS = (
    ActionId.RESOLVE,
    ActionId.ESCALATE,
    ActionId.ADD_NOTE,
    ActionId.VIEW_RECORD,
    ActionId.NOT_AGREED,
    ActionId.WITHDRAW,
    ActionId.CLOSE_UNRESOLVED,
)
# Moves whose sense depends on the state the person saw: a click on an older message is refused.
# (A note or the record doesn't depend on it.)
DECISIONS = frozenset({ActionId.RESOLVE, ActionId.ESCALATE, ActionId.WITHDRAW, ActionId.CLOSE_UNRESOLVED})


@dataclass(frozen=True)
class Refused:
    text: str


@dataclass(frozen=True)
class Ready:
    person_id: str
    dispute: Dispute
    directory: Directory
    entries: list[RecordEntry]

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for action in FORMS:
        app.action(action.value)(deps.inflight.track(_open_form(deps, action)))
    app.action(ActionId.CONFIRM.value)(deps.inflight.track(_confirm(deps)))
    for view_id in (ViewId.RESOLVE, ViewId.ESCALATE, ViewId.ADD_NOTE, ViewId.NOT_AGREED, ViewId.WITHDRAW, ViewId.CLOSE_UNRESOLVED):
        app.view_submission(view_id.value)(deps.inflight.track(_submit(deps, view_id)))


# --- what the record says happened -------------------------------------------------------------


def _read(deps: SlackDeps, team: str, user: str, dispute_id: str) -> Ready | Refused:
    directory = deps.directories.get()
    person = person_for(directory, team, user)
    if person is None:
        return Refused(not_in_directory(directory, platform="Slack", user_id=user))
    with deps.uow() as uow:
        try:
            dispute = uow.disputes.get(dispute_id)
        except DisputeNotFound as exc:
            return Refused(str(exc))
        entries = uow.disputes.record(dispute_id)
    return Ready(person.id, dispute, directory, entries)


# The core's move behind each button that opens a form or acts (View record has its own rule).
MOVES = {
    ActionId.RESOLVE: Action.PROPOSE_RESOLUTION,
    ActionId.ESCALATE: Action.ESCALATE,
    ActionId.ADD_NOTE: Action.ADD_NOTE,
    ActionId.NOT_AGREED: Action.REJECT_RESOLUTION,
    ActionId.WITHDRAW: Action.WITHDRAW,
    ActionId.CLOSE_UNRESOLVED: Action.CLOSE_UNRESOLVED,
}


def _may(deps: SlackDeps, action: ActionId, ready: Ready, now: datetime) -> str | None:
    """Why this person may not do it, or None: the core's own rules, tried without saving anything."""
    by = ready.person_id
    try:
        if action is ActionId.VIEW_RECORD:
            if not transitions.may_see_record(ready.dispute, by, ready.directory):
                raise NotAllowed(by, "see its record", "the people involved in this disagreement")
        elif action in MOVES:
            transitions.check_move(
                ready.dispute, MOVES[action], by=by, policy=deps.policy, directory=ready.directory, calendar=deps.calendar, now=now
            )
    except (NotAllowed, IllegalTransition) as exc:
        return refusal(exc)
    return None


def _check_click(deps: SlackDeps, action: ActionId, value_: str, team: str, user: str, now: datetime) -> Ready | Refused:
    if action in (ActionId.CONFIRM, ActionId.NOT_AGREED):
        dispute_id, token = parse_proposal_value(value_)
        version = None
    else:
        dispute_id, version = parse_button_value(value_)
        token = None
    ready = _read(deps, team, user, dispute_id)
    if isinstance(ready, Refused):
        return ready
    dispute = ready.dispute
    stale = False
    if token is not None:
        stale = dispute.proposal is None or proposal_token(dispute.proposal.at) != token
    elif version is not None and action in DECISIONS:
        stale = dispute.version != version
    if stale:
        return Refused(stale_text(ready.entries, ready.directory, now, shown="message"))
    why_not = _may(deps, action, ready, now)
    if why_not:
        return Refused(why_not)
    return ready


# --- clicks ----------------------------------------------------------------------------------------


def _open_form(deps: SlackDeps, action: ActionId):  # noqa: ANN202 - a bolt listener
    async def on_click(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await deps.answers_first.wait()
        now = deps.clock()
        clicked = body["actions"][0].get("value", "")
        ready = await asyncio.to_thread(_check_click, deps, action, clicked, team_of(body), user_of(body), now)
        if isinstance(ready, Refused):
            await respond(**blocks.ephemeral(ready.text))
            return
        view = dispute_view(ready.dispute, ready.directory, deps.policy)
        metadata: dict[str, Any] = {"version": ready.dispute.version, "seq": ready.last_seq}
        match action:
            case ActionId.RESOLVE:
                modal = blocks.resolve_modal(view, metadata)
            case ActionId.ESCALATE:
                next_stage = deps.policy.stages[ready.dispute.stage_index + 1].name
                modal = blocks.escalate_modal(view, metadata, next_stage=next_stage)
            case ActionId.ADD_NOTE:
                modal = blocks.note_modal(view, metadata)
            case ActionId.NOT_AGREED:
                modal = blocks.not_agreed_modal(view, {**metadata, "response_url": body.get("response_url", "")})
            case ActionId.WITHDRAW:
                modal = blocks.withdraw_modal(view, metadata)
            case ActionId.CLOSE_UNRESOLVED:
                modal = blocks.close_unresolved_modal(view, metadata)
            case _:
                text = record_text(ready.dispute, ready.entries, directory=ready.directory, policy=deps.policy)
                modal = blocks.record_modal(view, text)
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    return on_click


def _confirm(deps: SlackDeps):  # noqa: ANN202 - a bolt listener
    async def on_confirm(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await deps.answers_first.wait()
        now = deps.clock()
        clicked = body["actions"][0].get("value", "")
        result = await asyncio.to_thread(_confirm_it, deps, clicked, team_of(body), user_of(body), now)
        if isinstance(result, Refused):
            await respond(**blocks.ephemeral(result.text))
            return
        await respond(**blocks.replaced(result))
        deps.delivered_soon()

    return on_confirm


def _confirm_it(deps: SlackDeps, clicked: str, team: str, user: str, now: datetime) -> str | Refused:
    ready = _check_click(deps, ActionId.CONFIRM, clicked, team, user, now)
    if isinstance(ready, Refused):
        return ready
    try:
        outcome = services.confirm_resolution(
            services.ConfirmResolution(dispute_id=ready.dispute.id, by=ready.person_id, expected_version=ready.dispute.version),
            uow=deps.uow(),
            policy=deps.policy,
            now=now,
            notifier=deps.notifier,
        )
    except StaleAction as exc:
        return Refused(already_done(exc.by, exc.what, exc.at, today=now))
    except (NotAllowed, IllegalTransition) as exc:
        return Refused(refusal(exc))
    resolved = not outcome.dispute.status.is_active
    tail = " Both sides have now confirmed: it is resolved." if resolved else ""
    return f"You confirmed the agreed outcome for case {outcome.dispute.reference} at {when(now)}. It's on the record.{tail}"


# --- form submissions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    text: str = ""


def _submit(deps: SlackDeps, view_id: ViewId):  # noqa: ANN202 - a bolt listener
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        errors: dict[str, str] = {}
        fields = _fields(view_id, values, errors)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        meta = json.loads(view.get("private_metadata") or "{}")
        now = deps.clock()
        result = await asyncio.to_thread(_move, deps, view_id, meta, fields, team_of(body), user_of(body), now)
        match result:
            case dict() as core_errors:
                await ack(response_action="errors", errors=field_errors(core_errors, view, _main_field(view_id)))
            case Refused(text):
                await ack(response_action="update", view=blocks.message_modal("Nothing changed", text))
            case Done(text):
                await ack()
                deps.delivered_soon()
                if text and meta.get("response_url"):
                    # take the buttons off the DM that asked for confirmation
                    await AsyncWebhookClient(meta["response_url"]).send_dict(blocks.replaced(text))

    return on_submit


def _main_field(view_id: ViewId) -> Field:
    return {ViewId.RESOLVE: Field.AGREED_OUTCOME, ViewId.ADD_NOTE: Field.NOTE}.get(view_id, Field.REASON)


def _fields(view_id: ViewId, values: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    match view_id:
        case ViewId.RESOLVE:
            fields = {f: value(values, f) for f in (Field.AGREED_OUTCOME, Field.OUTSTANDING_ISSUES, Field.LEARNING_POINTS)}
            check_text(errors, Field.AGREED_OUTCOME, fields[Field.AGREED_OUTCOME])
            check_text(errors, Field.OUTSTANDING_ISSUES, fields[Field.OUTSTANDING_ISSUES], required=False)
            check_text(errors, Field.LEARNING_POINTS, fields[Field.LEARNING_POINTS], required=False)
        case ViewId.ADD_NOTE:
            fields = {Field.NOTE: value(values, Field.NOTE)}
            check_text(errors, Field.NOTE, fields[Field.NOTE], limit=MAX_TEXT)
        case _:
            fields = {Field.REASON: value(values, Field.REASON)}
            check_text(errors, Field.REASON, fields[Field.REASON], limit=MAX_REASON)
    return {f.value: v for f, v in fields.items()}


def _move(
    deps: SlackDeps, view_id: ViewId, meta: dict[str, Any], fields: dict[str, str], team: str, user: str, now: datetime
) -> Done | Refused | dict[str, str]:
    ready = _read(deps, team, user, str(meta.get("dispute_id", "")))
    if isinstance(ready, Refused):
        return ready
    # Someone else's note while this form was open is no reason to refuse it; anything else is.
    since = int(meta.get("seq", 0))
    changed = changes_since(ready.entries, since)
    if changed:
        return Refused(stale_text(ready.entries, ready.directory, now, after=since, shown="message"))
    common = {"dispute_id": ready.dispute.id, "by": ready.person_id, "expected_version": ready.dispute.version}
    run: Callable[[], services.Outcome]
    done = ""
    match view_id:
        case ViewId.RESOLVE:
            cmd = services.ProposeResolution(**common, **fields)
            run = lambda: services.propose_resolution(cmd, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
        case ViewId.ESCALATE:
            esc_cmd = services.Escalate(**common, reason=fields["reason"])
            run = lambda: services.escalate(  # noqa: E731
                esc_cmd, uow=deps.uow(), policy=deps.policy, calendar=deps.calendar, now=now, notifier=deps.notifier
            )
        case ViewId.ADD_NOTE:
            note = services.AddNote(**{**common, "expected_version": None}, text=fields["note"])
            run = lambda: services.add_note(note, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
        case ViewId.WITHDRAW:
            withdraw = services.Withdraw(**common, reason=fields["reason"])
            run = lambda: services.withdraw(withdraw, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
        case ViewId.CLOSE_UNRESOLVED:
            close = services.CloseUnresolved(**common, reason=fields["reason"])
            run = lambda: services.close_unresolved(  # noqa: E731
                close, uow=deps.uow(), policy=deps.policy, now=now, notifier=deps.notifier
            )
        case _:
            reject = services.RejectResolution(**common, reason=fields["reason"])
            run = lambda: services.reject_resolution(reject, uow=deps.uow(), now=now, notifier=deps.notifier)  # noqa: E731
            done = f"You said the proposed resolution for case {ready.dispute.reference} is not agreed, at {when(now)}. It's on the record."
    try:
        run()
    except InvalidInput as exc:
        return dict(exc.errors)
    except StaleAction as exc:
        return Refused(already_done(exc.by, exc.what, exc.at, today=now))
    except (NotAllowed, IllegalTransition) as exc:
        return Refused(refusal(exc))
    return Done(done)
