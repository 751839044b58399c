"""What the person who pressed a button or sent a form is told: refusals, "already done", strangers.

Platform-neutral sentences; Slack and Teams only render them. The core's errors carry codes and
person ids (`bot.permissions.Refusal`, `bot.errors.StaleAction`); the words are here.
"""

from __future__ import annotations

from datetime import datetime

from bot.directory import Directory
from bot.dispute import Dispute
from bot.errors import Refused
from bot.kinds import SideName
from bot.permissions import Intent, Refusal, Who, Why
from bot.record import RecordEntry, what_happened
from messages.clock import when
from messages.text import TEAMS_COMMANDS, unknown_command

NOTHING_CHANGED = "Nothing has changed."

WHO_WORDS = {
    Who.DIRECTORY: "people in Parley's directory",
    Who.INVOLVED: "the people involved in this disagreement",
    Who.ASKED_OR_RAISER: "the people asked to act at this stage or the person who raised it",
    Who.PARTIES_OR_ASKED: "the two parties or the people asked to act at this stage",
    Who.CONFIRMERS: "the people still to confirm it",
    Who.ASKED_AT_LAST_STAGE: "the people asked to act at this last stage",
    Who.RAISER: "the person who raised it",
    Who.RECORD_READERS: "the people involved in this disagreement or the partnership's staff",
    Who.FINISHERS: "the people who confirmed or closed this disagreement",
}

WHY_WORDS = {
    Why.ANSWERED: "You have already given your learning points for this disagreement: thank you, nothing more is needed.",
    Why.LAST_STAGE: "This is the last stage: there is no one further to escalate to. It can be resolved, or closed as unresolved.",
    Why.NOT_LAST_STAGE: "Only the last stage can close a disagreement as unresolved; escalate it instead.",
    Why.NOT_DUE: "The timescale has not run out yet.",
    Why.REMIND_AND_WAIT: "At this stage the policy says remind and wait.",
    Why.ALREADY_RECORDED: "The missed timescale is already recorded.",
}

NAMES_SHOWN = 5


def names(directory: Directory, people: tuple[str, ...]) -> str:
    """'Ben Hughes', 'Ben Hughes or Chloe Adams', 'A, B, C or 2 others'."""
    shown = [p.name for p in (directory.person(i) for i in people) if p is not None]
    if len(shown) > NAMES_SHOWN:
        rest = len(shown) - NAMES_SHOWN + 1
        shown = [*shown[: NAMES_SHOWN - 1], f"{rest} others"]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def refusal_text(refusal: Refusal, directory: Directory) -> str:
    """Why the core said no, naming who can where someone can; and that nothing changed."""
    if refusal.who is not None:
        who = WHO_WORDS[refusal.who]
        named = names(directory, refusal.people)
        said = f"Only {who} can {refusal.action}" + (f": {named}." if named else ".")
        return f"{said} {NOTHING_CHANGED}"
    if refusal.why is Why.STATUS or refusal.why is None:
        return f"Nothing changed: this disagreement is {refusal.status} now."
    return f"{WHY_WORDS[refusal.why]} {NOTHING_CHANGED}"


def refusal(exc: Refused, directory: Directory) -> str:
    return refusal_text(exc.refusal, directory)


# What a record entry means, for "Someone got there first: ... by ... at ..."
DONE_WORDS = {
    "opened": "it was opened",
    "stage started": "it moved to the next stage",
    "escalated": "it was escalated",
    "note": "a note was added",
    "formal challenge lodged": "it was recorded as a formal challenge",
    "resolution proposed": "a resolution was proposed",
    "resolution confirmed": "the resolution was confirmed",
    "resolution not agreed": "the proposed resolution was not agreed",
    "resolved": "it was resolved",
    "closed: decision unchanged, disagreement remains": "it was closed as unresolved",
    "withdrawn": "it was withdrawn",
    "timescale missed": "the missed timescale was recorded",
    "changed": "it was changed",
}


def already_done(by: str | None, what: str, at: datetime | None, *, today: datetime | None = None) -> str:
    """'Someone acted first: it was escalated by Ben Hughes (Tue 1 Dec 2026, 10:04), so yours was not applied. ...'"""
    words = DONE_WORDS.get(what, what)
    who = f" by {by}" if by else " by Parley"
    moment = f" ({when(at)})" if at else ""
    return f"Someone acted first: {words}{who}{moment}, so yours was not applied. {NOTHING_CHANGED}"


def stale_text(entries: list[RecordEntry], directory: Directory, now: datetime, *, after: int = 0, shown: str = "message") -> str:
    """Why someone's `shown` (message, card) is out of date: what was done since entry `after`, by whom, when."""
    last = what_happened(entries, after=after)
    if last is None:
        return already_done(None, "changed", None)
    person = directory.person(last.actor) if last.actor else None
    who = person.name if person else last.actor
    if last.kind == "note":
        return f"{who} added a note ({when(last.at)}) since this {shown} was shown. The {shown} now shows the latest: please try again."
    return already_done(who, last.kind, last.at, today=now)


NOT_IN_DIRECTORY = (
    "You're not in Parley's directory yet, so Parley can't act for you. "
    "Please ask your safeguarding partnership's business unit to add you: they'll need your name, "
    "your work email, your agency and your {platform} user ID ({user_id}). No disagreement was raised or changed."
)


def not_in_directory(directory: Directory, *, platform: str, user_id: str) -> str:
    """How to be added, without naming the partnership's staff to someone Parley doesn't know."""
    del directory  # a stranger may be in any tenant: no names of people go to them
    return NOT_IN_DIRECTORY.format(platform=platform, user_id=user_id)


# --- forms: what is said beside a field --------------------------------------------------------------

NO_OTHER_PARTY_SLACK = "Choose the other professional above or, if you can't find them, their agency here and their role below."
NO_OTHER_PARTY_TEAMS = "Choose the other professional above or, if they aren't listed, their agency here."
CHOSEN_TWICE = "You chose someone on Slack above too. Please choose the other professional in one place only."
NOT_LISTED_ON_SLACK = "That person isn't in Parley's directory yet. Leave this empty, and choose their agency and give their role below."
NOT_LISTED = "That person isn't in Parley's directory. Choose their agency and give their role below."
NO_LONGER_LISTED = "That person is no longer in Parley's directory. Please search again."


def unknown_words(words: str) -> str:
    """Teams: someone sent the bot words it doesn't know (the same sentence as Slack's, with Teams' words)."""
    return unknown_command(words[:60], TEAMS_COMMANDS)


# --- Teams' private answers -----------------------------------------------------------------------------

NO_PRIVATE_CHAT = (
    "I answer that privately, but I couldn't open a 1:1 chat with you. Add Parley for yourself "
    "(Apps > Parley > Add), then send me the same message there."
)
WELCOME = "Hello, I'm Parley. I help you raise and resolve professional disagreements about a child's case, and keep the record."
SENT_PRIVATELY = "I've sent it to you in our 1:1 chat."

NO_SUCH_DISPUTE = "Parley can't find that disagreement. Nothing has changed."
UNKNOWN_BUTTON = "Parley doesn't recognise that button. Nothing has changed."
RECORD_ONLY_INVOLVED = "Only the people involved in this disagreement can use its buttons. Nothing has changed."


# --- what the person who acted is told, on every platform -------------------------------------------

DONE_NOTE = "Your note is on the record and in every thread."
DONE_ESCALATED = "You escalated it. Parley has told the people at the next stage in both agencies."
DONE_WITHDRAWN = "You withdrew it. Both agencies are told, and everything so far stays on the record."
DONE_CLOSED = "You closed it as unresolved. Both agencies are told, and the reason is on the record."
# the heading of what answers a Confirm, a Not agreed or the learning form, where a platform shows one (a Teams card)
DONE_TITLES = {Intent.CONFIRM: "Confirmed", Intent.NOT_AGREED: "Not agreed", Intent.GIVE_LEARNING: "Thank you"}


def done_proposed(after: Dispute, by: str) -> str:
    """The proposer's side counts as confirmed, unless the partnership proposed: then both sides are asked."""
    if after.party_side(by) is None and after.proposal is not None and after.proposal.side == SideName.PARTNERSHIP:
        return "You proposed a resolution. Both sides are asked to confirm it in writing."
    return "You proposed a resolution. The other side is asked to confirm it in writing."


def done_confirmed(after: Dispute) -> str:
    tail = " Both sides have now confirmed: it is resolved." if not after.status.is_active else ""
    return f"You confirmed the agreed outcome for case {after.reference}. It's on the record.{tail}"


def done_rejected(after: Dispute) -> str:
    return f"You said the proposed resolution for case {after.reference} is not agreed. It's on the record."
