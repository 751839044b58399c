"""Use cases outside a dispute's moves: replacing the stored directory, and recording a person
Parley could not reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.directory import Directory
from bot.dispute import Dispute
from bot.events import PersonUnreachable
from bot.outbox import Notifier
from bot.ports import NO_NOTIFIER, UnitOfWork


def load_directory(directory: Directory, *, uow: UnitOfWork) -> None:
    """Replace the stored directory with a freshly loaded one."""
    with uow:
        uow.directory.replace(directory)
        uow.commit()


# --- a person Parley could not reach ------------------------------------------------------------


@dataclass(frozen=True)
class ReportUnreachable:
    """A direct message about a dispute that the platform refused for good."""

    message_id: int  # the outbox message
    dispute_id: str
    platform: str
    workspace: str
    user_id: str  # the platform's id of the person it was for
    reason: str  # why, in plain words, for the record
    error: str  # what the platform said, kept on the message for an administrator
    tag: str  # names this failure in the keys of the messages it causes


def report_unreachable(cmd: ReportUnreachable, *, uow: UnitOfWork, now: datetime, notifier: Notifier = NO_NOTIFIER) -> PersonUnreachable | None:
    """Keep the message as failed, record who wasn't reached, and tell the raiser: one transaction.

    The dispute is not saved and its version stays, so nobody's open card or form goes stale. The
    notifier never messages a raiser about themselves, so a notice that fails in turn is recorded
    and goes no further. None when the message was already settled (it is reported once).
    """
    with uow:
        if not uow.outbox.mark_failed(cmd.message_id, error=cmd.error):
            return None
        dispute = uow.disputes.get(cmd.dispute_id)
        directory = uow.directory.load()
        person = directory.by_identity(cmd.platform, cmd.workspace, cmd.user_id)
        person_id = person.id if person else cmd.user_id
        event = PersonUnreachable(
            dispute.id,
            now,
            None,
            person_id=person_id,
            agency=_agency_in(dispute, person_id, directory),
            platform=cmd.platform,
            reason=cmd.reason,
        )
        dispute.events.append(event)
        uow.disputes.append_aside(dispute)
        uow.outbox.add(notifier.unreachable_for(dispute, event, directory, cmd.tag), now)
        uow.commit()
        return event


def _agency_in(dispute: Dispute, person_id: str, directory: Directory) -> str:
    """The agency someone acts for in this dispute: as a party, as someone asked to act, else their first."""
    if person_id == dispute.raiser.person_id:
        return dispute.raiser.agency
    if person_id == dispute.other.person_id:
        return dispute.other.agency
    for assignee in dispute.routing.assignees:
        if assignee.person_id == person_id:
            return assignee.agency
    person = directory.person(person_id)
    return person.agencies[0] if person and person.agencies else ""
