"""Real `app.py serve` and `app.py worker` processes starting while the mock Slack (a process of its
own) answers 500 or vanishes: they start, say Slack is unreachable in /healthz, recover when it
is back, and a request arriving meanwhile is answered, not failed."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from storage.db import make_engine, upgrade
from tests.builders import POLICE_TENANT
from tests.chaos.cluster import SECRET, MockProcess, Node, parley_env


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
    ts = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310 - 127.0.0.1 only
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


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
