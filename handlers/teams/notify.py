"""The Teams notifier: what the Teams thread and each person on Teams should be told when a dispute changes.

It implements bot.outbox.Notifier for Teams only: the thread in PARLEY_TEAMS_CHANNEL (in one
tenant), each side's thread in the channel its agency names (in its own tenant), and 1:1
messages to the people whose directory identity is on Teams (in any tenant). People on Slack
are left to the Slack notifier; bot.outbox.Notifiers joins the two, so one change queues every
platform's messages in one transaction.

Keys are deterministic, so a use case that runs twice never queues a message twice (a thread's
keys name its space: <tenant> for Parley's configured channel, <tenant>/<channel> for a side's own):
  <dispute>:teams:<tenant>:root                        the thread's first post (once per dispute)
  <dispute>:teams:<tenant>:opened:<n>:<kind>           the replies for the events that opened it
  <dispute>:teams:<tenant>:v<version>:<n>:<kind>       the replies for the change made on <version>
                                                       (<n>, <kind>: a reply's first event; bot.plan.thread_lines)
  <dispute>:teams:<tenant>:v<version>:root             the first post's card, updated after that change
  <dispute>:teams:<tenant>:<step>:asked:<stage>:<who>  a 1:1 to someone asked to act
  <dispute>:teams:<tenant>:<step>:confirm:<who>        a 1:1 asking for written confirmation
  <dispute>:teams:<tenant>:nudge:s<stage>:<kind>:...   a reminder (the nudge itself is claimed once)
  digest:<day>:teams:<who>                             the morning list of what waits on someone
  <dispute>:teams:<space>:unreachable:<tag>:line       each thread told Parley couldn't reach someone (<tag>: the failed message)
  <dispute>:teams:<tenant>:unreachable:<tag>:raiser    a 1:1 telling the raiser so
For a 1:1, <tenant> is the person's own tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from bot import plan
from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import Event, PersonUnreachable
from bot.learning import LearningGiven
from bot.outbox import Delivery, OutgoingMessage
from bot.policy import Policy
from messages import teams as cards
from messages.learning import summary_of
from messages.teams import learning as learning_cards
from messages.text import THREAD_IN_AGENCY_CHANNEL, THREAD_IN_CHANNEL, DisputeView, Names, asked_person, dispute_view, names_for, person_view

TEAMS = "teams"


def teams_identity(directory: Directory, person_id: str) -> tuple[str, str] | None:
    """(tenant id, user id) of someone on Teams, or None."""
    person = directory.person(person_id)
    identity = person.identity_on(TEAMS) if person else None
    return (identity.workspace, identity.user_id) if identity else None


class TeamsNotifier:
    """The Teams thread in one channel of one tenant (when configured), and 1:1s to everyone on Teams."""

    def __init__(self, policy: Policy, *, tenant: str | None, channel: str | None, chat: tuple[str, str] | None = None) -> None:
        self.policy = policy
        self.tenant = tenant or ""
        self.channel = channel or ""
        self.chat = chat  # (group chat id, its tenant): where a dispute raised in a group chat has its thread

    def in_chat(self, chat: str, tenant: str) -> TeamsNotifier:
        """This notifier for a dispute raised in a group chat: its thread's first post goes to that chat.

        Only the first post needs telling: the sender keeps where it landed, and every later reply
        and update of the dispute's Teams thread follows it there.
        """
        return TeamsNotifier(self.policy, tenant=self.tenant, channel=self.channel, chat=(chat, tenant))

    @property
    def has_thread(self) -> bool:
        return bool(self.tenant and self.channel)

    # -- helpers --------------------------------------------------------------------------------

    def _prefix(self, dispute: Dispute, tenant: str | None = None) -> str:
        return f"{dispute.id}:{TEAMS}:{tenant or self.tenant}"

    def _message(
        self,
        dispute: Dispute | None,
        key: str,
        delivery: Delivery,
        target: str,
        activity: dict,
        *,
        workspace: str | None = None,
        version: int | None = None,
        extra: dict | None = None,
    ) -> OutgoingMessage:
        return OutgoingMessage(
            key=key,
            platform=TEAMS,
            workspace=workspace or self.tenant,
            delivery=delivery,
            target=target,
            payload={"activity": activity, "version": version, **(extra or {})},
            dispute_id=dispute.id if dispute else None,
            fallback_text=activity.get("summary", ""),
        )

    def _thread_ids(self, directory: Directory, people: set[str], tenant: str | None = None) -> dict[str, str]:
        """Teams user ids of the people who can be @mentioned in the thread (on Teams in its tenant)."""
        out = {}
        for person_id in people:
            found = teams_identity(directory, person_id)
            if found and found[0] == (tenant or self.tenant):
                out[person_id] = found[1]
        return out

    def _direct(
        self, dispute: Dispute, directory: Directory, person_id: str, key_tail: str, build: Callable[[], dict]
    ) -> OutgoingMessage | None:
        """A 1:1 to someone on Teams, its card built (`build`) only then."""
        found = teams_identity(directory, person_id)
        if found is None:
            return None  # not on Teams: the Slack notifier (or the thread) tells them
        tenant, user = found
        return self._message(dispute, f"{self._prefix(dispute, tenant)}:{key_tail}", Delivery.DIRECT, user, build(), workspace=tenant)

    # -- the Notifier protocol ------------------------------------------------------------------

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        """The Teams rendering of `bot.plan.after`: the thread (when there is one), and 1:1s to the people it tells on Teams."""
        planned = plan.after(dispute, events)
        if planned is None:
            return []
        shown = planned.shown_version
        view = dispute_view(dispute, directory, self.policy, version=shown)
        names = names_for(directory, self.policy, set(planned.named))
        step = planned.step
        spaces = self._spaces(dispute, directory)
        out: list[OutgoingMessage] = []
        for space in spaces.threads:
            prefix, mark = self._space_prefix(dispute, space), self._mark(space)
            ids = self._thread_ids(directory, set(planned.named), space.workspace)
            root = cards.root_activity(view, teams_ids=ids)
            if planned.opened:
                # in a group chat when raised from one (`chat`: its id and tenant), else in the channel
                chat = self.chat if self.chat and space.key == self.tenant else None
                target, extra = (chat[0], {"group_chat": True, "tenant": chat[1]}) if chat else (space.channel, None)
                key = f"{prefix}:root"
                extra = (extra or {}) | mark
                out.append(self._message(dispute, key, Delivery.THREAD_ROOT, target, root, workspace=space.workspace, version=shown, extra=extra))
            for n, told in planned.thread:
                reply = cards.line_activity(told, view, names, teams_ids=ids)
                if reply is not None:
                    key = f"{prefix}:{step}:{n}:{told[0].kind}"
                    out.append(self._message(dispute, key, Delivery.THREAD_REPLY, space.channel, reply, workspace=space.workspace, extra=mark))
            if not planned.opened:
                key = f"{prefix}:{step}:root"
                out.append(self._message(dispute, key, Delivery.ROOT_UPDATE, space.channel, root, workspace=space.workspace, version=shown, extra=mark))
        out += self._tell(dispute, directory, view, names, planned.direct, step, spaces=spaces)
        return out

    # -- each side's thread (bot.plan.spaces decides; this renders) ------------------------------------

    def _spaces(self, dispute: Dispute, directory: Directory) -> plan.Spaces:
        configured = (self.tenant, self.channel) if self.has_thread else None
        return plan.spaces(dispute, directory, TEAMS, configured)

    def _space_prefix(self, dispute: Dispute, space: plan.Space) -> str:
        return self._prefix(dispute, space.workspace) if space.key == space.workspace else f"{dispute.id}:{TEAMS}:{space.key}"

    @staticmethod
    def _mark(space: plan.Space | None) -> dict:
        """Tells the outbox which thread a message belongs to (nothing for the configured channel's)."""
        return {plan.SPACE: space.key} if space is not None and space.key != space.workspace else {}

    def _tell(
        self,
        dispute: Dispute,
        directory: Directory,
        view: DisputeView,
        names: Names,
        direct: Sequence[plan.Direct],
        step: str,
        nudge: str = "",
        *,
        spaces: plan.Spaces,
    ) -> list[OutgoingMessage]:
        out = []
        for item in direct:
            message = self._direct(
                dispute, directory, item.person_id, f"{step}:{item.key}", partial(self._card, dispute, directory, view, names, item, nudge, spaces)
            )
            if message is not None:
                out.append(message)
        return out

    @staticmethod
    def _card(
        dispute: Dispute, directory: Directory, view: DisputeView, names: Names, item: plan.Direct, nudge: str, spaces: plan.Spaces
    ) -> dict:
        match item.tell:
            case plan.Tell.ASKED_TO_ACT:
                place = spaces.of(directory, item.person_id, TEAMS, plan.side_agencies(dispute, item.person_id))
                where = None if place is None else THREAD_IN_CHANNEL if place is spaces.configured else THREAD_IN_AGENCY_CHANNEL
                return cards.asked_to_act_activity(view, asked_person(view, names, item.person_id), where=where)
            case plan.Tell.CONFIRM_REQUEST:
                return cards.confirm_request_activity(view)
            case plan.Tell.LEARNING:
                return learning_cards.learning_prompt_activity(view)
            case plan.Tell.CASE_REVIEW:
                return learning_cards.case_review_activity(view)
            case _:
                return cards.reminder_activity(view, nudge)

    def learning_for(self, dispute: Dispute, event: LearningGiven, directory: Directory) -> list[OutgoingMessage]:
        """The Teams rendering of `bot.plan.learning_told`: a post in the policy's learning channel, and 1:1s.
        Tied to no dispute, so nothing in them points back at the case."""
        told = plan.learning_told(event, self.policy, directory)
        summary = summary_of(dispute, event, self.policy)
        prefix = f"{self._prefix(dispute)}:{told.key}"
        out = []
        if (channel := self.policy.learning.teams_channel) and self.tenant:
            out.append(self._message(None, f"{prefix}:channel", Delivery.THREAD_ROOT, channel, learning_cards.learning_summary_activity(summary)))
        for item in told.direct:
            found = teams_identity(directory, item.person_id)
            if found is None:
                continue
            build = learning_cards.procedure_unclear_activity if item.tell is plan.Tell.PROCEDURE_UNCLEAR else learning_cards.learning_summary_activity
            key = f"{self._prefix(dispute, found[0])}:{told.key}:{item.key}"
            out.append(self._message(None, key, Delivery.DIRECT, found[1], build(summary), workspace=found[0]))
        return out

    def reminders_for(self, dispute: Dispute, nudge: str, directory: Directory) -> list[OutgoingMessage]:
        """The Teams rendering of `bot.plan.reminder`."""
        planned = plan.reminder(dispute, nudge)
        if planned is None:
            return []
        view = dispute_view(dispute, directory, self.policy)
        names = names_for(directory, self.policy, set(planned.waiting_on))
        people = [asked_person(view, names, p) for p in planned.waiting_on]
        out: list[OutgoingMessage] = []
        spaces = self._spaces(dispute, directory)
        for space in spaces.threads:
            ids = self._thread_ids(directory, set(planned.waiting_on), space.workspace)
            out.append(
                self._message(
                    dispute,
                    f"{self._space_prefix(dispute, space)}:{planned.key}:line",
                    Delivery.THREAD_REPLY,
                    space.channel,
                    cards.reminder_line_activity(view, people, teams_ids=ids),
                    workspace=space.workspace,
                    extra=self._mark(space),
                )
            )
        return out + self._tell(dispute, directory, view, names, planned.direct, planned.key, nudge, spaces=spaces)

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        found = teams_identity(directory, person_id)
        if found is None or not disputes:
            return []
        tenant, user = found
        views = [dispute_view(d, directory, self.policy) for d in disputes]
        digest = cards.digest_activity(views, me=person_id, day=day, total=total)
        return [self._message(None, f"digest:{day}:{TEAMS}:{person_id}", Delivery.DIRECT, user, digest, workspace=tenant)]

    def unreachable_for(self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str) -> list[OutgoingMessage]:
        """Parley couldn't reach someone (on any platform): a line in each of the dispute's Teams threads (every
        side's, so the people who must tell them read it where they follow the case), and a 1:1 to the raiser
        when the raiser is on Teams and is not the person who couldn't be reached."""
        view = dispute_view(dispute, directory, self.policy)
        person = person_view(directory, event.person_id, agency=event.agency)
        line = cards.unreachable_activity(view, person, event.platform, event.reason)
        out: list[OutgoingMessage] = [
            self._message(
                dispute,
                f"{self._space_prefix(dispute, space)}:unreachable:{tag}:line",
                Delivery.THREAD_REPLY,
                space.channel,
                line,
                workspace=space.workspace,
                extra=self._mark(space),
            )
            for space in self._spaces(dispute, directory).threads
        ]
        raiser = dispute.raiser.person_id
        if raiser and raiser != event.person_id:
            message = self._direct(
                dispute, directory, raiser, f"unreachable:{tag}:raiser", partial(cards.unreachable_notice_activity, view, person, event.platform)
            )
            if message is not None:
                out.append(message)
        return out
