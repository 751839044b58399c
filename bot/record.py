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


def moves(entries: list[RecordEntry]) -> list[RecordEntry]:
    """The entries that record a change to the dispute, leaving out asides (someone Parley couldn't reach)."""
    return [e for e in entries if e.kind not in ASIDES]
