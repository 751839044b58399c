"""The administrator's commands: the database, policies, the directory, the outbox, the Teams package.

Each takes what it needs as plain values (app.py reads them from the settings), prints what
happened in plain words, and returns the process's exit code.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.directory import Directory, InvalidDirectory
from bot.policy import InvalidPolicy
from bot.upkeep import load_directory
from handlers.directory_files import read_directory
from handlers.files import read_policy
from messages.policy import EMPTY_DIRECTORY, policy_table
from messages.record import local_time
from storage.admin import failed_messages, retry_failed
from storage.db import check_migrated, make_engine, session_factory, upgrade
from storage.unit_of_work import SqlUnitOfWork


def safe_url(url: str) -> str:
    """The database URL with any password hidden: it is printed."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def migrated_engine(database_url: str) -> Engine:
    """The engine, once the database is known to be up to date (storage.db.NotMigrated if not)."""
    engine = make_engine(database_url)
    check_migrated(engine)
    return engine


def db_upgrade(database_url: str) -> int:
    upgrade(make_engine(database_url))
    print(f"Database is up to date: {safe_url(database_url)}")
    return 0


def policy_check(target: str) -> int:
    try:
        policy = read_policy(target)
    except InvalidPolicy as exc:
        print(f"{target}: {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    print(f"{target}: OK. {policy.title}: {len(policy.stages)} stages, {len(policy.categories)} categories.")
    return 0


def policy_show(target: str) -> int:
    try:
        policy = read_policy(target)
    except InvalidPolicy as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(policy_table(policy))
    return 0


def _read_directory_for(path: str, policy_name: str | None) -> Directory:
    policy = read_policy(policy_name) if policy_name else None
    return read_directory(path, policy=policy)


def directory_check(path: str, policy_name: str | None) -> int:
    try:
        directory = _read_directory_for(path, policy_name)
    except InvalidDirectory as exc:
        print(f"{path}: {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    print(f"{path}: OK. {len(directory.people)} people in {len(directory.agencies)} agencies.")
    return 0


def directory_load(database_url: str, path: str, policy_name: str, allow_empty: bool = False) -> int:
    if directory_check(path, policy_name) != 0:
        print("Nothing was changed.", file=sys.stderr)
        return 1
    engine = migrated_engine(database_url)
    directory = _read_directory_for(path, policy_name)
    if not directory.people and not allow_empty:
        print(EMPTY_DIRECTORY.format(path=path), file=sys.stderr)
        return 1
    load_directory(directory, uow=SqlUnitOfWork(session_factory(engine)))
    print(f"Stored {len(directory.people)} people from {path}.")
    return 0


def outbox_failed(database_url: str) -> int:
    """List the messages a platform refused for good, with what it said."""
    failed = failed_messages(session_factory(migrated_engine(database_url)))
    if not failed:
        print("No failed messages: everything queued has been sent or is still being tried.")
        return 0
    print(f"{len(failed)} message(s) the platform refused. Fix the cause (a person's chat id in the directory, the")
    print("bot's access to a channel), then: python app.py outbox retry ID ... (or --all)\n")
    for m in failed:
        case = f"case {m.reference}" if m.reference else "no case"
        print(f"{m.id:>6}  {local_time(m.created_at)}  {m.platform} {m.delivery} to {m.target}  ({case}, {m.attempts} attempt(s))")
        print(f"        {m.error}")
    return 0


def outbox_retry(database_url: str, ids: Sequence[int], everything: bool, *, now: datetime) -> int:
    """Queue failed messages again; the timekeeper sends them on its next sweep."""
    if not ids and not everything:
        print("Say which messages to send again (their ids from `python app.py outbox failed`), or --all.", file=sys.stderr)
        return 1
    retried = retry_failed(session_factory(migrated_engine(database_url)), None if everything else ids, now=now)
    unknown = sorted(set(ids) - set(retried))
    if retried:
        print(f"Queued again: {', '.join(map(str, retried))}. They go out with the next sweep.")
    if unknown:
        print(f"Not failed messages, left alone: {', '.join(map(str, unknown))}.", file=sys.stderr)
    if not retried and not unknown:
        print("No failed messages to send again.")
    return 1 if unknown else 0


def teams_package(folder: Path, *, app_id: str | None, out: str | None) -> int:
    """Build the Teams app package (manifest + icons) to upload in Teams or the Teams admin centre."""
    from handlers.teams.package import PackageError, build_package

    try:
        path = build_package(folder, app_id=app_id, out=Path(out) if out else None)
    except PackageError as exc:
        print(f"Parley can't build the Teams package: {exc}", file=sys.stderr)
        return 1
    print(f"Teams app package: {path}")
    print("Upload it in Teams (Apps > Manage your apps > Upload an app), or in the Teams admin centre for your organisation.")
    return 0
