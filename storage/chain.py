"""The record's hash chain: each entry's hash covers its content and the hash of the entry before it.

Canonical content of an entry (version 1) is the JSON object

    {"v": 1, "prev": PREVIOUS_HASH, "dispute": DISPUTE_ID, "seq": SEQ, "kind": KIND,
     "actor": PERSON_ID or null, "at": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "details": DETAILS}

serialised with keys sorted by Unicode code point at every level, no whitespace (separators
"," and ":"), every character outside ASCII written as a \\uXXXX escape (lower-case hex, UTF-16
surrogate pairs above U+FFFF), integers as integers, no NaN or infinity: exactly what Python's
`json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)`
writes. "at" is the entry's moment in UTC with microseconds; "details" is the entry's data as
stored, text exactly as written. PREVIOUS_HASH is the hash of entry SEQ-1 of the same dispute, or
64 zeros for the first entry. An entry's hash is the lower-case hex SHA-256 of those ASCII bytes.

Changing any stored field of an entry breaks its hash; recomputing that hash breaks the next
entry's; removing an entry leaves a gap in the numbering. Only someone who rewrites every later
entry too can hide a change, and the head printed on every export is there to catch that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.export import ChainCheck as ChainCheck  # the result type lives in the core; re-exported for callers of storage.chain
from storage.models import DisputeRow, RecordEntryRow

GENESIS = "0" * 64
VERSION = 1


def _utc(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *, prev: str, dispute_id: str, seq: int, kind: str, actor: str | None, at: datetime, details: Mapping[str, Any]
) -> bytes:
    """The canonical bytes of one entry (see the module's docstring)."""
    obj = {
        "v": VERSION,
        "prev": prev,
        "dispute": dispute_id,
        "seq": seq,
        "kind": kind,
        "actor": actor,
        "at": _utc(at),
        "details": details,
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def entry_hash(prev: str, row: Mapping[str, Any]) -> str:
    """The hash of a record_entries row (a dict of its columns) that follows the entry hashed `prev`."""
    data = canonical(
        prev=prev,
        dispute_id=row["dispute_id"],
        seq=row["seq"],
        kind=row["kind"],
        actor=row["actor_id"],
        at=row["at"],
        details=row["details"],
    )
    return hashlib.sha256(data).hexdigest()


def heads(session: Session, dispute_ids: Collection[str]) -> dict[str, tuple[int, str]]:
    """(last seq, its hash) of each of these disputes that has entries."""
    last = (
        select(RecordEntryRow.dispute_id, func.max(RecordEntryRow.seq).label("seq"))
        .where(RecordEntryRow.dispute_id.in_(sorted(dispute_ids)))
        .group_by(RecordEntryRow.dispute_id)
        .subquery()
    )
    rows = session.execute(
        select(RecordEntryRow.dispute_id, RecordEntryRow.seq, RecordEntryRow.hash).join(
            last, (RecordEntryRow.dispute_id == last.c.dispute_id) & (RecordEntryRow.seq == last.c.seq)
        )
    )
    return {dispute_id: (seq, hash_) for dispute_id, seq, hash_ in rows}


# --- verifying ----------------------------------------------------------------------------------



def check_rows(dispute_id: str, reference: str, rows: Sequence[Mapping[str, Any]]) -> ChainCheck:
    """Walk one dispute's entries in seq order; stop at the first that does not match."""
    prev = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        problem = ""
        if row["seq"] != expected_seq:
            problem = "missing"
        elif not row["hash"]:
            problem = "unhashed"
        elif entry_hash(prev, row) != row["hash"]:
            problem = "changed"
        if problem:
            return ChainCheck(dispute_id, reference, len(rows), None, False, row["seq"], row["kind"], row["at"], problem)
        prev = row["hash"]
    return ChainCheck(dispute_id, reference, len(rows), rows[-1]["hash"] if rows else None, True)


_COLUMNS = (
    RecordEntryRow.dispute_id,
    RecordEntryRow.seq,
    RecordEntryRow.at,
    RecordEntryRow.actor_id,
    RecordEntryRow.kind,
    RecordEntryRow.details,
    RecordEntryRow.hash,
)


def verify(session: Session, dispute_ids: Collection[str] | None = None) -> Iterator[ChainCheck]:
    """Check the chain of each dispute (every dispute when `dispute_ids` is None), oldest dispute first.

    The entries are read in one ordered pass, a thousand rows at a time, so checking every record
    costs one query however many disputes there are.
    """
    disputes = select(DisputeRow.id, DisputeRow.reference).order_by(DisputeRow.opened_at, DisputeRow.id)
    entries = (
        select(*_COLUMNS)
        .join(DisputeRow, DisputeRow.id == RecordEntryRow.dispute_id)
        .order_by(DisputeRow.opened_at, DisputeRow.id, RecordEntryRow.seq)
        .execution_options(yield_per=1000)
    )
    if dispute_ids is not None:
        disputes = disputes.where(DisputeRow.id.in_(sorted(dispute_ids)))
        entries = entries.where(RecordEntryRow.dispute_id.in_(sorted(dispute_ids)))
    references = session.execute(disputes).all()
    rows = (dict(r._mapping) for r in session.execute(entries))
    pending = next(rows, None)
    for dispute_id, reference in references:
        mine = []
        while pending is not None and pending["dispute_id"] == dispute_id:
            mine.append(pending)
            pending = next(rows, None)
        yield check_rows(dispute_id, reference, mine)
