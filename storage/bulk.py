"""Many rows inserted with one statement, with less of the engine's per-row work.

`connection.execute(insert, rows)` looks the statement up in the compiled cache, builds each row's
parameters through the compiled statement and runs every value through its column's type, each
step per row in general-purpose code: for the thousands of outbox rows of a Monday's sweep, or the
rows of a burst of form submissions written together, that was a large share of the work. Here
the statement is compiled once per engine's dialect and set of keys, each row becomes the driver's
parameters in one pass with the same type conversions (UTC times, JSON text), and the driver's
executemany runs it through `exec_driver_sql`: the same SQL, the same transaction, and the
engine's events still see every statement.

The repositories insert their rows through it (the outbox, the record, involvement, reminders,
notices). Rows that need more (a key missing, so a column default would be filled in), any
statement but an insert, and the group commit's noting connection (storage/group_commit.py,
which writes the noted rows through here in its turn) go the ordinary way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert


class _Compiled:
    def __init__(self, statement: Insert, dialect: Dialect, keys: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        self.sql = str(compiled)
        names = dict(compiled.bind_names)  # each bound parameter and its name in the SQL
        self.fits = set(names.values()) == set(keys) and len(names) == len(keys)
        converters = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for bind, name in names.items()}
        order = compiled.positiontup  # the driver's positional order; None for named parameters
        self.positional = order is not None
        self.names: tuple[str, ...] = tuple(order or list(converters))
        # a row's values in that order, fetched in C; then only the columns that need it converted
        self.values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = itemgetter(*self.names) if len(self.names) > 1 else _one(self.names[0])
        self.converts: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (i, convert) for i, name in enumerate(self.names) if (convert := converters.get(name)) is not None
        )

    def params(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The driver's parameters for the rows (KeyError if a row lacks one of the first row's keys)."""
        values, converts, out = self.values, self.converts, []
        for row in rows:
            got: Any = values(row)
            if converts:
                got = list(got)
                for i, convert in converts:
                    got[i] = convert(got[i])
            out.append(tuple(got) if self.positional else dict(zip(self.names, got, strict=True)))
        return out


def _one(name: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """As itemgetter(*names) for one name, but a tuple of one (itemgetter of one name gives the value alone)."""
    return lambda row: (row[name],)


# per dialect object, as the engine's own compiled cache is per engine: the converters a statement
# is compiled with (the JSON serializer, the parameter style) are that engine's
_compiled: WeakKeyDictionary[Dialect, dict[tuple[int, tuple[str, ...]], tuple[Insert, _Compiled]]] = WeakKeyDictionary()
_lock = threading.Lock()
_MOST = 256  # statements kept per dialect: the repositories' are a few dozen, built once each


def _for(statement: Insert, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    cache_key = (id(statement), keys)
    with _lock:
        found = _compiled.get(dialect, {}).get(cache_key)
    if found is not None and found[0] is statement:
        return found[1]
    made = _Compiled(statement, dialect, keys)
    with _lock:
        mine = _compiled.setdefault(dialect, {})
        if len(mine) >= _MOST:
            mine.clear()  # statements made per call would otherwise be kept for ever
        mine[cache_key] = (statement, made)  # the statement kept with it, so its id is never reused
    return made


def insert_many(connection: Any, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Execute the insert for all rows, in the connection's transaction (see the module's docstring)."""
    if not rows:
        return
    if not isinstance(connection, Connection) or not isinstance(statement, Insert):  # the group commit's noting connection: as is
        connection.execute(statement, list(rows))
        return
    keys = tuple(rows[0])
    compiled = _for(statement, connection.dialect, keys)
    if not compiled.fits or any(len(row) != len(keys) for row in rows):
        connection.execute(statement, list(rows))
        return
    try:
        params = compiled.params(rows)
    except KeyError:  # a row with other keys than the first
        connection.execute(statement, list(rows))
        return
    connection.exec_driver_sql(compiled.sql, params)
