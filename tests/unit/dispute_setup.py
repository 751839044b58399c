"""What the dispute tests share: a four-stage policy, a small directory, and helpers that open,
escalate and read a dispute through the use cases with an in-memory unit of work."""

from __future__ import annotations

from datetime import datetime, timezone

from bot import moves, opening
from bot.calendar import WorkingCalendar
from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from handlers.holidays import bank_holidays
from tests.fakes import FakeUnitOfWork
from tests.unit.factories import four_stage_policy

UTC = timezone.utc
# Monday 2 November 2026, 10:00 in London (GMT, so 10:00 UTC)
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CALENDAR = WorkingCalendar(bank_holidays("england-and-wales"))
POLICY = four_stage_policy()


def person(pid: str, agency: str, *roles: str, lm: str | None = None, platform: str = "slack") -> Person:
    return Person(
        id=pid,
        name=pid.replace(".", " ").title(),
        email=f"{pid}@example.gov.uk",
        memberships=(Membership(agency, frozenset(roles), lm),),
        identities=(Identity(platform, "T01" if platform == "slack" else "tenant-1", f"U-{pid}"),),
    )


def directory() -> Directory:
    people = [
        person("amara", "csc", lm="ben"),
        person("ben", "csc", lm="carol"),
        person("carol", "csc", "safeguarding_lead"),
        person("dev", "csc", "head_of_service"),
        person("hana", "health", lm="ian", platform="teams"),
        person("ian", "health", lm="jo", platform="teams"),
        person("jo", "health", "safeguarding_lead", platform="teams"),
        person("kim", "health", "head_of_service", platform="teams"),
        person("pat", PARTNERSHIP, "board_manager"),
        person("stranger", "csc"),
    ]
    return Directory(
        agencies={a: Agency(a, a.upper()) for a in ("csc", "health", PARTNERSHIP)},
        people={p.id: p for p in people},
    )


def open_one(uow: FakeUnitOfWork, policy=POLICY, now: datetime = MONDAY, **changes) -> moves.Outcome:
    fields = dict(
        raiser="amara",
        reference="CSC-2026-0193",
        category="threshold",
        other_agency="health",
        other_person="hana",
        problem="Referral declined as below threshold.",
        cause="Different reading of the threshold document.",
        outcome="A strategy discussion this week.",
        discussed=True,
    )
    fields.update(changes)
    return opening.open_dispute(opening.OpenDispute(**fields), uow=uow, policy=policy, calendar=CALENDAR, now=now)


def escalate(uow, dispute_id, by, now, reason="Still no agreement.", **kw):
    return moves.escalate(
        moves.Escalate(dispute_id=dispute_id, by=by, reason=reason, **kw), uow=uow, policy=POLICY, calendar=CALENDAR, now=now
    )


def kinds(uow: FakeUnitOfWork, dispute_id: str) -> list[str]:
    return [e.kind for e in uow.disputes.record(dispute_id)]
