"""How fast Parley may send to each platform (handlers/delivery.py paces its sends with these, in
storage.gates, so that every pass and every process keeps to them together)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.outbox import Delivery
from storage.lanes import Gate
from storage.outbox import QueuedMessage, Thread


@dataclass(frozen=True)
class Pace:
    """How fast one platform may be sent to.

    `interval`: between two posts to one channel or conversation. `updates`: between two updates in
    place in one workspace, when the platform limits them apart from posts (None: they count as posts
    to their conversation). `workspace`: between any two sends to one workspace or tenant (an app-wide
    limit), if it has one. `sustained`: a conversation's long-run limit, as (interval, burst): see
    storage.lanes.Gate."""

    interval: timedelta
    max_wait: timedelta = timedelta(seconds=2)  # wait in the pass for a slot this close; else come back later
    updates: timedelta | None = None
    workspace: timedelta | None = None
    sustained: tuple[timedelta, timedelta] | None = None


# Slack: at most one post a second per channel (a tenth more, for the jitter of the network), and
# chat.update is a Tier 3 method (50 a minute per workspace): one every 1.25 s.
# Teams: 7 a second, 8 in 2 s and 60 in 30 s per conversation, so one every half second (and a
# bit); and 1,800 an hour: about 350 sends at that pace, then one every 2.5 s ((3600 + 890) / 2.5
# + 1 = 1797 in any hour). Updates count in their conversation (a reply in a channel's thread is
# counted against the channel: the stricter reading). 50 requests a second per app and tenant, and
# a 1:1 chat Parley opens itself takes two requests: one send every 50 ms at most.
PACES = {
    "slack": Pace(timedelta(seconds=1.1), updates=timedelta(seconds=1.25)),
    "teams": Pace(
        timedelta(seconds=0.55), workspace=timedelta(seconds=0.05), sustained=(timedelta(seconds=2.5), timedelta(seconds=890))
    ),
}
# A paced scope's next send goes at least its interval after the last one began, and at least its
# interval less this after that one was answered: however long a send took to reach the platform,
# two never arrive closer than (interval - ANSWERED).
ANSWERED = timedelta(seconds=0.1)
# Lanes (conversations) the timekeeper's delivery pass sends to at once. The outbox and gate calls
# between sends run on a thread of their own (handlers/delivery.py), so a lane waiting on the database
# holds up no other lane; the long chaos run passed with 4 (docs/chaos.md). Sixteen, when those calls
# still ran on the event loop, made sends time out after the platforms were calm.
LANES = 4


def paces_of(message: QueuedMessage, thread: Thread | None, pace: Pace | None) -> list[Gate]:
    """The gates a send is paced in: its channel or conversation, and workspace-wide limits."""
    if pace is None:
        return []
    out = []
    if message.delivery is Delivery.ROOT_UPDATE and pace.updates is not None:
        out.append(Gate(f"updates:{message.workspace}", pace.updates))
        conversation = None
    elif message.delivery is Delivery.ROOT_UPDATE:
        conversation = thread.channel if thread is not None else None
    else:
        conversation = thread.channel if message.delivery is Delivery.THREAD_REPLY and thread is not None else message.target
    if conversation is not None:
        out.append(Gate(conversation, pace.interval))
        if pace.sustained is not None:
            out.append(Gate(f"sustained:{conversation}", *pace.sustained))
    if pace.workspace is not None:
        out.append(Gate(f"all:{message.workspace}", pace.workspace))
    return out
