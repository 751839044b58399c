"""The chaos test: real `app.py serve` replicas and an `app.py worker` on one PostgreSQL database,
a mock Slack and a mock Teams connector in processes of their own answering 500, 429 with
Retry-After, slowly (3 s), not at all (a hang), or vanishing for an outage, and a SIGKILL every
few seconds. Work is made due by pulling deadlines and reminders forward in the database (no
test-only setting in Parley). Then everything is let recover, and the mocks' call logs and the
database must show: each Slack message posted exactly once, Teams at most once per lost answer,
nothing lost, every missed timescale acted on once, no reminder queued after its stage ended, and
every process start a success.

The short version runs in `make test` (PostgreSQL only); PARLEY_CHAOS_LONG=1 runs the long one.
"""

from __future__ import annotations

import os
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import app
from bot import opening, upkeep
from handlers.holidays import calendar_for
from storage.db import make_engine, upgrade
from tests.builders import POLICE_TENANT, directory_for
from tests.chaos.cluster import MockProcess, Node, parley_env

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
LONG = os.environ.get("PARLEY_CHAOS_LONG") == "1"

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="the chaos test runs replicas on one PostgreSQL database (set TEST_DATABASE_URL; CI has one)"
)

# Every thread line goes to the one dispute channel, which Slack takes one post a second: the
# number of disputes and of timescales run out sets how long the drain takes.
SHORT = {"disputes": 8, "pulls": 2, "serve": 2, "phase": 6.0, "outage": 10.0, "kill_every": 4.0, "drain": 100.0}
LONGER = {"disputes": 30, "pulls": 3, "serve": 3, "phase": 20.0, "outage": 45.0, "kill_every": 4.0, "drain": 600.0}
# (what the mocks do, for how long in phases): every failure mode, then a full outage, then calm
SCHEDULE = [
    ("ok", {}, 1.0),
    ("slow", {"p": 0.3, "seconds": 3}, 1.0),
    ("500", {"p": 0.3}, 1.0),
    ("429", {"p": 0.3, "seconds": 2}, 1.0),
    ("hang", {"p": 0.1}, 1.0),
    ("outage", {}, None),
    ("ok", {}, 1.0),
]


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of its own: the processes take only a URL."""
    admin_url = make_url(PG_URL)
    name = f"chaos_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _driver(env: dict[str, str]) -> app.Parley:
    """Parley wired as the processes wire it, to open disputes with the real notifiers."""
    fields = {k.lower(): v for k, v in env.items() if k.lower() in app.Settings.model_fields}
    parley = app.boot(app.Settings(_env_file=None, **fields))
    assert parley is not None
    return parley


def test_chaos(database: str, tmp_path: Path) -> None:
    size = LONGER if LONG else SHORT
    engine = make_engine(database)
    upgrade(engine)
    slack, teams = MockProcess("slack", tmp_path), MockProcess("teams", tmp_path)
    nodes: list[Node] = []
    rng = random.Random(2026)
    figures: Counter[str] = Counter()
    try:
        env = parley_env(database, slack, teams, POLICE_TENANT)
        parley = _driver(env)
        upkeep.load_directory(directory_for(parley.policy), uow=parley.uow())
        nodes = [Node("serve", f"serve{i}", env, tmp_path) for i in range(size["serve"])] + [Node("worker", "worker", env, tmp_path)]
        for node in nodes:
            node.start()
        _wait(lambda: all(n.check() for n in nodes), 60, "the first start of every process")

        calendar = calendar_for(parley.policy)
        ids: list[str] = []
        pulls: Counter[str] = Counter()
        started = time.monotonic()
        next_kill = started + size["kill_every"]
        outage_seconds = 0.0
        for kind, order, share in SCHEDULE:
            length = size["outage"] if share is None else size["phase"] * share
            slack.chaos(kind, **order)
            teams.chaos(kind, **order)
            if kind == "outage":
                outage_seconds += length
            phase_end = time.monotonic() + length
            while time.monotonic() < phase_end:
                if len(ids) < size["disputes"]:
                    for _ in range(max(1, size["disputes"] // 8)):
                        ids.append(_open(parley, calendar, len(ids)))
                _make_due(engine, rng, [d for d in ids if pulls[d] < size["pulls"]], pulls)
                if time.monotonic() >= next_kill:
                    victim = rng.choice(nodes)
                    victim.kill()
                    figures["kills"] += 1
                    victim.start()
                    next_kill = time.monotonic() + size["kill_every"]
                for node in nodes:
                    node.check()
                time.sleep(1.0)
        slack.chaos("ok")
        teams.chaos("ok")
        calm = time.monotonic()
        _wait(lambda: all(n.check() for n in nodes) and _drained(engine), size["drain"], "the outbox to drain", nodes, lambda: _state(engine))
        drain_seconds = time.monotonic() - calm
        health = [n.healthz() for n in nodes if n.role == "serve"]

        slack_log, teams_log = slack.calls(), teams.calls()
        result = _judge(engine, slack_log, teams_log, pulls)
        failed_starts = [f for n in nodes for f in n.failed_starts]
        figures.update(
            {
                "disputes": len(ids),
                "starts": sum(n.starts for n in nodes),
                "failed starts": len(failed_starts),
                "outage seconds": int(outage_seconds),
                "seconds to drain": int(drain_seconds),
                "slowest start (s)": int(max(s for n in nodes for s in n.ready_seconds) + 0.999),
                **result,
            }
        )
        print("\nchaos figures (" + ("long" if LONG else "short") + "): " + ", ".join(f"{k}: {v}" for k, v in figures.items()))
        assert failed_starts == []
        assert all(h is not None and h["outbox"]["pending"] == 0 for h in health)
        assert result["slack duplicates"] == 0
        assert result["lost"] == 0 and result["failed"] == 0, _failed(engine)
        assert result["teams duplicates"] <= result["teams answers lost"] + figures["kills"]
        assert result["timescales acted on other than once"] == 0
        assert result["missed timescales acted on"] == result["timescales pulled"]
        assert result["escalated twice"] == 0
        assert result["reminders after their stage ended"] == 0
    finally:
        for node in nodes:
            node.kill()
        slack.stop()
        teams.stop()
        engine.dispose()


def _wait(done, seconds: float, what: str, nodes: list[Node] | None = None, state=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            starts = [f for n in nodes or [] for f in n.failed_starts]
            raise AssertionError(f"waited {seconds:g} s for {what}; failed starts: {starts}; {state()}")
        time.sleep(0.5)


def _failed(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT key, attempts, last_error FROM outbox WHERE status <> 'sent'")).all()


def _state(engine) -> str:
    with engine.connect() as conn:
        pending = conn.execute(
            sa.text("SELECT platform, delivery, attempts, next_attempt_at, claimed_until, left(last_error, 120) FROM outbox WHERE status = 'pending' ORDER BY id LIMIT 15")
        ).all()
        gates = conn.execute(sa.text("SELECT platform, scope, not_before, failures FROM delivery_gates WHERE failures > 0 OR not_before > now()")).all()
    return f"now {app.now()}; pending {pending}; gates {gates}"


def _open(parley: app.Parley, calendar, n: int) -> str:
    cmd = opening.OpenDispute(
        raiser="amara.okafor",
        reference=f"CSC-2026-{n:04d}",
        category=parley.policy.categories[0],
        other_agency="police",
        other_person="dc.jones",
        problem="The referral was closed with no further action.",
        outcome="A strategy discussion this week.",
        idempotency_key=f"chaos-{n}",
    )
    return opening.open_dispute(cmd, uow=parley.uow(), policy=parley.policy, calendar=calendar, now=app.now(), notifier=parley.notifier).dispute.id


def _make_due(engine, rng: random.Random, ids: list[str], pulls: Counter[str]) -> None:
    """A few timescales run out now, and a few reminders fall due, as days passing would do."""
    if not ids:
        return
    past = app.now() - timedelta(seconds=1)
    with engine.begin() as conn:
        chosen = rng.sample(ids, 1)
        pulled = conn.execute(
            sa.text(
                "UPDATE disputes SET deadline = :past WHERE id IN :ids AND active AND NOT deadline_missed AND deadline > :now RETURNING id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"past": past, "ids": chosen, "now": app.now()},
        )
        pulls.update(pulled.scalars())
        conn.execute(
            sa.text("UPDATE nudges SET due_at = :past WHERE status = 'pending' AND dispute_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"past": past, "ids": rng.sample(ids, 1)},
        )


def _drained(engine) -> bool:
    now = app.now()
    with engine.connect() as conn:
        pending = conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        due = conn.scalar(sa.text("SELECT count(*) FROM disputes WHERE active AND NOT deadline_missed AND deadline <= :now"), {"now": now})
        nudges = conn.scalar(sa.text("SELECT count(*) FROM nudges WHERE status = 'pending' AND due_at <= :now"), {"now": now})
    return pending == 0 and due == 0 and nudges == 0


ESCALATION_LINE = re.compile(r":slack:[^:]+:v\d+:\d+:escalated$")
REMINDER = re.compile(r":slack:[^:]+:nudge:s(\d+):")


def _judge(engine, slack_log: dict, teams_log: dict, pulls: Counter[str]) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, key, dispute_id, platform, delivery, status FROM outbox ORDER BY id")).all()
        missed = Counter(
            conn.execute(sa.text("SELECT dispute_id FROM record_entries WHERE kind = 'timescale missed'")).scalars()
        )
        nudges = dict(conn.execute(sa.text("SELECT status, count(*) FROM nudges GROUP BY status")).all())
        escalations = conn.execute(
            sa.text("SELECT dispute_id, details FROM record_entries WHERE kind = 'escalated'")
        ).all()
    stored = Counter(m["key"] for m in slack_log["stored"] if m["key"])
    slack_posts = [r for r in rows if r.platform == "slack" and r.delivery != "root update"]
    duplicates = sum(1 for r in slack_posts if stored[r.key] > 1)
    lost = sum(1 for r in slack_posts if r.status == "sent" and stored[r.key] == 0) + sum(1 for r in rows if r.status == "pending")
    teams_posts = Counter((c["conversation"], c["body"]) for c in teams_log["calls"] if c["kind"] in ("send", "reply") and 200 <= c["status"] < 300)
    twice = Counter((d, str(sorted((details or {}).items()))) for d, details in escalations)
    acted = missed + Counter(d for d, details in escalations if (details or {}).get("automatic"))
    after_end = 0
    stage: dict[str, int] = {}
    for r in rows:
        if not r.dispute_id:
            continue
        if ESCALATION_LINE.search(r.key):
            stage[r.dispute_id] = stage.get(r.dispute_id, 0) + 1
        elif (m := REMINDER.search(r.key)) and int(m.group(1)) != stage.get(r.dispute_id, 0):
            after_end += 1
    return {
        "messages": len(rows),
        "slack posts": len(slack_posts),
        "slack calls": len(slack_log["calls"]),
        "slack duplicates": duplicates,
        "lost": lost,
        "failed": sum(1 for r in rows if r.status == "failed"),
        "teams posts": sum(teams_posts.values()),
        "teams duplicates": sum(c - 1 for c in teams_posts.values() if c > 1),
        "teams answers lost": teams_log["answers_lost"],
        "slack answers lost": slack_log["answers_lost"],
        "timescales pulled": sum(pulls.values()),
        # each timescale run out is acted on once: escalated automatically, or recorded as missed
        "missed timescales acted on": sum(acted.values()),
        "timescales acted on other than once": sum(1 for d in set(pulls) | set(acted) if acted[d] != pulls[d]),
        "escalations": len(escalations),
        "escalated twice": sum(c - 1 for c in twice.values() if c > 1),
        "reminders queued": sum(1 for r in rows if REMINDER.search(r.key)),
        "nudges sent": nudges.get("sent", 0),
        "nudges skipped": nudges.get("skipped", 0),
        "reminders after their stage ended": after_end,
    }
