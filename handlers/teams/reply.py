"""What a Teams request gets back, and the small steps every Teams flow shares.

A `Reply` is a card to show in place of the one the person used, or a short private message;
the bot (handlers/teams/bot.py) turns it into an invoke response or a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.directory import Directory
from handlers.chat_files import FileForPerson
from handlers.teams.deps import Caller, TeamsDeps, person_for
from handlers.teams.notify import teams_identity
from messages.replies import not_in_directory


@dataclass(frozen=True)
class Reply:
    """A card to show in place of the one the person used, or (card None) a private message."""

    card: dict[str, Any] | None = None
    text: str = ""
    changed: bool = False  # something was saved: deliver the outbox soon
    file: FileForPerson | None = None  # a file to offer in the person's 1:1 chat (handlers/teams/files.py)


def refused(text: str) -> Reply:
    return Reply(text=text)


def stranger(directory: Directory, caller: Caller) -> Reply:
    """Someone Parley doesn't know: what to give an administrator to add them."""
    return refused(not_in_directory(directory, platform="Teams", user_id=caller.shown_id))


def who(deps: TeamsDeps, caller: Caller) -> str | Reply:
    """The caller's person id in the directory, or the reply for a stranger."""
    directory = deps.directory()
    person = person_for(directory, caller)
    return person.id if person is not None else stranger(directory, caller)


def thread_ids(deps: TeamsDeps, directory: Directory, view: Any) -> dict[str, str]:
    """The Teams ids of the people asked to act who are in the thread's tenant, to @mention them there."""
    tenant = deps.teams_notifier.tenant
    out = {}
    for p in view.asked:
        found = teams_identity(directory, p.id)
        if found and found[0] == tenant:
            out[p.id] = found[1]
    return out
