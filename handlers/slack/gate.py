"""The front door of POST /slack/events: a request is signed, readable and an object before bolt sees it.

Each refusal is one log line and a short plain answer, and nothing is stored:
  - a body over the web app's limit is 413;
  - a missing or non-numeric X-Slack-Request-Timestamp, or a signature that doesn't match, is 401
    (checked before the body is parsed, so an unsigned body is never read at all);
  - a signed body that is not UTF-8, not JSON where JSON belongs, or JSON that is not an object, is 400.
The parsing is slack_bolt's own (request/internals.py `parse_body`), done once: bolt is handed the
result.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from handlers.refusal import Refused
from messages import http

TIMESTAMP = re.compile(r"[0-9]{1,12}")



def check_signature(raw: bytes, headers: Any, verifier: SignatureVerifier) -> None:
    """Refused(401) unless Slack signed exactly these bytes within the last five minutes.

    Slack's `ssl_check=1` probe is let through as bolt lets it through: bolt answers it with an
    empty 200 before anything else runs.
    """
    if _is_ssl_check(raw):
        return
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    signature = headers.get("X-Slack-Signature") or ""
    if not timestamp or not signature:
        raise Refused(401, "no Slack signature", http.NOT_SIGNED_BY_SLACK)
    if TIMESTAMP.fullmatch(timestamp) is None:
        raise Refused(401, f"X-Slack-Request-Timestamp {timestamp[:30]!r} is not a number", http.NOT_SIGNED_BY_SLACK)
    if not verifier.is_valid(body=raw, timestamp=timestamp, signature=signature):
        raise Refused(401, "the Slack signature doesn't match, or is over five minutes old", http.NOT_SIGNED_BY_SLACK)


def read_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body parsed exactly as bolt parses it (its own `parse_body`), once, or Refused(400): UTF-8,
    JSON objects where bolt expects JSON, in Slack's shapes. Bolt is then handed this dict, so the
    body (a view submission carries the whole form: about 20 kB encoded) is not parsed twice."""
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8", http.UNREADABLE_REQUEST) from None
    json_body = content_type == "application/json" or body.startswith("{")
    where = "the body" if json_body else "payload="
    try:
        value = None if json_body else form_value(raw, b"payload")
        parsed = _loads(value) if value is not None else parse_body(body, content_type)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, f"{where} is not JSON ({type(exc).__name__})", http.UNREADABLE_REQUEST) from None
    if not isinstance(parsed, dict):
        raise Refused(400, f"{where} is JSON but a {type(parsed).__name__}, not an object", http.UNREADABLE_REQUEST)
    if json_body or "payload" in body:
        _check_shape(parsed, PAYLOAD, "the body" if json_body else "payload")
    return parsed


def _loads(text: str) -> Any:
    """json.loads, with orjson (a fraction of its time for a 20 kB form) first. What orjson refuses and json
    takes (a lone half of a surrogate pair, which the form then points out beside its field) json reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def form_value(raw: bytes, name: bytes) -> str | None:
    """The value of a form body that is `name=value` and nothing else, decoded exactly as urllib's
    parse_qsl decodes it (`+` a space, %XX a byte, then UTF-8 with replacement), but in C: every %XX
    becomes \\xXX for codecs.escape_decode. A view submission's value is about 20 kB with thousands of
    escapes, which parse_qsl decodes one by one in Python (about 1 ms). None when the body is anything
    else (other fields, a backslash, a % not followed by two hex digits): then the general parser reads it."""
    prefix = name + b"="
    if not raw.startswith(prefix) or b"&" in raw or b"\\" in raw:
        return None
    try:
        decoded = codecs.escape_decode(raw[len(prefix) :].replace(b"+", b" ").replace(b"%", b"\\x"))[0]
    except ValueError:
        return None
    return decoded.decode("utf-8", "replace")


def _is_ssl_check(raw: bytes) -> bool:
    if len(raw) > 1024 or raw.startswith(b"{"):
        return False
    try:
        return dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True)).get("ssl_check") == "1"
    except (UnicodeDecodeError, ValueError):
        return False


# The parts of Slack's payloads Parley's listeners read, with the type each must have when present
# (Slack's own shapes: interaction payloads, view submissions, the Events API). A signed body is
# from Slack, but a listener should never be the first to find that `actions` is not a list.
Shape = dict[str, Any]
_USER: Shape = {"id": str, "team_id": str, "name": str, "username": str}
_ACTION: Shape = {"action_id": str, "block_id": str, "value": str, "type": str, "selected_option": {"value": str}}
_VIEW: Shape = {
    "id": str, "type": str, "callback_id": str, "private_metadata": str, "hash": str, "root_view_id": str, "blocks": list,
    "state": {"values": "values"},
}  # fmt: skip
_EVENT: Shape = {"type": str, "user": str, "channel": str, "tab": str, "text": str, "ts": str}
PAYLOAD: Shape = {
    "type": str, "token": str, "api_app_id": str, "trigger_id": str, "response_url": str, "action_id": str, "value": str,
    "callback_id": str, "block_id": str, "user": _USER, "team": {"id": str, "domain": str}, "channel": {"id": str},
    "container": dict, "message": dict, "actions": [_ACTION], "view": _VIEW, "event": _EVENT,
}  # fmt: skip


def _check_shape(value: Any, shape: Any, where: str, depth: int = 0) -> None:
    if value is None:
        return
    if shape == "values":  # view.state.values: block id -> action id -> the input's state
        if not isinstance(value, dict) or not all(isinstance(b, dict) and all(isinstance(a, dict) for a in b.values()) for b in value.values()):
            raise Refused(400, f"{where} is not block id -> action id -> state", http.UNREADABLE_REQUEST)
        return
    if isinstance(shape, type):
        if not isinstance(value, shape) or (isinstance(value, bool) and shape is not bool):
            raise Refused(400, f"{where} is a {type(value).__name__}, not a {shape.__name__}", http.UNREADABLE_REQUEST)
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise Refused(400, f"{where} is a {type(value).__name__}, not a list", http.UNREADABLE_REQUEST)
        for i, item in enumerate(value[:100]):
            _check_shape(item, shape[0], f"{where}[{i}]", depth + 1)
        return
    if not isinstance(value, dict):
        raise Refused(400, f"{where} is a {type(value).__name__}, not an object", http.UNREADABLE_REQUEST)
    for key, inner in shape.items():
        if key in value:
            _check_shape(value[key], inner, f"{where}.{key}", depth + 1)
