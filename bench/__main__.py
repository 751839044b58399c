"""`make bench` / `python -m bench`: the /disagree benchmark (issue 3). Others run by name:

    python -m bench.slack_intake [--requests 50] [--rounds 5] [--database sqlite|postgresql|both]
    python -m bench.sweep [--sizes 10000,100000]     (the timekeeper's sweep, issue 5)
"""

from __future__ import annotations

import sys

from bench import slack_intake

if __name__ == "__main__":
    print("(the timekeeper's sweep benchmark: python -m bench.sweep)")
    sys.exit(slack_intake.main(sys.argv[1:]))
