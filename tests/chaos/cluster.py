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
import urllib.error
import urllib.parse
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
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def _post(url: str, body: dict[str, Any], timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


class MockProcess:
    """tests/chaos/mocks.py in a process of its own."""

    def __init__(self, kind: str, folder: Path, *extra: str) -> None:
        self.kind = kind
        port_file = folder / f"{kind}.port"
        self.log = open(folder / f"mock-{kind}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.chaos.mocks", kind, str(port_file), *extra], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._port_file = port_file
        self._url = ""

    @property
    def url(self) -> str:
        """Its address, once it listens (the mocks start side by side: the first look waits)."""
        if not self._url:
            deadline = time.monotonic() + 60
            while not self._port_file.exists() or not self._port_file.read_text():
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the mock {self.kind} did not start")
                time.sleep(0.05)
            self._url = f"http://127.0.0.1:{self._port_file.read_text()}"
        return self._url

    def chaos(self, kind: str, **order: Any) -> None:
        _post(f"{self.url}/_chaos", {"kind": kind, **order})

    def calls(self) -> dict[str, Any]:
        return _get(f"{self.url}/_chaos/log", timeout=30)

    def look(self, what: str, **query: str) -> Any:
        """What a person would see (tests/chaos/mocks.py: a modal by trigger id, a dispute's buttons); None if nothing."""
        try:
            return _get(f"{self.url}/_chaos/{what}?{urllib.parse.urlencode(query)}", timeout=10)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

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
    restart: bool = True  # a process that exits before it is ready is started again
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
            if self.restart:
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


class Keys:
    """The Bot Framework's signing key (its private half stays here, to sign activities' tokens) served by a mock process."""

    def __init__(self, folder: Path) -> None:
        from cryptography.hazmat.primitives import serialization

        from tests.security.keys import new_key

        self.key = new_key()
        pem = folder / "bot-framework-key.pem"
        pem.write_bytes(
            self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        self.mock = MockProcess("keys", folder, str(pem))

    @property
    def metadata_url(self) -> str:
        return f"{self.mock.url}/openid"

    @property
    def identity_endpoint(self) -> str:
        return f"{self.mock.url}/msi/token"

    def token(self, service_url: str) -> str:
        """The token the Bot Framework Service sends with an activity: RS256, issuer, audience and serviceurl as Microsoft sets them."""
        import jwt

        from tests.security.keys import ISSUER, KEY_ID

        now = int(time.time())
        claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60, "exp": now + 3600}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def stop(self) -> None:
        self.mock.stop()


APP_ID = "00000000-1111-2222-3333-444444444444"


class Prober:
    """Tries to start a fresh process (serve on a fresh port, or worker) again and again, one at a time, all run long.

    Each try counts as able to start if it is ready within `limit` seconds (a start takes 3-5 s on an idle 2-core
    machine; the limit leaves room for one shared with other work); the seconds from a failed try's start to the
    next good try's start are seconds in which no process could have started."""

    def __init__(self, env: dict[str, str], folder: Path, *, limit: float = 60.0) -> None:
        self.env, self.folder, self.limit = env, folder, limit
        self.tries: list[tuple[float, float, bool, str]] = []  # (started, ready or gave up, ok, role)
        self.failures: list[str] = []  # what each failed try said
        self._node: Node | None = None
        self._n = 0

    def step(self) -> None:
        """Call every second or so: look at the try in flight; when it is ready (or past its limit), stop it and start the next."""
        node = self._node
        if node is not None:
            ready = node.check()
            waited = time.monotonic() - node._started_at
            if not ready and not node.failed_starts and waited < self.limit:
                return
            ok = ready and not node.failed_starts
            self.tries.append((node._started_at, time.monotonic(), ok, node.role))
            if not ok:
                log = (self.folder / f"{node.name}.1.log").read_text(errors="replace")[-1500:]
                self.failures.append(f"{node.name} ({node.role}) not ready after {waited:.1f} s: {node.failed_starts[-1:] or log}")
            node.kill()
        self._n += 1
        role = "serve" if self._n % 2 else "worker"
        self._node = Node(role, f"probe{self._n}", self.env, self.folder, restart=False)
        self._node.start()

    def stop(self) -> None:
        if self._node is not None:
            self._node.kill()

    def seconds_unable(self, until: float) -> float:
        """Seconds during which a start tried then did not come up (from a failed try's start to the next good one's)."""
        total, bad_since = 0.0, None
        for started, _, ok, _ in self.tries:
            if not ok and bad_since is None:
                bad_since = started
            elif ok and bad_since is not None:
                total += started - bad_since
                bad_since = None
        if bad_since is not None:
            total += until - bad_since
        return total

    def median(self) -> float:
        times = sorted(ready - started for started, ready, ok, _ in self.tries if ok)
        return times[len(times) // 2] if times else 0.0

    def slowest(self) -> float:
        return max((ready - started for started, ready, ok, _ in self.tries if ok), default=0.0)


def parley_env(
    database_url: str, slack: MockProcess, teams: MockProcess, tenant: str, keys: Keys | None = None
) -> dict[str, str]:
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
            "PYTHONUNBUFFERED": "1",
        }
    )
    if keys is None:
        env["PARLEY_TEAMS_INSECURE_NO_AUTH"] = "true"  # tests that send Teams nothing
    else:
        # Teams authentication on, as in production: each activity's token is checked against the local key
        # server's OpenID metadata; Parley's own outgoing token comes from a managed identity (App Service's
        # IDENTITY_ENDPOINT, here the key server), so no secret and no call to Microsoft are needed.
        env.update(
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_TYPE": "UserAssignedMSI",
                "MICROSOFT_APP_TENANT_ID": tenant,
                "PARLEY_TEAMS_OPENID_METADATA_URL": keys.metadata_url,
                "IDENTITY_ENDPOINT": keys.identity_endpoint,
                "IDENTITY_HEADER": "chaos-identity-header",
            }
        )
    return env
