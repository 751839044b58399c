"""The front door parses a body once, and exactly as bolt's own parser would (handlers/slack/gate.py)."""

from __future__ import annotations

import json
from urllib.parse import quote_plus, urlencode

import pytest
from slack_bolt.request.internals import parse_body

from handlers.slack.gate import Refused, form_value, read_body

FORM = "application/x-www-form-urlencoded"

PAYLOADS = [
    {"type": "view_submission", "view": {"state": {"values": {"b": {"a": {"value": "Ünïcødé ✓ & = + % \\ \" ' <>"}}}}}},
    {"type": "block_actions", "actions": [{"action_id": "x", "value": "100%"}], "user": {"id": "U1"}},
    {"type": "view_submission", "view": {"blocks": [{"text": "line\nbreak\ttab"}] * 50}},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_reads_as_bolt_reads_it(payload: dict) -> None:
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    assert form_value(raw, b"payload") is not None  # the fast path was taken
    assert read_body(raw, FORM) == parse_body(raw.decode(), FORM) == payload


@pytest.mark.parametrize(
    "raw",
    [
        b"payload=%7B%7D&other=1",  # another field: the general parser
        b"payload=%7B%22a%22%3A%22%5C%22%7D".replace(b"%5C", b"\\"),  # a bare backslash
        b"payload=%7B%22a%22%3A%22%zz%22%7D",  # a % without two hex digits: urllib keeps it as it is
        b"payload=%7B%22a%22%3A%22%2",  # cut short
        b"token=x&payload=%7B%7D",
    ],
)
def test_anything_else_goes_to_the_general_parser(raw: bytes) -> None:
    assert form_value(raw, b"payload") is None
    try:
        expected = parse_body(raw.decode(), FORM)
    except ValueError:
        with pytest.raises(Refused):
            read_body(raw, FORM)
        return
    assert read_body(raw, FORM) == expected


def test_plus_is_a_space_and_utf8_is_decoded_with_replacement() -> None:
    raw = b"payload=" + quote_plus('{"a": "x y"}').encode() + b"%22%FF"
    assert form_value(raw, b"payload") == '{"a": "x y"}"\ufffd'


def test_a_payload_that_is_not_json_or_not_an_object_is_refused() -> None:
    for raw in (b"payload=", b"payload=%5B1%5D", b"payload=nope"):
        with pytest.raises(Refused) as refused:
            read_body(raw, FORM)
        assert refused.value.status == 400


def test_a_slash_command_is_its_fields() -> None:
    raw = urlencode({"command": "/disagree", "text": "list 100%", "user_id": "U1"}).encode()
    assert read_body(raw, FORM) == {"command": "/disagree", "text": "list 100%", "user_id": "U1"}
