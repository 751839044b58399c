"""A known data set for the Board's report: November 2026 (no bank holidays), Bradford's procedure.

Every dispute is opened and moved through the real use cases, so the rows and record entries are
exactly what Parley writes. In the period (1-30 November):

    A  6  CSC -> police, Criteria for referrals, resolved at step 1 after 0,1,2,3,4,4 working days;
          dc.jones gives learning for each (Information sharing; 3 also Recording; 5 want a
          debrief; 2 found the procedure unclear)
    B  5  police -> CSC, Outcomes of assessments, escalated on request at once, resolved at step 2
          after 5 working days, in time
    C  3  CSC -> police, Service provision, urgent: start at step 3 (managers), miss the
          same-working-day timescale, escalated by the sweep to step 4, still open
    D  4  police -> CSC, Criteria for referrals, escalated on request to the last step, closed
          unresolved there in time
    E  2  CSC -> police, Outcomes of assessments, withdrawn
    F  7  CSC -> police, Information sharing and communication, opened 16 Nov, still open at step 1
and G, one dispute raised in October (resolved, with learning: Voice of the child) outside it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bot import due_work
from bot.learning import GiveLearning, give_learning
from tests.builders import at
from tests.report.lifecycle import CALENDAR, POLICY, close_unresolved, escalate, load, open_one, resolve, uow, withdraw

CAT = POLICY.categories
NOW = at(2026, 12, 1, 12)  # the report is run on Tue 1 Dec
A_RESOLVED = [at(2026, 11, 2, 15), at(2026, 11, 3, 15), at(2026, 11, 4, 15), at(2026, 11, 5, 15), at(2026, 11, 6, 11), at(2026, 11, 6, 15)]


def seed_november(engine: Engine) -> dict[str, list[str]]:
    """The data set above; returns the dispute ids of each group."""
    load(engine)
    ids: dict[str, list[str]] = {k: [] for k in "ABCDEFG"}
    ref = iter(range(1, 1000))

    def new(group: str, when: datetime, **kw: object) -> str:
        dispute_id = open_one(engine, when, reference=f"CSC-2026-{next(ref):04d}", **kw)  # type: ignore[arg-type]
        ids[group].append(dispute_id)
        return dispute_id

    g = new("G", at(2026, 10, 28, 10), category=CAT[4])
    resolve(engine, g, at(2026, 10, 29, 10))
    give_learning(GiveLearning(g, "dc.jones", "x", themes=("Voice of the child",)), uow=uow(engine), now=at(2026, 10, 29, 11))
    for _ in range(6):
        new("A", at(2026, 11, 2, 10), category=CAT[0])
    for _ in range(5):
        escalate(engine, new("B", at(2026, 11, 3, 10), raised_by="police", category=CAT[1]), at(2026, 11, 3, 10))
    for _ in range(3):
        new("C", at(2026, 11, 4, 10), category=CAT[3], urgent=True)
    due_work.escalate_overdue(uow=uow(engine), policy=POLICY, calendar=CALENDAR, now=at(2026, 11, 4, 18))
    for _ in range(4):
        close_unresolved(engine, new("D", at(2026, 11, 5, 10), raised_by="police", category=CAT[0]), at(2026, 11, 5, 11))
    for _ in range(2):
        withdraw(engine, new("E", at(2026, 11, 6, 10), category=CAT[1]), at(2026, 11, 9, 10))
    for dispute_id, when in zip(ids["A"], A_RESOLVED, strict=True):
        resolve(engine, dispute_id, when)
    for n, dispute_id in enumerate(ids["A"]):
        themes = ("Information sharing", "Recording") if n < 3 else ("Information sharing",)
        cmd = GiveLearning(dispute_id, "dc.jones", f"Learning point {n}.", debrief_wanted=n < 5, procedure_unclear=n < 2, themes=themes)
        give_learning(cmd, uow=uow(engine), now=at(2026, 11, 9, 12))
    for dispute_id in ids["B"]:
        resolve(engine, dispute_id, at(2026, 11, 10, 9, 30))
    for _ in range(7):
        new("F", at(2026, 11, 16, 10), category=CAT[4])
    return ids


# What the report must say about November (None: shown as "fewer than 5").
EXPECTED = {
    "summary": {"Resolved": 11, "Closed unresolved (decision unchanged)": None, "Withdrawn": None, "Still open": 10,
                "Of all raised: on the urgent path (immediate risk)": None, "Total": 27},
    # Service provision (3) is hidden, so the next smallest (Outcomes of assessments, 7) is hidden with it
    "category": {CAT[0]: 10, CAT[1]: None, CAT[2]: 0, CAT[3]: None, CAT[4]: 7, "Total": 27},
    "agency_pair": {"Children's Social Care → West Yorkshire Police": 18, "West Yorkshire Police → Children's Social Care": 9, "Total": 27},
    "stage_reached": dict(zip([s.name for s in POLICY.stages], [15, 5, 0, None, 0, None], strict=True)) | {"Total": 27},
    "resolved_at_stage": dict(zip([s.name for s in POLICY.stages], [6, 5, 0, 0, 0, 0], strict=True)) | {"Total": 11},
    "resolution_time": {"Median": 4, "90th percentile": 5, "Disputes resolved": 11},
    # (met, missed) per step
    "timescales": dict(zip([s.name for s in POLICY.stages], [(15, 0), (9, 0), (None, None), (None, 0), (None, 0), (None, 0)], strict=True)),
    # 3 (11-20 days: C) is hidden, so 7 (6-10 days: F) is hidden with it
    "open_by_age": {"0 to 5 working days": 0, "6 to 10 working days": None, "11 to 20 working days": None,
                    "21 to 40 working days": 0, "more than 40 working days": 0, "Total": 10},
    "by_month": {"Nov 2026": (27, 11)},
    "learning": {"Information sharing": 6, "Recording": None, "Voice of the child": 0, "Thresholds and criteria": 0},
    "learning_answers": {"Learning answers given": 6, "A debrief would help": 5, "The procedure itself was unclear": None},
}
