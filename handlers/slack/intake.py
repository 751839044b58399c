"""`/disagree`: the intake modal, its directory search and its submission, `/disagree list` and `/disagree help`."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.directory import PARTNERSHIP, Directory
from bot.errors import UnknownPerson
from handlers.raising import raise_dispute
from handlers.slack.deps import PLATFORM, SlackDeps, person_for, team_of, user_of
from handlers.slack.files import on_report
from handlers.slack.forms import IntakeForm, field_errors, read_intake, value
from messages import replies, slack as blocks
from messages.replies import not_in_directory
from messages.slack import FIND_PERSON, Field, ViewId
from messages.text import DisputeView, dispute_view, shared_views

# Parley's manifest has one slash command, /disagree; a workspace where that name is taken can
# call it something else. Every command Slack sends Parley is that one, whatever it is called, and
# the request says its name, so help and replies use the name people actually type.
ANY_COMMAND = re.compile(r"^/")


@dataclass(frozen=True)
class Refused:
    """Nothing was created; say why."""

    text: str


def register(app: AsyncApp, deps: SlackDeps) -> None:
    app.command(ANY_COMMAND)(deps.inflight.track(_command(deps)))
    app.view_submission(ViewId.INTAKE.value, middleware=[deps.inflight.track(_save_first(deps))])(deps.inflight.track(_submit(deps)))
    app.options(FIND_PERSON)(deps.inflight.track(_find_person(deps)))


def _find_person(deps: SlackDeps):
    async def on_search(ack: AsyncAck, body: dict[str, Any]) -> None:
        # Answered in the ack (Slack shows nothing else), from the cached directory: no thread, no database
        # most of the time. Only people in the directory may search it: anyone else in the workspace gets nothing.
        directory = await deps.directory()
        searcher = person_for(directory, team_of(body), user_of(body))
        query = body.get("value")
        if searcher is None or not isinstance(query, str):
            await ack(options=[])
            return
        view = body.get("view")
        state = (view.get("state") or {}).get("values") if isinstance(view, dict) else None
        agency = (value(state, Field.OTHER_AGENCY) or None) if isinstance(state, dict) else None  # chosen above it, if any
        if agency is not None and agency not in directory.agencies:
            agency = None
        found = directory.find(query, agency=agency, exclude=searcher.id)
        await ack(**blocks.person_options([(p.id, p.name, tuple(map(directory.agency_name, agencies))) for p, agencies in found]))

    return on_search


def _command(deps: SlackDeps):
    async def on_disagree(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        words = (body.get("text") or "").strip()
        word = words.lower()
        command = body.get("command") or deps.command
        deps.command = command  # the App Home tab, which has no command to go by, says this one too
        if word in ("help", "?"):
            help_ = blocks.help_blocks(blocks.help_for(deps.policy, command), command=command)
            await ack(response_type="ephemeral", text="How Parley works", blocks=help_)
            return
        await ack()
        await deps.answers_first.wait()
        team, user = team_of(body), user_of(body)
        if word in ("list", "ls", "mine"):
            found = await asyncio.to_thread(my_disputes, deps, team, user)
            if isinstance(found, Refused):
                await respond(**blocks.ephemeral(found.text))
            else:
                person_id, views = found
                await respond(**_ephemeral_blocks(blocks.dispute_list(views, me=person_id, command=command), "Your open disagreements"))
            return
        if word.split()[:1] == ["report"]:
            await on_report(deps, words.split(None, 1)[1] if " " in words else "", body, client, respond)
            return
        if words:
            help_ = blocks.help_blocks(blocks.help_for(deps.policy, command), command=command, unknown=words)
            await respond(**_ephemeral_blocks(help_, "How Parley works"))
            return
        form = _intake_form(deps, await deps.directory(), team, user)
        if isinstance(form, Refused):
            await respond(**blocks.ephemeral(form.text))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=form)

    return on_disagree


def _ephemeral_blocks(content: list[dict[str, Any]], text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, "blocks": content, "replace_original": False}


def _intake_form(deps: SlackDeps, directory: Directory, team: str, user: str) -> dict[str, Any] | Refused:
    person = person_for(directory, team, user)
    if person is None:
        return Refused(not_in_directory(directory, platform="Slack", user_id=user))
    agencies = sorted(
        ((a.id, a.name) for a in directory.agencies.values() if a.id != PARTNERSHIP),
        key=lambda a: (a[0] in person.agencies, a[1]),  # other agencies first
    )
    mine = [(a, directory.agency_name(a)) for a in person.agencies]
    return blocks.intake_modal(categories=deps.policy.categories, agencies=agencies, my_agencies=mine, procedure=deps.policy.title)


def my_disputes(deps: SlackDeps, team: str, user: str) -> tuple[str, list[DisputeView]] | Refused:
    """My open disputes (raised, party to, or asked to act on), most urgent first; for the home tab too."""
    directory = deps.directories.get()
    with deps.uow() as uow:
        person = person_for(directory, team, user)
        if person is None:
            return Refused(not_in_directory(directory, platform="Slack", user_id=user))
        disputes = uow.disputes.active_involving(person.id)
    return person.id, [dispute_view(d, directory, deps.policy) for d in disputes]


# --- submission -------------------------------------------------------------------------------------


log = logging.getLogger("parley.slack")

# The threads that save submissions: more than the loop's default (6 on 2 CPUs), so that a burst's
# saves can wait for the group being written and join the next (storage/group_commit.py).
# (16 or 50 measured no better: bench/README.md)
_SAVERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="parley-save")

_ANSWER = "parley.intake.answer"  # where the saving step leaves the listener its answer, in bolt's context


def _save_first(deps: SlackDeps):
    """Save the dispute before bolt starts the listener, and leave the answer for it.

    Parley's bolt app answers Slack as soon as a listener calls ack() (process_before_response is
    off, so that /disagree answers before its views.open). For that bolt runs the listener as a
    task and looks every 10 ms whether it has acked yet: a submission saved inside the listener
    woke that loop up once per 10 ms for as long as the save took (under a burst of submissions,
    dozens of times each). Saved here, the listener finds its answer ready and acks at once."""

    async def save(body: dict[str, Any], view: dict[str, Any], context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context[_ANSWER] = await _answer(deps, body, view)
        await next()

    return save


async def _answer(deps: SlackDeps, body: dict[str, Any], view: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """What to ack with, and whether something was queued to deliver."""
    form, errors = read_intake(view["state"]["values"], deps.policy.categories)
    if errors:
        return {"response_action": "errors", "errors": errors}, False
    assert form is not None
    team, user = team_of(body), user_of(body)
    now = deps.clock()
    call = functools.partial(contextvars.copy_context().run, _open, deps, form, team, user, view["id"], now)
    result = await asyncio.get_running_loop().run_in_executor(_SAVERS, call)
    match result:
        case dict() as errors:
            return {"response_action": "errors", "errors": field_errors(errors, view, Field.PROBLEM)}, False
        case Refused(text):
            return {"response_action": "update", "view": blocks.message_modal("Not raised", text)}, False
        case raised:
            return {"response_action": "update", "view": blocks.intake_done(raised, channel=deps.channel, team=deps.team)}, True


def is_submission(body: dict[str, Any]) -> bool:
    """A submitted intake form (what bolt's view_submission listener for ViewId.INTAKE matches)."""
    view = body.get("view")
    return body.get("type") == "view_submission" and isinstance(view, dict) and view.get("callback_id") == ViewId.INTAKE.value


async def answer_submission(deps: SlackDeps, body: dict[str, Any]) -> web.Response:
    """POST /slack/events with a submitted intake form, answered without bolt's dispatch.

    The same work and answer as the bolt listener (which Socket Mode still uses): saved, committed,
    then the answer bolt's ack() would send, as JSON (orjson's, a fraction of json's time for a modal).
    Bolt would only add its per-request context (a Web API client made per request, its middleware
    and every listener's matcher in turn), which under a burst of submissions cost a fifth of each
    one's CPU. The gate has already checked the signature and the body; a failure is logged and
    answered 500, as bolt answers it."""
    with deps.inflight.running():
        try:
            answer, queued = await _answer(deps, body, body["view"])
        except Exception:
            log.exception("Slack listener failed (view_submission)")
            return web.Response(status=500, text="")
    if queued:
        deps.delivered_soon()
    return web.Response(status=200, body=orjson.dumps(answer), content_type="application/json")


def _submit(deps: SlackDeps):
    async def on_intake(ack: AsyncAck, context: dict[str, Any]) -> None:
        answer, queued = context[_ANSWER]  # the dispute is committed (or refused) already: _save_first
        await ack(**answer)
        if queued:
            deps.delivered_soon()

    return on_intake


def _open(deps: SlackDeps, form: IntakeForm, team: str, user: str, view_id: str, now: datetime) -> DisputeView | Refused | dict[str, str]:
    directory = deps.directories.get()
    raiser = person_for(directory, team, user)
    if raiser is None:
        return Refused(not_in_directory(directory, platform="Slack", user_id=user))
    other = None
    if form.other_user:
        other = person_for(directory, team, form.other_user)
        if other is None:
            return {
                "other_party": replies.NOT_LISTED_ON_SLACK
            }
    elif form.other_in_directory:
        other = directory.person(form.other_in_directory)
        if other is None:
            return {"other_in_directory": replies.NO_LONGER_LISTED}
    key = f"{PLATFORM}:{team}:{user}:view:{view_id}"  # a double submission (or Slack retrying it) carries the same view id: one dispute
    with shared_views():  # the answer's view is the one the new thread's messages were built from
        try:
            outcome = raise_dispute(deps.env(), form, raiser=raiser, other=other, key=key, now=now, grouped=deps.sessions)
        except UnknownPerson as exc:
            if form.other_in_directory and exc.who == form.other_in_directory:
                return {"other_in_directory": replies.NO_LONGER_LISTED}
            return Refused(not_in_directory(directory, platform="Slack", user_id=user))
        if isinstance(outcome, dict):
            if form.other_in_directory and "other_party" in outcome:
                outcome["other_in_directory"] = outcome.pop("other_party")  # say it where they chose them
            return outcome
        return dispute_view(outcome.dispute, directory, deps.policy)
