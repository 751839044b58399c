"""Row locks that let sweepers share out due work instead of queueing on it."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def skip_locked(session: Session, query: _Query) -> _Query:
    """Lock the selected rows for this transaction, skipping rows locked elsewhere (PostgreSQL only;
    SQLite has one writer at a time, and every claim is a conditional update as well)."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
