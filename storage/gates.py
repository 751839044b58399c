"""Pauses and pacing for delivery, kept in the database so every pass and every process obeys them.

A gate is a (platform, scope) row with the moment that scope may next be sent to. A 429 moves a
workspace's gate to the end of its Retry-After; sends failing in a row (a 5xx, no answer) pause it
for 1, 2, 4 ... up to 30 seconds, so during an outage one message a pause probes the platform while
the rest wait without using up attempts; each send moves the gates of the scopes it is paced in
(its channel or conversation, and a workspace-wide limit of its method) one interval on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from storage.lanes import Gate
from storage.models import DeliveryGateRow, PlatformCheckRow, table_of

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_PAUSE = 30  # seconds: the longest pause after failures in a row


# A send's statements, built once with bound parameters and run through Core (storage.outbox's note on
# delivery's statements): a gate's row first (on SQLite it takes the write lock before anything is read; on
# PostgreSQL the rows then exist to be locked, in a fixed order), then the rows locked, then each pace moved on.
_GATES = table_of(DeliveryGateRow)
_ADD = {
    name: insert(_GATES).on_conflict_do_nothing(index_elements=["platform", "scope"])
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_LOCKED = (
    select(_GATES.c.scope, _GATES.c.not_before, _GATES.c.failures)
    .where(_GATES.c.platform == bindparam("platform"), _GATES.c.scope.in_(bindparam("scopes", expanding=True)))
    .order_by(_GATES.c.scope)
    .with_for_update()
)
_MOVE_ON = (
    update(_GATES)
    .where(_GATES.c.platform == bindparam("g_platform"), _GATES.c.scope == bindparam("g_scope"))
    .values(not_before=bindparam("g_not_before"))
)


def _locked(session: Session, platform: str, scopes: Sequence[str]) -> dict[str, Any]:
    """The gates' rows (scope, not_before, failures) by scope, each made if new, locked until commit."""
    connection = session.connection()
    wanted = sorted(set(scopes))
    rows = [{"platform": platform, "scope": s, "not_before": EPOCH, "reason": None, "failures": 0} for s in wanted]
    connection.execute(_ADD[connection.dialect.name], rows)
    return {r.scope: r for r in connection.execute(_LOCKED, {"platform": platform, "scopes": wanted})}


@dataclass(frozen=True)
class Slot:
    at: datetime  # when the send may go
    taken: bool  # True: the slot is reserved for this send; False: come back at `at`
    failures: int = 0  # the workspace's sends failed in a row until now


class DeliveryGates:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def _lock(self, session: Session, platform: str, scopes: Sequence[str]) -> dict[str, DeliveryGateRow]:
        """The gates' rows as objects to change, each made if new, locked until commit (the rarer steps)."""
        _locked(session, platform, scopes)
        rows = session.scalars(select(DeliveryGateRow).where(DeliveryGateRow.platform == platform, DeliveryGateRow.scope.in_(sorted(set(scopes)))))
        return {r.scope: r for r in rows}

    def reserve(self, platform: str, *, pause: str, paces: Sequence[Gate] = (), now: datetime, max_wait: timedelta) -> Slot:
        """The first moment a send may go, given the `pause` scope (a workspace) and the `paces` (storage.lanes.Gate),
        e.g. the channel (one post every interval) and the workspace's limit for the method. If that
        moment is at most `max_wait` away it is reserved (each gate's schedule moves one interval on
        from it); otherwise nothing changes and the caller comes back then."""
        scopes = [pause] + [g.scope for g in paces]
        with self.sessions.begin() as session:
            rows = _locked(session, platform, scopes)
            at = max([now, rows[pause].not_before] + [rows[g.scope].not_before - g.burst for g in paces])
            failures = rows[pause].failures
            if at - now > max_wait:
                return Slot(at, False, failures)
            next_slot = {scope: row.not_before for scope, row in rows.items()}
            for g in paces:
                next_slot[g.scope] = max(next_slot[g.scope], at) + g.interval
            moved = [{"g_platform": platform, "g_scope": s, "g_not_before": next_slot[s]} for s in dict.fromkeys(g.scope for g in paces)]
            if moved:
                session.connection().execute(_MOVE_ON, moved)
            return Slot(at, True, failures)

    def pause(self, platform: str, scope: str, *, until: datetime, reason: str) -> None:
        """Nothing goes to `scope` before `until` (a later pause already set is kept)."""
        with self.sessions.begin() as session:
            row = self._lock(session, platform, [scope])[scope]
            if until > row.not_before:
                row.not_before = until
                row.reason = reason[:500]

    def trouble(self, platform: str, scope: str, *, now: datetime, reason: str) -> None:
        """A send failed without a definite answer: pause `scope` a little longer each time in a row."""
        with self.sessions.begin() as session:
            row = self._lock(session, platform, [scope])[scope]
            row.failures += 1
            until = now + timedelta(seconds=min(2 ** (row.failures - 1), MAX_PAUSE))
            if until > row.not_before:
                row.not_before, row.reason = until, reason[:500]

    def fine(self, platform: str, scope: str) -> None:
        """A send went through: the failures in a row are over."""
        with self.sessions.begin() as session:
            self._lock(session, platform, [scope])[scope].failures = 0

    def paused_until(self, platform: str, scope: str) -> datetime | None:
        with self.sessions() as session:
            return session.scalar(
                select(DeliveryGateRow.not_before).where(DeliveryGateRow.platform == platform, DeliveryGateRow.scope == scope)
            )


class PlatformChecks:
    """The workspace each platform's last successful start-up check saw."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def remember(self, platform: str, workspace: str, detail: dict[str, Any], now: datetime) -> None:
        # one statement, so replicas starting together can't both insert (a merge reads, then inserts)
        values = {"workspace": workspace, "detail": detail, "checked_at": now}
        with self.sessions.begin() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            session.execute(
                insert(PlatformCheckRow).values(platform=platform, **values).on_conflict_do_update(index_elements=["platform"], set_=values)
            )

    def last(self, platform: str) -> PlatformCheckRow | None:
        with self.sessions() as session:
            row = session.get(PlatformCheckRow, platform)
            if row is not None:
                session.expunge(row)
            return row
