"""What the Slack benchmarks share: the servers they start, the requests they sign, and the figures.

bench.slack_intake (issue 3: /disagree) and bench.form_submission (issue 11: the intake form
submitted) both start the real server (`python app.py serve`, its own process, on 127.0.0.1) and
the bare slack-bolt app of bench/bare_bolt.py beside it, with the Slack Web API pointed at a mock
in a process of its own (answering Parley's calls in the benchmark's process would hold up the
loop that times the requests; the bare app makes no such calls). Then, round after round,
alternating between the two apps, they fire N concurrent signed requests, each from a different
practitioner in the directory, and time each to its HTTP response. Every request is built and
signed before the round's clock starts, so the figures are the servers' time, not the client's.

SQLite is a file in a temporary directory; PostgreSQL (when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set) a schema of its own, created and dropped. Loopback only; every wait is
bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
import sqlalchemy as sa
import yaml
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parents[1]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0BENCH"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0

Request = tuple[bytes, dict[str, str], str]  # body, headers, a key (the trigger or view id)

_MOCK_SERVER = r"""
import asyncio, sys
from aiohttp import web
from tests.slack import mock_slack

async def main():
    mock = mock_slack.MockSlack(team=sys.argv[1])
    app = mock.app()

    async def calls(request):
        # the calls of one method so far: when each arrived (time.perf_counter: the system-wide monotonic clock)
        found = [{"trigger_id": c.args.get("trigger_id"), "at": c.at} for c in mock.calls_to(request.query["method"])]
        return web.json_response(found)

    app.router.add_get("/_calls", calls)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


class RemoteMock:
    """The mock Slack Web API (tests/slack/mock_slack.py) in a process of its own."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _MOCK_SERVER, TEAM], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.url}/response/{key}"

    async def calls(self, session: aiohttp.ClientSession, method: str) -> list[dict]:
        async with session.get(f"{self.url}/_calls", params={"method": method}) as r:
            return await r.json()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@dataclass
class Figures:
    name: str
    times: list[float]  # seconds
    failures: int = 0
    cpu: float | None = 0.0  # server CPU seconds over all the measured requests

    def pct(self, p: float) -> float:
        ordered = sorted(self.times)
        if not ordered:
            return float("nan")
        k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[k] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else float("nan")

    def cpu_ms(self) -> float:
        """Server CPU per request, in ms (nan when /proc could not be read)."""
        return self.cpu / max(len(self.times), 1) * 1000 if self.cpu is not None else float("nan")

    def add(self, got: Figures, cpu_before: float | None, cpu_after: float | None) -> None:
        self.times += got.times
        self.failures += got.failures
        if cpu_before is None or cpu_after is None or self.cpu is None:
            self.cpu = None
        else:
            self.cpu += cpu_after - cpu_before

    def row(self, width: int = 12) -> str:
        cpu = f"{self.cpu_ms():.2f}" if self.cpu is not None else "-"
        return f"  {self.name:<{width}}{self.p50:>9.1f}{self.pct(99):>9.1f}{max(self.times, default=0) * 1000:>9.1f}{self.failures:>8}{cpu:>10}"


def header(width: int = 12) -> str:
    return f"  {'':<{width}}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'failed':>8}{'CPU ms':>10}"


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def practitioner(i: int) -> str:
    return f"U0BENCH{i:04d}"


def write_directory(path: Path, people: int) -> None:
    """csc practitioners on Slack (one per concurrent request), their managers, police on Teams, the partnership."""
    roles = ["safeguarding_lead", "service_manager", "head_of_service"]

    def person(pid: str, name: str, agency: str, **more: object) -> dict[str, object]:
        return {"id": pid, "name": name, "email": f"{pid}@{agency}.example.gov.uk", "agency": agency, **more}

    persons = [
        person("csc.manager", "Bench Manager", "csc", slack=f"{TEAM}/U0BENCHMGR"),
        person("police.officer", "Bench Officer", "police", teams="tenant/29:officer"),
        person("partnership.board", "Bench Board", "partnership", roles=["board_manager"], slack=f"{TEAM}/U0BENCHBOARD"),
    ]
    for agency in ("csc", "police"):
        for role in roles:
            where = {"slack": f"{TEAM}/U0{agency.upper()}{role.upper().replace('_', '')}"} if agency == "csc" else {"teams": f"tenant/29:{role}"}
            persons.append(person(f"{agency}.{role}", f"{agency} {role}", agency, roles=[role], **where))
    for i in range(people):
        persons.append(person(f"p{i}", f"Practitioner {i}", "csc", line_manager="csc.manager", slack=f"{TEAM}/{practitioner(i)}"))
    data = {
        "agencies": [{"id": "csc", "name": "Children's Social Care"}, {"id": "police", "name": "Police"}, {"id": "partnership", "name": "Partnership"}],
        "people": persons,
    }  # fmt: skip
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def signed(body: str) -> tuple[bytes, dict[str, str]]:
    """A form-encoded body signed as Slack signs it (v0:timestamp:body, HMAC-SHA256)."""
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


def payload_body(payload: dict) -> tuple[bytes, dict[str, str]]:
    """An interaction payload as Slack posts it (`payload=` JSON), signed."""
    return signed(urlencode({"payload": json.dumps(payload)}))


class Server:
    """A server in its own process, started and stopped by the benchmark."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], port: int) -> None:
        self.name, self.args, self.env, self.port = name, args, env, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open while the server runs, read when it fails

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                async with session.get(f"{self.url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                    if r.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start:\n{self.output()}")

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (Linux), so load on the machine doesn't blur it."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()  # type: ignore[union-attr]
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return None

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signum)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


async def burst(
    session: aiohttp.ClientSession, server: Server, requests: list[Request], sent_at: dict[str, float], *, expect: bytes | None = None
) -> Figures:
    """The requests (built and signed beforehand) fired at once; each timed to its HTTP response."""

    async def one(body: bytes, headers: dict[str, str], key: str) -> float | None:
        start = time.perf_counter()
        sent_at[key] = start
        try:
            async with session.post(f"{server.url}/slack/events", data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as r:
                answer = await r.read()
                ok = r.status == 200 and (expect is None or expect in answer)
        except (TimeoutError, aiohttp.ClientError):
            ok = False
        return time.perf_counter() - start if ok else None

    results = await asyncio.gather(*(one(*r) for r in requests))
    return Figures(server.name, [t for t in results if t is not None], failures=sum(1 for t in results if t is None))


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str | None]:
    """A database URL for the server process: a fresh SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        print(f"  PostgreSQL at {base.split('@')[-1]} is not reachable ({type(exc.orig).__name__}); skipped.")
        yield None
        return
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Stage:
    """Both servers started on a fresh database, the mock Web API, and one HTTP session to drive them."""

    parley: Server
    bare: Server
    mock: RemoteMock
    session: aiohttp.ClientSession
    workdir: Path
    url: str  # the database's

    async def alternate(
        self, rounds: int, build: Callable[[Server], list[Request]], *, expect: bytes | None = None, settle: float = 0.3,
        sent_at: dict[str, float] | None = None,
    ) -> tuple[Figures, Figures]:
        """`rounds` rounds per app, alternating which goes first; `settle` seconds after each round
        (counted in its CPU) for the work it set off, so it does not run into the next round."""
        mine, theirs = Figures("parley", []), Figures("bare bolt", [])
        for r in range(rounds):
            for server in (self.parley, self.bare) if r % 2 == 0 else (self.bare, self.parley):
                requests = build(server)
                before = server.cpu_seconds()
                got = await burst(self.session, server, requests, sent_at if sent_at is not None and server is self.parley else {},
                                  expect=expect if server is self.parley else None)  # fmt: skip
                await asyncio.sleep(settle)
                (mine if server is self.parley else theirs).add(got, before, server.cpu_seconds())
        return mine, theirs


@asynccontextmanager
async def stage(kind: str, people: int, parley_args: Callable[[Path], list[str]] | None = None) -> AsyncIterator[Stage | None]:
    """Start everything for one database (None, after saying why, if PostgreSQL is not set up);
    `parley_args(workdir)` may wrap `app.py serve` (counting or profiling it)."""
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        if url is None:
            if kind == "postgresql":
                print("  PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL to include it; skipped.")
            yield None
            return
        workdir = Path(tmp)
        write_directory(workdir / "directory.yaml", people)
        mock = RemoteMock()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PARLEY_"))},
            "DATABASE_URL": url, "PARLEY_POLICY": "bradford", "PARLEY_DIRECTORY": str(workdir / "directory.yaml"),
            "HOST": "127.0.0.1", "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.api_url,
            "PARLEY_SLACK_CHANNEL": "C0BENCH", "PARLEY_SWEEP_SECONDS": "3600", "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        try:
            upgrade = subprocess.run([sys.executable, "app.py", "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, timeout=120, check=False)
            if upgrade.returncode != 0:
                raise RuntimeError(upgrade.stdout.decode() + upgrade.stderr.decode())
            parley_port, bare_port = free_port(), free_port()
            serve = parley_args(workdir) if parley_args else ["app.py", "serve"]
            parley = Server("parley", [sys.executable, *serve], {**env, "PORT": str(parley_port)}, parley_port)
            bare = Server("bare bolt", [sys.executable, "-m", "bench.bare_bolt"], {**env, "PORT": str(bare_port)}, bare_port)
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                try:
                    await parley.start(session)
                    await bare.start(session)
                    yield Stage(parley, bare, mock, session, workdir, url)
                except Exception:
                    print(parley.output())
                    raise
                finally:
                    parley.stop()
                    bare.stop()
        finally:
            mock.stop()
