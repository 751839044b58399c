"""The Slack notifier: what the Slack thread and the people on Slack should be told when a dispute changes.

`bot.outbox.Notifiers` joins it with the Teams notifier (handlers/teams/notify.py); each platform's
notifier skips the people who aren't on it, and its thread still names them.

Keys are deterministic, so a use case that runs twice never queues a message twice (a thread's
keys name its space: <team> for Parley's configured channel, <team>/<channel> for a side's own):
  <dispute>:slack:<team>:root                       the thread's root message (once per dispute)
  <dispute>:slack:<team>:opened:<n>:<kind>          the thread lines of the events that opened it
  <dispute>:slack:<team>:v<version>:<n>:<kind>      the thread lines of the change made on <version>
                                                    (<n>, <kind>: a line's first event; bot.plan.thread_lines)
  <dispute>:slack:<team>:v<version>:root            the root message updated after that change
  <dispute>:slack:<team>:<step>:asked:<stage>:<who> a DM to someone asked to act
  <dispute>:slack:<team>:<step>:confirm:<who>       a DM asking for written confirmation
  <dispute>:slack:<team>:nudge:<stage>:<kind>:<who> a reminder (the nudge itself is claimed once)
  digest:<day>:slack:<who>                          the morning digest (the day itself is claimed once)
  <dispute>:slack:<space>:unreachable:<tag>:line    each thread told Parley couldn't reach someone (<tag>: the failed message)
  <dispute>:slack:<team>:unreachable:<tag>:raiser   a DM telling the raiser so
A change is saved on the version it read, and a version can be saved only once (the
repository's optimistic lock), so `v<version>` names one change.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import plan
from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import Event, PersonUnreachable
from bot.learning import LearningGiven
from bot.outbox import Delivery, OutgoingMessage
from bot.policy import Policy
from messages import slack as blocks
from messages.learning import summary_of
from messages.record import unreachable_notice
from messages.slack import learning as learning_blocks
from messages.text import DisputeView, Names, PersonView, asked_person, dispute_view, names_for, person_view

SLACK = "slack"
# asked once a disagreement has ended: not worth a couldn't-reach line in every thread for someone Parley can't reach
AFTERWARDS = frozenset({plan.Tell.LEARNING, plan.Tell.CASE_REVIEW})


class SlackNotifier:
    """The threads in the one Slack workspace Parley is installed in (PARLEY_SLACK_CHANNEL's, and each side's own
    channel there), and DMs to the people on Slack (those in another workspace only when Teams can't tell them)."""

    def __init__(self, policy: Policy, *, team: str, channel: str) -> None:
        self.policy = policy
        self.team = team
        self.channel = channel

    # -- helpers --------------------------------------------------------------------------------

    def _prefix(self, dispute: Dispute) -> str:
        return f"{dispute.id}:{SLACK}:{self.team}"

    def _message(
        self, dispute: Dispute | None, key: str, delivery: Delivery, target: str, payload: dict, *, workspace: str | None = None
    ) -> OutgoingMessage:
        return OutgoingMessage(
            key=key,
            platform=SLACK,
            workspace=workspace or self.team,
            delivery=delivery,
            target=target,
            payload=payload,
            dispute_id=dispute.id if dispute else None,
            fallback_text=payload.get("text", ""),
        )

    def _slack_user(self, person: PersonView) -> str | None:
        """The Slack user id of someone on Slack in this workspace, or None."""
        if person.slack and person.slack[0] == self.team:
            return person.slack[1]
        return None

    def _dm_to(self, directory: Directory, person: PersonView) -> tuple[str, str] | None:
        """(workspace, user id) to send this person a direct message about a dispute on Slack, or None when
        another platform tells them. Someone on Slack only, in a workspace Parley isn't installed in, still has
        one queued: the sender refuses it without calling Slack, so the dispute records that Parley couldn't
        reach them and the threads and the raiser are told (handlers.unreachable.unreachable_reporter)."""
        if person.slack is None:
            return None  # not on Slack: Teams tells them
        if person.slack[0] == self.team:
            return person.slack
        listed = directory.person(person.id)
        on_teams = listed is not None and listed.identity_on("teams") is not None
        return None if on_teams else person.slack

    # -- the Notifier protocol ------------------------------------------------------------------

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        """The Slack rendering of `bot.plan.after`: each side's thread, and DMs to the people it tells who are on Slack here."""
        planned = plan.after(dispute, events)
        if planned is None:
            return []
        view = dispute_view(dispute, directory, self.policy, version=planned.shown_version)
        names = names_for(directory, self.policy, set(planned.named))
        step = planned.step
        spaces = self._spaces(dispute, directory)
        out: list[OutgoingMessage] = []
        for space in spaces.threads:
            prefix, mark, root = self._space_prefix(dispute, space), self._mark(space), blocks.root_message(view, team=self.team)
            if planned.opened:
                out.append(self._message(dispute, f"{prefix}:root", Delivery.THREAD_ROOT, space.channel, root | mark))
            for n, told in planned.thread:
                payload = blocks.line_message(told, view, names, team=self.team)
                if payload is not None:
                    out.append(self._message(dispute, f"{prefix}:{step}:{n}:{told[0].kind}", Delivery.THREAD_REPLY, space.channel, payload | mark))
            if not planned.opened:
                out.append(self._message(dispute, f"{prefix}:{step}:root", Delivery.ROOT_UPDATE, space.channel, root | mark))
        out += self._direct(dispute, view, names, planned.direct, f"{self._prefix(dispute)}:{step}", directory=directory, spaces=spaces)
        return out

    # -- each side's thread (bot.plan.spaces decides; this renders) ------------------------------------

    def _spaces(self, dispute: Dispute, directory: Directory) -> plan.Spaces:
        # Parley's token is for one workspace: a channel in another gets no thread
        return plan.spaces(dispute, directory, SLACK, (self.team, self.channel), installed=frozenset({self.team}))

    def _space_prefix(self, dispute: Dispute, space: plan.Space) -> str:
        return self._prefix(dispute) if space.key == self.team else f"{dispute.id}:{SLACK}:{space.key}"

    def _mark(self, space: plan.Space | None) -> dict:
        """Tells the outbox which thread a message belongs to (nothing for the configured channel's)."""
        return {plan.SPACE: space.key} if space is not None and space.key != self.team else {}

    def _place(self, dispute: Dispute, directory: Directory, spaces: plan.Spaces, person_id: str) -> plan.Space | None:
        place = spaces.of(directory, person_id, SLACK, plan.side_agencies(dispute, person_id))
        return place if place is not None and place.workspace == self.team else None

    def _direct(
        self,
        dispute: Dispute,
        view: DisputeView,
        names: Names,
        direct: Sequence[plan.Direct],
        prefix: str,
        nudge: str = "",
        *,
        directory: Directory,
        spaces: plan.Spaces,
    ) -> list[OutgoingMessage]:
        out = []
        for message in direct:
            person = asked_person(view, names, message.person_id)
            to = self._dm_to(directory, person)
            if to is None or (to[0] != self.team and message.tell in AFTERWARDS):
                continue  # Teams tells them; or an ask for learning points after the end, which nobody need pass on
            workspace, user = to
            place = self._place(dispute, directory, spaces, message.person_id)
            channel = place.channel if place is not None else None
            match message.tell:
                case plan.Tell.ASKED_TO_ACT:
                    payload = blocks.asked_to_act(view, person, channel=channel)
                case plan.Tell.CONFIRM_REQUEST:
                    payload = blocks.confirm_request(view, channel=channel)
                case plan.Tell.LEARNING:
                    payload = learning_blocks.learning_prompt(view)
                case plan.Tell.CASE_REVIEW:
                    payload = learning_blocks.case_review_prompt(view)
                case _:
                    payload = blocks.reminder(view, nudge)
            out.append(self._message(dispute, f"{prefix}:{message.key}", Delivery.DIRECT, user, payload | self._mark(place), workspace=workspace))
        return out

    def learning_for(self, dispute: Dispute, event: LearningGiven, directory: Directory) -> list[OutgoingMessage]:
        """The Slack rendering of `bot.plan.learning_told`: the summary in the policy's learning channel, and DMs."""
        told = plan.learning_told(event, self.policy, directory)
        summary = summary_of(dispute, event, self.policy)
        prefix = f"{self._prefix(dispute)}:{told.key}"
        out = []
        # sent as posts of their own, tied to no dispute: nothing in them points back at the case
        if channel := self.policy.learning.slack_channel:
            out.append(self._message(None, f"{prefix}:channel", Delivery.DIRECT, channel, learning_blocks.learning_summary(summary)))
        for message in told.direct:
            user = self._slack_user(person_view(directory, message.person_id))
            if user is None:
                continue
            build = learning_blocks.procedure_unclear if message.tell is plan.Tell.PROCEDURE_UNCLEAR else learning_blocks.learning_summary
            out.append(self._message(None, f"{prefix}:{message.key}", Delivery.DIRECT, user, build(summary)))
        return out

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        """The Slack rendering of `bot.plan.reminder`."""
        planned = plan.reminder(dispute, nudge)
        if planned is None:
            return []
        view: DisputeView = dispute_view(dispute, directory, self.policy)
        names = names_for(directory, self.policy, set(planned.waiting_on))
        prefix = f"{self._prefix(dispute)}:{planned.key}"
        people = [asked_person(view, names, p) for p in planned.waiting_on]
        spaces = self._spaces(dispute, directory)
        lines = [
            self._message(
                dispute,
                f"{self._space_prefix(dispute, s)}:{planned.key}:line",
                Delivery.THREAD_REPLY,
                s.channel,
                blocks.reminder_line(view, people, team=self.team) | self._mark(s),
            )
            for s in spaces.threads
        ]
        return [*lines, *self._direct(dispute, view, names, planned.direct, prefix, nudge, directory=directory, spaces=spaces)]

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        user = self._slack_user(person_view(directory, person_id))
        if user is None or not disputes:
            return []
        views = sorted((dispute_view(d, directory, self.policy) for d in disputes), key=lambda v: v.deadline)
        return [self._message(None, f"digest:{day}:{SLACK}:{person_id}", Delivery.DIRECT, user, blocks.digest(views, me=person_id, total=total))]

    def unreachable_for(self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str) -> list[OutgoingMessage]:
        """Parley couldn't reach someone (on any platform): a line in each of the dispute's Slack threads (every
        side's, so the people who must tell them read it where they follow the case), and a DM to the raiser
        when the raiser is on Slack here and is not the person who couldn't be reached."""
        view = dispute_view(dispute, directory, self.policy)
        person = person_view(directory, event.person_id, agency=event.agency)
        line = blocks.unreachable_message(view, person, event.platform, event.reason)
        out = [
            self._message(dispute, f"{self._space_prefix(dispute, s)}:unreachable:{tag}:line", Delivery.THREAD_REPLY, s.channel, line | self._mark(s))
            for s in self._spaces(dispute, directory).threads
        ]
        raiser = person_view(directory, dispute.raiser.person_id)
        user = self._slack_user(raiser) if dispute.raiser.person_id != event.person_id else None
        if user is not None:
            notice = blocks.esc(unreachable_notice(person.name, person.agency, event.platform, view.reference))
            key = f"{self._prefix(dispute)}:unreachable:{tag}:raiser"
            out.append(self._message(dispute, key, Delivery.DIRECT, user, {"text": notice, "blocks": [blocks.section(notice)]}))
        return out
