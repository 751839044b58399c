"""The Teams notifier: what the Teams thread and each person on Teams should be told when a dispute changes.

It implements bot.outbox.Notifier for Teams only: the thread in PARLEY_TEAMS_CHANNEL (in one
tenant) and 1:1 messages to the people whose directory identity is on Teams (in any tenant).
People on Slack are left to the Slack notifier; bot.outbox.Notifiers joins the two, so one change
queues every platform's messages in one transaction.

Keys are deterministic, so a use case that runs twice never queues a message twice:
  <dispute>:teams:<tenant>:root                        the thread's first post (once per dispute)
  <dispute>:teams:<tenant>:opened:<n>:<kind>           the replies for the events that opened it
  <dispute>:teams:<tenant>:v<version>:<n>:<kind>       the replies for the change made on <version>
  <dispute>:teams:<tenant>:v<version>:root             the first post's card, updated after that change
  <dispute>:teams:<tenant>:<step>:asked:<stage>:<who>  a 1:1 to someone asked to act
  <dispute>:teams:<tenant>:<step>:confirm:<who>        a 1:1 asking for written confirmation
  <dispute>:teams:<tenant>:nudge:s<stage>:<kind>:...   a reminder (the nudge itself is claimed once)
  digest:<day>:teams:<who>                             the morning list of what waits on someone
  <dispute>:teams:<tenant>:unreachable:<tag>:line      the thread told Parley couldn't reach someone (<tag>: the failed message)
  <dispute>:teams:<tenant>:unreachable:<tag>:raiser    a 1:1 telling the raiser so
For a 1:1, <tenant> is the person's own tenant.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import plan
from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import Event, PersonUnreachable
from bot.outbox import Delivery, OutgoingMessage
from bot.policy import Policy
from messages import teams as cards
from messages.text import DisputeView, Names, asked_person, dispute_view, names_for, person_view

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

    def _thread_ids(self, directory: Directory, people: set[str]) -> dict[str, str]:
        """Teams user ids of the people who can be @mentioned in the thread (on Teams in its tenant)."""
        out = {}
        for person_id in people:
            found = teams_identity(directory, person_id)
            if found and found[0] == self.tenant:
                out[person_id] = found[1]
        return out

    def _direct(self, dispute: Dispute, directory: Directory, person_id: str, key_tail: str, activity: dict) -> OutgoingMessage | None:
        found = teams_identity(directory, person_id)
        if found is None:
            return None  # not on Teams: the Slack notifier (or the thread) tells them
        tenant, user = found
        return self._message(dispute, f"{self._prefix(dispute, tenant)}:{key_tail}", Delivery.DIRECT, user, activity, workspace=tenant)

    # -- the Notifier protocol ------------------------------------------------------------------

    def messages_for(self, dispute: Dispute, events: Sequence[Event], directory: Directory) -> list[OutgoingMessage]:
        """The Teams rendering of `bot.plan.after`: the thread (when there is one), and 1:1s to the people it tells on Teams."""
        planned = plan.after(dispute, events)
        if planned is None:
            return []
        shown = planned.shown_version
        view = dispute_view(dispute, directory, self.policy, version=shown)
        names = names_for(directory, self.policy, set(planned.named))
        ids = self._thread_ids(directory, set(planned.named))
        step = planned.step
        out: list[OutgoingMessage] = []
        if self.has_thread:
            prefix = self._prefix(dispute)
            if planned.opened:
                # in a group chat when raised from one (`chat`: its id and tenant), else in the channel
                target, extra = (self.chat[0], {"group_chat": True, "tenant": self.chat[1]}) if self.chat else (self.channel, None)
                out.append(
                    self._message(dispute, f"{prefix}:root", Delivery.THREAD_ROOT, target, cards.root_activity(view, teams_ids=ids), version=shown, extra=extra)
                )
            for n, event in planned.thread:
                reply = cards.event_activity(event, view, names, teams_ids=ids)
                if reply is not None:
                    out.append(self._message(dispute, f"{prefix}:{step}:{n}:{event.kind}", Delivery.THREAD_REPLY, self.channel, reply))
            if not planned.opened:
                out.append(
                    self._message(dispute, f"{prefix}:{step}:root", Delivery.ROOT_UPDATE, self.channel, cards.root_activity(view, teams_ids=ids), version=shown)
                )
        out += self._tell(dispute, directory, view, names, planned.direct, step)
        return out

    def _tell(
        self, dispute: Dispute, directory: Directory, view: DisputeView, names: Names, direct: Sequence[plan.Direct], step: str, nudge: str = ""
    ) -> list[OutgoingMessage]:
        out = []
        for item in direct:
            match item.tell:
                case plan.Tell.ASKED_TO_ACT:
                    activity = cards.asked_to_act_activity(view, asked_person(view, names, item.person_id))
                case plan.Tell.CONFIRM_REQUEST:
                    activity = cards.confirm_request_activity(view)
                case _:
                    activity = cards.reminder_activity(view, nudge)
            message = self._direct(dispute, directory, item.person_id, f"{step}:{item.key}", activity)
            if message is not None:
                out.append(message)
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
        if self.has_thread:
            ids = self._thread_ids(directory, set(planned.waiting_on))
            out.append(
                self._message(
                    dispute, f"{self._prefix(dispute)}:{planned.key}:line", Delivery.THREAD_REPLY, self.channel, cards.reminder_line_activity(view, people, teams_ids=ids)
                )
            )
        return out + self._tell(dispute, directory, view, names, planned.direct, planned.key, nudge)

    def digest_for(
        self, person_id: str, disputes: Sequence[Dispute], directory: Directory, day: str, *, total: int | None = None
    ) -> list[OutgoingMessage]:
        found = teams_identity(directory, person_id)
        if found is None or not disputes:
            return []
        tenant, user = found
        views = [dispute_view(d, directory, self.policy) for d in disputes]
        return [
            self._message(None, f"digest:{day}:{TEAMS}:{person_id}", Delivery.DIRECT, user, cards.digest_activity(views, me=person_id, day=day, total=total), workspace=tenant)
        ]

    def unreachable_for(self, dispute: Dispute, event: PersonUnreachable, directory: Directory, tag: str) -> list[OutgoingMessage]:
        """Parley couldn't reach someone (on any platform): a line in the Teams thread, and a 1:1 to the raiser
        when the raiser is on Teams and is not the person who couldn't be reached."""
        view = dispute_view(dispute, directory, self.policy)
        person = person_view(directory, event.person_id, agency=event.agency)
        out: list[OutgoingMessage] = []
        if self.has_thread:
            out.append(
                self._message(
                    dispute,
                    f"{self._prefix(dispute)}:unreachable:{tag}:line",
                    Delivery.THREAD_REPLY,
                    self.channel,
                    cards.unreachable_activity(view, person, event.platform, event.reason),
                )
            )
        raiser = dispute.raiser.person_id
        if raiser and raiser != event.person_id:
            message = self._direct(
                dispute, directory, raiser, f"unreachable:{tag}:raiser", cards.unreachable_notice_activity(view, person, event.platform)
            )
            if message is not None:
                out.append(message)
        return out
