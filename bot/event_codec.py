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
    hints = _hints(cls)
    details = data["details"]
    values = {f.name: _value(hints[f.name], details[f.name]) for f in dataclasses.fields(cls) if f.name in details}
    return cls(dispute_id=dispute_id, at=datetime.fromisoformat(data["at"]), actor=data["actor"], **values)


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _value(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], v) for v in value)
        return tuple(_value(a, v) for a, v in zip(args, value, strict=True))
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        inner_hints = _hints(hint)
        return hint(**{k: _value(inner_hints[k], v) for k, v in value.items()})
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


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
