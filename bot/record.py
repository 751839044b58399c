"""The append-only record of a dispute: one entry per event, never changed or removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import ASIDES, Event


@dataclass(frozen=True)
class RecordEntry:
    dispute_id: str
    seq: int
    at: datetime
    actor: str | None
    kind: str
    details: dict[str, Any]


def entry_for(event: Event, seq: int) -> RecordEntry:
    """The record entry that keeps `event`, numbered `seq` within its dispute."""
    return RecordEntry(event.dispute_id, seq, event.at, event.actor, event.kind, event.details())


# Entries that follow from a move (a stage started because of an escalation) or stand aside from it
# (someone Parley couldn't reach): they never say by themselves what someone did.
# After the end, not moves either: learning answers, the case review prompt, legal holds (a press on an old
# button is told how the dispute ended, not that someone gave learning points)
AFTERWORDS = frozenset({"learning points given", "case review prompted", "legal hold placed", "legal hold released"})
NOT_A_MOVE = frozenset({"stage started", "formal challenge lodged"}) | ASIDES | AFTERWORDS


def moves(entries: list[RecordEntry]) -> list[RecordEntry]:
    """The entries that record a change to the dispute, leaving out asides (someone Parley couldn't reach)."""
    return [e for e in entries if e.kind not in ASIDES]


def changes_since(entries: list[RecordEntry], seq: int) -> list[RecordEntry]:
    """The moves after entry `seq` that make a form opened then out of date (someone's note does not)."""
    return [e for e in entries if e.seq > seq and e.kind not in NOT_A_MOVE | {"note"}]


def what_happened(entries: list[RecordEntry], *, after: int = 0) -> RecordEntry | None:
    """The entry that says what was last done (since entry `after`, if anything was): a move, not
    what followed from it; a proposal rather than the proposer's confirmation recorded with it."""
    said = [e for e in entries if e.kind not in NOT_A_MOVE]
    told = [e for e in said if e.seq > after] or said[-1:]
    if not told:
        return None
    last = told[-1]
    if last.kind == "resolution confirmed" and len(told) > 1:
        before = told[-2]
        if before.kind == "resolution proposed" and (before.actor, before.at) == (last.actor, last.at):
            return before
    return last
