"""Deliveries made right after a change (the courier's passes) are paced within Teams' per-conversation
limits, as the timekeeper's are: against a connector that answers 429 past those limits, none is refused."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import Engine, select

from bot.outbox import Delivery, OutgoingMessage
from handlers import teams
from handlers.delivery import PACES
from handlers.files import read_policy
from handlers.holidays import calendar_for
from handlers.teams.adapter import BotConfig
from handlers.teams.gate import ServiceUrls
from storage.db import session_factory
from storage.models import OutboxRow
from storage.outbox import SENT
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import POLICE_TENANT
from tests.teams.mock_connector import MockConnector

CHANNEL = "19:parley-disputes@thread.tacv2"
LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0))  # per bot per conversation: (at most, in seconds)


class CountingConnector(MockConnector):
    """Counts each conversation's sends as they arrive and answers 429, as Teams does, past its limits."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, list[float]] = {}
        self.refused = 0

    def over(self, conversation: str, at: float) -> bool:
        seen = self.arrivals.get(conversation, [])
        return any(sum(1 for t in seen if t > at - seconds) >= limit for limit, seconds in LIMITS)

    async def _handle(self, request: web.Request) -> web.Response:
        parts = request.rel_url.raw_path.split("/")
        if len(parts) > 4 and parts[4] == "activities":
            conversation, at = unquote(parts[3]).split(";")[0], time.monotonic()
            if self.over(conversation, at):
                self.refused += 1
                return web.json_response({"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "1"})
            self.arrivals.setdefault(conversation, []).append(at)
        return await super()._handle(request)


def _queue(engine: Engine, n: int) -> None:
    now = datetime.now(timezone.utc)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.outbox.add(
            [
                OutgoingMessage(f"post:{i}", "teams", POLICE_TENANT, Delivery.THREAD_ROOT, CHANNEL, {"activity": {"type": "message", "text": f"post {i}"}})
                for i in range(n)
            ],
            now,
        )
        uow.commit()


def _sent(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return len(list(s.scalars(select(OutboxRow.id).where(OutboxRow.status == SENT))))


def test_the_couriers_deliveries_to_one_conversation_stay_within_teams_limits(engine: Engine) -> None:
    n = 9  # unpaced, nine posts in a row break "8 in 2 seconds"
    _queue(engine, n)
    policy = read_policy("lscb")

    async def scenario() -> None:
        connector = CountingConnector()
        await connector.start()
        try:
            front = teams.build(
                config=BotConfig(INSECURE_NO_AUTH=True), channel=CHANNEL, tenant=POLICE_TENANT, sessions=session_factory(engine),
                policy=policy, calendar=calendar_for(policy), clock=lambda: datetime.now(timezone.utc),
                service_url=connector.url, service_urls=ServiceUrls.of([connector.url]), paces=PACES,
            )
            assert front.courier is not None
            for _ in range(40):  # each pass sends what its slots allow and leaves the rest for the next
                front.courier.kick()
                await front.courier.drain()
                if _sent(engine) == n:
                    break
                await asyncio.sleep(0.5)
            await front.courier.close()
        finally:
            await connector.stop()
        assert _sent(engine) == n
        assert connector.refused == 0
        arrivals = connector.arrivals[CHANNEL]
        assert len(arrivals) == n
        # every window of the limits held at every arrival
        for i, at in enumerate(arrivals):
            for limit, seconds in LIMITS:
                assert sum(1 for t in arrivals[: i + 1] if t > at - seconds) <= limit

    asyncio.run(scenario())
