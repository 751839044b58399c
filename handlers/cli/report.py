"""`python app.py report --from DATE --to DATE --format html|csv --out FILE`: the Board's report."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.policy import Policy
from handlers.board_report import FORMATS, board_report_file
from handlers.holidays import calendar_for
from storage.db import session_factory


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `report` to the command line."""
    rep = sub.add_parser("report", help="the Board's report: numbers only, small counts hidden")
    rep.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD (UK date)")
    rep.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (included)")
    rep.add_argument("--format", choices=FORMATS, default="html")
    rep.add_argument("--out", required=True, help="the file to write")


def _day(text: str, name: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        print(f"{name} should be a date like 2026-04-01, not '{text}'.", file=sys.stderr)
        return None


def run(args: argparse.Namespace, *, engine: Engine, policy: Policy, now: datetime) -> int:
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    if first is None or last is None:
        return 1
    if last < first:
        print("--to is before --from: nothing to report. Nothing was written.", file=sys.stderr)
        return 1
    report = board_report_file(
        session_factory(engine), policy=policy, calendar=calendar_for(policy), first=first, last=last, fmt=args.format, now=now
    )
    out = Path(args.out)
    try:
        out.write_bytes(report.content)
    except OSError as exc:
        print(f"Parley can't write {out}: {exc.strerror}. Nothing was written.", file=sys.stderr)
        return 1
    print(f"The Board's report for {first:%d %b %Y} to {last:%d %b %Y} is in {out} ({len(report.content):,} bytes).")
    return 0
