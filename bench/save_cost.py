"""What saving one filled-in /disagree form costs, measured so that two trees can be compared on a noisy machine.

    .venv/bin/python -m bench.save_cost [--forms 100] [--sequential] [--instructions]

It boots Parley in this process (`app.boot`, SQLite in a temporary directory, the bench's directory
of people, the Slack Web API pointed at the benchmarks' mock), then saves the form of
bench/form_submission.py through the Slack intake's saving step (`handlers.slack.intake._open`: the
checks, the dispute, its record, its reminders, its three Slack messages, the group commit). The
forms come in bursts of 50 through 8 threads, as the server's savers take them (so saves are
grouped as under bench.form_submission), or one after another with --sequential (each its own group).

It prints the process's CPU per form. That moves by a fifth from one run to the next on the shared
machines here; with --instructions it runs itself again under valgrind's callgrind, counting only
the measured forms, and prints the instructions per form, which differ by about 0.2% between runs of
one tree: compare two trees with that (valgrind must be installed: `apt-get install valgrind`).
It measures the saving step only, not the HTTP request around it (bench.form_submission does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.driver import ROOT, SECRET, TEAM, RemoteMock, practitioner, write_directory

PEOPLE = 400
BURST = 50
COUNTED = "PARLEY_SAVE_COST_COUNTED"  # set by --instructions for the run under callgrind


def _callgrind(on: bool) -> None:
    if os.environ.get(COUNTED):
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())], capture_output=True, check=False)


def measure(forms: int, sequential: bool) -> float:
    """CPU seconds per saved form (the forms after a warm-up of 30)."""
    tmp = Path(tempfile.mkdtemp(prefix="parley-save-cost-"))
    mock = RemoteMock()
    try:
        write_directory(tmp / "directory.yaml", PEOPLE)
        os.environ.update({
            "DATABASE_URL": f"sqlite:///{tmp}/parley.db", "PARLEY_POLICY": "bradford", "PARLEY_DIRECTORY": str(tmp / "directory.yaml"),
            "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.api_url,
            "PARLEY_SLACK_CHANNEL": "C0BENCH", "PARLEY_SWEEP_SECONDS": "3600",
        })  # fmt: skip
        subprocess.run([sys.executable, "app.py", "db", "upgrade"], cwd=ROOT, check=True, capture_output=True, timeout=120)
        import app
        from bench.form_submission import _FORM, _POLICY
        from handlers.slack import intake
        from handlers.slack.forms import read_intake
        from tests.slack.harness import fill

        parley = app.boot(app.Settings())
        assert parley is not None and parley.slack is not None, "Parley did not start"
        deps = parley.slack.deps
        answers = {
            "reference": "CSC-2040-1234", "category": "0", "other_agency": "police", "other_description": "duty sergeant",
            "problem": "The referral was closed with no further action.", "outcome": "A strategy discussion this week.",
            "discussed": "yes", "immediate_risk": "no",
        }  # fmt: skip
        form, errors = read_intake(fill(_FORM, answers), _POLICY.categories)
        assert form is not None, errors
        savers = ThreadPoolExecutor(max_workers=8)

        def save(i: int) -> object:
            return intake._open(deps, form, TEAM, practitioner(i % PEOPLE), f"V{uuid.uuid4().hex[:10].upper()}", app.now())

        def run(first: int, n: int) -> None:
            if sequential:
                results = [save(i) for i in range(first, first + n)]
            else:
                results = []
                for start in range(first, first + n, BURST):
                    results += [f.result() for f in [savers.submit(save, i) for i in range(start, min(first + n, start + BURST))]]
            refused = [r for r in results if isinstance(r, dict | intake.Refused)]
            assert not refused, refused[:1]

        run(0, 30)
        _callgrind(True)
        started = time.process_time()
        run(30, forms)
        spent = time.process_time() - started
        _callgrind(False)
        savers.shutdown()
        return spent / forms
    finally:
        mock.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.save_cost", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=100, help="forms measured (default 100, at most 5000)")
    parser.add_argument("--sequential", action="store_true", help="one after another instead of bursts of 50 in 8 threads")
    parser.add_argument("--instructions", action="store_true", help="count instructions under callgrind (see above)")
    args = parser.parse_args(argv)
    forms = max(1, min(args.forms, 5000))
    how = "one after another" if args.sequential else f"in bursts of {BURST} through 8 threads"
    if args.instructions:
        if shutil.which("valgrind") is None:
            print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
            return 2
        out = Path(tempfile.mkdtemp(prefix="parley-callgrind-")) / "callgrind.out"
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        command = [*valgrind, sys.executable, "-m", "bench.save_cost", "--forms", str(forms)]
        done = subprocess.run(command + (["--sequential"] if args.sequential else []), cwd=ROOT, env={**os.environ, COUNTED: "1"},
                              capture_output=True, text=True, check=False)  # fmt: skip
        counted = [line for line in done.stderr.splitlines() if "Collected :" in line]
        if done.returncode != 0 or not counted:
            print(done.stdout[-2000:] + done.stderr[-2000:], file=sys.stderr)
            return 1
        instructions = int(counted[-1].split(":")[1].split()[0])
        print(f"saving a form ({forms} forms, {how}): {instructions / forms / 1000:,.0f} k instructions per form (callgrind)")
        shutil.rmtree(out.parent, ignore_errors=True)
        return 0
    per_form = measure(forms, args.sequential)
    if not os.environ.get(COUNTED):
        print(f"saving a form ({forms} forms, {how}): {per_form * 1000:.3f} ms of the process's CPU per form")
    return 0


if __name__ == "__main__":
    sys.exit(main())
