"""Real `app.py serve` and `app.py worker` processes starting while the mock Slack (a process of its
own) answers 500 or vanishes: they start, say Slack is unreachable in /healthz, recover when it
is back, and a request arriving meanwhile is answered, not failed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from slack_sdk.signature import SignatureVerifier

from bot.opening import OpenDispute, open_dispute
from bot.outbox import NoNotifier
from bot.upkeep import load_directory
from handlers.files import read_policy
from handlers.holidays import calendar_for
from messages import platforms as words
from messages.slack import intake_modal
from storage.db import make_engine, session_factory, upgrade
from storage.unit_of_work import SqlUnitOfWork
from tests.builders import CSC_WORKSPACE, POLICE_TENANT, directory_for
from tests.chaos.cluster import SECRET, MockProcess, Node, parley_env
from tests.chaos.users import AMARA_SLACK as AMARA
from tests.slack.harness import fill


def _ready(node: Node, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not node.check():
        assert time.monotonic() < deadline, f"{node.name} never got ready; failed starts: {node.failed_starts}"
        time.sleep(0.3)


def _slash_command(port: int) -> int:
    body = urlencode(
        {"team_id": "T0CSC", "user_id": "U0AMARAOKAFOR", "command": "/disagree", "text": "help", "trigger_id": "t.1",
         "response_url": "http://127.0.0.1:9/response", "channel_id": "C0GENERAL"}
    )
    return _post(port, body)[0]


def test_serve_and_worker_start_while_slack_fails_and_recover_when_it_is_back(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    slack, teams = MockProcess("slack", tmp_path), MockProcess("teams", tmp_path)
    nodes: list[Node] = []
    try:
        env = parley_env(database, slack, teams, POLICE_TENANT)
        first = Node("serve", "first", env, tmp_path)
        nodes.append(first)
        first.start()
        _ready(first)  # Slack answers: the workspace is checked and kept
        first.kill()

        slack.chaos("500", p=1.0)
        serve, worker = Node("serve", "serve", env, tmp_path), Node("worker", "worker", env, tmp_path)
        nodes += [serve, worker]
        serve.start()
        worker.start()
        _ready(serve)
        _ready(worker)
        health = serve.healthz()
        assert health is not None and "slack" in health["unreachable"]
        assert health["unreachable"]["slack"]["since"]
        log = (tmp_path / "serve.1.log").read_text()
        assert "Slack can't be reached just now" in log and "HTTP 500" in log
        assert "refused SLACK_BOT_TOKEN" not in log and "Check the token" not in log

        slack.chaos("outage")
        assert _slash_command(serve.port) == 200  # answered from the workspace it knows: no lazy auth.test

        slack.chaos("ok")
        deadline = time.monotonic() + 30
        while (serve.healthz() or {}).get("unreachable"):
            assert time.monotonic() < deadline, "Slack was back, but /healthz still says it is unreachable"
            time.sleep(0.5)
        assert worker.process is not None and worker.process.poll() is None
        assert [f for n in nodes for f in n.failed_starts] == []
    finally:
        for node in nodes:
            node.kill()
        slack.stop()
        teams.stop()


def _post(port: int, body: str) -> tuple[int, Any]:
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _intake_submission(view: dict[str, Any], n: int) -> str:
    answers = {
        "reference": f"CSC-2026-{n:04d}", "category": "0", "other_agency": "police", "other_in_directory": "dc.jones",
        "problem": "The referral was closed with no further action.", "cause": "Different reading of the threshold.",
        "outcome": "A strategy discussion this week.", "discussed": "yes", "immediate_risk": "no",
    }
    payload = {
        "type": "view_submission", "team": {"id": CSC_WORKSPACE, "domain": "t0csc"},
        "user": {"id": AMARA, "username": "amara", "name": "amara", "team_id": CSC_WORKSPACE}, "api_app_id": "A0PARLEY",
        "trigger_id": f"trigger.{n}", "view": {**view, "state": {"values": fill(view, answers)}, "hash": "1700000000.abcdefgh"},
        "response_urls": [], "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def test_slack_unreachable_on_the_very_first_start_holds_slack_work_until_its_workspace_is_known(tmp_path: Path) -> None:
    """No process has ever reached Slack: nothing is queued under an empty team. A person is told kindly (nothing
    changed), the sweep waits; once Slack answers, the workspace is kept for every process and all goes on."""
    database = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    policy = read_policy("bradford")
    uow = SqlUnitOfWork(session_factory(engine))
    load_directory(directory_for(policy), uow=uow)
    # a dispute whose timescale has run out, raised before Slack was ever set up (no messages then)
    overdue = open_dispute(
        OpenDispute(
            raiser="amara.okafor", reference="CSC-2026-0001", category=policy.categories[0], other_agency="police",
            other_person="dc.jones", problem="The referral was closed.", outcome="A strategy discussion.", idempotency_key="k-1",
        ),
        uow=SqlUnitOfWork(session_factory(engine)), policy=policy, calendar=calendar_for(policy), now=datetime.now(timezone.utc),
        notifier=NoNotifier(),
    ).dispute.id
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE disputes SET deadline = :past"), {"past": datetime.now(timezone.utc) - timedelta(minutes=1)})
    slack, teams = MockProcess("slack", tmp_path), MockProcess("teams", tmp_path)
    nodes: list[Node] = []
    try:
        slack.chaos("outage")
        env = parley_env(database, slack, teams, POLICE_TENANT)
        serve, worker = Node("serve", "serve", env, tmp_path), Node("worker", "worker", env, tmp_path)
        nodes += [serve, worker]
        serve.start()
        worker.start()
        _ready(serve)
        _ready(worker)
        assert "slack" in (serve.healthz() or {})["unreachable"]

        # a person on Slack meanwhile: told kindly, and nothing is changed
        command = urlencode({"team_id": CSC_WORKSPACE, "user_id": AMARA, "command": "/disagree", "text": "", "trigger_id": "t.1",
                             "response_url": f"{slack.url}/response/1", "channel_id": "C0GENERAL"})
        status, body = _post(serve.port, command)
        assert status == 200 and body["text"] == words.SLACK_NOT_KNOWN_YET, body
        modal = {**intake_modal(categories=policy.categories, agencies=[("police", "West Yorkshire Police")],
                                my_agencies=[("csc", "Children's Social Care")], procedure=policy.title), "id": "V0OPENEDBEFORE"}
        status, body = _post(serve.port, _intake_submission(modal, 2))
        assert status == 200 and words.SLACK_NOT_KNOWN_YET in json.dumps(body), body
        # a few sweeps: the overdue dispute is escalated on time, and its messages wait for the team
        deadline = time.monotonic() + 30
        while not _escalated(engine):
            assert time.monotonic() < deadline, "the overdue dispute was not escalated while Slack was unreachable"
            time.sleep(0.5)
        time.sleep(2)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM disputes")) == 1
            assert conn.scalar(sa.text("SELECT count(*) FROM outbox")) == 0  # nothing under an empty team
            assert conn.scalar(sa.text("SELECT count(*) FROM notices")) == 1  # waiting, never given up on
            assert conn.scalar(sa.text("SELECT attempts FROM notices")) == 0

        slack.chaos("ok")  # Slack answers: the background check learns the workspace, for every process
        deadline = time.monotonic() + 60
        while not _told(engine):
            assert time.monotonic() < deadline, "the overdue dispute's escalation was never told once Slack was back"
            time.sleep(0.5)
        status, body = _post(serve.port, _intake_submission(modal, 3))
        assert status == 200 and body["response_action"] == "update" and words.SLACK_NOT_KNOWN_YET not in json.dumps(body), body
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT workspace FROM platform_checks WHERE platform = 'slack'")) == CSC_WORKSPACE
            spaces = set(conn.execute(sa.text("SELECT workspace FROM outbox WHERE platform = 'slack'")).scalars())
            assert spaces == {CSC_WORKSPACE}, spaces  # never an empty team
            assert conn.scalar(sa.text("SELECT count(*) FROM disputes")) == 2
        assert overdue
        assert [f for n in nodes for f in n.failed_starts] == []
    finally:
        for node in nodes:
            node.kill()
        slack.stop()
        teams.stop()
        engine.dispose()


def _told(engine: sa.Engine) -> bool:
    """The sweep's notices are told: none left, and the escalation's Slack messages queued."""
    with engine.connect() as conn:
        left = conn.scalar(sa.text("SELECT count(*) FROM notices"))
        return left == 0 and bool(conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE platform = 'slack'")))


def _escalated(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(sa.text("SELECT count(*) FROM record_entries WHERE kind IN ('escalated', 'timescale missed')")))
