"""Disputes taken through the real use cases at chosen moments, for the report and retention tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bot import moves, opening, upkeep
from bot.directory import Directory
from bot.moves import CloseUnresolved, ConfirmResolution, Escalate, ProposeResolution, Withdraw
from bot.opening import OpenDispute
from handlers.files import read_policy
from handlers.holidays import calendar_for
from storage.db import session_factory
from storage.learning import BoardUnitOfWork
from tests.builders import directory_for

POLICY = read_policy("bradford")
CALENDAR = calendar_for(POLICY)
RAISERS = {"csc": ("amara.okafor", "police", "dc.jones"), "police": ("dc.jones", "csc", "amara.okafor")}
PROBLEM = "The referral about Jamie Smith's bruising was not accepted for assessment."


def directory() -> Directory:
    return directory_for(POLICY)


def uow(engine: Engine) -> BoardUnitOfWork:
    return BoardUnitOfWork(session_factory(engine))


def load(engine: Engine) -> None:
    upkeep.load_directory(directory(), uow=uow(engine))


def open_one(
    engine: Engine,
    now: datetime,
    *,
    raised_by: str = "csc",
    category: str | None = None,
    urgent: bool = False,
    reference: str = "CSC-2026-0001",
) -> str:
    raiser, other_agency, other = RAISERS[raised_by]
    cmd = OpenDispute(
        raiser=raiser,
        reference=reference,
        category=category or POLICY.categories[0],
        other_agency=other_agency,
        other_person=other,
        problem=PROBLEM,
        cause="Different readings of the threshold document.",
        outcome="A strategy discussion this week.",
        discussed=True,
        immediate_risk=urgent,
    )
    return opening.open_dispute(cmd, uow=uow(engine), policy=POLICY, calendar=CALENDAR, now=now).dispute.id


def parties(engine: Engine, dispute_id: str) -> tuple[str, str]:
    with uow(engine) as u:
        d = u.disputes.get(dispute_id)
    return d.raiser.person_id or "", d.other.person_id or ""


def escalate(engine: Engine, dispute_id: str, now: datetime, times: int = 1) -> None:
    raiser, _ = parties(engine, dispute_id)
    for _ in range(times):
        moves.escalate(
            Escalate(dispute_id, raiser, reason="No agreement was reached."), uow=uow(engine), policy=POLICY, calendar=CALENDAR, now=now
        )


def resolve(engine: Engine, dispute_id: str, now: datetime) -> None:
    raiser, other = parties(engine, dispute_id)
    moves.propose_resolution(
        ProposeResolution(dispute_id, raiser, agreed_outcome="Strategy discussion on Thursday.", learning_points="Share the history."),
        uow=uow(engine),
        now=now,
    )
    moves.confirm_resolution(
        ConfirmResolution(dispute_id, other, statement="Agreed, for the police."), uow=uow(engine), policy=POLICY, now=now
    )


def close_unresolved(engine: Engine, dispute_id: str, now: datetime) -> str:
    """Escalate to the last stage and close there; returns who closed it."""
    with uow(engine) as u:
        stage = u.disputes.get(dispute_id).stage_index
    escalate(engine, dispute_id, now, POLICY.last_index - stage)
    with uow(engine) as u:
        closer = u.disputes.get(dispute_id).routing.assignees[0].person_id
    moves.close_unresolved(
        CloseUnresolved(dispute_id, closer, reason="The decision stands."), uow=uow(engine), policy=POLICY, now=now
    )
    return closer


def withdraw(engine: Engine, dispute_id: str, now: datetime) -> None:
    raiser, _ = parties(engine, dispute_id)
    moves.withdraw(Withdraw(dispute_id, raiser, reason="Sorted out by phone."), uow=uow(engine), now=now)
