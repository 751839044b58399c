"""`python app.py serve` with no chat credentials, walked in headless Chromium from /disagree to the record.

The server is the real command in a child process (its own working folder, so no .env is read),
on a free port. The walk (tests/practice/walk.py) asserts on what the page shows and saves a
screenshot of each step in this test's tmp_path/shots. Without Debian's chromium or Playwright the
test is skipped with the reason, except in CI (CI=true), where it fails instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import make_engine, upgrade
from tests.practice.walk import ARGS, CHROMIUM, walk

ROOT = Path(__file__).resolve().parents[2]
CHAT_SETTINGS = ("SLACK_", "MICROSOFT_APP_", "PARLEY_TEAMS_", "PARLEY_SLACK_", "PARLEY_PRACTICE", "DATABASE_URL", "HOST", "PORT")


def _cannot(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test, but: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The real `app.py serve`, as `make run` starts it, with no chat credentials: its URL and its output."""
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(CHAT_SETTINGS)}
    env.update(DATABASE_URL=url, PORT=str(port), HOST="0.0.0.0", PARLEY_PRACTICE_FOLDER=str(tmp_path / "practice"))
    out = tmp_path / "serve.log"
    with out.open("w") as log:
        process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/practice/api/people", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
            assert process.poll() is None, out.read_text()
        else:
            raise AssertionError(f"the practice workspace did not start:\n{out.read_text()}")
        yield base, out
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_disagreement_is_walked_in_the_browser_from_disagree_to_the_record(served: tuple[str, Path], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        _cannot(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot("Playwright for Python is not installed (pip install -e '.[test]')")
    base, out = served
    printed = out.read_text()
    # make run's line, with the real port, and listening on 127.0.0.1 although HOST said 0.0.0.0
    assert f"Practice workspace: {base}/" in printed, printed
    assert f"serving {base}/healthz" in printed, printed
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
        assert r.status == 200

    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # noqa: BLE001 - a browser that can't start here is a reason, not a result
            _cannot(f"Chromium could not be launched: {exc}")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20000)
        problems: list[str] = []
        outside: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:")) else None)
        try:
            done = walk(page, base, shots)
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert [p.name for p in done.taken] == sorted(p.name for p in shots.glob("*.png"))
    assert len(done.taken) == 15  # one per step of the walk
    assert not outside, f"the page asked for something outside the practice server: {outside}"
    assert not problems, f"the page reported errors (a Content-Security-Policy refusal shows here): {problems}"


def test_without_a_browser_the_walk_is_skipped_with_the_reason_but_in_ci_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium here"):
        _cannot("no chromium here")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser test, but: no chromium here"):
        _cannot("no chromium here")
