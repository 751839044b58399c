"""Who is asked to act on which active dispute (the dispute_asked rows), and the morning digest's question.

The rows are written in the transaction that saves a dispute (SqlDisputeRepository.add and
save_many): a stage that starts or ends, an escalation, a close or a new deadline changes them in
the same commit, so they never disagree with the dispute's routing. A dispute that is no longer
active has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from bot.dispute import Dispute
from bot.policy import PRACTITIONER
from storage.bulk import insert_many
from storage.models import AskedRow, table_of

_asked = table_of(AskedRow)
_INSERT, _DELETE = insert(_asked), delete(_asked)


def asked_rows(dispute: Dispute) -> list[dict[str, object]]:
    """One row per person asked at the dispute's current stage (none when it is not active).

    Someone asked in several roles gets one row, in a lead's role if any of theirs is one."""
    if not dispute.status.is_active:
        return []
    roles: dict[str, str] = {}
    for a in dispute.routing.assignees:
        if a.person_id not in roles or roles[a.person_id] == PRACTITIONER:
            roles[a.person_id] = a.role
    return [
        {
            "dispute_id": dispute.id,
            "person_id": person_id,
            "stage_index": dispute.stage_index,
            "role": role,
            "lead": role != PRACTITIONER,
            "due": dispute.deadline,
        }
        for person_id, role in sorted(roles.items())
    ]


def keep_asked(session: Session, disputes: Sequence[Dispute], *, new: bool = False) -> None:
    """Replace these disputes' rows with who is asked now (`new` disputes have none yet): two statements."""
    if not disputes:
        return
    connection = session.connection()  # Core: nothing here loads or tracks objects
    if not new:
        ids = sorted({d.id for d in disputes})
        for start in range(0, len(ids), 1000):
            connection.execute(_DELETE.where(_asked.c.dispute_id.in_(ids[start : start + 1000])))
    rows = [r for d in disputes for r in asked_rows(d)]
    if rows:
        insert_many(connection, _INSERT, rows)


class Waiting(NamedTuple):
    """What waits on one lead: how many active disputes, and the ids of the soonest due (at most `top`)."""

    person_id: str
    total: int  # how many active disputes wait on them
    soonest: tuple[str, ...]


def waiting_on_leads(session: Session, top: int) -> list[Waiting]:
    """Every manager or lead asked to act on an active dispute, by person id: a count per person
    (one grouped query on the index), then each person's `top` soonest due (one indexed query each)."""
    counts = session.execute(
        select(_asked.c.person_id, func.count())
        .where(_asked.c.lead.is_(True))
        .group_by(_asked.c.person_id)
        .order_by(_asked.c.person_id)
    ).all()
    out = []
    for person_id, count in counts:
        soonest = session.scalars(
            select(_asked.c.dispute_id)
            .where(_asked.c.lead.is_(True), _asked.c.person_id == person_id)
            .order_by(_asked.c.due, _asked.c.dispute_id)
            .limit(top)
        ).all()
        out.append(Waiting(person_id, int(count), tuple(soonest)))
    return out
