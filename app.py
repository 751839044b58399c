"""Parley's composition root and command line.

The only module that reads the environment (through `Settings`). `boot` checks the database and
the policy, turns the chat settings into checked sites, wires Parley once
(handlers/composition.py) and loads the directory; `serve` and `worker` then run it
(handlers/startup.py). The other commands are in handlers/cli/.

    python app.py serve                      start the bot (GET /healthz, chat endpoints) and the timekeeper
    python app.py worker                     run only the timekeeper (deadlines, reminders, delivery)
    python app.py db upgrade                 create or update the database tables
    python app.py policy check FILE|PRESET   validate a policy file; errors show their line
    python app.py policy show PRESET         the stages, who is involved and the timescales
    python app.py directory check FILE       validate a directory file (YAML or CSV)
    python app.py directory load FILE        validate and store a directory file
    python app.py record show CASE --by ID   print a dispute's whole record (CASE: case reference or id)
    python app.py record export CASE --format pdf|md|html --out FILE --by ID   the record for the child's file
    python app.py record verify [CASE]       check the record's hash chain (every dispute when none is given)
    python app.py teams package [--out FILE] build the Teams app package (zip) from teams/manifest.json
    python app.py outbox failed              list the messages a platform refused for good
    python app.py outbox retry ID... | --all send them again (after fixing the cause)
    python app.py report --from D --to D --format html|csv --out FILE   the Board's report
    python app.py retention purge --older-than PERIOD --dry-run|--apply --by NAME   anonymise closed disputes
    python app.py dispute hold|release CASE-REF|ID --reason TEXT --by NAME        legal hold
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import OperationalError

from bot.policy import InvalidPolicy
from handlers import slack
from handlers.cli import admin, record as record_cli, report as report_cli, retention as retention_cli
from handlers.cli.parser import build_parser
from handlers.composition import compose
from handlers.files import read_policy
from handlers.frontends import ConfigError
from handlers.platforms import hold_slack_work
from handlers.startup import Parley, RequestLog, build_web_app, last_slack_workspace, practice, settle_memory, watch_slack, work
from storage.db import NotMigrated, session_factory
from storage.gates import PlatformChecks

if TYPE_CHECKING:
    from handlers.teams import TeamsSite

__all__ = ["Parley", "Settings", "boot", "build_web_app", "main", "now"]

log = logging.getLogger("parley")

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    """Everything Parley reads from the environment (or a `.env` file beside app.py)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///parley.sqlite3"
    parley_policy: str = "bradford"
    parley_directory: str | None = None
    port: int = 3000
    host: str = "127.0.0.1"
    parley_sweep_seconds: float = 30.0  # how often the timekeeper looks for due work
    parley_recheck_seconds: float = 10.0  # how often to try again a platform that couldn't be reached at start-up
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None  # set it to use Socket Mode instead of POST /slack/events
    slack_api_url: str = "https://slack.com/api/"
    parley_slack_channel: str | None = None
    parley_slack_command: str = "/disagree"  # the slash command's name, if the workspace renamed it in the manifest
    microsoft_app_id: str | None = None  # the Azure Bot's app registration; unset: Teams authentication is off (local testing only)
    microsoft_app_password: str | None = None
    microsoft_app_type: str = "MultiTenant"  # MultiTenant | SingleTenant | UserAssignedMSI
    microsoft_app_tenant_id: str | None = None
    parley_teams_channel: str | None = None  # conversation id (19:...) of the Teams channel where dispute threads go
    parley_teams_tenant_id: str | None = None  # tenant of that channel's team (default: MICROSOFT_APP_TENANT_ID)
    parley_teams_service_url: str = "https://smba.trafficmanager.net/teams/"  # until Teams tells Parley its region
    parley_teams_insecure_no_auth: bool = False  # true: Teams activities are NOT authenticated (local testing only)
    parley_teams_service_hosts: str | None = None  # comma-separated; default: Microsoft's Teams service hosts
    parley_teams_openid_metadata_url: str | None = None  # default: the Bot Framework's (tests serve their own keys)
    parley_practice: str = "auto"  # the practice workspace: auto (on only with no chat credentials), on, off
    parley_practice_folder: str = "practice"  # where the practice keeps its own SQLite file

    def chat_credentials(self) -> bool:
        return any((self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.microsoft_app_id, self.microsoft_app_password))


def now() -> datetime:
    # The one place the clock is read; everything below takes `now` as an argument.
    return datetime.now(timezone.utc)


# --- start-up -----------------------------------------------------------------------------------


def _slack_site(settings: Settings, checks: PlatformChecks) -> slack.SlackSite | None:
    """Slack's checked site when any Slack setting is given (SlackConfigError says what to fix)."""
    if not (settings.slack_bot_token or settings.slack_signing_secret or settings.slack_app_token or settings.parley_slack_channel):
        return None
    return slack.site_from_settings(
        bot_token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        app_token=settings.slack_app_token,
        api_url=settings.slack_api_url,
        channel=settings.parley_slack_channel,
        command=settings.parley_slack_command,
        known=last_slack_workspace(checks),
    )


def _teams_site(settings: Settings) -> TeamsSite | None:
    """Teams' checked site when any Teams setting is given (TeamsConfigError says what to fix)."""
    if not (
        settings.microsoft_app_id
        or settings.microsoft_app_password
        or settings.parley_teams_channel
        or settings.parley_teams_tenant_id
        or settings.parley_teams_insecure_no_auth
    ):
        return None
    from handlers import teams  # botbuilder is imported only when Teams is used

    if not settings.microsoft_app_id and settings.host not in LOCAL_HOSTS:
        raise teams.TeamsConfigError(
            f"MICROSOFT_APP_ID is not set, so Teams authentication would be off, and HOST={settings.host} "
            "would let anyone reach /api/messages. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or listen on 127.0.0.1 for local testing."
        )
    return teams.site_from_settings(
        app_id=settings.microsoft_app_id,
        app_password=settings.microsoft_app_password,
        app_type=settings.microsoft_app_type,
        app_tenant_id=settings.microsoft_app_tenant_id,
        channel=settings.parley_teams_channel,
        thread_tenant=settings.parley_teams_tenant_id,
        service_url=settings.parley_teams_service_url,
        insecure_no_auth=settings.parley_teams_insecure_no_auth,
        service_hosts=settings.parley_teams_service_hosts,
        openid_metadata_url=settings.parley_teams_openid_metadata_url,
    )


def boot(settings: Settings) -> Parley | None:
    """Check the database and the policy, wire Parley, load the directory; None (having said why) if Parley can't start."""
    print(f"Parley: using the database {admin.safe_url(settings.database_url)}")
    try:
        engine = admin.migrated_engine(settings.database_url)
    except NotMigrated as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    except OperationalError as exc:
        print(f"Parley can't reach the database {admin.safe_url(settings.database_url)}: {exc.orig}", file=sys.stderr)
        return None
    try:
        policy = read_policy(settings.parley_policy)
    except InvalidPolicy as exc:
        print(f"Parley can't start: the policy PARLEY_POLICY={settings.parley_policy} has problems:\n{exc}", file=sys.stderr)
        return None
    print(f"Parley: escalation policy '{policy.name}' ({policy.title}), {len(policy.stages)} stages.")
    try:
        slack_site = _slack_site(settings, PlatformChecks(session_factory(engine)))
        teams_site = _teams_site(settings)
    except ConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    parley = Parley(wiring=compose(engine=engine, policy=policy, clock=now, slack_site=slack_site, teams_site=teams_site),
                    sweep_seconds=settings.parley_sweep_seconds)  # fmt: skip
    watch_slack(parley, every=settings.parley_recheck_seconds, now=now)
    hold_slack_work(parley, now)  # Slack never reached: nothing is queued under an unknown workspace (handlers/platforms.py)
    for front in (parley.slack, parley.teams):
        if front is not None:
            print(front.describe())
    if settings.parley_directory:
        if admin.directory_load(settings.database_url, settings.parley_directory, settings.parley_policy) != 0:
            return None
    else:
        with parley.uow() as uow:
            people = len(uow.directory.load().people)
        print(
            f"Parley: {people} people in the directory. Set PARLEY_DIRECTORY to a directory file "
            "(see docs/directory-format.md and examples/directory.yaml) to load who is who."
        )
    settle_memory()
    return parley


def cmd_serve(settings: Settings) -> int:
    parley = boot(settings)
    if parley is None:
        return 2
    if not parley.senders:
        print(
            "Parley: no chat platform is configured yet, so messages wait in the outbox. To connect Slack set "
            "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; for Microsoft Teams set MICROSOFT_APP_ID and "
            "MICROSOFT_APP_PASSWORD (see README.md)."
        )
    print(f"Parley: checking deadlines and reminders every {settings.parley_sweep_seconds:g} seconds.")
    web_app = build_web_app(parley)
    web_app.middlewares.extend(parley.health.middlewares)
    host = practice(
        parley, web_app, mode=settings.parley_practice, chat_credentials=settings.chat_credentials(), folder=settings.parley_practice_folder,
        database_url=settings.database_url, host=settings.host, port=settings.port,
    )  # fmt: skip
    if host is None:
        return 2
    print(f"Parley: serving http://{host}:{settings.port}/healthz  (Ctrl+C to stop)")
    web.run_app(web_app, host=host, port=settings.port, print=None, access_log_class=RequestLog)
    return 0


def cmd_worker(settings: Settings) -> int:
    """Run the timekeeper without serving HTTP (safe to run beside `serve` and other workers)."""
    parley = boot(settings)
    if parley is None:
        return 2
    print(f"Parley worker: checking deadlines and reminders every {settings.parley_sweep_seconds:g} seconds (Ctrl+C to stop).")
    work(parley)
    return 0


# --- command line -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    settings = Settings()
    try:
        return _run(args, settings)
    except NotMigrated as exc:
        print(f"Parley can't do that yet: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    match args.command:
        case "serve":
            return cmd_serve(settings)
        case "worker":
            return cmd_worker(settings)
        case "db":
            return admin.db_upgrade(settings.database_url)
        case "policy" if args.policy_command == "check":
            return admin.policy_check(args.target)
        case "policy":
            return admin.policy_show(args.target)
        case "directory" if args.directory_command == "check":
            return admin.directory_check(args.path, args.policy or settings.parley_policy)
        case "directory":
            return admin.directory_load(settings.database_url, args.path, settings.parley_policy, args.allow_empty)
        case "teams":
            return admin.teams_package(Path(__file__).parent / "teams", app_id=settings.microsoft_app_id, out=args.out)
        case "outbox" if args.outbox_command == "failed":
            return admin.outbox_failed(settings.database_url)
        case "outbox":
            return admin.outbox_retry(settings.database_url, args.ids, args.all, now=now())
    return _run_on_the_record(args, settings)


def _run_on_the_record(args: argparse.Namespace, settings: Settings) -> int:
    """The commands that read or change disputes' records: they need the database and the policy."""
    engine = admin.migrated_engine(settings.database_url)
    if args.command == "dispute":
        return retention_cli.run_hold(args, engine=engine, now=now())
    policy = read_policy(settings.parley_policy)
    match args.command:
        case "record":
            return record_cli.run(args, engine, policy, now())
        case "report":
            return report_cli.run(args, engine=engine, policy=policy, now=now())
        case "retention":
            return retention_cli.run_purge(args, engine=engine, policy=policy, now=now())
    return 2


if __name__ == "__main__":
    sys.exit(main())
