"""`python app.py retention purge ...` and `python app.py dispute hold|release ...`."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from sqlalchemy import Engine

from bot.errors import InvalidInput, ParleyError
from bot.policy import Policy, Retention
from bot.retention import ANONYMISE, MODES, Period, PlaceHold, ReleaseHold, parse_period, place_hold, release_hold
from messages.problems import word_errors
from messages.record import local_time
from storage.db import session_factory
from storage.retention import RetentionUnitOfWork, candidates, find_disputes, purge


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `retention purge` and `dispute hold|release` to the command line."""
    ret = sub.add_parser("retention", help="remove what is past its retention period").add_subparsers(
        dest="retention_command", required=True
    )
    pur = ret.add_parser("purge", help="anonymise (or delete) closed disputes past the retention period")
    pur.add_argument(
        "--older-than", help="e.g. '7 years', '18 months', '90 days': closed longer ago than this (default: the policy's retention)"
    )
    what = pur.add_mutually_exclusive_group(required=True)
    what.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    what.add_argument("--apply", action="store_true", help="do it, writing the purge log")
    pur.add_argument("--by", required=True, help="who is running the purge (kept in the purge log)")
    pur.add_argument("--mode", choices=MODES, help="anonymise (the Board's figures stay) or delete (default: what the policy says)")
    dis = sub.add_parser("dispute", help="one dispute").add_subparsers(dest="dispute_command", required=True)
    for name, text in (("hold", "put a dispute on legal hold: no purge touches it"), ("release", "lift a legal hold")):
        cmd = dis.add_parser(name, help=text)
        cmd.add_argument("dispute", metavar="CASE-REF|ID")
        cmd.add_argument("--reason", required=True)
        cmd.add_argument("--by", required=True, help="who is doing it (kept on the record)")


def policy_period(retention: Retention) -> Period:
    """The policy's retention as a period: whole years when it is, else days."""
    years, days = divmod(retention.keep_closed_days, 365)
    return Period(years, "years") if years and not days else Period(retention.keep_closed_days, "days")


def run_purge(args: argparse.Namespace, *, engine: Engine, policy: Policy, now: datetime) -> int:
    """Without --older-than and --mode, the policy's `retention:` says how long and what then."""
    try:
        period = parse_period(args.older_than) if args.older_than else policy_period(policy.retention)
    except ParleyError as exc:
        print(_plain(exc), file=sys.stderr)
        return 1
    args.mode = args.mode or policy.retention.then.value
    if not args.by.strip():
        print("Please say who is running the purge (--by).", file=sys.stderr)
        return 1
    sessions = session_factory(engine)
    closed_before = period.before(now)
    with sessions() as session:
        found = candidates(session, closed_before=closed_before)
    held = [c for c in found if c.hold_reason is not None]
    going = [c for c in found if c.hold_reason is None]
    verb = "anonymised" if args.mode == ANONYMISE else "deleted"
    print(f"Closed before {local_time(closed_before)} (more than {period} ago): {len(going)} to be {verb}, {len(held)} kept on legal hold.")
    for c in held:
        print(f"  kept (legal hold): {c.reference or '(no reference)'}  id {c.dispute_id}, {c.status}, closed {local_time(c.closed_at)}: {c.hold_reason}")
    if args.dry_run:
        for c in going:
            print(f"  would be {verb}: {c.reference or '(no reference)'}  id {c.dispute_id}, {c.status}, closed {local_time(c.closed_at)}")
        print("Dry run: nothing was changed. Run again with --apply to do it.")
        return 0
    done = purge(
        sessions,
        going,
        closed_before=closed_before,
        reason=f"closed more than {period} ago (retention period)",
        by=args.by.strip(),
        mode=args.mode,
        now=now,
    )
    for p in done:
        print(f"  {verb}: id {p.dispute_id} ({p.removed['record_entries']} record entries removed; purge log {p.log_id})")
    if len(done) < len(going):
        print(f"{len(going) - len(done)} changed meanwhile (reopened, put on hold or purged by someone else) and were left alone.")
    print(f"Done: {len(done)} {verb}. The purge log says what was removed, when, by whom and why.")
    return 0


def run_hold(args: argparse.Namespace, *, engine: Engine, now: datetime) -> int:
    sessions = session_factory(engine)
    with sessions() as session:
        matches = find_disputes(session, args.dispute)
    if not matches:
        print(f"There is no disagreement with the id or case reference '{args.dispute}'. Nothing was changed.", file=sys.stderr)
        return 1
    if len(matches) > 1:
        print(f"{len(matches)} disagreements have the case reference '{args.dispute}'. Give the id of the one you mean:", file=sys.stderr)
        for dispute_id, _, status, opened_at in matches:
            print(f"  {dispute_id}  {status}, raised {local_time(opened_at)}", file=sys.stderr)
        return 1
    dispute_id = matches[0][0]
    uow = RetentionUnitOfWork(sessions)
    try:
        if args.dispute_command == "hold":
            place_hold(PlaceHold(dispute_id, args.by, args.reason), uow=uow, now=now)
            print(f"On legal hold: {args.dispute}. No purge will touch it until the hold is released. This is on its record.")
        else:
            release_hold(ReleaseHold(dispute_id, args.by, args.reason), uow=uow, now=now)
            print(f"Legal hold released: {args.dispute}. This is on its record.")
    except ParleyError as exc:
        print(f"{_plain(exc)} Nothing was changed.", file=sys.stderr)
        return 1
    return 0


def _plain(exc: ParleyError) -> str:
    return " ".join(word_errors(exc.errors).values()) if isinstance(exc, InvalidInput) else str(exc)
