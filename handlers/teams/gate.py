"""The front door of POST /api/messages: what an activity must be before Parley acts on it.

Checked in this order, each refusal one log line and a short JSON answer, nothing stored:
  - the body is a JSON object with a `type` (400 otherwise);
  - its token is valid (401: handlers/teams/adapter.py);
  - with authentication on it comes from Teams itself (`channelId` msteams; Web Chat, Direct Line
    and the other Bot Framework channels let their users choose `from` and `channelData`) (403);
  - it names its tenant, the same one wherever it says it (403): an activity without a tenant
    never reaches the directory, where an empty tenant would match anyone's identity;
  - its `serviceUrl` is one of Microsoft's Teams service hosts (403): Parley replies there with
    its own access token, and keeps it to reach the person later;
  - what a card sent back (`value`) has the shapes Parley's cards produce (400).

Nothing here imports botbuilder: the activity is checked as the JSON Teams sent.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from handlers.refusal import Refused
from messages import http

log = logging.getLogger("parley.teams.gate")

TEAMS_CHANNEL = "msteams"
# Microsoft's Teams service endpoints (public cloud, GCC, GCC High, DoD), as the Microsoft 365 Agents
# SDK lists them (TeamsServiceEndpoints); every regional serviceUrl Teams gives is under these hosts.
MICROSOFT_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)
MAX_VALUE_DEPTH = 8  # Parley's cards send back a flat object (Action.Execute: {action: {data: {...}}})
COUNTERS = ("seq", "version")  # what Parley's cards carry back to say which version of a dispute was seen
MAX_TEXT = 20_000  # one field typed into a card; Teams itself stops far below this



def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return None
    return (parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80))


@dataclass(frozen=True)
class ServiceUrls:
    """Where Teams' connector may be: https on Microsoft's hosts, or origins given explicitly (a local mock)."""

    origins: frozenset[tuple[str, str, int]]

    @classmethod
    def of(cls, entries: Iterable[str]) -> ServiceUrls:
        """From hosts (https implied) or origins (scheme://host[:port]); ValueError names an entry that is neither."""
        origins = set()
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            origin = _origin(entry if "://" in entry else f"https://{entry}")
            if origin is None:
                raise ValueError(f"'{entry}' is not a host name or a scheme://host[:port] origin")
            origins.add(origin)
        if not origins:
            raise ValueError("the list is empty")
        return cls(frozenset(origins))

    @classmethod
    def parse(cls, text: str | None) -> ServiceUrls:
        """A comma-separated setting; unset means Microsoft's Teams service hosts."""
        return cls.of(text.split(",")) if text and text.strip() else cls.microsoft()

    @classmethod
    def microsoft(cls) -> ServiceUrls:
        return cls.of(MICROSOFT_SERVICE_HOSTS)

    def allows(self, url: str | None) -> bool:
        origin = _origin(url) if isinstance(url, str) and url else None
        return origin is not None and origin in self.origins

    def __str__(self) -> str:
        return ", ".join(sorted(f"{s}://{h}" + ("" if (s, p) in (("https", 443), ("http", 80)) else f":{p}") for s, h, p in self.origins))


def read_body(raw: bytes) -> dict[str, Any]:
    """The activity as a JSON object, or Refused(400)."""
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refused(400, f"the body is not JSON ({type(exc).__name__})", http.NOT_JSON) from None
    if not isinstance(body, dict):
        raise Refused(400, f"the body is JSON but a {type(body).__name__}, not an activity object", http.ONE_ACTIVITY)
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        raise Refused(400, "the activity has no type", http.NO_TYPE)
    for name in ("channelId", "serviceUrl", "id", "name", "text", "replyToId"):
        if name in body and body[name] is not None and not isinstance(body[name], str):
            raise Refused(400, f"the activity's {name} is a {type(body[name]).__name__}, not text", http.UNREADABLE_ACTIVITY)
    if "entities" in body and body["entities"] is not None and not isinstance(body["entities"], list):
        raise Refused(400, "the activity's entities are not a list", http.UNREADABLE_ACTIVITY)
    for name in ("from", "conversation", "recipient", "channelData"):
        if name in body and body[name] is not None and not isinstance(body[name], dict):
            raise Refused(400, f"the activity's {name} is a {type(body[name]).__name__}, not an object", http.UNREADABLE_ACTIVITY)
    for entity in body.get("entities") or []:
        mentioned = entity.get("mentioned") if isinstance(entity, dict) else None
        if not isinstance(entity, dict) or (entity.get("type") == "mention" and not isinstance(mentioned, dict)):
            raise Refused(400, "the activity's entities are not Teams entities", http.UNREADABLE_ACTIVITY)
    return body


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def tenant_in(body: Mapping[str, Any]) -> str:
    """The tenant the activity names (channelData.tenant.id, else conversation.tenantId); '' if none; Refused(403) if they differ."""
    data = body.get("channelData") or {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    from_data = tenant.get("id") if isinstance(tenant, dict) else None
    conversation = body.get("conversation") or {}
    from_conversation = conversation.get("tenantId") if isinstance(conversation, dict) else None
    named = [t for t in (from_data, from_conversation) if t is not None]
    if any(not isinstance(t, str) for t in named):
        raise Refused(400, "the activity's tenant is not text", http.UNREADABLE_ACTIVITY)
    if len({t.strip() for t in named}) > 1:
        raise Refused(403, f"the activity names two tenants ({from_data} and {from_conversation})", http.NOT_FROM_TEAMS)
    return next((t.strip() for t in named if t.strip()), "")


def check_origin(body: Mapping[str, Any], *, authenticated: bool, service_urls: ServiceUrls) -> None:
    """Refused(403) unless the activity is Teams', in one tenant, with a Teams service URL (see the module's docstring)."""
    channel = body.get("channelId")
    if authenticated and channel != TEAMS_CHANNEL:
        raise Refused(403, f"an activity from the '{channel}' channel, not msteams", http.TEAMS_ONLY)
    if not tenant_in(body):
        raise Refused(403, "the activity names no tenant", http.NOT_FROM_TEAMS)
    if not service_urls.allows(body.get("serviceUrl")):
        raise Refused(403, f"the activity's serviceUrl {str(body.get('serviceUrl'))[:100]!r} is not a Teams service host", http.NOT_FROM_TEAMS)


def check_value(body: Mapping[str, Any]) -> None:
    """Refused(400) unless what a card sent back is what Parley's cards send: objects of text, numbers and yes/no.

    The flows read these fields as text; a list where an object belongs, a number where text
    belongs, a nested structure or a string Python cannot encode would otherwise fail deep inside.
    """
    if "value" not in body or body["value"] is None:
        return
    value = body["value"]
    if not isinstance(value, dict):
        if body.get("type") == "message":
            raise Refused(400, f"the card sent back a {type(value).__name__}, not an object", http.UNREADABLE_CARD)
        return
    if body.get("type") == "invoke" and body.get("name") == "adaptiveCard/action":
        action = value.get("action")
        if not isinstance(action, dict):
            raise Refused(400, "the card action is not an object", http.UNREADABLE_CARD)
        for name in ("type", "verb", "id"):
            if action.get(name) is not None and not isinstance(action.get(name), str):
                raise Refused(400, f"the card action's {name} is not text", http.UNREADABLE_CARD)
        data = action.get("data")
        if data is not None and not isinstance(data, dict):
            raise Refused(400, f"the card action's data is a {type(data).__name__}, not an object", http.UNREADABLE_CARD)
        _check_fields(data or {}, "data")
        return
    _check_fields(value, "value")


def _check_fields(fields: Mapping[str, Any], where: str, depth: int = 0) -> None:
    if depth > MAX_VALUE_DEPTH:
        raise Refused(400, f"the card's {where} is nested too deep", http.UNREADABLE_CARD)
    for key, item in fields.items():
        path = f"{where}.{str(key)[:40]}"
        if isinstance(item, dict):
            _check_fields(item, path, depth + 1)
        elif isinstance(item, list):
            raise Refused(400, f"the card's {path} is a list", http.UNREADABLE_CARD)
        elif isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, float) and not math.isfinite(item):
            raise Refused(400, f"the card's {path} is not a finite number", http.UNREADABLE_CARD)
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise Refused(400, f"the card's {path} has an unexpected type", http.UNREADABLE_CARD)
        _check_text(str(key), f"{where} key")
    for name in COUNTERS:
        if name in fields and fields[name] is not None and not _whole_number(fields[name]):
            raise Refused(400, f"the card's {where}.{name} is not a whole number", http.UNREADABLE_CARD)


def _whole_number(item: Any) -> bool:
    if isinstance(item, bool):
        return False
    if isinstance(item, int):
        return 0 <= item < 2**63
    return isinstance(item, str) and re.fullmatch(r"[0-9]{1,18}", item) is not None


def _check_text(text: str, path: str) -> None:
    if len(text) > MAX_TEXT:
        raise Refused(400, f"the card's {path} is {len(text)} characters long", http.TOO_LONG)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, f"the card's {path} holds a lone surrogate (not Unicode text)", http.UNREADABLE_CARD) from None
