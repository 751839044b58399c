"""`make bench` / `python -m bench`: every benchmark, one after the other.

    python -m bench.slack_intake [--requests 50] [--rounds 5] [--database sqlite|postgresql|both]   (issue 3)
    python -m bench.form_submission [--requests 50] [--rounds 5] [--database ...] [--profile DIR]   (issue 11)
    python -m bench.sweep [--sizes 10000,100000] [--due 100] [--database sqlite|postgresql|both]    (issue 5)
"""

from __future__ import annotations

import sys

from bench import form_submission, slack_intake, sweep

if __name__ == "__main__":
    if sys.argv[1:]:
        sys.exit("python -m bench takes no options; run python -m bench.slack_intake, bench.form_submission or bench.sweep with yours")
    print("== Slack /disagree intake ==", flush=True)
    intake = slack_intake.main([])
    print("\n== The intake form submitted ==", flush=True)
    form = form_submission.main([])
    print("\n== The timekeeper's sweep ==", flush=True)
    sys.exit(intake or form or sweep.main([]))
