"""A Monday after a bank-holiday weekend (issue 10): `due` items fall due at once; what they send, and
how long Parley takes to deliver it against mocks that enforce Slack's and Teams' published limits.

    .venv/bin/python -m bench.monday [--due 1000] [--open 0] [--people 1] [--max-seconds 180]
                                     [--database sqlite|postgresql] [--as-before] [--old-threads]

It builds the due set of bench.sweep (half disputes past their deadline, half with a reminder due;
each between Children's Social Care on Slack and the police on Teams, with its threads posted long
ago in one Slack channel and one Teams channel), runs the sweeps with the real Slack and Teams
notifiers as production runs them (each within the timekeeper's budget, the next at once), prints
what they queued (by platform and kind, and the busiest conversation), then runs the timekeeper's
delivery passes (real clock, PACES, LANES) against bench.limits' LimitedSlack and LimitedConnector
until everything is sent or `max-seconds` pass. It prints the time to drain, the calls made, the
429s received (0 when the pacing is right) and a lower bound on the time to drain that the
published limits set, whatever the sender does.

`--people N` spreads each direct message over N people per directory entry (the bench's directory
has a dozen people, so a thousand disputes would otherwise send hundreds of DMs to each: a real
partnership has many more). `--as-before`: Parley's pacing before issue 10's work (one conversation
at a time, updates in place unpaced). `--old-threads`: threads posted before their permalink was
kept, so each DM's link costs a chat.getPermalink call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, select, update

from bench.limits import LimitedConnector, LimitedSlack
from bench.monday_shape import Shape, drain_bound, print_shape
from bench.sweep import real_notifiers, sweeps_until_done
from bench.sweep_data import NOW_DUE, Unavailable, insert_clones, insert_due_set, make_templates, postgresql_database, postgresql_url, sqlite_database
from bot.outbox import Delivery
from bot.upkeep import load_directory
from handlers import teams
from handlers.delivery import LANES, PACES, Pace, deliver_due
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.scheduler import SWEEP_BUDGET, Timekeeper
from handlers.slack.sender import PERMALINK, SlackSender
from handlers.teams.adapter import BotConfig
from handlers.teams.gate import ServiceUrls
from storage.db import session_factory
from storage.models import DisputeRow, OutboxRow, ThreadRow
from storage.outbox import PENDING, OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import CSC_WORKSPACE, POLICE_TENANT, directory_for

SLACK_CHANNEL = "C0PARLEY"
TEAMS_CHANNEL = "19:parley-disputes@thread.tacv2"
BEFORE = {"slack": Pace(timedelta(seconds=1.1)), "teams": Pace(timedelta(seconds=0.55))}  # before issue 10's pacing work


def clock() -> datetime:
    return datetime.now(timezone.utc)


def seed_threads(engine: Engine, connector_url: str, *, permalinks: bool) -> int:
    """Each dispute's two threads, as if posted when it was opened."""
    with engine.begin() as conn:
        ids = list(conn.scalars(select(DisputeRow.id)))
        rows: list[dict[str, Any]] = []
        for n, dispute_id in enumerate(ids):
            ts = f"1763000000.{n:06d}"
            link = {PERMALINK: f"https://t0csc.slack.com/archives/{SLACK_CHANNEL}/p{ts.replace('.', '')}"} if permalinks else {}
            rows.append({"dispute_id": dispute_id, "platform": "slack", "workspace": CSC_WORKSPACE, "channel": SLACK_CHANNEL, "root_id": ts, "extra": link})
            rows.append({"dispute_id": dispute_id, "platform": "teams", "workspace": POLICE_TENANT, "channel": TEAMS_CHANNEL,
                         "root_id": f"1763000000{n:06d}", "extra": {"service_url": connector_url}})
        conn.execute(ThreadRow.__table__.insert(), rows)
    return len(ids)


def spread_people(engine: Engine, people: int) -> None:
    """Give each dispute's direct messages to one of `people` holders of each directory entry (round robin)."""
    if people <= 1:
        return
    with engine.begin() as conn:
        disputes = {d: i for i, d in enumerate(conn.scalars(select(DisputeRow.id).order_by(DisputeRow.id)))}
        dms = conn.execute(select(OutboxRow.id, OutboxRow.dispute_id, OutboxRow.target).where(OutboxRow.delivery == Delivery.DIRECT.value)).all()
        for id_, dispute_id, target in dms:
            k = disputes.get(dispute_id, 0) % people
            conn.execute(update(OutboxRow).where(OutboxRow.id == id_).values(target=f"{target}{k:04d}"))


async def deliver(
    engine: Engine, slack: LimitedSlack, connector: LimitedConnector, policy: Any, *, as_before: bool, max_seconds: float, lanes: int = LANES
) -> dict[str, Any]:
    sessions = session_factory(engine)
    outbox = OutboxDelivery(sessions)
    slack_sender = SlackSender(AsyncWebClient(token="xoxb-bench", base_url=slack.api_url, timeout=10), threads=outbox.thread)
    front = teams.build(
        config=BotConfig(INSECURE_NO_AUTH=True), channel=TEAMS_CHANNEL, tenant=POLICE_TENANT, sessions=sessions, policy=policy,
        calendar=calendar_for(policy), clock=clock, service_url=connector.url, service_urls=ServiceUrls.of([connector.url]),
        deliver_at_once=False,
    )
    senders = {"slack": slack_sender, "teams": front.sender}
    started, began = time.perf_counter(), time.monotonic()
    passes: list[float] = []
    tally: Counter[str] = Counter()
    while time.perf_counter() - started < max_seconds:
        t = time.perf_counter()
        tally.update(await deliver_due(
            outbox, senders, now=clock(), clock=clock, paces=BEFORE if as_before else PACES, limit=5000,
            lanes=1 if as_before else lanes,
        ))
        passes.append(time.perf_counter() - t)
        with sessions() as s:
            left = Counter(f"{p} {d}" for p, d in s.execute(select(OutboxRow.platform, OutboxRow.delivery).where(OutboxRow.status == PENDING)))
        if not left:
            break
        await asyncio.sleep(1.0)  # the timekeeper's delivery job runs every few seconds; a second here
    with sessions() as s:
        left_total = s.scalar(select(OutboxRow.id).where(OutboxRow.status == PENDING).limit(1)) is not None
        pending = Counter(f"{p} {d}" for p, d in s.execute(select(OutboxRow.platform, OutboxRow.delivery).where(OutboxRow.status == PENDING)))
    drained: dict[str, float] = {}
    for at, kind in slack.admitted + connector.admitted:
        drained[kind] = max(drained.get(kind, 0.0), at - began)  # when the last call of its kind went through
    return {"seconds": time.perf_counter() - started, "passes": passes, "drained": drained, "tally": tally, "pending": pending, "done": not left_total}


def calls_of(slack: LimitedSlack, connector: LimitedConnector) -> tuple[Counter[str], Counter[str]]:
    made: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for c in slack.calls:
        (refused if c.status == 429 else made)[f"slack {c.method}"] += 1
    for c in connector.calls:
        made[f"teams {c.method} {c.kind}"] += 1
    for method, _path in connector.refused:
        refused[f"teams {method}"] += 1
    return made, refused


async def run(engine: Engine, args: argparse.Namespace) -> None:
    policy = read_policy("bradford")
    calendar = calendar_for(policy)
    sessions = session_factory(engine)
    load_directory(directory_for(policy), uow=SqlUnitOfWork(sessions))
    templates = make_templates(policy, calendar)
    if args.open:
        insert_clones(engine, templates.open, args.open)
    insert_due_set(engine, templates, args.due)
    slack, connector = LimitedSlack(), LimitedConnector()
    await slack.start()
    await connector.start()
    try:
        seed_threads(engine, connector.url, permalinks=not args.old_threads)
        notifier = real_notifiers(policy, slack_channel=SLACK_CHANNEL, teams_channel=TEAMS_CHANNEL)
        keeper = Timekeeper(
            sessions=sessions, policy=policy, calendar=calendar, clock=lambda: NOW_DUE, notifier=notifier, budget=SWEEP_BUDGET
        )
        times, report = sweeps_until_done(keeper, NOW_DUE)
        spread_people(engine, args.people)
        shape = Shape.of(engine)
        print(f"  the sweeps with the real notifiers, as production runs them ({SWEEP_BUDGET * 1000:.0f} ms budget each, "
              f"the next at once): {report.escalated} escalated, {report.nudged} reminders, {report.told} told in "
              f"{len(times)} sweeps of {' + '.join(f'{ms:.0f}' for ms in times)} ms ({sum(times):.0f} ms in all)")
        print_shape(shape)
        result = await deliver(engine, slack, connector, policy, as_before=args.as_before, max_seconds=args.max_seconds, lanes=args.lanes)
        made, refused = calls_of(slack, connector)
        how = "pacing before issue 10" if args.as_before else f"PACES, {args.lanes} lane(s)"
        print(f"\n  delivery ({how}), load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}:")
        left = sum(result["pending"].values())
        state = "everything sent" if result["done"] else f"stopped after {args.max_seconds:.0f} s with {left} still pending ({dict(result['pending'])})"
        print(f"    {state} in {result['seconds']:.1f} s; {len(result['passes'])} passes, slowest {max(result['passes']):.1f} s")
        print("    last call of each kind after: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(result["drained"].items(), key=lambda kv: kv[1])))
        print(f"    outcomes: {dict(result['tally'])}")
        print(f"    calls made: {sum(made.values())} ({', '.join(f'{k} {v}' for k, v in made.most_common())})")
        limited = dict(slack.limiter.limited + connector.limiter.limited) or "none"
        print(f"    429s received: {sum(refused.values())} ({dict(refused) or 'none'}); by limit: {limited}")
        print(f"    lower bound from the published limits: {drain_bound(shape):.0f} s")
    finally:
        await slack.stop()
        await connector.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monday", description=__doc__.split("\n\n")[0])
    parser.add_argument("--due", type=int, default=1000, help="items due at once: half overdue disputes, half reminders")
    parser.add_argument("--open", type=int, default=0, help="other open disputes, nothing due (the sweep's own bench measures those)")
    parser.add_argument("--people", type=int, default=1, help="spread each direct message over this many people per directory entry")
    parser.add_argument("--max-seconds", type=float, default=180.0)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--lanes", type=int, default=LANES, help=f"conversations sent to at once (the timekeeper: {LANES})")
    parser.add_argument("--as-before", action="store_true", help="Parley's pacing before issue 10: one conversation at a time, updates unpaced")
    parser.add_argument("--old-threads", action="store_true", help="threads without their permalink kept (each DM's link costs a call)")
    args = parser.parse_args(argv)
    if not 2 <= args.due <= 20_000 or not 1 <= args.people <= 1000:
        parser.error("--due must be between 2 and 20000, --people between 1 and 1000")
    print(f"{args.database}, {args.due} items due:", flush=True)
    try:
        with sqlite_database() if args.database == "sqlite" else postgresql_database(postgresql_url()) as engine:
            asyncio.run(run(engine, args))
    except Unavailable as exc:
        print(f"  PostgreSQL skipped: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
