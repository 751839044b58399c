"""`app.py record show|export|verify`: the bodies of the record commands (app.py only registers them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.errors import DisputeNotFound, InvalidInput, ParleyError
from bot.export import FORMATS
from bot.policy import Policy
from handlers.files import read_policy
from handlers.records import RecordRefused, export_record, policy_chooser, show_record
from messages.export import cli as say
from messages.problems import word_errors
from policies import PRESETS
from storage import chain
from storage.access import find_disputes
from storage.db import session_factory
from storage.unit_of_work import SqlUnitOfWork


def _resolve(engine: Engine, key: str) -> str | None:
    """The id of the one dispute whose id or case reference is `key`; None (having said why) otherwise."""
    with session_factory(engine)() as session:
        found = find_disputes(session, key)
    if not found:
        print(say.no_dispute(key), file=sys.stderr)
        return None
    if len(found) > 1 and not any(i == key for i, _ in found):
        print(say.several_disputes(key, found), file=sys.stderr)
        return None
    return key if any(i == key for i, _ in found) else found[0][0]


def verify(engine: Engine, key: str | None) -> int:
    """Check the hash chain of one dispute, or of every dispute; 1 when any does not verify."""
    ids = None
    if key is not None:
        dispute_id = _resolve(engine, key)
        if dispute_id is None:
            return 1
        ids = [dispute_id]
    checked = broken = 0
    with session_factory(engine)() as session:
        for check in chain.verify(session, ids):
            checked += 1
            broken += not check.ok
            print(say.chain_line(check))
    print(say.verify_summary(checked, broken))
    return 1 if broken else 0


def show(engine: Engine, key: str, *, by: str, as_json: bool, policy_for: Callable[[str], Policy], now: datetime) -> int:
    """Print the whole record, as text or JSON, for someone allowed to see it (the view is logged)."""
    dispute_id = _resolve(engine, key)
    if dispute_id is None:
        return 1
    try:
        text = show_record(
            SqlUnitOfWork(session_factory(engine)), dispute_id=dispute_id, person_id=by, as_json=as_json,
            channel="cli", policy_for=policy_for, now=now,
        )
    except (RecordRefused, DisputeNotFound) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(text)
    return 0


def export(
    engine: Engine, key: str, *, by: str, fmt: str, out: str, policy_for: Callable[[str], Policy], now: datetime
) -> int:
    """Write the record for the child's file as PDF, Markdown or HTML (the export is logged)."""
    dispute_id = _resolve(engine, key)
    if dispute_id is None:
        return 1
    try:
        exported = export_record(
            SqlUnitOfWork(session_factory(engine)), dispute_id=dispute_id, person_id=by, fmt=fmt,
            channel="cli", policy_for=policy_for, now=now,
        )
    except ParleyError as exc:
        worded = "; ".join(f"{k}: {v}" for k, v in word_errors(exc.errors).items()) if isinstance(exc, InvalidInput) else ""
        print(worded or str(exc), file=sys.stderr)
        return 1
    Path(out).write_bytes(exported.content)
    print(say.written(out, fmt, len(exported.content)))
    return 0



# --- argparse ---------------------------------------------------------------------------------


def register(rec: argparse._SubParsersAction) -> None:
    """The `record` subcommands, for app.py's parser."""
    show_ = rec.add_parser("show", help="print the whole record of a dispute (the view is logged)")
    show_.add_argument("dispute", metavar="CASE", help="the case reference or the dispute's id")
    show_.add_argument("--by", required=True, metavar="PERSON_ID", help="your id in the directory: who is reading it")
    show_.add_argument("--json", action="store_true")
    exp = rec.add_parser("export", help="write the record for the child's file (PDF/A, Markdown or HTML)")
    exp.add_argument("dispute", metavar="CASE", help="the case reference or the dispute's id")
    exp.add_argument("--format", required=True, choices=FORMATS)
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.add_argument("--by", required=True, metavar="PERSON_ID", help="your id in the directory: who is exporting it")
    ver = rec.add_parser("verify", help="check that no record entry was changed or removed (the hash chain)")
    ver.add_argument("dispute", metavar="CASE", nargs="?", help="one case reference or id (default: every dispute)")


def run(args: argparse.Namespace, engine: Engine, policy: Policy, now: datetime) -> int:
    """Run the `record` subcommand `args` names."""
    policy_for = policy_chooser(policy, read_policy, PRESETS)
    match args.record_command:
        case "show":
            return show(engine, args.dispute, by=args.by, as_json=args.json, policy_for=policy_for, now=now)
        case "export":
            return export(engine, args.dispute, by=args.by, fmt=args.format, out=args.out, policy_for=policy_for, now=now)
        case "verify":
            return verify(engine, args.dispute)
    return 2
