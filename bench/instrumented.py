"""`app.py serve` counted, and optionally profiled, for bench.form_submission.

The server runs unchanged under a small wrapper (`serve_args`). SIGUSR1 starts counting from zero
(sent just before the measured rounds), SIGUSR2 writes the counts as JSON (and the merged profile)
and stops counting. It counts, with SQLAlchemy's engine events, the statements sent and the commits made,
split into those of the outbox delivery passes (`handlers.delivery.deliver_due`, each in a worker
thread with its own event loop) and all the rest (saving and answering the submissions); and for
the delivery passes their threads' CPU time, and that of the thread their database steps run on (a pass still going when counting starts or stops
counted from or to that moment). With a profile file, a
cProfile runs in every thread (the request thread, the worker threads that save disputes, the
delivery passes) while counting, timing each thread's CPU (time.thread_time: a thread waiting for
the GIL, a lock or the disk is not counted); its timings are inflated by the profiler, so compare
them only with each other.
"""

from __future__ import annotations

import pstats
from pathlib import Path

from bench.driver import ROOT

_SERVE = r"""
import contextvars, cProfile, json, os, pstats, runpy, signal, sys, threading, time
from sqlalchemy import event
from sqlalchemy.engine import Engine
import handlers.delivery

out, profile_out, sys.argv = sys.argv[1], sys.argv[2], sys.argv[3:]
lock, on = threading.Lock(), threading.Event()
counts = {}
delivering = contextvars.ContextVar("delivering", default=False)
profiles = []

def zero():
    counts.update(statements=0, commits=0, delivery_statements=0, delivery_commits=0, delivery_cpu=0.0, passes=0)

def bump(name, by=1):
    if on.is_set():
        with lock:
            counts[name] += by

@event.listens_for(Engine, "before_cursor_execute")
def statement(conn, cursor, text, params, context, many):
    bump("delivery_statements" if delivering.get() else "statements")

@event.listens_for(Engine, "commit")
def commit(conn):
    bump("delivery_commits" if delivering.get() else "commits")

real_deliver_due = handlers.delivery.deliver_due
running = {}  # the threads in a delivery pass now: their CPU clock when counting began (or the pass did)

def cpu_of(ident):
    return time.clock_gettime(time.pthread_getcpuclockid(ident))

async def deliver_due(*args, **kwargs):
    token, me = delivering.set(True), threading.get_ident()
    with lock:
        running[me] = cpu_of(me)
    try:
        return await real_deliver_due(*args, **kwargs)
    finally:
        with lock:
            base = running.pop(me)
        bump("delivery_cpu", cpu_of(me) - base)
        bump("passes")
        delivering.reset(token)

handlers.delivery.deliver_due = deliver_due  # before app.py imports the front ends, which import it by name

def profile_here():
    p = cProfile.Profile(time.thread_time)  # CPU time of the thread: waits for the GIL, locks and I/O left out
    with lock:
        profiles.append(p)
    p.enable()  # replaces the hook below in this thread

def hook(frame, event, arg):
    if on.is_set():
        profile_here()

steps = {}  # the delivery passes' database steps run on a thread of their own (handlers/delivery.py)

def step_threads():
    return [t.ident for t in threading.enumerate() if t.name.startswith("parley-delivery") and t.ident]

def start(signum, frame):
    with lock:
        zero()
        for ident in running:
            running[ident] = cpu_of(ident)
        steps.clear()
        steps.update((ident, cpu_of(ident)) for ident in step_threads())
    on.set()
    if profile_out != "-":
        profile_here()

def write(signum, frame):
    with lock:
        for ident, base in running.items():  # passes still going: their CPU so far
            counts["delivery_cpu"] += cpu_of(ident) - base
        for ident in step_threads():  # and the steps' thread (started meanwhile: all its CPU)
            counts["delivery_cpu"] += cpu_of(ident) - steps.get(ident, 0.0)
    on.clear()
    with open(out + ".part", "w") as f:
        json.dump(counts, f)
    os.replace(out + ".part", out)
    if profile_out != "-" and profiles:
        for p in profiles:
            p.create_stats()
        stats = pstats.Stats(profiles[0])
        for p in profiles[1:]:
            stats.add(p)
        stats.dump_stats(profile_out + ".part")
        os.replace(profile_out + ".part", profile_out)

zero()
if profile_out != "-":
    threading.setprofile(hook)
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, write)
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def serve_args(counts: Path, profile: Path | None) -> list[str]:
    """The arguments after `python` that run `app.py serve` counted (and profiled into `profile`)."""
    return ["-c", _SERVE, str(counts), str(profile) if profile else "-", "app.py", "serve"]


def summarise_profile(path: Path, submissions: int, top: int = 25) -> None:
    """The functions that took the most time per submission, in Parley's code and in total."""
    stats = pstats.Stats(str(path))
    waiting = ("SimpleQueue", "epoll", "acquire", "sleep", "select")  # idle threads waiting for work, not work
    rows = [
        (key, ct, tt, nc)
        for key, (cc, nc, tt, ct, callers) in stats.stats.items()  # type: ignore[attr-defined]
        if not any(w in key[2] for w in waiting)
    ]

    def show(title: str, chosen: list, value: int) -> None:
        print(f"  {title}")
        for (file, line, name), ct, tt, nc in chosen[:top]:
            where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
            print(f"    {(ct if value == 1 else tt) / submissions * 1000:8.3f} ms {nc / submissions:7.1f} calls  {name}  ({where})")

    ours = sorted((r for r in rows if str(ROOT) in r[0][0] and "/.venv/" not in r[0][0]), key=lambda r: -r[1])
    print(f"\n  profile of {submissions} submissions (cProfile, all threads; per submission; {path}):")
    show("Parley's functions, by time including what they call:", ours, 1)
    show("all functions, by time in the function itself (waits for work left out):", sorted(rows, key=lambda r: -r[2]), 2)
