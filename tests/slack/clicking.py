"""Clicks the Slack tests share: press a button that opens a form, and get the form Slack was asked to show."""

from __future__ import annotations

from messages.slack import ActionId
from tests.slack.harness import Harness


async def open_form(h: Harness, user: str, action: ActionId, value: str) -> dict:
    """`user` presses `action` (with the button's `value`): exactly one more modal opens, and this is it."""
    before = len(h.opened_views())
    await h.click(user, action, value)
    await h.settle()
    views = h.opened_views()
    assert len(views) == before + 1, h.mock.responses[-1:]
    return views[-1]
