"""How long a finished dispute is kept, and the legal hold that stops it being purged.

A purge anonymises (or deletes) closed disputes past the retention period; a dispute on legal hold
is never purged. Placing and releasing a hold each need a reason and are put on the dispute's
record. The purge itself is in storage.retention: it is the only code that may remove record entries.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Protocol, Self

from bot.dispute import MAX_REASON, Dispute
from bot.errors import Code, InvalidInput, Missing, problem
from bot.events import Event

ANONYMISE = "anonymise"
DELETE = "delete"
MODES = (ANONYMISE, DELETE)

_UNITS = {"d": "days", "day": "days", "days": "days", "w": "weeks", "week": "weeks", "weeks": "weeks",
          "m": "months", "month": "months", "months": "months", "y": "years", "year": "years", "years": "years"}
_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # days | weeks | months | years

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"

    def before(self, now: datetime) -> datetime:
        """The moment this period before `now` (a month back from 31 March is 28 or 29 February)."""
        if self.unit == "days":
            return now - timedelta(days=self.amount)
        if self.unit == "weeks":
            return now - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "years" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        day = min(now.day, _calendar.monthrange(year, month + 1)[1])
        return now.replace(year=year, month=month + 1, day=day)


def parse_period(text: str) -> Period:
    """'7 years', '6y', '18 months', '90d'; InvalidInput for anything else, or a period of nothing."""
    match = _PERIOD.match((text or "").lower())
    unit = _UNITS.get(match.group(2)) if match else None
    if not match or unit is None:
        raise InvalidInput({"older_than": problem(Code.NOT_A_PERIOD, value=text)})
    amount = int(match.group(1))
    if amount < 1:
        raise InvalidInput({"older_than": problem(Code.PERIOD_TOO_SHORT)})
    return Period(amount, unit)


# --- legal holds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalHoldPlaced(Event):
    by_name: str
    reason: str
    kind: ClassVar[str] = "legal hold placed"


@dataclass(frozen=True)
class LegalHoldReleased(Event):
    by_name: str
    reason: str
    kind: ClassVar[str] = "legal hold released"


@dataclass(frozen=True)
class Hold:
    dispute_id: str
    reason: str
    held_by: str
    held_at: datetime


@dataclass(frozen=True)
class PlaceHold:
    dispute_id: str
    by: str  # a name, as given on the command line
    reason: str


@dataclass(frozen=True)
class ReleaseHold:
    dispute_id: str
    by: str
    reason: str


class LegalHolds(Protocol):
    def get(self, dispute_id: str) -> Hold | None: ...
    def place(self, hold: Hold) -> None: ...
    def release(self, dispute_id: str) -> None: ...
    def purged(self, dispute_id: str) -> bool: ...


class HoldDisputes(Protocol):
    def get(self, dispute_id: str) -> Dispute: ...
    def append_aside(self, dispute: Dispute) -> None: ...


class HoldUnitOfWork(Protocol):
    disputes: HoldDisputes
    holds: LegalHolds

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


def _checked(text: str, name: str, what: Missing) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput({name: problem(Code.NOT_SAID, what=what)})
    if len(cleaned) > MAX_REASON:
        raise InvalidInput({name: problem(Code.TOO_LONG, limit=MAX_REASON, length=len(cleaned))})
    return cleaned


def place_hold(cmd: PlaceHold, *, uow: HoldUnitOfWork, now: datetime) -> LegalHoldPlaced:
    """Put a dispute on legal hold so no purge touches it; recorded with who and why."""
    reason = _checked(cmd.reason, "reason", Missing.HOLD_REASON)
    by = _checked(cmd.by, "by", Missing.HOLD_BY)
    with uow:
        dispute = uow.disputes.get(cmd.dispute_id)
        if uow.holds.purged(dispute.id):
            raise InvalidInput({"dispute": problem(Code.ALREADY_PURGED)})
        if uow.holds.get(dispute.id) is not None:
            raise InvalidInput({"dispute": problem(Code.ALREADY_ON_HOLD)})
        uow.holds.place(Hold(dispute.id, reason, by, now))
        event = LegalHoldPlaced(dispute.id, now, None, by_name=by, reason=reason)
        dispute.events.append(event)
        uow.disputes.append_aside(dispute)
        uow.commit()
        return event


def release_hold(cmd: ReleaseHold, *, uow: HoldUnitOfWork, now: datetime) -> LegalHoldReleased:
    """Lift a legal hold; the dispute is then purged like any other once its period has passed."""
    reason = _checked(cmd.reason, "reason", Missing.RELEASE_REASON)
    by = _checked(cmd.by, "by", Missing.RELEASE_BY)
    with uow:
        dispute = uow.disputes.get(cmd.dispute_id)
        if uow.holds.get(dispute.id) is None:
            raise InvalidInput({"dispute": problem(Code.NOT_ON_HOLD)})
        uow.holds.release(dispute.id)
        event = LegalHoldReleased(dispute.id, now, None, by_name=by, reason=reason)
        dispute.events.append(event)
        uow.disputes.append_aside(dispute)
        uow.commit()
        return event
