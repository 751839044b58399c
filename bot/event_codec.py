"""Events as plain JSON and back, for a change told to people after it was saved (bot/notices.py).

Generic: an event is written as its kind, moment, actor and `Event.details()`, and read back by
its class's own field types (str, int, bool, datetime, enums, tuples, `X | None`), so a new kind
of event needs nothing here. Round trip tested for every kind in tests/unit/test_notices.py.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.events import Event


def encode(event: Event) -> dict[str, Any]:
    """The event as JSON-ready values."""
    return {"kind": event.kind, "at": event.at.isoformat(), "actor": event.actor, "details": event.details()}


def decode(dispute_id: str, data: dict[str, Any]) -> Event:
    """The event `encode` wrote, for dispute `dispute_id`. KeyError for a kind no class has."""
    kind = data["kind"]
    cls = _KINDS.get(kind) or _classes()[kind]
    details = data["details"]
    values = {name: read(details[name]) for name, read in _readers(cls) if name in details}
    return cls(dispute_id=dispute_id, at=datetime.fromisoformat(data["at"]), actor=data["actor"], **values)


Reader = Callable[[Any], Any]
_READERS: dict[type, list[tuple[str, Reader]]] = {}


def _readers(cls: type) -> list[tuple[str, Reader]]:
    """How to read back each of the class's own fields (not the event's id, moment and actor), worked out once per class."""
    if cls not in _READERS:
        hints = typing.get_type_hints(cls)
        own = [f for f in dataclasses.fields(cls) if not issubclass(cls, Event) or f.name not in ("dispute_id", "at", "actor")]
        _READERS[cls] = [(f.name, _reader(hints[f.name])) for f in own]
    return _READERS[cls]


def _as_is(value: Any) -> Any:
    return value


def _maybe(read: Reader) -> Reader:
    def reading(value: Any) -> Any:
        return None if value is None else read(value)

    return reading


def _reader(hint: Any) -> Reader:
    """A function from the JSON value of a field of type `hint` to the field's value (None stays None)."""
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _reader(inner[0]) if len(inner) == 1 else _as_is
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            each = _reader(args[0])
            return _maybe(lambda v: tuple(map(each, v)))
        parts = [_reader(a) for a in args]
        return _maybe(lambda v: tuple(read(x) for read, x in zip(parts, v, strict=True)))
    if hint is datetime:
        return _maybe(datetime.fromisoformat)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _maybe(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = dict(_readers(hint))
        return _maybe(lambda v: hint(**{k: fields[k](x) for k, x in v.items()}))
    return _as_is


_KINDS: dict[str, type[Event]] = {}


def _classes() -> dict[str, type[Event]]:
    """Every kind of event by its kind, found among Event's subclasses (those whose modules are
    loaded), looked for again when a kind is not yet known."""
    todo = list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        _KINDS[cls.kind] = cls
        todo += cls.__subclasses__()
    return _KINDS
