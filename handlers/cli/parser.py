"""The command line's words: every command and option `python app.py` accepts (app.py runs them)."""

from __future__ import annotations

import argparse

from handlers.cli import record as record_cli, report as report_cli, retention as retention_cli
from policies import PRESETS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley: professional disagreements, on the record.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="start the bot")
    sub.add_parser("worker", help="run the deadline and reminder sweep without serving HTTP")
    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or update the tables")
    pol = sub.add_parser("policy", help="escalation policies").add_subparsers(dest="policy_command", required=True)
    pol.add_parser("check", help="validate a policy file or preset").add_argument("target", help=f"a file, or one of: {', '.join(PRESETS)}")
    pol.add_parser("show", help="print a policy's stages and timescales").add_argument("target")
    dire = sub.add_parser("directory", help="who is who").add_subparsers(dest="directory_command", required=True)
    check = dire.add_parser("check", help="validate a directory file (YAML or CSV)")
    check.add_argument("path")
    check.add_argument("--policy", help="also check roles against this policy (default: PARLEY_POLICY)")
    load = dire.add_parser("load", help="validate and store a directory file")
    load.add_argument("path")
    load.add_argument("--allow-empty", action="store_true", help="store a directory with nobody in it, removing everyone")
    rec = sub.add_parser("record", help="a dispute's record").add_subparsers(dest="record_command", required=True)
    record_cli.register(rec)
    tms = sub.add_parser("teams", help="Microsoft Teams").add_subparsers(dest="teams_command", required=True)
    pkg = tms.add_parser("package", help="build the Teams app package (zip) from teams/manifest.json and its icons")
    pkg.add_argument("--out", help="where to write the zip (default: teams/parley-teams.zip)")
    out = sub.add_parser("outbox", help="messages waiting or refused").add_subparsers(dest="outbox_command", required=True)
    out.add_parser("failed", help="list the messages a platform refused for good")
    retry = out.add_parser("retry", help="send failed messages again")
    retry.add_argument("ids", nargs="*", type=int, help="message ids from `outbox failed`")
    retry.add_argument("--all", action="store_true", help="every failed message")
    report_cli.register(sub)
    retention_cli.register(sub)
    return parser
