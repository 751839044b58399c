"""What the storage tests of disputes, the directory and concurrency share: Bradford with both
practitioners asked at its first step, the stored directory, and helpers that open and read disputes."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from bot import opening
from bot.dispute import Dispute
from bot.moves import Outcome
from bot.opening import OpenDispute
from bot.policy import Sides
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import at

# Bradford, with its first step asking both practitioners (the preset asks the raiser only), so
# that every test here starts with someone to act on each side.
_BRADFORD = read_policy("bradford")
POLICY = dataclasses.replace(
    _BRADFORD, stages=(dataclasses.replace(_BRADFORD.stages[0], sides=Sides.BOTH), *_BRADFORD.stages[1:])
)
CALENDAR = calendar_for(POLICY)
MONDAY = at(2026, 11, 23, 10, 0)  # no bank holidays for the next fortnight
TUESDAY = at(2026, 11, 24, 10, 0)


def new_uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))

def open_dispute(
    engine: Engine,
    *,
    raiser: str = "amara.okafor",
    other_agency: str = "police",
    other_person: str | None = "dc.jones",
    other_description: str = "",
    now=MONDAY,
    reference: str = "CSC-2026-0193",
    immediate_risk: bool = False,
    key: str | None = None,
) -> Outcome:
    cmd = OpenDispute(
        raiser=raiser,
        reference=reference,
        category="Criteria for referrals",
        other_agency=other_agency,
        other_person=other_person,
        other_description=other_description,
        problem="The referral about repeated domestic incidents was not accepted for assessment.",
        cause="Different readings of the threshold document.",
        outcome="A strategy discussion this week.",
        discussed=True,
        immediate_risk=immediate_risk,
        idempotency_key=key,
    )
    return opening.open_dispute(cmd, uow=new_uow(engine), policy=POLICY, calendar=CALENDAR, now=now)


def stored(engine: Engine, dispute_id: str) -> Dispute:
    with new_uow(engine) as uow:
        return uow.disputes.get(dispute_id)


def record_rows(engine: Engine, dispute_id: str | None = None) -> list[tuple]:
    """(dispute_id, seq, kind, actor_id, details) of the stored entries, read with plain SQL."""
    query = "SELECT dispute_id, seq, kind, actor_id, details FROM record_entries"
    with engine.connect() as conn:
        if dispute_id is None:
            rows = conn.execute(sa.text(query + " ORDER BY dispute_id, seq"))
        else:
            rows = conn.execute(sa.text(query + " WHERE dispute_id = :d ORDER BY seq"), {"d": dispute_id})
        # SQLite hands JSON back as text, PostgreSQL as values
        return [(*r[:4], json.loads(r[4]) if isinstance(r[4], str) else r[4]) for r in rows]


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def assert_aware_utc(*moments) -> None:
    for moment in moments:
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0), moment
