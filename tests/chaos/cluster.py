"""Real Parley processes for the chaos test: `app.py serve` and `app.py worker`, started, killed and
restarted, and the two mock platforms in processes of their own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_CHANNEL = "C0PARLEY"
TEAMS_CHANNEL = "19:chaos-disputes@thread.tacv2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - 127.0.0.1 only
        return json.loads(r.read() or b"null")


def _post(url: str, body: dict[str, Any], timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as r:  # noqa: S310 - 127.0.0.1 only
        return json.loads(r.read() or b"null")


class MockProcess:
    """tests/chaos/mocks.py in a process of its own."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        port_file = folder / f"{kind}.port"
        self.log = open(folder / f"mock-{kind}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.chaos.mocks", kind, str(port_file)], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the mock {kind} did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port_file.read_text()}"

    def chaos(self, kind: str, **order: Any) -> None:
        _post(f"{self.url}/_chaos", {"kind": kind, **order})

    def calls(self) -> dict[str, Any]:
        return _get(f"{self.url}/_chaos/log", timeout=30)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.log.close()


@dataclass
class Node:
    """One Parley process (serve or worker) and every start it has had."""

    role: str
    name: str
    env: dict[str, str]
    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    failed_starts: list[str] = field(default_factory=list)
    ready_seconds: list[float] = field(default_factory=list)
    _started_at: float = 0.0
    _ready: bool = False

    def start(self) -> None:
        env = dict(self.env)
        if self.role == "serve":
            self.port = free_port()
            env["PORT"] = str(self.port)
        self.starts += 1
        log = open(self.folder / f"{self.name}.{self.starts}.log", "wb")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            [sys.executable, "app.py", self.role], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self._started_at, self._ready = time.monotonic(), False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def check(self) -> bool:
        """Ready yet? A process that exited before it was ready is a failed start (and is started again)."""
        if self.process is None:
            return False
        if self._ready:
            return True
        code = self.process.poll()
        if code is not None:
            log = (self.folder / f"{self.name}.{self.starts}.log").read_text(errors="replace")[-2000:]
            self.failed_starts.append(f"{self.name} exited with {code}: {log}")
            self.start()
            return False
        if self.role == "serve":
            try:
                _get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
            except OSError:
                return False
        else:
            log = (self.folder / f"{self.name}.{self.starts}.log").read_text(errors="replace")
            if "Parley worker: checking deadlines" not in log:
                return False
        self._ready = True
        self.ready_seconds.append(time.monotonic() - self._started_at)
        return True

    def healthz(self) -> dict[str, Any] | None:
        try:
            return _get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
        except OSError:
            return None


def parley_env(database_url: str, slack: MockProcess, teams: MockProcess, tenant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PARLEY_", "MICROSOFT_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "PARLEY_POLICY": "bradford",
            "PARLEY_SWEEP_SECONDS": "1",
            "PARLEY_RECHECK_SECONDS": "2",
            "HOST": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-chaos",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{slack.url}/api/",
            "PARLEY_SLACK_CHANNEL": SLACK_CHANNEL,
            "PARLEY_TEAMS_CHANNEL": TEAMS_CHANNEL,
            "PARLEY_TEAMS_TENANT_ID": tenant,
            "PARLEY_TEAMS_SERVICE_URL": f"{teams.url}/",
            "PARLEY_TEAMS_SERVICE_HOSTS": teams.url,  # the mock connector is the only Teams service accepted
            "PARLEY_TEAMS_INSECURE_NO_AUTH": "true",  # the mock sends no Bot Framework tokens
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env
