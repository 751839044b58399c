"""SQLAlchemy 2 typed models. The core never sees these: repositories map them to core types."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)

    def bind_processor(self, dialect: Any) -> Callable[[Any], Any] | None:
        """On SQLite, process_bind_param and the column's own text in one step: the same text SQLAlchemy's
        DATETIME writes ("2026-12-04 19:00:00.000000"), made by datetime.isoformat in C. A new dispute's
        rows carry about fifteen times, and the two general-purpose steps were a large part of their conversion."""
        general = super().bind_processor(dialect)
        if dialect.name != "sqlite" or general is None:
            return general
        utc = timezone.utc

        def process(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is not datetime or value.tzinfo is None:
                return general(value)  # anything else the ordinary way: a naive time is refused there
            return value.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}



def table_of(row: type[Base]) -> Table:
    """The row class's Table, typed as one (mypy sees `__table__` as any FromClause)."""
    return cast(Table, row.__table__)


def unindexed(column: Any) -> Any:
    """`column` as `column || ''`: a WHERE term that no index can serve. Beside `id IN (...)`, SQLite
    (which keeps no statistics) takes `status = 'pending'` for the narrower term and walks the index
    of every pending row instead of looking up the ids it was given (45 ms instead of 7 for a
    sweep's reminders at 100k open disputes); PostgreSQL plans it as before."""
    return column.concat("")

class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # where this agency's side of a dispute's thread lives: "workspace/channel", "tenant/channel"
    slack_channel: Mapped[str] = mapped_column(String(300), default="", server_default="")
    teams_channel: Mapped[str] = mapped_column(String(300), default="", server_default="")


class PersonRow(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))


class MembershipRow(Base):
    __tablename__ = "memberships"
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    line_manager_id: Mapped[str | None] = mapped_column(String(64))


class IdentityRow(Base):
    __tablename__ = "identities"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)


# Active disputes whose deadline is still to be acted on: the ones the sweep watches.
WATCHED_DEADLINE = text("active AND NOT deadline_missed")


class DisputeRow(Base):
    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(300))
    policy_name: Mapped[str] = mapped_column(String(64))
    raiser_id: Mapped[str] = mapped_column(String(64), index=True)
    raiser_agency: Mapped[str] = mapped_column(String(64))
    other_id: Mapped[str | None] = mapped_column(String(64), index=True)
    other_agency: Mapped[str] = mapped_column(String(64))
    other_description: Mapped[str] = mapped_column(Text, default="")
    problem: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text)
    discussed: Mapped[bool] = mapped_column(Boolean)
    immediate_risk: Mapped[bool] = mapped_column(Boolean)
    formal_challenge: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean)
    stage_index: Mapped[int] = mapped_column(Integer)
    stage_started_at: Mapped[datetime]
    deadline: Mapped[datetime]
    deadline_missed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    routing: Mapped[dict[str, Any]]
    involved: Mapped[list[Any]]
    proposal: Mapped[dict[str, Any] | None]
    confirmations: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    __table_args__ = (
        # the sweep's question: which active disputes are past their deadline?
        Index("ix_disputes_active_deadline", "active", "deadline"),
        # ...and of those, which have a missed deadline nobody has acted on yet (see migration 0005)
        Index("ix_disputes_due", "deadline", postgresql_where=WATCHED_DEADLINE, sqlite_where=WATCHED_DEADLINE),
    )


class InvolvementRow(Base):
    """Who is involved in which dispute, so 'my open disputes' is one indexed query."""

    __tablename__ = "dispute_people"
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AskedRow(Base):
    """Who is asked to act on which active dispute at its current stage, and by when: kept in the
    transaction that saves the dispute (storage/disputes.py), so the morning digest reads a lead's
    count and soonest-due disputes from one index instead of every dispute's routing."""

    __tablename__ = "dispute_asked"
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage_index: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(64))  # a lead's role when they are asked in several
    lead: Mapped[bool] = mapped_column(Boolean)  # asked as anything but a practitioner: in the digest
    due: Mapped[datetime]  # the dispute's deadline

    __table_args__ = (Index("ix_dispute_asked_lead_person_due", "lead", "person_id", "due", "dispute_id"),)


class RecordEntryRow(Base):
    """Append-only: the migrations add triggers that refuse UPDATE and DELETE on this table."""

    __tablename__ = "record_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    # SHA-256 over this entry's canonical content and the previous entry's hash (storage/chain.py)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("dispute_id", "seq", name="uq_record_entries_dispute_seq"),)


class AccessLogRow(Base):
    """Who viewed or exported a dispute's record, or was refused. Append-only, like record_entries."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    at: Mapped[datetime]
    person_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # view | export
    format: Mapped[str] = mapped_column(String(16))  # text | json | pdf | md | html
    channel: Mapped[str] = mapped_column(String(16))  # cli | slack | teams
    allowed: Mapped[bool] = mapped_column(Boolean)


class OutboxRow(Base):
    """A chat message waiting to be delivered, or delivered (kept, with the platform's message id)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    dispute_id: Mapped[str | None] = mapped_column(String(32), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    delivery: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    fallback_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))  # whose claim it is: the fencing token
    sending_at: Mapped[datetime | None]  # handed to the platform and not settled since: may have arrived

    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)


class ThreadRow(Base):
    """Where a dispute's thread lives in one Slack workspace or Teams tenant."""

    __tablename__ = "threads"
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    # the workspace (tenant) for the configured channel; "<workspace>/<channel>" for an agency's own space
    workspace: Mapped[str] = mapped_column(String(400), primary_key=True)
    channel: Mapped[str] = mapped_column(String(200))
    root_id: Mapped[str] = mapped_column(String(200))  # Slack message ts, or Teams activity id
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # e.g. the Teams service URL


class NudgeRow(Base):
    """A reminder due at a moment; claimed and marked done in the transaction that queues its messages."""

    __tablename__ = "nudges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    stage_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | skipped
    done_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("dispute_id", "stage_index", "kind", name="uq_nudges_dispute_stage_kind"),
        Index("ix_nudges_status_due", "status", "due_at"),
    )


class NoticeRow(Base):
    """A change or due reminder saved by the sweep and not yet told (bot/notices.py): told and deleted moments later."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dispute_id: Mapped[str] = mapped_column(ForeignKey("disputes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    events: Mapped[list[Any]]  # bot.event_codec's JSON of each event; empty for a reminder
    nudge: Mapped[str | None] = mapped_column(String(64))
    stage_index: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # tries whose messages could not be built
    created_at: Mapped[datetime]


class DirectoryRevisionRow(Base):
    """One row: bumped whenever the directory is replaced, so each process reloads it only then."""

    __tablename__ = "directory_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)


class DailyRunRow(Base):
    """Work done once per working day (the leads' morning digest), claimed by inserting its row."""

    __tablename__ = "daily_runs"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local date, YYYY-MM-DD
    done_at: Mapped[datetime]


class DeliveryGateRow(Base):
    """When a platform scope (a Slack workspace or channel, a Teams service or conversation) may next
    be sent to: a 429's Retry-After, or the pace of posts. Shared by every process."""

    __tablename__ = "delivery_gates"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(300), primary_key=True)
    not_before: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # sends failed in a row (an outage): the pause grows


class PlatformCheckRow(Base):
    """What a platform's last successful start-up check said (e.g. the Slack team id)."""

    __tablename__ = "platform_checks"
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    checked_at: Mapped[datetime]


class TeamsConversationRow(Base):
    """Where Parley can reach a Teams user (their 1:1 chat) or channel: a stored ConversationReference.

    Kept when the bot is installed or first spoken to, or when Parley opens a 1:1 chat itself, so
    reminders and "you must act" messages can be sent proactively.
    """

    __tablename__ = "teams_conversations"
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # user | channel
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # the user's Teams id (29:...), or the channel's conversation id
    aad_object_id: Mapped[str | None] = mapped_column(String(64))  # a user's Microsoft Entra object id, when known
    service_url: Mapped[str] = mapped_column(String(500))
    conversation_id: Mapped[str] = mapped_column(String(300))
    reference: Mapped[dict[str, Any]]  # the ConversationReference as the Bot Framework serialises it
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_teams_conversations_aad", "tenant_id", "aad_object_id"),)


# The Board's report reads only these columns of the disputes it counts: one index holds them all,
# so its two passes over a period read the index and never the rows (with their free text).
Index(
    "ix_disputes_report",
    DisputeRow.opened_at,
    DisputeRow.status,
    DisputeRow.category,
    DisputeRow.raiser_agency,
    DisputeRow.other_agency,
    DisputeRow.stage_index,
    DisputeRow.immediate_risk,
    DisputeRow.active,
    DisputeRow.closed_at,
    DisputeRow.deadline,
    DisputeRow.deadline_missed,
)


class SubmissionRow(Base):
    """A form submission already acted on, by its idempotency key (platform, person, form and what
    was sent), so a retried or replayed request makes its move once."""

    __tablename__ = "submissions"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    dispute_id: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime]
