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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.directory import Directory, InvalidDirectory
from bot.policy import InvalidPolicy, Policy
from bot.outbox import NoNotifier, Notifier, Notifiers
from bot.services import load_directory
from handlers.delivery import PACES, Sender
from handlers.directory_files import read_directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers import slack
from handlers.platforms import PlatformHealth, SlackTeam, check_again
from handlers.scheduler import Timekeeper
from handlers.cli import record as record_cli
from handlers.cli import report as report_cli
from handlers.cli import retention as retention_cli
from handlers.slack import SlackFrontEnd
from messages.policy import EMPTY_DIRECTORY, policy_table
from messages.record import local_time
from policies import PRESETS
from storage.db import NotMigrated, check_migrated, make_engine, session_factory, upgrade
from storage.admin import failed_messages, retry_failed
from storage.gates import PlatformChecks
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


@dataclass
class Parley:
    settings: Settings
    engine: Engine
    policy: Policy
    notifier: Notifier = field(default_factory=NoNotifier)
    senders: dict[str, Sender] = field(default_factory=dict)
    slack: SlackFrontEnd | None = None
    teams: TeamsFrontEnd | None = None
    health: PlatformHealth = field(default_factory=PlatformHealth)
    rechecks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # started with the event loop
    middlewares: list[Any] = field(default_factory=list)  # the web app's (SlackTeam's: Slack work waits for the workspace)

    def start_rechecks(self) -> list[asyncio.Task[None]]:
        return [asyncio.get_running_loop().create_task(check()) for check in self.rechecks]

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory(self.engine))

    def timekeeper(self) -> Timekeeper:
        return Timekeeper(
            sessions=session_factory(self.engine),
            policy=self.policy,
            calendar=calendar_for(self.policy),
            clock=now,
            notifier=self.notifier,
            senders=self.senders,
            paces=PACES,
        )


def now() -> datetime:
    # The one place the clock is read; everything below takes `now` as an argument.
    return datetime.now(timezone.utc)


# --- commands -----------------------------------------------------------------------------------


def cmd_db_upgrade(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    print(f"Database is up to date: {_safe_url(settings.database_url)}")
    return 0


def cmd_policy_check(target: str) -> int:
    try:
        policy = read_policy(target)
    except InvalidPolicy as exc:
        print(f"{target}: {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    print(f"{target}: OK. {policy.title}: {len(policy.stages)} stages, {len(policy.categories)} categories.")
    return 0


def cmd_policy_show(target: str) -> int:
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


def cmd_directory_check(path: str, policy_name: str | None) -> int:
    try:
        directory = _read_directory_for(path, policy_name)
    except InvalidDirectory as exc:
        print(f"{path}: {len(exc.errors)} problem(s):", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        return 1
    print(f"{path}: OK. {len(directory.people)} people in {len(directory.agencies)} agencies.")
    return 0


def cmd_directory_load(settings: Settings, path: str, allow_empty: bool = False) -> int:
    if cmd_directory_check(path, settings.parley_policy) != 0:
        print("Nothing was changed.", file=sys.stderr)
        return 1
    engine = _migrated_engine(settings)
    directory = _read_directory_for(path, settings.parley_policy)
    if not directory.people and not allow_empty:
        print(EMPTY_DIRECTORY.format(path=path), file=sys.stderr)
        return 1
    load_directory(directory, uow=SqlUnitOfWork(session_factory(engine)))
    print(f"Stored {len(directory.people)} people from {path}.")
    return 0


def cmd_outbox_failed(settings: Settings) -> int:
    """List the messages a platform refused for good, with what it said."""
    failed = failed_messages(session_factory(_migrated_engine(settings)))
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


def cmd_outbox_retry(settings: Settings, ids: Sequence[int], everything: bool) -> int:
    """Queue failed messages again; the timekeeper sends them on its next sweep."""
    if not ids and not everything:
        print("Say which messages to send again (their ids from `python app.py outbox failed`), or --all.", file=sys.stderr)
        return 1
    retried = retry_failed(session_factory(_migrated_engine(settings)), None if everything else ids, now=now())
    unknown = sorted(set(ids) - set(retried))
    if retried:
        print(f"Queued again: {', '.join(map(str, retried))}. They go out with the next sweep.")
    if unknown:
        print(f"Not failed messages, left alone: {', '.join(map(str, unknown))}.", file=sys.stderr)
    if not retried and not unknown:
        print("No failed messages to send again.")
    return 1 if unknown else 0


def _migrated_engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    check_migrated(engine)
    return engine


# --- serve --------------------------------------------------------------------------------------


SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
RECHECKS = web.AppKey("rechecks", list)


def build_web_app(parley: Parley) -> web.Application:
    """The HTTP app: /healthz now; the chat front ends add their routes here."""
    app = web.Application(client_max_size=1024 * 1024, middlewares=parley.middlewares)

    outbox = OutboxDelivery(session_factory(parley.engine))

    async def healthz(_: web.Request) -> web.Response:
        counts = await asyncio.to_thread(outbox.counts)
        return web.json_response(
            {
                "status": "ok",
                "policy": parley.policy.name,
                "platforms": sorted(parley.senders),
                "unreachable": parley.health.as_json(),
                "outbox": {"pending": counts.get("pending", 0), "failed": counts.get("failed", 0)},
                **({"teams": {"authentication": not parley.teams.config.authentication_off}} if parley.teams is not None else {}),
            }
        )

    app.router.add_get("/healthz", healthz)
    if parley.slack is not None:
        parley.slack.mount(app)
    if parley.teams is not None:
        parley.teams.mount(app)

    async def start_timekeeper(app: web.Application) -> None:
        app[SCHEDULER] = parley.timekeeper().start(parley.settings.parley_sweep_seconds)
        app[RECHECKS] = parley.start_rechecks()

    async def stop_timekeeper(app: web.Application) -> None:
        app[SCHEDULER].shutdown(wait=False)
        for task in app[RECHECKS]:
            task.cancel()

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
    checks = PlatformChecks(session_factory(parley.engine))
    last = checks.last("slack")
    known = slack.Workspace(last.workspace, last.detail.get("team", ""), last.detail.get("bot_user", ""), last.detail.get("bot_id", "")) if last else None
    try:
        front = slack.from_settings(
            known=known,
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
    if front.workspace is None:  # never reached Slack: nothing is queued under an empty team (handlers/platforms.py)
        parley.middlewares.append(SlackTeam(front, checks, parley.health, now).middleware)
    parley.senders["slack"] = front.sender
    front.senders = parley.senders  # a change made in Slack is delivered to Teams at once too
    parley.notifier = front.deps.notifier

    def remember(workspace: slack.Workspace) -> None:
        detail = {"team": workspace.team, "bot_user": workspace.bot_user, "bot_id": workspace.bot_id}
        checks.remember("slack", workspace.team_id, detail, now())

    if front.unreachable:
        parley.health.unreachable("slack", now(), front.unreachable)
        recheck = front.recheck
        assert recheck is not None
        parley.rechecks.append(
            lambda: check_again(
                "slack", recheck, health=parley.health, on_ok=remember, every=settings.parley_recheck_seconds
            )
        )
    elif front.workspace is not None:
        remember(front.workspace)
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
    """Build the Teams app package (manifest + icons) to upload in Teams or the Teams admin centre."""
    from handlers.teams.package import PackageError, build_package

    try:
        path = build_package(Path(__file__).parent / "teams", app_id=settings.microsoft_app_id, out=Path(out) if out else None)
    except PackageError as exc:
        print(f"Parley can't build the Teams package: {exc}", file=sys.stderr)
        return 1
    print(f"Teams app package: {path}")
    print("Upload it in Teams (Apps > Manage your apps > Upload an app), or in the Teams admin centre for your organisation.")
    return 0


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

    try:
        if not practice.wanted(settings.parley_practice, chat_credentials=settings.chat_credentials()):
            return settings.host
        folder = practice.check_folder(settings.parley_practice_folder, settings.database_url)
    except practice.PracticeConfigError as exc:
        print(f"Parley can't start: {exc}", file=sys.stderr)
        return None
    practice.mount(web_app, folder=folder, policy_name=parley.policy.name if parley.policy.name in PRESETS else "bradford")
    print(f"Practice workspace: http://127.0.0.1:{settings.port}/  (made-up people; PARLEY_PRACTICE=off turns it off)")
    return "127.0.0.1"  # the practice workspace is never reachable from another machine, whatever HOST says


def cmd_worker(settings: Settings) -> int:
    """Run the timekeeper without serving HTTP (safe to run beside `serve` and other workers)."""
    parley = boot(settings)
    if parley is None:
        return 2
    print(f"Parley worker: checking deadlines and reminders every {settings.parley_sweep_seconds:g} seconds (Ctrl+C to stop).")

    async def run() -> None:
        scheduler = parley.timekeeper().start(settings.parley_sweep_seconds)
        rechecks = parley.start_rechecks()
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            for task in rechecks:
                task.cancel()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    return 0


def _safe_url(url: str) -> str:
    # never print a password
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


# --- command line -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
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

    args = parser.parse_args(argv)
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
            return cmd_db_upgrade(settings)
        case "policy" if args.policy_command == "check":
            return cmd_policy_check(args.target)
        case "policy":
            return cmd_policy_show(args.target)
        case "directory" if args.directory_command == "check":
            return cmd_directory_check(args.path, args.policy or settings.parley_policy)
        case "directory":
            return cmd_directory_load(settings, args.path, args.allow_empty)
        case "record":
            return record_cli.run(args, _migrated_engine(settings), read_policy(settings.parley_policy), now())
        case "teams":
            return cmd_teams_package(settings, args.out)
        case "outbox" if args.outbox_command == "failed":
            return cmd_outbox_failed(settings)
        case "outbox":
            return cmd_outbox_retry(settings, args.ids, args.all)
        case "report":
            return report_cli.run(args, engine=_migrated_engine(settings), policy=read_policy(settings.parley_policy), now=now())
        case "retention":
            return retention_cli.run_purge(args, engine=_migrated_engine(settings), policy=read_policy(settings.parley_policy), now=now())
        case "dispute":
            return retention_cli.run_hold(args, engine=_migrated_engine(settings), now=now())
    return 2


if __name__ == "__main__":
    sys.exit(main())
