"""The hook that reports a person Parley couldn't reach: a direct message about a dispute that the
platform refused for good is kept as failed, recorded on the dispute and told to its threads and
raiser, in one transaction (handlers/delivery.py calls it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import upkeep
from bot.outbox import Notifier
from handlers.delivery import OnUndeliverable, Undeliverable
from storage.outbox import QueuedMessage
from storage.unit_of_work import SqlUnitOfWork


def unreachable_reporter(sessions: sessionmaker[Session], notifier: Callable[[], Notifier]) -> OnUndeliverable:
    """The hook that reports a person a direct message couldn't reach (bot.upkeep.report_unreachable).

    `notifier` is read at each failure (handlers.composition builds every platform's notifier before the senders).
    """

    def report(message: QueuedMessage, failure: Undeliverable, now: datetime) -> None:
        assert message.dispute_id is not None
        upkeep.report_unreachable(
            upkeep.ReportUnreachable(
                message_id=message.id,
                dispute_id=message.dispute_id,
                platform=message.platform,
                workspace=message.workspace,
                user_id=message.target,
                reason=failure.why,
                error=str(failure),
                tag=f"m{message.id}",
            ),
            uow=SqlUnitOfWork(sessions),
            now=now,
            notifier=notifier(),
        )

    return report
