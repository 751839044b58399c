"""What the chaos test concludes from the mocks' call logs and the database, as figures.

Slack, exactly once: every outbox row is a message with a key, and every post Parley makes carries
its key in the message metadata, so the mock's stored messages say how many times each row
reached Slack: more than once is a duplicate; a row marked sent that Slack never stored, or a row
still pending or failed at the end, is lost. (Root updates edit a message in place: not counted.) A
direct message to someone in a Slack workspace Parley is not installed in fails by design; it is
counted apart, and the dispute must record that person as unreachable.

Teams, at most once per in-doubt window: the connector has no such look-up, so a post whose answer
never came back (the mock hung, or the process was killed between the connector carrying it out and
Parley recording it) may be sent again once. Duplicates are counted as successful posts of the same
body to the same conversation beyond the first, and must not outnumber the in-doubt windows (the
answers the mock says it lost, plus the kills).

Timescales: each one the test ran out (`pulls`, by dispute and stage) is acted on by the sweep exactly
once (escalated automatically, or recorded as missed where the policy says remind and wait), unless a
person ended that stage first (escalated it, or the dispute ended); nothing is escalated twice from one
stage. Reminders: none is queued after the escalation that ended its stage.
"""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa

OTHER_WORKSPACE = "Parley's Slack token is for workspace"  # handlers/slack/sender.py's words for it
ESCALATION_LINE = re.compile(r":slack:[^:]+:v\d+:\d+:escalated$")
REMINDER = re.compile(r":slack:[^:]+:nudge:s(\d+):")


def judge(engine: sa.Engine, slack_log: dict, teams_log: dict, pulls: Counter[tuple[str, int]], stage_ids: list[str]) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, key, dispute_id, platform, delivery, status, last_error FROM outbox ORDER BY id")).all()
        told = set(conn.execute(sa.text("SELECT DISTINCT dispute_id FROM record_entries WHERE kind = 'person unreachable'")).scalars())
        entries = conn.execute(
            sa.text("SELECT dispute_id, kind, details FROM record_entries WHERE kind IN ('timescale missed', 'escalated') ORDER BY dispute_id, seq")
        ).all()
        ended = set(conn.execute(sa.text("SELECT id FROM disputes WHERE NOT active")).scalars())
        nudges = dict(conn.execute(sa.text("SELECT status, count(*) FROM nudges GROUP BY status")).all())
        opened = conn.scalar(sa.text("SELECT count(*) FROM disputes")) or 0
    stored = Counter(m["key"] for m in slack_log["stored"] if m["key"])
    # a DM to someone in a Slack workspace Parley's token is not for can't be sent: by design it is failed and the
    # person reported unreachable in the dispute (so the raiser knows), never silently dropped
    elsewhere = [r for r in rows if r.status == "failed" and (r.last_error or "").startswith(OTHER_WORKSPACE)]
    failed = [r for r in rows if r.status == "failed" and r not in elsewhere]
    slack_posts = [r for r in rows if r.platform == "slack" and r.delivery != "root update"]
    duplicates = sum(1 for r in slack_posts if stored[r.key] > 1)
    lost = sum(1 for r in slack_posts if r.status == "sent" and stored[r.key] == 0) + sum(1 for r in rows if r.status == "pending")
    teams_posts = Counter(
        (c["conversation"], c["body"]) for c in teams_log["calls"] if c["kind"] in ("send", "reply") and 200 <= c["status"] < 300
    )

    swept: Counter[tuple[str, str]] = Counter()  # (dispute, stage id) the sweep acted on
    by_person: set[tuple[str, str]] = set()  # (dispute, stage id) a person escalated from
    escalated_from: Counter[tuple[str, str]] = Counter()
    for e in entries:
        details = e.details or {}
        if e.kind == "timescale missed":
            swept[(e.dispute_id, details.get("stage_id", ""))] += 1
            continue
        escalated_from[(e.dispute_id, details.get("from_stage", ""))] += 1
        if details.get("automatic"):
            swept[(e.dispute_id, details.get("from_stage", ""))] += 1
        else:
            by_person.add((e.dispute_id, details.get("from_stage", "")))
    pulled = {(d, stage_ids[i]) for (d, i) in pulls}
    not_acted = sum(1 for k in pulled if swept[k] == 0 and k not in by_person and k[0] not in ended)
    acted_twice = sum(1 for k in set(pulled) | set(swept) if swept[k] > 1)
    unasked = sum(1 for k in swept if k not in pulled)  # the sweep acting on a timescale that had not run out

    after_end = 0
    stage: dict[str, int] = {}
    for r in rows:
        if not r.dispute_id:
            continue
        if ESCALATION_LINE.search(r.key):
            stage[r.dispute_id] = stage.get(r.dispute_id, 0) + 1
        elif (m := REMINDER.search(r.key)) and int(m.group(1)) != stage.get(r.dispute_id, 0):
            after_end += 1
    return {
        "disputes opened": opened,
        "messages": len(rows),
        "slack posts": len(slack_posts),
        "slack calls": len(slack_log["calls"]),
        "slack duplicates": duplicates,
        "lost": lost,
        "failed": len(failed),
        "undeliverable by design (another Slack workspace)": len(elsewhere),
        "of those, not reported unreachable": sum(1 for r in elsewhere if r.dispute_id not in told),
        "teams posts": sum(teams_posts.values()),
        "teams duplicates": sum(c - 1 for c in teams_posts.values() if c > 1),
        "teams answers lost": teams_log["answers_lost"],
        "slack answers lost": slack_log["answers_lost"],
        "timescales run out": len(pulled),
        "escalated by the sweep or recorded missed": sum(swept.values()),
        "stages a person escalated first": len(pulled & by_person),
        "timescales not acted on": not_acted,
        "timescales acted on twice": acted_twice,
        "acted on before due": unasked,
        "escalations": sum(escalated_from.values()),
        "escalated twice from one stage": sum(c - 1 for c in escalated_from.values() if c > 1),
        "reminders queued": sum(1 for r in rows if REMINDER.search(r.key)),
        "nudges sent": nudges.get("sent", 0),
        "nudges skipped": nudges.get("skipped", 0),
        "reminders after their stage ended": after_end,
    }
