"""What a person is told when they ask for a file in chat: the record for the child's file, the Board's report.

Platform-neutral sentences; Slack and Teams only render them (handlers/files_chat.py decides which).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from messages.clock import day

FORMAT_LABELS = {"pdf": "PDF (for the child's file)", "md": "Markdown", "html": "HTML (a web page)"}
DEFAULT_FORMAT = "pdf"

EXPORT_TITLE = "Export record"
EXPORT_ASK = "Which kind of file? Parley sends it to you in a direct message."
EXPORT_SEND = "Send it to me"


def export_sent(reference: str, filename: str) -> str:
    return f"The record of case {reference} is in your direct messages with Parley, as {filename}."


def export_caption(reference: str) -> str:
    return f"The record of case {reference}, as you asked. Keep it only where your agency keeps case records."


def not_sent(what: str) -> str:
    """A platform step failed: say so plainly, never pretend it was sent."""
    return f"Sorry: Parley couldn't send {what} to your direct messages just now, so nothing was sent. Please try again in a few minutes."


def record_what(reference: str) -> str:
    return f"the record of case {reference}"


REPORT_WHAT = "the Board's report"
EXPORT_WHAT = "the record"


def report_caption(first: date, last: date) -> str:
    return f"The Board's report for {day(first)} to {day(last)}, as you asked. Numbers only: no case is named."


def report_sent(first: date, last: date, filename: str) -> str:
    return f"The Board's report for {day(first)} to {day(last)} is in your direct messages with Parley, as {filename}."


def report_who(roles: Sequence[str]) -> str:
    """Who may ask for the report (the policy's partnership roles, by their display names)."""
    named = ", ".join(roles) if roles else "the partnership's staff"
    return f"Only the partnership's {named} can ask for the Board's report. Nothing was sent."


REPORT_USAGE = (
    "Ask for the Board's report as: report [from] [to] [csv], with days written 2026-07-01. "
    "With no days it covers the last full quarter (for example July to September)."
)


def report_bad_day(word: str) -> str:
    return f"'{word}' is not a day Parley can read; write it as 2026-07-01. {REPORT_USAGE}"


def report_bad_order(first: date, last: date) -> str:
    return f"The report can't start on {day(first)} and end earlier, on {day(last)}. Nothing was sent."


REPORT_NOT_IN_DIRECTORY = "You're not in Parley's directory yet, so Parley can't send you the Board's report."

EXPORT_PREPARING = "Parley is making the file. It will be in your direct messages in a moment."

TEAMS_ACCEPT = "Parley has offered you the file in your 1:1 chat with Parley: choose Allow there and it arrives."
TEAMS_DECLINED = "You chose not to take the file, so nothing was sent."
TEAMS_GONE = "Sorry: that file offer is out of date, so nothing was sent. Please ask again."
