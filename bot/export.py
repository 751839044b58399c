"""The record for the child's file as plain data: what the Markdown, HTML and PDF exports show.

A `RecordView` holds strings, numbers and flags in the order of a "Record on child's file" form;
bot/record_view.py builds it from a dispute, its entries, its access log and the state of its
hash chain. Names stand in for ids, one time format for every moment (`when`), the procedure's
own step names for stages; user-written text is kept exactly as written. The wording around it
(headings, labels) belongs to the renderers in messages/export/, which take the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
FORMATS = ("pdf", "md", "html")
ENDINGS = {"resolved", "closed: decision unchanged, disagreement remains", "withdrawn"}


def when(at: datetime) -> str:
    """'Tue 1 Dec 2026, 19:33', UK time: the one time format of every export."""
    local = at.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


@dataclass(frozen=True)
class Access:
    """One view or export of a record, or one refusal."""

    dispute_id: str
    at: datetime
    person_id: str
    action: str  # view | export
    format: str  # text | json | pdf | md | html
    channel: str  # cli | slack | teams
    allowed: bool


@dataclass(frozen=True)
class ChainState:
    """What checking the hash chain found (storage.chain.ChainCheck, without the storage)."""

    entries: int
    head: str | None
    verified: bool
    first_bad_seq: int | None = None
    first_bad_kind: str | None = None
    first_bad_at: datetime | None = None
    problem: str = ""  # changed | missing | unhashed


@dataclass(frozen=True)
class ChainCheck:
    """What verifying one dispute's chain found (storage/chain.py fills it; messages/ words it)."""

    dispute_id: str
    reference: str
    entries: int
    head: str | None  # the last entry's stored hash
    ok: bool
    first_bad_seq: int | None = None
    first_bad_kind: str | None = None
    first_bad_at: datetime | None = None
    problem: str = ""  # "changed", "missing" or "unhashed"


@dataclass(frozen=True)
class Cover:
    partnership: str
    procedure: str
    reference: str
    category: str
    status: str
    opened: str
    closed: str | None
    generated_at: str
    generated_by: str


@dataclass(frozen=True)
class PartyView:
    side: str  # raiser | other
    name: str
    agency: str


@dataclass(frozen=True)
class StageRow:
    stage: str
    asked: tuple[str, ...]  # "Name (role, Agency)"
    started: str
    due: str
    timescale: str  # met | missed | running
    ended: str  # escalated | escalated: timescale missed | resolved | closed | withdrawn | "" (still at it)


@dataclass(frozen=True)
class EntryView:
    number: int
    when: str
    who: str
    kind: str
    fields: tuple[tuple[str, Any], ...]  # (label key, value): text exactly as written, names, times, flags


@dataclass(frozen=True)
class EscalationView:
    when: str
    by: str
    from_stage: str
    to_stage: str
    reason: str
    automatic: bool
    waiting_on: tuple[str, ...]


@dataclass(frozen=True)
class ChallengeView:
    when: str
    by: str
    stage: str


@dataclass(frozen=True)
class ProposalView:
    when: str
    by: str
    agreed_outcome: str
    outstanding_issues: str
    learning_points: str


@dataclass(frozen=True)
class ConfirmationView:
    when: str
    who: str
    side: str  # raiser | other
    statement: str


@dataclass(frozen=True)
class AccessRow:
    when: str
    who: str
    action: str
    format: str
    channel: str
    allowed: bool


@dataclass(frozen=True)
class ChainView:
    entries: int
    head: str
    verified: bool
    first_bad: int | None
    first_bad_kind: str
    first_bad_when: str
    problem: str


@dataclass(frozen=True)
class RecordView:
    cover: Cover
    parties: tuple[PartyView, ...]
    stages: tuple[StageRow, ...]
    entries: tuple[EntryView, ...]
    escalations: tuple[EscalationView, ...]
    challenges: tuple[ChallengeView, ...]
    proposal: ProposalView | None
    confirmations: tuple[ConfirmationView, ...]
    access: tuple[AccessRow, ...]
    chain: ChainView
