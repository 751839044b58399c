"""A Monday after a bank-holiday weekend: a burst of due messages, sent against a mock Slack that
enforces its rate limit (a second post to a channel within a second gets 429, Retry-After 1).

    .venv/bin/python -m bench.monday [--dms 1000] [--people 500] [--channel-posts 60] [--database sqlite|postgresql]

The outbox holds `dms` direct messages to `people` people (reminders: two for some) and
`channel-posts` posts to the one dispute channel. Delivery passes run as the timekeeper runs them
(real clock, handlers.delivery.PACES) until everything is sent. Prints how long that took, how many
429s Slack gave, and the slowest pass. Target: everything sent within a minute; no 429.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bench.sweep import Unavailable, postgresql_database, postgresql_url
from bot.outbox import Delivery, OutgoingMessage
from handlers.delivery import PACES, deliver_due
from handlers.slack.sender import SlackSender
from storage.db import make_engine, session_factory, upgrade
from storage.outbox import OutboxDelivery
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.mock_slack import MockSlack


def clock() -> datetime:
    return datetime.now(timezone.utc)


async def run(engine, dms: int, people: int, channel_posts: int) -> None:
    sessions = session_factory(engine)
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(
            [OutgoingMessage(f"dm:{i}", "slack", "T0CSC", Delivery.DIRECT, f"U{i % people:06d}", {"text": f"reminder {i}"}) for i in range(dms)]
            + [OutgoingMessage(f"line:{i}", "slack", "T0CSC", Delivery.THREAD_ROOT, "C0PARLEY", {"text": f"line {i}"}) for i in range(channel_posts)],
            clock(),
        )
        uow.commit()
    mock = MockSlack()
    mock.rate_limit = True
    await mock.start()
    try:
        sender = SlackSender(AsyncWebClient(token="xoxb-bench", base_url=mock.api_url, timeout=10))
        outbox = OutboxDelivery(sessions)
        started = time.perf_counter()
        passes: list[float] = []
        dms_done_at = None
        while outbox.counts().get("pending", 0):
            t = time.perf_counter()
            await deliver_due(outbox, {"slack": sender}, now=clock(), clock=clock, paces=PACES, limit=5000, budget=timedelta(seconds=30))
            passes.append(time.perf_counter() - t)
            if dms_done_at is None and len([c for c in mock.calls_to("chat.postMessage") if str(c.args.get("channel", "")).startswith("U")]) >= dms:
                dms_done_at = time.perf_counter() - started
            if time.perf_counter() - started > 600:
                print("  gave up after 10 minutes")
                break
            await asyncio.sleep(0.2)
        total = time.perf_counter() - started
        posts = mock.calls_to("chat.postMessage", ok_only=False)
        print(f"  {dms} DMs to {people} people + {channel_posts} posts to one channel: all sent in {total:.1f} s "
              f"(the DMs in {dms_done_at or total:.1f} s); {sum(1 for c in posts if c.status == 429)} answered 429 "
              f"of {len(posts)} posts; {len(passes)} passes, slowest {max(passes):.1f} s")
    finally:
        await mock.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monday", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dms", type=int, default=1000)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--channel-posts", type=int, default=60)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    print(f"{args.database}:")
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
            upgrade(engine)
            asyncio.run(run(engine, args.dms, args.people, args.channel_posts))
            engine.dispose()
        return 0
    try:
        with postgresql_database(postgresql_url()) as engine:
            asyncio.run(run(engine, args.dms, args.people, args.channel_posts))
    except Unavailable as exc:
        print(f"  PostgreSQL skipped: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
