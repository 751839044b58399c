"""How fast a filled-in /disagree form is saved and answered, beside a bare slack-bolt app (issue 11).

    .venv/bin/python -m bench.form_submission [--requests 50] [--rounds 5] [--database sqlite|postgresql|both]

It starts the real server (`python app.py serve`, its own process, on 127.0.0.1, the Slack Web API
pointed at a local mock in a process of its own) and the bare bolt app of bench/bare_bolt.py, then,
round after round, alternating, fires N concurrent signed view_submissions of the intake form, each
from a different practitioner: Parley saves a dispute for each before it answers, the bare app
only acks. Each is timed to its HTTP response; the CPU each server process used is read from
/proc. In Parley's process, SQLAlchemy events count the statements sent and the commits made
during the measured rounds (the threads and DMs the outbox then delivers included), per submission.
One warm-up round each is not counted. Target (issue 11): p99 at most 150 ms and at most 3x the
bare app, at most 5 ms CPU per submission.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.slack_intake import ROOT, SECRET, Figures, RemoteMock, Server, database, fire_submissions, free_port, write_directory

TARGET_P99_MS = 150.0
TARGET_RATIO = 3.0
TARGET_CPU_MS = 5.0

# Runs `app.py serve` with every engine's statements and commits counted: SIGUSR1 starts counting
# from zero (just before the measured rounds), SIGUSR2 writes the counts to the file named first.
_COUNTED_SERVE = r"""
import json, os, runpy, signal, sys, threading
from sqlalchemy import event
from sqlalchemy.engine import Engine
out, sys.argv = sys.argv[1], sys.argv[2:]
lock, counts, on = threading.Lock(), {"statements": 0, "commits": 0}, threading.Event()

@event.listens_for(Engine, "before_cursor_execute")
def statement(conn, cursor, text, params, context, many):
    if on.is_set():
        with lock:
            counts["statements"] += 1

@event.listens_for(Engine, "commit")
def commit(conn):
    if on.is_set():
        with lock:
            counts["commits"] += 1

def start(signum, frame):
    with lock:
        counts.update(statements=0, commits=0)
    on.set()

def write(signum, frame):
    on.clear()
    with open(out + ".part", "w") as f:
        json.dump(counts, f)
    os.replace(out + ".part", out)

signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, write)
runpy.run_path(sys.argv[0], run_name="__main__")
"""


async def bench_one(kind: str, n: int, rounds: int) -> tuple[Figures, Figures, dict[str, int]] | None:
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        if url is None:
            print("  PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it; skipped.")
            return None
        workdir = Path(tmp)
        write_directory(workdir / "directory.yaml", n)
        mock = RemoteMock()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PARLEY_"))},
            "DATABASE_URL": url,
            "PARLEY_POLICY": "bradford",
            "PARLEY_DIRECTORY": str(workdir / "directory.yaml"),
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": mock.api_url,
            "PARLEY_SLACK_CHANNEL": "C0BENCH",
            "PARLEY_SWEEP_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
        }
        upgrade = subprocess.run([sys.executable, "app.py", "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, timeout=120)
        if upgrade.returncode != 0:
            raise RuntimeError(upgrade.stdout.decode() + upgrade.stderr.decode())
        counted = workdir / "counts.json"
        parley_port, bare_port = free_port(), free_port()
        parley = Server("parley", [sys.executable, "-c", _COUNTED_SERVE, str(counted), "app.py", "serve"], {**env, "PORT": str(parley_port)}, parley_port)
        bare = Server("bare bolt", [sys.executable, "-m", "bench.bare_bolt"], {**env, "PORT": str(bare_port)}, bare_port)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            try:
                await parley.start(session)
                await bare.start(session)
                for server in (parley, bare):  # warm-up, not counted
                    await fire_submissions(session, server, n)
                await asyncio.sleep(1.0)  # the warm-up's deliveries done
                parley.signal(signal.SIGUSR1)
                await asyncio.sleep(0.2)
                saved, acked = Figures("parley", []), Figures("bare bolt", [])
                for r in range(rounds):
                    for server in (parley, bare) if r % 2 == 0 else (bare, parley):
                        target = saved if server is parley else acked
                        cpu_before = server.cpu_seconds()
                        got = await fire_submissions(session, server, n)
                        await asyncio.sleep(0.5)  # the threads and DMs go out before the next round
                        cpu_after = server.cpu_seconds()
                        target.times += got.times
                        target.failures += got.failures
                        if None in (cpu_before, cpu_after, target.cpu):
                            target.cpu = None
                        else:
                            target.cpu += cpu_after - cpu_before  # type: ignore[operator]
                parley.signal(signal.SIGUSR2)
                deadline = time.monotonic() + 30
                while not counted.exists() and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                counts = json.loads(counted.read_text()) if counted.exists() else {}
                return saved, acked, counts
            except Exception:
                print(parley.output())
                raise
            finally:
                parley.stop()
                bare.stop()
                mock.stop()


def report(kind: str, n: int, rounds: int, saved: Figures, acked: Figures, counts: dict[str, int]) -> bool:
    total = n * rounds
    print(f"\n{kind}: {n} concurrent intake form submissions x {rounds} rounds (time to HTTP response)")
    print(f"  {'':<12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'failed':>8}{'CPU ms/submission':>19}")
    for f in (saved, acked):
        cpu = f"{f.cpu / max(len(f.times), 1) * 1000:.2f}" if f.cpu else "-"
        print(f"  {f.name:<12}{f.p50:>9.1f}{f.pct(99):>9.1f}{max(f.times, default=0) * 1000:>9.1f}{f.failures:>8}{cpu:>19}")
    ratio = saved.pct(99) / acked.pct(99)
    cpu_ms = saved.cpu / max(len(saved.times), 1) * 1000 if saved.cpu else float("nan")
    if counts:
        print(f"  per submission: {counts['statements'] / total:.1f} statements, {counts['commits'] / total:.1f} commits (saving, answering and delivering)")
    ok = saved.pct(99) <= TARGET_P99_MS and ratio <= TARGET_RATIO and cpu_ms <= TARGET_CPU_MS and not saved.failures
    print(
        f"  parley / bare p99 x{ratio:.2f}; target p99 <= {TARGET_P99_MS:.0f} ms, <= x{TARGET_RATIO:.0f} bare, "
        f"<= {TARGET_CPU_MS:.0f} ms CPU: {'met' if ok else 'NOT met'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.form_submission", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="concurrent submissions per round (default 50, at most 500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per app, alternating (default 5, at most 50)")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    n, rounds = max(1, min(args.requests, 500)), max(1, min(args.rounds, 50))
    print(f"Parley form submission benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    all_ok = True
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        result = asyncio.run(bench_one(kind, n, rounds))
        if result is not None:
            all_ok &= report(kind, n, rounds, *result)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
