"""What a Monday's sweep queued (bench.monday), and the least time the platforms' published limits
allow for sending it, whatever the sender does."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, select

from bot.outbox import Delivery
from storage.models import OutboxRow
from storage.outbox import PENDING


@dataclass
class Shape:
    kinds: Counter[tuple[str, str]]  # (platform, delivery) -> messages
    targets: Counter[tuple[str, str]]  # (platform, delivery) -> distinct targets
    per_conversation: Counter[tuple[str, str]]  # (platform, conversation) -> posts (and, on Teams, updates) there
    updates: Counter[str]  # platform -> updates in place

    @classmethod
    def of(cls, engine: Engine) -> Shape:
        kinds: Counter[tuple[str, str]] = Counter()
        seen: dict[tuple[str, str], set[str]] = {}
        per_conversation: Counter[tuple[str, str]] = Counter()
        updates: Counter[str] = Counter()
        with engine.connect() as conn:
            rows = conn.execute(select(OutboxRow.platform, OutboxRow.delivery, OutboxRow.target).where(OutboxRow.status == PENDING))
            for platform, delivery, target in rows:
                kinds[(platform, delivery)] += 1
                seen.setdefault((platform, delivery), set()).add(target)
                if delivery == Delivery.ROOT_UPDATE.value:
                    updates[platform] += 1
                    if platform == "slack":
                        continue  # Slack limits chat.update per workspace, not per channel
                per_conversation[(platform, target)] += 1
        return cls(kinds, Counter({k: len(v) for k, v in seen.items()}), per_conversation, updates)


def _windows(n: int, limit: int, seconds: float) -> float:
    """The least time n calls take under `limit` calls in any `seconds` (a sliding window)."""
    return max(0, math.ceil(n / limit) - 1) * seconds


def drain_bound(shape: Shape) -> float:
    """The published limits' floor on the time to send it all (the busiest conversation or method)."""
    bounds = [0.0]
    for (platform, _), n in shape.per_conversation.items():
        if platform == "slack":
            bounds.append(n - 1.0)  # one post a second per channel
        else:
            bounds.append(max(_windows(n, 60, 30.0), _windows(n, 1800, 3600.0), (n - 1) / 7))
    bounds.append(_windows(shape.updates["slack"], 50, 60.0))  # chat.update, Tier 3
    teams_calls = sum(n for (p, _), n in shape.kinds.items() if p == "teams")
    bounds.append(teams_calls / 50)  # 50 requests a second per app and tenant (more with new 1:1 chats)
    return max(bounds)


def print_shape(shape: Shape) -> None:
    print("  queued:")
    for (platform, delivery), n in sorted(shape.kinds.items()):
        print(f"    {platform:<6} {delivery:<13} {n:6,}  to {shape.targets[(platform, delivery)]:,} distinct targets")
    for platform in ("slack", "teams"):
        mine = [(t, n) for (p, t), n in shape.per_conversation.items() if p == platform]
        if mine:
            target, n = max(mine, key=lambda tn: tn[1])
            print(f"    busiest {platform} conversation: {target} with {n:,} sends")
