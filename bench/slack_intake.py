"""How fast /disagree is answered under load, beside a bare slack-bolt app that only acks (issue 3).

    .venv/bin/python -m bench.slack_intake [--requests 50] [--rounds 5] [--database sqlite|postgresql|both]

It starts the real server as an administrator would (`python app.py serve`) and the bare app of
bench/bare_bolt.py (bench/driver.py says how), then, round after round, alternating between the
two, fires N concurrent signed `/disagree` requests, each from a different practitioner in the
directory, and times each to its HTTP response. One warm-up round each is not counted
(connections opened, caches filled), and the CPU time each server process used is reported per
request. For Parley it also times each request to the moment its modal reached the mock
(views.open: Slack's 3-second window). Target: p99 under 300 ms at 50 concurrent requests,
within 2x of the bare app. The form submitted afterwards is bench.form_submission's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from urllib.parse import urlencode

from bench.driver import TEAM, Figures, RemoteMock, Request, Stage, burst, header, load_average, practitioner, signed, stage

TARGET_P99_MS = 300.0
TARGET_RATIO = 2.0


def slash_command(mock: RemoteMock, user: str, trigger: str) -> tuple[bytes, dict[str, str]]:
    return signed(
        urlencode(
            {
                "token": "legacy", "team_id": TEAM, "team_domain": "bench", "channel_id": "C0GENERAL", "channel_name": "general",
                "user_id": user, "user_name": user.lower(), "command": "/disagree", "text": "", "api_app_id": "A0PARLEY",
                "is_enterprise_install": "false", "response_url": mock.response_url(trigger), "trigger_id": trigger,
            }
        )
    )  # fmt: skip


def commands(mock: RemoteMock, n: int) -> list[Request]:
    """N signed /disagree requests, each from a different practitioner, each with a trigger of its own."""
    triggers = [f"bench.{uuid.uuid4().hex}" for _ in range(n)]
    return [(*slash_command(mock, practitioner(i), t), t) for i, t in enumerate(triggers)]


async def bench_one(kind: str, n: int, rounds: int) -> tuple[Figures, Figures, Figures] | None:
    async with stage(kind, n) as on:
        if on is None:
            return None
        return await _measure(on, n, rounds)


async def _measure(on: Stage, n: int, rounds: int) -> tuple[Figures, Figures, Figures]:
    for server in (on.parley, on.bare):  # a warm-up round each, not counted: connections opened, caches filled
        await burst(on.session, server, commands(on.mock, n), {})
    await asyncio.sleep(0.5)
    warm = len(await on.mock.calls(on.session, "views.open"))
    sent_at: dict[str, float] = {}
    mine, theirs = await on.alternate(rounds, lambda _: commands(on.mock, n), sent_at=sent_at)
    # each Parley request's modal must reach Slack within its 3-second window
    deadline = time.monotonic() + 10
    while len(await on.mock.calls(on.session, "views.open")) < warm + n * rounds and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    opened = Figures("modal opened", [], cpu=None)
    for call in (await on.mock.calls(on.session, "views.open"))[warm:]:
        if call["trigger_id"] in sent_at:
            opened.times.append(call["at"] - sent_at[call["trigger_id"]])
    opened.failures = n * rounds - len(opened.times)
    return mine, theirs, opened


def report(kind: str, n: int, rounds: int, mine: Figures, theirs: Figures, opened: Figures) -> bool:
    print(f"\n{kind}: {n} concurrent signed /disagree requests x {rounds} rounds (time to HTTP response; {load_average()})")
    print(header(22))
    for f in (mine, theirs, opened):
        print(f.row(22))
    ratio99, ratio50 = mine.pct(99) / theirs.pct(99), mine.p50 / theirs.p50
    ok = mine.pct(99) < TARGET_P99_MS and ratio99 <= TARGET_RATIO and not mine.failures and not opened.failures
    print(f"  parley / bare: p50 x{ratio50:.2f}, p99 x{ratio99:.2f}")
    print(
        f"  target p99 < {TARGET_P99_MS:.0f} ms and within x{TARGET_RATIO:.0f} of bare: {'met' if ok else 'NOT met'}"
        f"; slowest modal reached Slack after {max(opened.times, default=0) * 1000:.0f} ms (window: 3000 ms)"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_intake", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="concurrent requests per round (default 50, at most 500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per app, alternating (default 5, at most 50)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    n, rounds = max(1, min(args.requests, 500)), max(1, min(args.rounds, 50))
    print(f"Parley /disagree benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    all_ok = True
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        result = asyncio.run(bench_one(kind, n, rounds))
        if result is not None:
            all_ok &= report(kind, n, rounds, *result)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
