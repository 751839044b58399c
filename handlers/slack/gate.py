"""The front door of POST /slack/events: a request is signed, readable and an object before bolt sees it.

Each refusal is one log line and a short plain answer, and nothing is stored:
  - a body over the web app's limit is 413;
  - a missing or non-numeric X-Slack-Request-Timestamp, or a signature that doesn't match, is 401
    (checked before the body is parsed, so an unsigned body is never read at all);
  - a signed body that is not UTF-8, not JSON where JSON belongs, or JSON that is not an object, is 400.
The parsing mirrors slack_bolt's own (request/internals.py `parse_body`), so what passes here is
what bolt will read.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from messages import http

TIMESTAMP = re.compile(r"[0-9]{1,12}")


class Refused(Exception):
    def __init__(self, status: int, reason: str, answer: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.answer = answer


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


def read_body(raw: bytes, content_type: str | None) -> str:
    """The body as bolt will read it, or Refused(400): UTF-8, and JSON objects where bolt expects JSON."""
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8", http.UNREADABLE_REQUEST) from None
    if not body:
        return body
    if content_type == "application/json" or body.startswith("{"):
        _json_object(body, "the body")
    elif "payload" in body:
        payload = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
        if payload is not None:
            _json_object(payload, "payload=")
    return body


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, f"{where} is not JSON ({type(exc).__name__})", http.UNREADABLE_REQUEST) from None
    if not isinstance(value, dict):
        raise Refused(400, f"{where} is JSON but a {type(value).__name__}, not an object", http.UNREADABLE_REQUEST)
    return value


def _is_ssl_check(raw: bytes) -> bool:
    if len(raw) > 1024 or raw.startswith(b"{"):
        return False
    try:
        return dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True)).get("ssl_check") == "1"
    except (UnicodeDecodeError, ValueError):
        return False
