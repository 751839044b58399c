"""A request refused at the door, before it reaches Slack's or Teams' handlers: one shape for both gates."""

from __future__ import annotations


class Refused(Exception):
    """The request is refused: an HTTP status, a line for the log (`reason`), a short answer for the caller."""

    def __init__(self, status: int, reason: str, answer: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.answer = answer
