"""Files a person asks for in chat, once for every platform: the record for the child's file and the Board's report.

Slack and Teams call these, then send the file to the person's direct messages their own way
(handlers/slack/files.py, handlers/teams/files.py). The checks are the services': `export_record`
decides who may see a record and writes the access log (allowed or refused); the Board's report
goes to the partnership roles the policy names (`Policy.partnership_roles`, held in the
partnership's membership of the directory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.directory import PARTNERSHIP, Directory
from bot.errors import DisputeNotFound, InvalidInput
from handlers.board_report import board_report_file
from handlers.interaction import Env, Press, Told
from handlers.records import ExportedFile, RecordRefused, export_record
from messages import files as words, replies
from messages.clock import LONDON
from messages.problems import word_errors

FORMATS = tuple(words.FORMAT_LABELS)


@dataclass(frozen=True)
class FileForPerson:
    """A file to send to one person's direct messages, with what to say beside it and after."""

    filename: str
    media_type: str
    content: bytes
    caption: str  # posted with the file
    sent: str  # what the person is told once it is in their DMs
    what: str  # what it is, for "couldn't send ..." when a platform step fails


def record_file(env: Env, *, dispute_id: str, person_id: str, fmt: str, channel: str, now: datetime) -> FileForPerson | Told:
    """The record as a file for this person, or a kind refusal (on the access log when it is one)."""
    fmt = fmt if fmt in FORMATS else words.DEFAULT_FORMAT
    try:
        exported: ExportedFile = export_record(
            env.uow(),  # type: ignore[arg-type]  # the platforms' wiring gives a SqlUnitOfWork
            dispute_id=dispute_id,
            person_id=person_id,
            fmt=fmt,
            channel=channel,
            policy_for=lambda _name: env.policy,
            now=now,
        )
    except RecordRefused as exc:
        return Told(str(exc))
    except DisputeNotFound:
        return Told(replies.NO_SUCH_DISPUTE)
    except InvalidInput as exc:
        return Told(" ".join(word_errors(exc.errors).values()))
    with env.uow() as uow:
        reference = uow.disputes.get(dispute_id).reference
    return FileForPerson(
        exported.filename,
        exported.media_type,
        exported.content,
        caption=words.export_caption(reference),
        sent=words.export_sent(reference, exported.filename),
        what=words.record_what(reference),
    )


def log_refused_press(env: Env, p: Press, now: datetime, channel: str) -> Told:
    """Someone who may not see the record pressed Export: the service refuses it and keeps the refusal."""
    result = record_file(env, dispute_id=p.dispute_id, person_id=p.person_id, fmt=words.DEFAULT_FORMAT, channel=channel, now=now)
    return result if isinstance(result, Told) else Told(replies.NO_SUCH_DISPUTE)


# --- the Board's report ---------------------------------------------------------------------------


def may_ask_for_report(directory: Directory, person_id: str, roles: tuple[str, ...]) -> bool:
    """A person who holds one of the policy's partnership roles in the partnership."""
    person = directory.person(person_id)
    membership = person.membership(PARTNERSHIP) if person else None
    return bool(membership and set(membership.roles) & set(roles))


def last_full_quarter(today: date) -> tuple[date, date]:
    """The last calendar quarter that has ended (on 1 Dec: 1 Jul to 30 Sep)."""
    start_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, start_month, 1)
    last = this_quarter - timedelta(days=1)
    first = date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
    return first, last


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReportAsk:
    first: date
    last: date
    fmt: str


def read_report_ask(text: str, today: date) -> ReportAsk | Told:
    """`[from] [to] [csv|html]`: both days optional (the last full quarter), `to` defaults to today."""
    fmt, days = "html", []
    for word in text.split():
        low = word.lower()
        if low in ("csv", "html"):
            fmt = low
            continue
        if not _DAY.match(word):
            return Told(words.report_bad_day(word))
        try:
            days.append(date.fromisoformat(word))
        except ValueError:
            return Told(words.report_bad_day(word))
    if len(days) > 2:
        return Told(words.REPORT_USAGE)
    if not days:
        first, last = last_full_quarter(today)
    else:
        first, last = days[0], days[1] if len(days) == 2 else today
    if last < first:
        return Told(words.report_bad_order(first, last))
    return ReportAsk(first, last, fmt)


def report_file(env: Env, sessions: sessionmaker[Session], *, person_id: str | None, text: str, now: datetime) -> FileForPerson | Told:
    """The Board's report for one of the roles the policy names, or who can ask for it."""
    if person_id is None:
        return Told(words.REPORT_NOT_IN_DIRECTORY)
    roles = env.policy.partnership_roles
    if not may_ask_for_report(env.directory(), person_id, roles):
        return Told(words.report_who([env.policy.role_label(r) for r in roles]))
    ask = read_report_ask(text, now.astimezone(LONDON).date())
    if isinstance(ask, Told):
        return ask
    made = board_report_file(sessions, policy=env.policy, calendar=env.calendar, first=ask.first, last=ask.last, fmt=ask.fmt, now=now)
    return FileForPerson(
        made.name,
        made.media_type,
        made.content,
        caption=words.report_caption(ask.first, ask.last),
        sent=words.report_sent(ask.first, ask.last, made.name),
        what=words.REPORT_WHAT,
    )
