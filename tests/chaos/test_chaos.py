"""The chaos test: real `app.py serve` replicas and an `app.py worker` on one PostgreSQL database,
a mock Slack and a mock Teams connector in processes of their own answering 500, 429 with
Retry-After, slowly (3 s), not at all (a hang), or vanishing for an outage, and a SIGKILL every
few seconds. People use Parley all the while (tests/chaos/users.py): they raise disputes with
signed Slack requests and Teams activities carrying real Bot Framework tokens, and press Escalate,
Add note and Propose resolution, some of them at the moment the sweep acts on the same dispute.
Work is made due by pulling deadlines and reminders forward in the database (no test-only setting
in Parley). A prober starts a fresh process again and again, all run long. Then everything is let
recover, and tests/chaos/judge.py reads the mocks' call logs and the database.

The short version runs in `make test` (PostgreSQL only); PARLEY_CHAOS_LONG=1 runs the long one.
docs/chaos.md says what it does and asserts.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.upkeep import load_directory
from handlers.files import read_policy
from storage.db import make_engine, session_factory, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import POLICE_TENANT, directory_for
from tests.chaos.cluster import Keys, MockProcess, Node, Prober, parley_env
from tests.chaos.judge import judge
from tests.chaos.users import Front, SlackUser, TeamsUser

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
LONG = os.environ.get("PARLEY_CHAOS_LONG") == "1"

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="the chaos test runs replicas on one PostgreSQL database (set TEST_DATABASE_URL; CI has one)"
)

# Every thread line goes to the one dispute channel, which Slack takes one post a second: the
# number of disputes, presses and timescales run out sets how long the drain takes.
# press_every: every so many seconds a press races the sweep; in the seconds between, an ordinary press
SHORT = {"disputes": 4, "pulls": 2, "serve": 2, "phase": 4.0, "outage": 8.0, "kill_every": 4.0, "press_every": 3, "drain": 150.0}
LONGER = {"disputes": 30, "pulls": 3, "serve": 3, "phase": 20.0, "outage": 45.0, "kill_every": 4.0, "press_every": 3, "drain": 600.0}
# (what the mocks do, for how long in phases): every failure mode, then a full outage, then calm
SCHEDULE = [
    ("ok", {}, 2.0),  # calm while the first disputes are raised, so their threads are there to press on
    ("slow", {"p": 0.3, "seconds": 3}, 1.0),
    ("500", {"p": 0.3}, 1.0),
    ("429", {"p": 0.3, "seconds": 2}, 1.0),
    ("hang", {"p": 0.1}, 1.0),
    ("outage", {}, None),
    ("ok", {}, 1.0),
]
POLICY = read_policy("bradford")
PULLS = threading.Lock()
PEOPLE_AT_ONCE = 4


def now() -> datetime:
    return datetime.now(timezone.utc)


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


class People:
    """What the people do each second, in a few threads of their own, so the run goes on while they wait for answers."""

    def __init__(self, slack: SlackUser, teams: TeamsUser, engine: sa.Engine, rng: random.Random) -> None:
        self.slack, self.teams, self.engine, self.rng = slack, teams, engine, rng
        self.pool = ThreadPoolExecutor(PEOPLE_AT_ONCE, thread_name_prefix="person")
        self.doing: list[tuple[str, Future[str]]] = []
        self.tally: Counter[str] = Counter()
        self.opened = 0
        self.n = 0

    def _do(self, what: str, act: Callable[[], str]) -> None:
        def run() -> str:
            outcome = act()
            self.tally[f"{what}: {outcome}"] += 1
            return outcome

        self.doing.append((what, self.pool.submit(run)))

    def busy(self, raising: bool = False) -> bool:
        """As many at work as there are people (at most half of them raising: the others press)."""
        self.doing = [(w, f) for w, f in self.doing if not f.done()]
        if raising and sum(1 for w, _ in self.doing if w.endswith("raise")) >= PEOPLE_AT_ONCE // 2:
            return True
        return len(self.doing) >= PEOPLE_AT_ONCE

    def raise_one(self) -> None:
        n, self.opened = self.opened, self.opened + 1
        if n % 2:
            self._do("teams raise", lambda: self.teams.open_dispute(n))
        else:
            self._do("slack raise", lambda: self.slack.open_dispute(n))

    def _raiser(self, reference: str) -> SlackUser | TeamsUser:
        return self.slack if reference.startswith("CSC") else self.teams

    def _where(self, disputes: list[tuple[str, str, set[str]]], raiser: bool) -> tuple[str, SlackUser | TeamsUser] | None:
        """A dispute and someone to press on it, where its thread has landed (the raiser's side for an escalation)."""
        choices = [
            (d, person)
            for d, reference, threads in disputes
            for person, platform in ((self.slack, "slack"), (self.teams, "teams"))
            if platform in threads and (not raiser or person is self._raiser(reference))
        ]
        return self.rng.choice(choices) if choices else None

    def press(self, disputes: list[tuple[str, str, set[str]]]) -> None:
        move = self.rng.choice(["note", "note", "escalate", "propose"])
        chosen = self._where(disputes, raiser=move == "escalate")
        if chosen is None:
            return
        d, person = chosen
        self.n += 1
        note = f"press {self.n}"
        where = "slack" if person is self.slack else "teams"

        def act() -> str:
            send = person.form(d, move, note)
            return send() if callable(send) else send

        self._do(f"{where} {move}", act)

    def race(self, disputes: list[tuple[str, str, set[str]]], pulls: Counter[tuple[str, int]]) -> None:
        """The raiser opens an Escalate form; then the dispute's timescale and reminders run out and the form is sent
        at once: the person's escalation and the sweep's act on the same dispute in the same second."""
        chosen = self._where(disputes, raiser=True)
        if chosen is None:
            return
        d, person = chosen
        self.n += 1
        note = f"race {self.n}"
        where = "slack" if person is self.slack else "teams"

        def act() -> str:
            send = person.form(d, "escalate", note)
            if not callable(send):
                return send
            _run_out(self.engine, [d], pulls, nudges=[d])
            return send()

        self._do(f"{where} escalate racing the sweep", act)

    def wait(self, seconds: float) -> None:
        """The run is over: what is under way gives up (a request already sent is answered or times out)."""
        self.slack.front.closed = self.teams.front.closed = True
        deadline = time.monotonic() + seconds
        for _, f in self.doing:
            f.result(timeout=max(0.1, deadline - time.monotonic()))
        self.pool.shutdown()


def test_chaos(database: str, tmp_path: Path) -> None:
    size = LONGER if LONG else SHORT
    slack, teams, keys = MockProcess("slack", tmp_path), MockProcess("teams", tmp_path), Keys(tmp_path)  # starting meanwhile
    engine = make_engine(database)
    upgrade(engine)
    load_directory(directory_for(POLICY), uow=SqlUnitOfWork(session_factory(engine)))
    nodes: list[Node] = []
    rng = random.Random(2026)
    figures: Counter[str] = Counter()
    prober: Prober | None = None
    people: People | None = None
    try:
        env = parley_env(database, slack, teams, POLICE_TENANT, keys)
        nodes = [Node("serve", f"serve{i}", env, tmp_path) for i in range(size["serve"])] + [Node("worker", "worker", env, tmp_path)]
        begun = time.monotonic()
        for node in nodes:
            node.start()
        _wait(lambda: all(n.check() for n in nodes), 90, "the first start of every process")
        prober = Prober(env, tmp_path)
        people = People(SlackUser(Front(nodes, rng), slack), TeamsUser(Front(nodes, rng), teams, keys), engine, rng)

        pulls: Counter[tuple[str, int]] = Counter()
        started = time.monotonic()
        outage_seconds = _run(size, slack, teams, nodes, people, prober, engine, rng, pulls, figures)
        slack.chaos("ok")
        teams.chaos("ok")
        calm = time.monotonic()
        people.wait(30)
        print(f"\nchaos timings: first starts {started - begun:.0f} s, run {calm - started:.0f} s, people done {time.monotonic() - calm:.0f} s after")

        def drained() -> bool:
            prober.step()
            return all(n.check() for n in nodes) and _drained(engine)

        _wait(drained, size["drain"], "the outbox to drain", nodes, lambda: _state(engine))
        drain_seconds = time.monotonic() - calm
        health = [n.healthz() for n in nodes if n.role == "serve"]
        unable = prober.seconds_unable(time.monotonic())

        result = judge(engine, slack.calls(), teams.calls(), pulls, [s.id for s in POLICY.stages])
        failed_starts = [f for n in nodes for f in n.failed_starts]
        figures.update(
            {
                "outage seconds": int(outage_seconds),
                "seconds to drain": int(drain_seconds),
                "starts": sum(n.starts for n in nodes),
                "failed starts": len(failed_starts),
                "slowest start (s)": int(max(s for n in nodes for s in n.ready_seconds) + 0.999),
                "start probes": len(prober.tries),
                "start-probe failures": sum(1 for t in prober.tries if not t[2]),
                "seconds with no process able to start": int(unable + 0.999),
                "slowest probe start (s)": int(prober.slowest() + 0.999),
                "median probe start (s)": round(prober.median(), 1),
                **result,
            }
        )
        print("\nchaos figures (" + ("long" if LONG else "short") + "): " + ", ".join(f"{k}: {v}" for k, v in figures.items()))
        print("what the people did: " + ", ".join(f"{k}: {v}" for k, v in sorted(people.tally.items())))
        assert failed_starts == []
        assert unable == 0, prober.failures
        assert all(h is not None and h["outbox"]["pending"] == 0 and h["notices"] == {"waiting": 0, "given_up": 0} for h in health)
        assert result["slack duplicates"] == 0
        assert result["lost"] == 0 and result["failed"] == 0, _failed(engine)
        assert result["of those, not reported unreachable"] == 0
        assert result["teams duplicates"] <= result["teams answers lost"] + figures["kills"]
        assert result["timescales not acted on"] == 0
        assert result["timescales acted on twice"] == 0
        assert result["acted on before due"] == 0
        assert result["escalated twice from one stage"] == 0
        assert result["reminders after their stage ended"] == 0
        assert result["disputes opened"] > 0 and result["escalations"] > 0
    finally:
        if people is not None:
            people.pool.shutdown(wait=False, cancel_futures=True)
        if prober is not None:
            prober.stop()
        for node in nodes:
            node.kill()
        slack.stop()
        teams.stop()
        keys.stop()
        engine.dispose()


def _run(
    size: dict,
    slack: MockProcess,
    teams: MockProcess,
    nodes: list[Node],
    people: People,
    prober: Prober,
    engine: sa.Engine,
    rng: random.Random,
    pulls: Counter[tuple[str, int]],
    figures: Counter[str],
) -> float:
    """The schedule, second by second: people act, time passes, a process is killed, a start is tried. The outage's length."""
    next_kill = time.monotonic() + size["kill_every"]
    outage_seconds, tick = 0.0, 0
    for kind, order, share in SCHEDULE:
        length = size["outage"] if share is None else size["phase"] * share
        slack.chaos(kind, **order)
        teams.chaos(kind, **order)
        if kind == "outage":
            outage_seconds += length
        phase_end = time.monotonic() + length
        while time.monotonic() < phase_end:
            tick += 1
            open_ = _disputes(engine)
            if not people.busy(raising=True) and people.opened < size["disputes"]:
                people.raise_one()
            if not people.busy() and open_ and tick % size["press_every"] == 0:
                people.race(open_, pulls)
            elif not people.busy() and open_:
                people.press(open_)
            with PULLS:
                room = [d for d, _, _ in open_ if sum(c for (x, _), c in pulls.items() if x == d) < size["pulls"]]
            _run_out(engine, room, pulls, rng=rng)
            if time.monotonic() >= next_kill:
                victim = rng.choice(nodes)
                victim.kill()
                figures["kills"] += 1
                victim.start()
                next_kill = time.monotonic() + size["kill_every"]
            for node in nodes:
                node.check()
            prober.step()
            time.sleep(1.0)
    return outage_seconds


def _wait(done: Callable[[], bool], seconds: float, what: str, nodes: list[Node] | None = None, state: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            starts = [f for n in nodes or [] for f in n.failed_starts]
            raise AssertionError(f"waited {seconds:g} s for {what}; failed starts: {starts}; {state()}")
        time.sleep(0.5)


def _disputes(engine: sa.Engine) -> list[tuple[str, str, set[str]]]:
    """The open disputes: id, reference, and the platforms their thread has landed on."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, reference FROM disputes WHERE active ORDER BY opened_at")).all()
        threads = conn.execute(sa.text("SELECT dispute_id, platform FROM threads")).all()
    landed: dict[str, set[str]] = {}
    for d, platform in threads:
        landed.setdefault(d, set()).add(platform)
    return [(d, r, landed.get(d, set())) for d, r in rows]


def _failed(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT key, attempts, last_error FROM outbox WHERE status <> 'sent'")).all()]


def _state(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        pending = conn.execute(
            sa.text(
                "SELECT platform, delivery, attempts, next_attempt_at, claimed_until, left(last_error, 120) FROM outbox "
                "WHERE status = 'pending' ORDER BY id LIMIT 15"
            )
        ).all()
        gates = conn.execute(sa.text("SELECT platform, scope, not_before, failures FROM delivery_gates WHERE failures > 0 OR not_before > now()")).all()
    return f"now {now()}; pending {pending}; gates {gates}"


def _run_out(
    engine: sa.Engine, ids: list[str], pulls: Counter[tuple[str, int]], *, rng: random.Random | None = None, nudges: list[str] | None = None
) -> None:
    """A timescale runs out now, and reminders fall due, as days passing would do (one dispute each, chosen by `rng`)."""
    if not ids:
        return
    past = now() - timedelta(seconds=1)
    chosen = rng.sample(ids, 1) if rng is not None else ids
    with engine.begin() as conn:
        pulled = conn.execute(
            sa.text(
                "UPDATE disputes SET deadline = :past WHERE id IN :ids AND active AND NOT deadline_missed AND deadline > :now "
                "RETURNING id, stage_index"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"past": past, "ids": chosen, "now": now()},
        )
        with PULLS:  # the people's threads run timescales out too
            pulls.update((d, i) for d, i in pulled.all())
        conn.execute(
            sa.text("UPDATE nudges SET due_at = :past WHERE status = 'pending' AND dispute_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"past": past, "ids": nudges if nudges is not None else rng.sample(ids, 1) if rng is not None else ids},
        )


def _drained(engine: sa.Engine) -> bool:
    at = now()
    with engine.connect() as conn:
        pending = conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
        due = conn.scalar(sa.text("SELECT count(*) FROM disputes WHERE active AND NOT deadline_missed AND deadline <= :now"), {"now": at})
        nudges = conn.scalar(sa.text("SELECT count(*) FROM nudges WHERE status = 'pending' AND due_at <= :now"), {"now": at})
        untold = conn.scalar(sa.text("SELECT count(*) FROM notices"))  # the sweep's changes not yet turned into messages
    return pending == 0 and due == 0 and nudges == 0 and untold == 0
