"""Parley's composition root and command line.

The only module that reads the environment (through `Settings`). It builds the database
engine, loads the policy and directory, and starts the web server.

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
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.calendar import WorkingCalendar
from bot.policy import InvalidPolicy, Policy
from bot.outbox import NoNotifier, Notifier, Notifiers
from handlers.delivery import Sender
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers import slack
from handlers.scheduler import Timekeeper
from handlers import health
from handlers.cli import admin as admin_cli
from handlers.cli import parser as cli_parser
from handlers.cli import record as record_cli
from handlers.cli import report as report_cli
from handlers.cli import retention as retention_cli
from handlers.slack import SlackFrontEnd
from policies import PRESETS
from storage.db import NotMigrated, check_migrated, make_engine, session_factory
from storage.db import safe_url as _safe_url
from storage.outbox import OutboxDelivery
from storage.repository import SqlUnitOfWork

if TYPE_CHECKING:
    from handlers.teams import TeamsFrontEnd

log = logging.getLogger("parley")


class Settings(BaseSettings):
    """Everything Parley reads from the environment (or a `.env` file beside app.py)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///parley.sqlite3"
    parley_policy: str = "bradford"
    parley_directory: str | None = None
    port: int = 3000
    host: str = "127.0.0.1"
    parley_sweep_seconds: float = 30.0  # how often the timekeeper looks for due work
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


@dataclass
class Parley:
    settings: Settings
    engine: Engine
    policy: Policy
    notifier: Notifier = field(default_factory=NoNotifier)
    senders: dict[str, Sender] = field(default_factory=dict)
    slack: SlackFrontEnd | None = None
    teams: TeamsFrontEnd | None = None
    calendar: WorkingCalendar = field(init=False)  # the policy's one working calendar, built once

    def __post_init__(self) -> None:
        self.calendar = calendar_for(self.policy)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory(self.engine))

    def timekeeper(self) -> Timekeeper:
        return Timekeeper(
            sessions=session_factory(self.engine),
            policy=self.policy,
            calendar=self.calendar,
            clock=now,
            notifier=self.notifier,
            senders=self.senders,
        )


def now() -> datetime:
    # The one place the clock is read; everything below takes `now` as an argument.
    return datetime.now(timezone.utc)


# --- commands -----------------------------------------------------------------------------------


def cmd_directory_load(settings: Settings, path: str, allow_empty: bool = False) -> int:
    return admin_cli.directory_load(lambda: _migrated_engine(settings), path, settings.parley_policy, allow_empty)


def _migrated_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    check_migrated(engine)
    return engine


# --- serve --------------------------------------------------------------------------------------


SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)


def build_web_app(parley: Parley) -> web.Application:
    """The HTTP app: /healthz now; the chat front ends add their routes here."""
    app = web.Application(client_max_size=1024 * 1024)

    teams_auth = None if parley.teams is None else not parley.teams.config.authentication_off
    app.router.add_get("/healthz", health.healthz(OutboxDelivery(session_factory(parley.engine)), parley.policy.name, parley.senders, teams_auth))
    if parley.slack is not None:
        parley.slack.mount(app)
    if parley.teams is not None:
        parley.teams.mount(app)

    async def start_timekeeper(app: web.Application) -> None:
        app[SCHEDULER] = parley.timekeeper().start(parley.settings.parley_sweep_seconds)

    async def stop_timekeeper(app: web.Application) -> None:
        app[SCHEDULER].shutdown(wait=False)

    app.on_startup.append(start_timekeeper)
    app.on_cleanup.append(stop_timekeeper)
    return app


def boot(settings: Settings) -> Parley | None:
    """Check the database and the policy, load the directory; None (having said why) if Parley can't start."""
    print(f"Parley: using the database {_safe_url(settings.database_url)}")
    try:
        engine = _migrated_engine(settings)
    except NotMigrated as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    except OperationalError as exc:
        print(f"Parley can't reach the database {_safe_url(settings.database_url)}: {exc.orig}", file=sys.stderr)
        return None
    try:
        policy = read_policy(settings.parley_policy)
    except InvalidPolicy as exc:
        print(f"Parley can't start: the policy PARLEY_POLICY={settings.parley_policy} has problems:\n{exc}", file=sys.stderr)
        return None
    print(f"Parley: escalation policy '{policy.name}' ({policy.title}), {len(policy.stages)} stages.")
    parley = Parley(settings=settings, engine=engine, policy=policy)
    if not _connect_slack(settings, parley):
        return None
    if not _connect_teams(settings, parley):
        return None
    if settings.parley_directory:
        if cmd_directory_load(settings, settings.parley_directory) != 0:
            return None
    else:
        with parley.uow() as uow:
            people = len(uow.directory.load().people)
        print(
            f"Parley: {people} people in the directory. Set PARLEY_DIRECTORY to a directory file "
            "(see docs/directory-format.md and examples/directory.yaml) to load who is who."
        )
    return parley


def _connect_slack(settings: Settings, parley: Parley) -> bool:
    """Wire Slack in when any Slack setting is given; False (having said what to fix) when it is wrong."""
    if not (settings.slack_bot_token or settings.slack_signing_secret or settings.slack_app_token or settings.parley_slack_channel):
        return True
    try:
        front = slack.from_settings(
            bot_token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret,
            app_token=settings.slack_app_token,
            api_url=settings.slack_api_url,
            channel=settings.parley_slack_channel,
            sessions=session_factory(parley.engine),
            policy=parley.policy,
            calendar=calendar_for(parley.policy),
            clock=now,
            command=settings.parley_slack_command,
        )
    except slack.SlackConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return False
    parley.slack = front
    parley.senders["slack"] = front.sender
    front.senders = parley.senders  # a change made in Slack is delivered to Teams at once too
    parley.notifier = front.deps.notifier
    print(front.describe())
    return True


def _teams_wanted(settings: Settings) -> bool:
    return bool(
        settings.microsoft_app_id
        or settings.microsoft_app_password
        or settings.parley_teams_channel
        or settings.parley_teams_tenant_id
        or settings.parley_teams_insecure_no_auth
    )


def _connect_teams(settings: Settings, parley: Parley) -> bool:
    """Wire Teams in when any Teams setting is given, beside Slack: one notifier for both, every sender for delivery."""
    if not _teams_wanted(settings):
        return True
    from handlers import teams  # botbuilder is imported only when Teams is used

    if not settings.microsoft_app_id and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"Parley can't start: MICROSOFT_APP_ID is not set, so Teams authentication would be off, and HOST={settings.host} "
            "would let anyone reach /api/messages. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or listen on 127.0.0.1 for local testing.",
            file=sys.stderr,
        )
        return False
    try:
        front = teams.from_settings(
            app_id=settings.microsoft_app_id,
            app_password=settings.microsoft_app_password,
            app_type=settings.microsoft_app_type,
            app_tenant_id=settings.microsoft_app_tenant_id,
            channel=settings.parley_teams_channel,
            thread_tenant=settings.parley_teams_tenant_id,
            service_url=settings.parley_teams_service_url,
            sessions=session_factory(parley.engine),
            policy=parley.policy,
            calendar=calendar_for(parley.policy),
            clock=now,
            insecure_no_auth=settings.parley_teams_insecure_no_auth,
            service_hosts=settings.parley_teams_service_hosts,
            openid_metadata_url=settings.parley_teams_openid_metadata_url,
        )
    except teams.TeamsConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return False
    parley.teams = front
    parley.senders["teams"] = front.sender
    front.senders = parley.senders  # a change made in Teams is delivered to Slack at once too
    parts = [p for p in (parley.slack.notifier if parley.slack else None, front.notifier) if p is not None]
    combined = Notifiers(*parts)
    parley.notifier = combined
    front.use_notifier(combined)
    if parley.slack is not None:
        parley.slack.deps.notifier = combined  # a change made in Slack reaches the Teams thread and people too
    print(front.describe())
    return True


def cmd_teams_package(settings: Settings, out: str | None) -> int:
    return admin_cli.teams_package(Path(__file__).parent / "teams", settings.microsoft_app_id, out)


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
    host = _with_practice(settings, parley, web_app)
    if host is None:
        return 2
    print(f"Parley: serving http://{host}:{settings.port}/healthz  (Ctrl+C to stop)")
    web.run_app(web_app, host=host, port=settings.port, print=None)
    return 0


def _with_practice(settings: Settings, parley: Parley, web_app: web.Application) -> str | None:
    """Add the practice workspace when wanted (handlers/practice); the address to listen on, or None if it can't start."""
    from handlers import practice

    policy_name = parley.policy.name if parley.policy.name in PRESETS else "bradford"
    return practice.attach(web_app, settings.parley_practice, settings.chat_credentials(), settings.parley_practice_folder,
                           settings.database_url, policy_name=policy_name, host=settings.host, port=settings.port)


def cmd_worker(settings: Settings) -> int:
    """Run the timekeeper without serving HTTP (safe to run beside `serve` and other workers)."""
    parley = boot(settings)
    if parley is None:
        return 2
    print(f"Parley worker: checking deadlines and reminders every {settings.parley_sweep_seconds:g} seconds (Ctrl+C to stop).")

    async def run() -> None:
        scheduler = parley.timekeeper().start(settings.parley_sweep_seconds)
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


# --- command line -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = cli_parser.build_parser(PRESETS)
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        return _run(args, settings)
    except NotMigrated as exc:
        print(f"Parley can't do that yet: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    def engine() -> Engine:
        return _migrated_engine(settings)

    def policy() -> Policy:
        return read_policy(settings.parley_policy)

    sub = getattr(args, f"{args.command}_command", None)
    commands: dict[tuple[str, str | None], Callable[[], int]] = {
        ("serve", None): lambda: cmd_serve(settings),
        ("worker", None): lambda: cmd_worker(settings),
        ("db", "upgrade"): lambda: admin_cli.db_upgrade(settings.database_url),
        ("policy", "check"): lambda: admin_cli.policy_check(args.target),
        ("policy", "show"): lambda: admin_cli.policy_show(args.target),
        ("directory", "check"): lambda: admin_cli.directory_check(args.path, args.policy or settings.parley_policy),
        ("directory", "load"): lambda: cmd_directory_load(settings, args.path, args.allow_empty),
        ("teams", "package"): lambda: cmd_teams_package(settings, args.out),
        ("outbox", "failed"): lambda: admin_cli.outbox_failed(engine()),
        ("outbox", "retry"): lambda: admin_cli.outbox_retry(engine, args.ids, args.all, now()),
        ("report", None): lambda: report_cli.run(args, engine=engine(), policy=policy(), now=now()),
        ("retention", None): lambda: retention_cli.run_purge(args, engine=engine(), now=now()),
        ("dispute", None): lambda: retention_cli.run_hold(args, engine=engine(), now=now()),
    }
    if args.command == "record":
        return record_cli.run(args, engine(), policy(), now())
    command = commands.get((args.command, sub)) or commands.get((args.command, None))
    return command() if command else 2


if __name__ == "__main__":
    sys.exit(main())
