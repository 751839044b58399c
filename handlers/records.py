"""Reading and exporting a dispute's record, for any front end (command line, Slack, Teams).

A chat front end calls `export_record` with the dispute, the person asking and a format, and
sends the returned bytes as a file in a direct message. Both functions check that the person
may see the record (bot.dispute.may_see_record), write the view, export or refusal to the
append-only access log in its own transaction, and raise `RecordRefused` (after recording the
refusal) when they may not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.directory import Directory
from bot.dispute import Dispute, may_see_record
from bot.errors import Code, InvalidInput, ParleyError, problem
from bot.export import FORMATS, Access, ChainState, RecordView
from bot.policy import Policy
from bot.record import RecordEntry
from bot.record_view import record_view
from messages.export import render
from messages.export.words import refused
from messages.record import record_text
from storage import chain
from storage.access import SqlAccessLog
from storage.unit_of_work import SqlUnitOfWork

MAX_PERSON_ID = 64  # the access log's column


class RecordRefused(ParleyError):
    """This person may not see this record; the refusal is on the access log."""


@dataclass(frozen=True)
class ExportedFile:
    filename: str  # e.g. "record-CSC-2026-0193.pdf": the case reference, never a name
    media_type: str
    content: bytes


@dataclass(frozen=True)
class _Read:
    dispute: Dispute
    entries: list[RecordEntry]
    directory: Directory
    access: list[Access]
    chain: ChainState


def _read(
    uow: SqlUnitOfWork, *, dispute_id: str, person_id: str, action: str, fmt: str, channel: str, now: datetime,
    policy_for: Callable[[str], Policy] | None = None,
) -> _Read:
    """Check access, log it (allowed or refused) and read what the record shows, in one transaction."""
    with uow:
        dispute = uow.disputes.get(dispute_id)
        directory = uow.directory.load()
        policy = policy_for(dispute.policy_name) if policy_for is not None else None
        allowed = directory.person(person_id) is not None and may_see_record(dispute, person_id, directory, policy)
        log = SqlAccessLog(uow.session)
        log.add(Access(dispute_id, now, person_id[:MAX_PERSON_ID], action, fmt, channel, allowed))
        if not allowed:
            uow.commit()
            raise RecordRefused(refused(dispute.reference, known=directory.person(person_id) is not None, who=person_id))
        entries = uow.disputes.record(dispute_id)
        (check,) = chain.verify(uow.session, [dispute_id])
        access = log.for_dispute(dispute_id)
        uow.commit()
    state = ChainState(
        check.entries, check.head, check.ok, check.first_bad_seq, check.first_bad_kind, check.first_bad_at, check.problem
    )
    return _Read(dispute, entries, directory, access, state)


def export_view(
    uow: SqlUnitOfWork, *, dispute_id: str, person_id: str, fmt: str, channel: str, policy_for: Callable[[str], Policy], now: datetime
) -> RecordView:
    """The checked, logged view model of the record (what `export_record` renders)."""
    if fmt not in FORMATS:
        raise InvalidInput({"format": problem(Code.UNKNOWN_FORMAT, value=fmt)})
    read = _read(uow, dispute_id=dispute_id, person_id=person_id, action="export", fmt=fmt, channel=channel, now=now, policy_for=policy_for)
    return record_view(
        read.dispute,
        read.entries,
        directory=read.directory,
        policy=policy_for(read.dispute.policy_name),
        access=read.access,
        chain=read.chain,
        generated_by=person_id,
        now=now,
    )


def export_record(
    uow: SqlUnitOfWork, *, dispute_id: str, person_id: str, fmt: str, channel: str, policy_for: Callable[[str], Policy], now: datetime
) -> ExportedFile:
    """The record for the child's file as a PDF, Markdown or HTML file, for `person_id` if they may see it.

    Raises RecordRefused (the refusal recorded), DisputeNotFound, or InvalidInput for an unknown format.
    `channel` says where the request came from ("cli", "slack", "teams") for the access log.
    """
    view = export_view(uow, dispute_id=dispute_id, person_id=person_id, fmt=fmt, channel=channel, policy_for=policy_for, now=now)
    content, media_type, extension = render(view, fmt, created=now)
    return ExportedFile(f"record-{_safe(view.cover.reference)}.{extension}", media_type, content)


def show_record(
    uow: SqlUnitOfWork, *, dispute_id: str, person_id: str, as_json: bool, channel: str, policy_for: Callable[[str], Policy], now: datetime
) -> str:
    """The record as plain text (or its entries as JSON), for `person_id` if they may see it; the view is logged."""
    fmt = "json" if as_json else "text"
    read = _read(uow, dispute_id=dispute_id, person_id=person_id, action="view", fmt=fmt, channel=channel, now=now, policy_for=policy_for)
    if as_json:
        return json.dumps([e.__dict__ for e in read.entries], default=str, indent=2, ensure_ascii=False)
    return record_text(read.dispute, read.entries, directory=read.directory, policy=policy_for(read.dispute.policy_name))


def _safe(reference: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in reference)


def policy_chooser(default: Policy, read: Callable[[str], Policy], presets: tuple[str, ...]) -> Callable[[str], Policy]:
    """The policy a dispute was opened under: the running one, or the preset of that name."""

    def choose(name: str) -> Policy:
        if name != default.name and name in presets:
            return read(name)
        return default

    return choose
